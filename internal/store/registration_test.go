package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// One batch of the group commit holding every case at once: seats, then the
// waiting list in arrival order, an address registered before, the same
// address twice in the batch, a closed session, and a second session. On
// PostgreSQL the pipelined transaction writes the new ones and leaves the
// other three to run alone.
func TestRegistrationBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		composer, err := mail.NewComposer(i18n.MustLoad(), "http://test")
		if err != nil {
			t.Fatal(err)
		}
		st.Registrations.SetMailer(composer)
		newSession := func(capacity int) int64 {
			s, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Atelier", CommuneNIS: "52012", Venue: "Salle",
				StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: capacity}, now)
			if err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		a, b, closed := newSession(3), newSession(5), newSession(5)
		if _, err := st.DB.Writer().Exec("UPDATE info_sessions SET status = 'cancelled' WHERE id = $1", closed); err != nil {
			t.Fatal(err)
		}
		person := func(name string) sessions.Registration {
			return sessions.Registration{FirstName: "Léa", LastName: name, Email: name + "@example.be", ShopName: "Boutique",
				Sector: "food", CommuneNIS: "52012", ConsentContact: name == "p1"}
		}
		before, err := st.Registrations.Register(ctx, a, person("early"), now)
		if err != nil || before.Registration.Status != sessions.Confirmed {
			t.Fatalf("first registration: %+v %v", before, err)
		}

		ids := []int64{a, b, a, a, a, closed, a, a, b}
		in := []sessions.Registration{person("p1"), person("q1"), person("p2"), person("p3"), person("early"),
			person("c1"), person("p4"), person("p3"), person("q2")}
		res, errs, left := store.RegisterBatch(st.Registrations, ids, in, now)
		if st.DB.Engine == store.Postgres && left != 3 {
			t.Errorf("the pipelined transaction left %d registrations to run alone, want 3", left)
		}
		want := []struct {
			status  sessions.RegStatus
			pos     int
			created bool
		}{
			{sessions.Confirmed, 0, true}, {sessions.Confirmed, 0, true}, {sessions.Confirmed, 0, true},
			{sessions.Waitlisted, 1, true}, {sessions.Confirmed, 0, false}, {}, {sessions.Waitlisted, 2, true},
			{sessions.Waitlisted, 1, false}, {sessions.Confirmed, 0, true},
		}
		for i, w := range want {
			r := res[i].Registration
			if i == 5 {
				if !errors.Is(errs[i], store.ErrSessionClosed) {
					t.Errorf("closed session: %+v %v", res[i], errs[i])
				}
				continue
			}
			if errs[i] != nil || r.Status != w.status || r.WaitlistPos != w.pos || res[i].Created != w.created || r.ID == 0 {
				t.Errorf("registration %d (%s): %s/%d created %v id %d, %v; want %s/%d created %v",
					i, in[i].LastName, r.Status, r.WaitlistPos, res[i].Created, r.ID, errs[i], w.status, w.pos, w.created)
			}
		}
		if res[4].Registration.ID != before.Registration.ID || res[7].Registration.ID != res[3].Registration.ID {
			t.Errorf("a known address got a new registration: %d/%d, %d/%d", res[4].Registration.ID, before.Registration.ID,
				res[7].Registration.ID, res[3].Registration.ID)
		}
		if p1 := res[0].Registration; p1.ConsentAt.IsZero() || p1.ConfirmedAt.IsZero() || p1.Token == "" {
			t.Errorf("p1 as answered: %+v", p1)
		}

		// What is stored agrees with the answers, the counters with the rows.
		for _, id := range []int64{a, b} {
			list, err := st.Registrations.ForSession(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			s, err := st.Sessions.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got := map[sessions.RegStatus]int{}
			for _, r := range list {
				got[r.Status]++
			}
			if s.Confirmed != got[sessions.Confirmed] || s.Waitlisted != got[sessions.Waitlisted] {
				t.Errorf("session %d counts %d confirmed, %d waiting; rows %v", id, s.Confirmed, s.Waitlisted, got)
			}
		}
		list, err := st.Registrations.ForSession(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range list {
			order = append(order, fmt.Sprintf("%s/%s/%d", r.LastName, r.Status, r.WaitlistPos))
		}
		if got, want := fmt.Sprint(order), "[early/confirmed/0 p1/confirmed/0 p2/confirmed/0 p3/waitlisted/1 p4/waitlisted/2]"; got != want {
			t.Errorf("session a holds %s, want %s", got, want)
		}
		stored, err := st.Registrations.Get(ctx, res[0].Registration.ID)
		if err != nil || stored.Token != res[0].Registration.Token || stored.ConsentAt.IsZero() || stored.ConfirmedAt.IsZero() ||
			stored.CommuneNIS != "52012" || stored.Email != "p1@example.be" {
			t.Errorf("p1 as stored: %+v %v", stored, err)
		}

		// One mail per new registration, of its kind, in the outbox.
		mails, err := st.Outbox.List(ctx, store.OutboxFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[int64][]string{}
		for _, m := range mails {
			if m.Message.RefType == store.RefRegistration {
				kinds[m.Message.RefID] = append(kinds[m.Message.RefID], m.Message.Kind)
			}
		}
		for i, r := range res {
			if !r.Created {
				continue
			}
			kind := store.MailConfirmed
			if r.Registration.Status == sessions.Waitlisted {
				kind = store.MailWaitlisted
			}
			if k := kinds[r.Registration.ID]; len(k) != 1 || k[0] != kind {
				t.Errorf("registration %d (%s) has mails %v, want one %s", i, in[i].LastName, k, kind)
			}
		}
		if len(kinds) != 7 {
			t.Errorf("%d registrations with mails, want 7", len(kinds))
		}
	})
}
