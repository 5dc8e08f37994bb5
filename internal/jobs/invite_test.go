package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/invite"
	"vitrine/internal/mail"
	"vitrine/internal/mailtest"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// campaign imports n contacts in Châtelet, and starts a campaign inviting
// them to a session there.
func campaign(t *testing.T, st *store.Store, n int, now time.Time) invite.Campaign {
	t.Helper()
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("email;first_name;commune;legal_basis\n")
	for i := range n {
		fmt.Fprintf(&csv, "shop%02d@example.be;Shop %d;Châtelet;contract\n", i, i)
	}
	if imp, err := st.Contacts.Import(ctx, []byte(csv.String()), store.Actor{}, "c.csv", nil, func() time.Time { return now }); err != nil || imp.Added != n {
		t.Fatalf("import: %+v %v", imp, err)
	}
	s, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Séance", CommuneNIS: "52012", Venue: "Salle",
		StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(74 * time.Hour), Capacity: 30}, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}, store.Actor{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = st.Invitations.Transition(ctx, c.ID, invite.Send, now); err != nil {
		t.Fatal(err)
	}
	return c
}

func newInviter(t *testing.T, st *store.Store, srv *mailtest.Server, now *time.Time) *Inviter {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer(cat, "https://vitrine.example")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTP(srv.URL(), "vitrine@example.org", "Vitrine")
	if err != nil {
		t.Fatal(err)
	}
	v := NewInviter(st, sender.Pipelined(), composer, quiet)
	v.SetClock(func() time.Time { return *now })
	return v
}

// The pace: at 5 a second, 12 invitations take three seconds; the hourly
// cap stops the sending until the hour has passed.
func TestInviterPace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		srv := mailtest.Start(t)
		c := campaign(t, st, 12, now)
		v := newInviter(t, st, srv, &now)
		v.Rate, v.HourlyCap = 5, 9
		round := func() (int, time.Duration) {
			n, wait, err := v.SendOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n, wait
		}
		if n, _ := round(); n != 5 {
			t.Fatalf("first round: %d, want 5", n)
		}
		if n, wait := round(); n != 0 || wait <= 0 {
			t.Fatalf("at once again: %d, wait %v", n, wait)
		}
		now = now.Add(time.Second)
		if n, _ := round(); n != 4 {
			t.Fatalf("second round: %d, want the 4 left under the hourly cap of 9", n)
		}
		now = now.Add(time.Second)
		if n, wait := round(); n != 0 || wait < time.Second {
			t.Fatalf("cap reached: %d, wait %v", n, wait)
		}
		now = now.Add(time.Hour)
		if n, _ := round(); n != 3 {
			t.Fatalf("after the hour: %d, want 3", n)
		}
		if len(srv.Mails()) != 12 {
			t.Fatalf("%d mails arrived", len(srv.Mails()))
		}
		v.Housekeep(ctx)
		got, _ := st.Invitations.Get(ctx, c.ID)
		if got.Status != invite.Done || got.Progress.Sent != 12 {
			t.Fatalf("campaign %+v", got)
		}
	})
}

// Temporary refusals slow the sender down; once the server accepts again,
// everything left goes out, once.
func TestInviterBacksOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		srv := mailtest.Start(t)
		srv.Refuse(func(string) error { return mailtest.Temporary })
		c := campaign(t, st, 6, now)
		v := newInviter(t, st, srv, &now)
		v.Rate = 0
		if n, _, err := v.SendOnce(ctx); n != 6 || err != nil {
			t.Fatalf("first round: %d %v", n, err)
		}
		if n, wait, _ := v.SendOnce(ctx); n != 0 || wait != time.Second {
			t.Fatalf("backing off: %d, wait %v", n, wait)
		}
		srv.Refuse(nil)
		now = now.Add(time.Hour) // past the retry delay and the pause
		for {
			n, wait, err := v.SendOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && wait == 0 {
				break
			}
			now = now.Add(wait)
		}
		if len(srv.Mails()) != 6 {
			t.Fatalf("%d mails arrived, want 6", len(srv.Mails()))
		}
		got, _ := st.Invitations.Get(ctx, c.ID)
		if got.Progress.Sent != 6 || got.Status != invite.Done {
			t.Fatalf("campaign %+v", got)
		}
	})
}
