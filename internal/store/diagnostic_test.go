package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/campaign"
	"vitrine/internal/diagnostic"
	"vitrine/internal/mail"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
	"vitrine/internal/training"
)

// record scores answers into a record ready to store.
func record(t testing.TB, a maturity.Answers, p diagnostic.Profile, sessionID int64) diagnostic.Record {
	t.Helper()
	q := maturity.Current()
	out, err := diagnostic.Evaluate(q, plan.Current(), a, "fr", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	r := out.Result
	return diagnostic.Record{Version: q.Version, RulesVersion: plan.Current().Version, Lang: "fr", Answers: a,
		Profile: p, SessionID: sessionID, Level: r.Level, Index: r.Index, Dimensions: r.Dimensions, Answered: r.Answered}
}

// answersAll answers every question with the option at position i (or the
// last non-"don't know" one).
func answersAll(i int) maturity.Answers {
	a := maturity.Answers{}
	for _, d := range maturity.Current().Dimensions {
		for _, x := range d.Questions {
			j := min(i, len(x.Options)-2)
			a[x.ID] = []string{x.Options[j].ID}
		}
	}
	return a
}

func mustCreate(t *testing.T, st *store.Store, n store.NewDiagnostic) (int64, string) {
	t.Helper()
	tok, hash := diagnostic.NewToken(time.Now())
	n.TokenHash = hash
	rec, err := st.Diagnostics.Create(context.Background(), n, now)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == 0 || !rec.CompletedAt.Equal(now) {
		t.Fatalf("created %+v", rec)
	}
	return rec.ID, tok
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) == 1 {
		return e.Fields[0].Field
	}
	return ""
}

func TestDiagnosticsStoreAndLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		shop := diagnostic.Profile{CommuneNIS: "52012", Sector: "food", ShopName: "Au cœur du goût", Email: "Zoe@Example.org"}
		low := record(t, answersAll(0), shop, 0)
		id1, tok1 := mustCreate(t, st, store.NewDiagnostic{Record: low, Mail: &mail.Message{Kind: "diagnostic_result", MessageID: "m1@x", To: shop.Email, Subject: "s", Text: "t"}})

		got, err := st.Diagnostics.ByToken(ctx, diagnostic.Hash(tok1))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != id1 || got.Level != low.Level || got.Index != low.Index || got.Profile != shop || got.FirstID != 0 ||
			len(got.Dimensions) != 6 || got.Dimensions[0].ID != "visibility" || got.Dimensions[0].Score != low.Dimensions[0].Score ||
			len(got.Answers) != 35 || !got.CompletedAt.Equal(now) {
			t.Fatalf("read back %+v\nwant %+v", got, low)
		}
		if _, err := st.Diagnostics.ByToken(ctx, diagnostic.Hash("dg_nope")); !errors.Is(err, store.ErrDiagnosticNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		mails, _ := st.Outbox.List(ctx, store.OutboxFilter{RefType: store.MailRefDiagnostic, RefID: id1})
		if len(mails) != 1 {
			t.Errorf("mails about the diagnostic: %d, want 1", len(mails))
		}

		// The same email, later: linked by email, progress hidden until proved.
		later := record(t, answersAll(2), diagnostic.Profile{CommuneNIS: "52012", Sector: "food", Email: "zoe@example.ORG"}, 0)
		_, tok2 := mustCreate(t, st, store.NewDiagnostic{Record: later, MailKeyHash: diagnostic.Hash("dk_key")})
		got2, _ := st.Diagnostics.ByToken(ctx, diagnostic.Hash(tok2))
		if got2.FirstID != id1 || got2.FirstVia != diagnostic.LinkEmail || got2.ShowsProgress() {
			t.Fatalf("linked by email: first %d via %q shows %v", got2.FirstID, got2.FirstVia, got2.ShowsProgress())
		}
		if ok, _ := st.Diagnostics.VerifyEmail(ctx, diagnostic.Hash(tok2), diagnostic.Hash("dk_wrong"), now); ok {
			t.Error("a wrong mail key verified the email")
		}
		if ok, err := st.Diagnostics.VerifyEmail(ctx, diagnostic.Hash(tok2), diagnostic.Hash("dk_key"), now); !ok || err != nil {
			t.Errorf("verify: %v %v", ok, err)
		}
		got2, _ = st.Diagnostics.ByToken(ctx, diagnostic.Hash(tok2))
		if !got2.ShowsProgress() {
			t.Error("progress hidden after the mailed link was opened")
		}

		// A third, from the second's token: linked to the first, by token.
		third := record(t, answersAll(3), diagnostic.Profile{CommuneNIS: "52012", Sector: "food"}, 0)
		id3, _ := mustCreate(t, st, store.NewDiagnostic{Record: third, PreviousTokenHash: diagnostic.Hash(tok2)})
		got3, _ := st.Diagnostics.Get(ctx, id3)
		if got3.FirstID != id1 || got3.FirstVia != diagnostic.LinkToken || !got3.ShowsProgress() {
			t.Errorf("linked by token: first %d via %q", got3.FirstID, got3.FirstVia)
		}

		// Unknown previous token or session: field errors, nothing written.
		_, err = st.Diagnostics.Create(ctx, store.NewDiagnostic{TokenHash: "h1", Record: third, PreviousTokenHash: diagnostic.Hash("dg_x")}, now)
		if fieldOf(err) != "previous_token" {
			t.Errorf("unknown previous token: %v", err)
		}
		withSession := record(t, answersAll(1), shop, 424242)
		if _, err := st.Diagnostics.Create(ctx, store.NewDiagnostic{TokenHash: "h2", Record: withSession}, now); fieldOf(err) != "session_id" {
			t.Errorf("unknown session: %v", err)
		}
		// The same token twice is a conflict, not a crash.
		if _, err := st.Diagnostics.Create(ctx, store.NewDiagnostic{TokenHash: diagnostic.Hash(tok1), Record: third}, now); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("token reused: %v", err)
		}

		// Mailing the link: sets the email, links by email, at most MaxLinkMails.
		anon := record(t, answersAll(1), diagnostic.Profile{CommuneNIS: "52012", Sector: "food"}, 0)
		id4, tok4 := mustCreate(t, st, store.NewDiagnostic{Record: anon})
		m := mail.Message{Kind: "diagnostic_link", Subject: "s", Text: "t", To: "zoe@example.org"}
		for i := range store.MaxLinkMails {
			m.MessageID = "link" + string(rune('a'+i)) + "@x"
			if err := st.Diagnostics.MailLink(ctx, diagnostic.Hash(tok4), "zoe@example.org", "zoe@example.org", diagnostic.Hash("dk_4"), m, now); err != nil {
				t.Fatal(err)
			}
		}
		m.MessageID = "one-too-many@x"
		if err := st.Diagnostics.MailLink(ctx, diagnostic.Hash(tok4), "zoe@example.org", "zoe@example.org", diagnostic.Hash("dk_4"), m, now); !errors.Is(err, store.ErrTooManyLinkMails) {
			t.Errorf("mail number %d: %v", store.MaxLinkMails+1, err)
		}
		got4, _ := st.Diagnostics.Get(ctx, id4)
		if got4.Profile.Email != "zoe@example.org" || got4.FirstID != id1 || got4.FirstVia != diagnostic.LinkEmail {
			t.Errorf("after mailing the link: %+v", got4)
		}
	})
}

func TestDiagnosticDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tok, hash := diagnostic.NewToken(time.Now())
		id, err := st.Diagnostics.CreateDraft(ctx, hash, diagnostic.Draft{Version: "v1", Lang: "fr"}, now)
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.Diagnostics.Draft(ctx, diagnostic.Hash(tok))
		if err != nil || d.ID != id || d.Step != 1 || len(d.Answers) != 0 || !d.MailedAt.IsZero() {
			t.Fatalf("new draft %+v %v", d, err)
		}
		d.Step, d.Answers = 3, maturity.Answers{"listing": {"claimed"}, "payment": {"card", "mobile"}}
		d.Profile = diagnostic.Profile{CommuneNIS: "52012", Sector: "food", Email: "a@b.be"}
		resume := &mail.Message{Kind: "diagnostic_resume", MessageID: "r1@x", To: "a@b.be", Subject: "s", Text: "t"}
		for i := range 2 {
			resume.MessageID = "r" + string(rune('1'+i)) + "@x"
			if err := st.Diagnostics.SaveDraft(ctx, d, resume, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		d, _ = st.Diagnostics.Draft(ctx, hash)
		if d.Step != 3 || len(d.Answers["payment"]) != 2 || d.Profile.CommuneNIS != "52012" || d.MailedAt.IsZero() {
			t.Errorf("saved draft %+v", d)
		}
		mails, _ := st.Outbox.List(ctx, store.OutboxFilter{RefType: store.MailRefDraft, RefID: id})
		if len(mails) != 1 {
			t.Errorf("resume link mailed %d times, want once", len(mails))
		}
		if _, err := st.Diagnostics.CreateDraft(ctx, "other", diagnostic.Draft{Version: "v1", SessionID: 999}, now); fieldOf(err) != "session_id" {
			t.Errorf("draft for an unknown session: %v", err)
		}

		// Completing it deletes the draft and keeps the token.
		d.Answers = answersAll(1)
		rec := record(t, d.Answers, d.Profile, 0)
		if _, err := st.Diagnostics.Create(ctx, store.NewDiagnostic{TokenHash: hash, Record: rec, DraftID: d.ID}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Diagnostics.Draft(ctx, hash); !errors.Is(err, store.ErrDraftNotFound) {
			t.Errorf("draft after completion: %v", err)
		}
		if _, err := st.Diagnostics.ByToken(ctx, hash); err != nil {
			t.Errorf("diagnostic by the draft's token: %v", err)
		}

		// Stale drafts go.
		st.Diagnostics.CreateDraft(ctx, "old", diagnostic.Draft{Version: "v1"}, now.Add(-100*24*time.Hour))
		st.Diagnostics.CreateDraft(ctx, "fresh", diagnostic.Draft{Version: "v1"}, now)
		if n, err := st.Diagnostics.DeleteStaleDrafts(ctx, now.Add(-diagnostic.DraftLifetime)); n != 1 || err != nil {
			t.Errorf("stale drafts deleted: %d %v", n, err)
		}
	})
}

func TestWorkshopRoom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Atelier", CommuneNIS: "52012", Venue: "Salle",
			StartsAt: now.Add(time.Hour), EndsAt: now.Add(3 * time.Hour), Capacity: 30}, now)
		if err != nil {
			t.Fatal(err)
		}
		code, err := st.Diagnostics.WorkshopCode(ctx, s.ID, now)
		if err != nil || !diagnostic.ValidWorkshopCode(code) {
			t.Fatalf("code %q %v", code, err)
		}
		if again, _ := st.Diagnostics.WorkshopCode(ctx, s.ID, now); again != code {
			t.Errorf("second code %q, first %q", again, code)
		}
		if id, err := st.Diagnostics.SessionByWorkshopCode(ctx, code); id != s.ID || err != nil {
			t.Errorf("session by code: %d %v", id, err)
		}
		if _, err := st.Diagnostics.SessionByWorkshopCode(ctx, "zzzzzz"); !errors.Is(err, store.ErrWorkshopNotFound) {
			t.Errorf("unknown code: %v", err)
		}
		if _, err := st.Diagnostics.WorkshopCode(ctx, 777, now); !errors.Is(err, store.ErrSessionNotFound) {
			t.Errorf("code for an unknown session: %v", err)
		}

		shop := diagnostic.Profile{CommuneNIS: "52012", Sector: "food"}
		var sum [6]float64
		for i := range 3 {
			r := record(t, answersAll(i), shop, s.ID)
			for j, d := range r.Dimensions {
				sum[j] += d.Score
			}
			mustCreate(t, st, store.NewDiagnostic{Record: r})
		}
		mustCreate(t, st, store.NewDiagnostic{Record: record(t, answersAll(4), shop, 0)}) // another room
		tally, err := st.Diagnostics.RoomTally(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range tally.Levels {
			total += n
		}
		if tally.Answered != 3 || total != 3 || len(tally.Averages) != 6 {
			t.Fatalf("tally %+v", tally)
		}
		for j, d := range maturity.Current().Dimensions {
			if got, want := tally.Averages[d.ID], sum[j]/3; got < want-0.05 || got > want+0.05 {
				t.Errorf("%s average %.2f, want %.2f", d.ID, got, want)
			}
		}
		if c, _ := st.Diagnostics.TrainingCandidates(ctx, "52012", []string{"map-listings"}, now); len(c) != 0 {
			t.Errorf("training candidates before the catalogue exists: %v", c)
		}
	})
}

// Diagnostics submitted at once share transactions; each still gets its
// own result, and one's error does not fail the others.
func TestDiagnosticsCreatedTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rec := record(t, answersAll(1), diagnostic.Profile{CommuneNIS: "52012", Sector: "food"}, 0)
		const n = 60
		type result struct {
			id  int64
			err error
		}
		results := make([]result, n)
		_, dupHash := diagnostic.NewToken(time.Now())
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, hash := diagnostic.NewToken(time.Now())
				nd := store.NewDiagnostic{TokenHash: hash, Record: rec}
				switch i {
				case 7:
					nd.PreviousTokenHash = diagnostic.Hash("dg_unknown")
				case 20, 21:
					nd.TokenHash = dupHash
				case 30:
					nd.Record.Profile.Email = "same@example.org"
					nd.Mail = &mail.Message{Kind: "diagnostic_result", MessageID: "same@x", To: "same@example.org", Subject: "s", Text: "t"}
				}
				r, err := st.Diagnostics.Create(ctx, nd, now)
				results[i] = result{r.ID, err}
			}()
		}
		wg.Wait()
		ids := map[int64]bool{}
		conflicts := 0
		for i, r := range results {
			switch {
			case i == 7:
				if fieldOf(r.err) != "previous_token" {
					t.Errorf("unknown previous token: %v", r.err)
				}
			case (i == 20 || i == 21) && r.err != nil:
				if apperr.KindOf(r.err) != apperr.Conflict {
					t.Errorf("same token twice: %v", r.err)
				}
				conflicts++
			case r.err != nil:
				t.Errorf("diagnostic %d: %v", i, r.err)
			case r.id == 0 || ids[r.id]:
				t.Errorf("diagnostic %d: id %d", i, r.id)
			default:
				ids[r.id] = true
			}
		}
		var rows, scores, mails int
		st.DB.Reader().QueryRow("SELECT COUNT(*) FROM diagnostics").Scan(&rows)
		st.DB.Reader().QueryRow("SELECT COUNT(*) FROM diagnostic_scores").Scan(&scores)
		st.DB.Reader().QueryRow("SELECT COUNT(*) FROM outbox").Scan(&mails)
		if conflicts != 1 || rows != n-2 || scores != 6*(n-2) || mails != 1 || len(ids) != n-2 {
			t.Errorf("conflicts %d, rows %d, scores %d, mails %d, ids %d", conflicts, rows, scores, mails, len(ids))
		}
	})
}

// A plan's trainings come from the catalogue: open sessions of modules that
// teach a needed skill, placed from the shop's commune, with what the shop
// pays with vouchers.
func TestTrainingCandidatesFromTheCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		d, err := campaign.NewDemo(now, brussels)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.LoadDemo(ctx, d, now); err != nil {
			t.Fatal(err)
		}
		offers, err := st.Trainings.Catalogue(ctx, store.CatalogueFilter{Level: -1, From: now})
		if err != nil {
			t.Fatal(err)
		}
		// Every skill some demo module teaches, and the open sessions of each.
		want := map[string]int{}
		for _, o := range offers {
			for _, id := range o.Module.Skills {
				want[id] += len(o.Sessions)
			}
		}
		if len(want) == 0 {
			t.Fatal("the demo catalogue teaches no skill")
		}
		for skill, n := range want {
			got, err := st.Diagnostics.TrainingCandidates(ctx, "52012", []string{skill}, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Errorf("%s: %d candidates, want the %d sessions teaching it", skill, len(got), n)
			}
			for _, c := range got {
				if !slices.Contains(c.Skills, skill) || c.SeatsLeft <= 0 || !c.Start.After(now) || c.Title == "" || c.Provider == "" {
					t.Errorf("%s: candidate %+v", skill, c)
				}
				if c.Format == plan.Online && c.DistanceKm != 0 {
					t.Errorf("%s: online session %s is %.1f km away", skill, c.SessionID, c.DistanceKm)
				}
				if c.VoucherCostCents > c.PriceCents || (!c.VoucherEligible && c.VoucherCostCents != c.PriceCents) {
					t.Errorf("%s: session %s costs %d with vouchers, %d without", skill, c.SessionID, c.VoucherCostCents, c.PriceCents)
				}
			}
		}
		// In person, the distance is the one from the shop's commune: far
		// from Arlon, near from Châtelet, for the same sessions.
		var skill string
		for _, o := range offers {
			if o.Module.Format == training.InPerson && len(o.Sessions) > 0 {
				skill = o.Module.Skills[0]
				break
			}
		}
		near, _ := st.Diagnostics.TrainingCandidates(ctx, "52012", []string{skill}, now)
		far, _ := st.Diagnostics.TrainingCandidates(ctx, "81001", []string{skill}, now)
		if len(near) == 0 || len(near) != len(far) {
			t.Fatalf("%d candidates from Châtelet, %d from Arlon", len(near), len(far))
		}
		closer := 0
		for i := range near {
			if near[i].Format == plan.InPerson && near[i].DistanceKm < far[i].DistanceKm {
				closer++
			}
		}
		if closer == 0 {
			t.Error("no in-person session is nearer to Châtelet than to Arlon")
		}
		// A session that has started is no longer offered.
		later := offers[0].Sessions[0].StartsAt().Add(time.Hour)
		got, _ := st.Diagnostics.TrainingCandidates(ctx, "52012", offers[0].Module.Skills, later)
		for _, c := range got {
			if c.SessionID == strconv.FormatInt(offers[0].Sessions[0].ID, 10) {
				t.Error("a session that has started is still offered")
			}
		}
	})
}

// BenchmarkTrainingCandidates is the search for a plan's trainings as a
// submission runs it, the catalogue (the demo's) read already: the skills
// of a plan, from one commune.
func BenchmarkTrainingCandidates(b *testing.B) {
	st := storetest.Open(b, store.SQLite)
	ctx := context.Background()
	d, err := campaign.NewDemo(now, brussels)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.LoadDemo(ctx, d, now); err != nil {
		b.Fatal(err)
	}
	out, err := diagnostic.Evaluate(maturity.Current(), plan.Current(), answersAll(1), "fr", nil, now)
	if err != nil {
		b.Fatal(err)
	}
	skills := out.Plan.SkillIDs()
	c, err := st.Diagnostics.TrainingCandidates(ctx, "52012", skills, now)
	if err != nil || len(c) == 0 {
		b.Fatalf("%d candidates for %v: %v", len(c), skills, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Diagnostics.TrainingCandidates(ctx, "52012", skills, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(c)), "candidates")
}

// The lookups that name a session, an email or a first diagnostic use the
// partial indexes that leave NULL out (SQLite's plan; PostgreSQL chooses
// by its statistics, and the functional tests run on both).
func TestDiagnosticLookupsUseIndexes(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	for q, index := range map[string]string{
		"SELECT COALESCE(first_id, id) FROM diagnostics WHERE email_key = $1 AND id <> $2 ORDER BY completed_at, id LIMIT 1": "diagnostics_email",
		"SELECT level, COUNT(*) FROM diagnostics WHERE info_session_id = $1 AND $2 = $2 GROUP BY level":                      "diagnostics_session",
		"SELECT id FROM diagnostics WHERE first_id = $1 AND $2 = $2":                                                         "diagnostics_first",
	} {
		rows, err := st.DB.Reader().Query("EXPLAIN QUERY PLAN "+q, "x", 1)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "INDEX "+index+" ") {
			t.Errorf("%s\nplan %q, want the index %s", q, plan, index)
		}
	}
}

// The group commit writes its groups under synchronous=NORMAL and flushes
// the WAL itself before answering; the writer is back to FULL afterwards,
// for every other transaction.
func TestDiagnosticGroupLeavesWriterFull(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	createAtOnce(t, st, 20)
	writerIsFull(t, st)
}

// createAtOnce creates n diagnostics from as many goroutines, so that the
// group commit gathers them.
func createAtOnce(t *testing.T, st *store.Store, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mustCreate(t, st, store.NewDiagnostic{Record: record(t, answersAll(1+i%3), diagnostic.Profile{CommuneNIS: "52012", Sector: "food"}, 0)})
		}()
	}
	wg.Wait()
}

// writerIsFull checks that the SQLite writer is back to synchronous=FULL
// after a group commit wrote under NORMAL (see txSyncLater).
func writerIsFull(t *testing.T, st *store.Store) {
	t.Helper()
	if st.DB.Engine != store.SQLite {
		return
	}
	var mode int
	if err := st.DB.Writer().QueryRow("PRAGMA synchronous").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 2 {
		t.Errorf("the writer is left at synchronous=%d, want 2 (FULL)", mode)
	}
}

// A SQLite path is the file's own name, "%", "?" and "#" included, and the
// group commit flushes the WAL SQLite writes beside that file.
func TestSQLitePathTakenAsItIs(t *testing.T) {
	path := strings.TrimPrefix(storetest.DSN(t, store.SQLite), "sqlite:")
	odd := filepath.Join(filepath.Dir(path), "vitrine%20 ?#1.db")
	if err := os.Rename(path, odd); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), "sqlite:"+odd)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	createAtOnce(t, store.New(db), 20)
	var n int
	if err := db.Reader().QueryRow("SELECT COUNT(*) FROM diagnostics").Scan(&n); err != nil || n != 20 {
		t.Errorf("%d diagnostics read back (%v), want 20", n, err)
	}
	if _, err := os.Stat(odd + "-wal"); err != nil {
		t.Errorf("no WAL beside the database: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(odd)); len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files %q, want the database, its WAL and its shared memory", names)
	}
}
