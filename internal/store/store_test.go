package store_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/funding"
	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
	"vitrine/internal/training"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// The two engines' migrations must give the same tables and columns.
func TestMigrationsMatch(t *testing.T) {
	schemas := map[store.Engine]map[string][]string{}
	for _, e := range storetest.Engines {
		st := storetest.Open(t, e)
		schemas[e] = schemaOf(t, st.DB)
	}
	sq, pg := schemas[store.SQLite], schemas[store.Postgres]
	if len(sq) == 0 {
		t.Fatal("no tables on SQLite")
	}
	for table, cols := range sq {
		if strings.Join(cols, ",") != strings.Join(pg[table], ",") {
			t.Errorf("table %s: sqlite %v, postgres %v", table, cols, pg[table])
		}
	}
	for table := range pg {
		if _, ok := sq[table]; !ok {
			t.Errorf("table %s exists on PostgreSQL only", table)
		}
	}
}

func schemaOf(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	q := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`
	if db.Engine == store.SQLite {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := db.Reader().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], col)
	}
	for _, cols := range out {
		sort.Strings(cols)
	}
	return out
}

func TestCommunesSeededAndImported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		list, err := st.Communes.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 261 {
			t.Fatalf("communes = %d, want 261", len(list))
		}
		c, err := st.Communes.Get(ctx, "52012")
		if err != nil || c.Name != "Châtelet" || !c.IsCity || c.Phase != 1 || len(c.PostalCodes) == 0 {
			t.Fatalf("Châtelet = %+v, %v", c, err)
		}
		// Migrating again must not add or change anything.
		if err := st.DB.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// An import updates one commune, adds none, and keeps the phase.
		if err := st.Communes.SetPhase(ctx, "52012", 2, now); err != nil {
			t.Fatal(err)
		}
		all, _ := commune.Embedded()
		for i := range all {
			if all[i].NIS == "52012" {
				all[i].Population = 99999
			}
		}
		res, err := st.Communes.Upsert(ctx, all, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 0 || res.Updated != 1 || res.Unchanged != 260 {
			t.Errorf("upsert = %+v, want 1 updated, 260 unchanged", res)
		}
		c, _ = st.Communes.Get(ctx, "52012")
		if c.Population != 99999 || c.Phase != 2 {
			t.Errorf("after import: population %d phase %d", c.Population, c.Phase)
		}
		d, err := st.Communes.Directory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := d.Resolve("6200"); err != nil || got.NIS != "52012" {
			t.Errorf("directory resolve 6200 = %v, %v", got.NIS, err)
		}
		if _, err := st.Communes.Get(ctx, "99999"); !errors.Is(err, store.ErrCommuneNotFound) {
			t.Errorf("unknown commune: %v", err)
		}
	})
}

func TestUsersLinksAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u, err := st.Users.Create(ctx, staff.User{Email: "Anne@Example.ORG", Role: staff.Admin}, now)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Email != "Anne@example.org" {
			t.Fatalf("created %+v", u)
		}
		if _, err := st.Users.Create(ctx, staff.User{Email: "anne@example.org", Role: staff.Consultant}, now); !errors.Is(err, store.ErrUserExists) {
			t.Errorf("duplicate email: %v", err)
		}
		if _, err := st.Users.Create(ctx, staff.User{Email: "x@", Role: staff.Admin}, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("bad email: %v", err)
		}
		if _, err := st.Users.Create(ctx, staff.User{Email: "c@example.org", Role: staff.Commune, CommuneNIS: "00000"}, now); !errors.Is(err, store.ErrCommuneNotFound) {
			t.Errorf("unknown commune: %v", err)
		}

		link, err := st.Users.NewLoginLink(ctx, u.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.Users.UseLoginLink(ctx, link, now.Add(time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("use link: %+v %v", got, err)
		}
		if _, err := st.Users.UseLoginLink(ctx, link, now.Add(2*time.Minute)); !errors.Is(err, store.ErrLinkInvalid) {
			t.Errorf("second use: %v", err)
		}
		late, _ := st.Users.NewLoginLink(ctx, u.ID, now)
		if _, err := st.Users.UseLoginLink(ctx, late, now.Add(staff.LoginLinkTTL+time.Second)); !errors.Is(err, store.ErrLinkInvalid) {
			t.Errorf("expired link: %v", err)
		}

		tok, err := st.Users.NewToken(ctx, u.ID, "scripts", now)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.Users.ByToken(ctx, tok, now); err != nil || got.Email != u.Email || got.Role != staff.Admin {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if _, err := st.Users.ByToken(ctx, tok+"x", now); !errors.Is(err, store.ErrTokenInvalid) {
			t.Errorf("wrong token: %v", err)
		}
		if err := st.Users.Disable(ctx, u.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Users.ByToken(ctx, tok, now); !errors.Is(err, store.ErrTokenInvalid) {
			t.Errorf("token of a disabled account: %v", err)
		}
	})
}

func TestSessionsCapacity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		d := sessions.Draft{Title: "Atelier découverte", CommuneNIS: "52012", Venue: "Hôtel de ville",
			StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 30}
		s, err := st.Sessions.Create(ctx, d, now)
		if err != nil {
			t.Fatal(err)
		}
		if s.Town != "Châtelet" || s.SeatsLeft() != 30 || !s.StartsAt.Equal(d.StartsAt) {
			t.Fatalf("created %+v", s)
		}
		d.Capacity = 10
		if s, err = st.Sessions.Update(ctx, s.ID, d, now); err != nil || s.Capacity != 10 {
			t.Fatalf("update: %+v %v", s, err)
		}
		if _, err := st.DB.Writer().Exec("UPDATE info_sessions SET confirmed = 8 WHERE id = $1", s.ID); err != nil {
			t.Fatal(err)
		}
		d.Capacity = 7
		_, err = st.Sessions.Update(ctx, s.ID, d, now)
		if !errors.Is(err, store.ErrCapacityTooSmall) {
			t.Fatalf("capacity below confirmed: %v", err)
		}
		d.CommuneNIS = "11111"
		d.Capacity = 20
		if _, err := st.Sessions.Update(ctx, s.ID, d, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("unknown commune: %v", err)
		}
		list, err := st.Sessions.List(ctx, store.SessionFilter{From: now, CommuneNIS: []string{"52012"}})
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		if list, _ := st.Sessions.List(ctx, store.SessionFilter{From: now.Add(72 * time.Hour)}); len(list) != 0 {
			t.Errorf("from filter kept %d", len(list))
		}
	})
}

func TestProvidersAndBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		p := training.Provider{Slug: "technobel", Name: "Technobel", Kind: training.CompetenceCentre,
			Sites: []training.Site{{Slug: "technobel-ciney", Name: "Ciney", CommuneNIS: "91030", Latitude: 50.29, Longitude: 5.1}}}
		a, err := st.Providers.Ensure(ctx, p, now)
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.Providers.Ensure(ctx, p, now)
		if err != nil || a.ID != b.ID || a.Sites[0].ID != b.Sites[0].ID {
			t.Fatalf("ensure twice: %+v %+v %v", a, b, err)
		}
		list, _ := st.Providers.List(ctx)
		if len(list) != 1 || len(list[0].Sites) != 1 {
			t.Errorf("providers = %+v", list)
		}
		line := funding.BudgetLine{Name: "Campagne", Year: 2027, Amount: funding.Euros(400_000)}
		id1, _ := st.Budget.EnsureLine(ctx, line, now)
		id2, err := st.Budget.EnsureLine(ctx, line, now)
		if err != nil || id1 != id2 {
			t.Errorf("budget line twice: %d %d %v", id1, id2, err)
		}
	})
}

func TestWebSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ws := st.WebSessions
		if err := ws.CommitCtx(ctx, "tok", []byte("a"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := ws.CommitCtx(ctx, "tok", []byte("b"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		b, ok, err := ws.FindCtx(ctx, "tok")
		if err != nil || !ok || string(b) != "b" {
			t.Fatalf("find = %q %v %v", b, ok, err)
		}
		ws.CommitCtx(ctx, "old", []byte("x"), time.Now().Add(-time.Minute))
		if _, ok, _ := ws.FindCtx(ctx, "old"); ok {
			t.Error("expired session found")
		}
		if n, err := ws.DeleteExpired(ctx, time.Now()); err != nil || n != 1 {
			t.Errorf("delete expired = %d %v", n, err)
		}
		ws.DeleteCtx(ctx, "tok")
		if _, ok, _ := ws.FindCtx(ctx, "tok"); ok {
			t.Error("deleted session found")
		}
	})
}
