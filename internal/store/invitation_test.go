package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/invite"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// invitationFixture: a session in Châtelet (52012) and contacts around it.
func invitationFixture(t *testing.T, st *store.Store, csv string) sessions.Session {
	t.Helper()
	ctx := context.Background()
	imp, err := st.Contacts.Import(ctx, []byte("email;first_name;last_name;shop_name;commune;legal_basis\n"+csv),
		store.Actor{Name: "federation@example.org"}, "members.csv", nil, func() time.Time { return now })
	if err != nil || imp.Status != store.ImportDone {
		t.Fatalf("import: %+v %v", imp, err)
	}
	s, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Séance", CommuneNIS: "52012", Venue: "Salle",
		StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 30}, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func contactID(t *testing.T, st *store.Store, email string) int64 {
	t.Helper()
	list, err := st.Contacts.List(context.Background(), store.ContactFilter{Query: email})
	if err != nil || len(list) != 1 {
		t.Fatalf("contact %s: %v %v", email, list, err)
	}
	return list[0].ID
}

func recipientEmails(t *testing.T, st *store.Store, campaignID int64) []string {
	t.Helper()
	rows, err := st.DB.Reader().Query(`SELECT c.email FROM invitation_recipients r JOIN contacts c ON c.id = r.contact_id WHERE r.campaign_id = $1 ORDER BY c.email`, campaignID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		out = append(out, e)
	}
	return out
}

func TestInvitationSelection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := invitationFixture(t, st, `a@example.be;Anne;A;Chez Anne;Châtelet;contract
b@example.be;Bob;B;Chez Bob;Châtelet;contract
c@example.be;Cléo;C;Chez Cléo;Châtelet;contract
d@example.be;Dirk;D;Chez Dirk;Thuin;contract
f@example.be;Fred;F;Chez Fred;Châtelet;contract
e@example.be;Emma;E;Chez Emma;Eupen;contract
`)
		// b registered to the session, c opted out, f suppressed (bounced earlier).
		if _, err := st.DB.Writer().Exec(`INSERT INTO registrations (session_id, first_name, last_name, email, email_key, shop_name, sector, status, token, checkin_code, created_at)
VALUES ($1, 'Bob', 'B', 'b@example.be', 'b@example.be', 'Chez Bob', 'food', 'confirmed', 'tok-b', 'chk-b', $2)`, s.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Contacts.OptOut(ctx, contactID(t, st, "c@example.be"), now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.Writer().Exec(`INSERT INTO mail_suppressions (email_key, reason, created_at) VALUES ('f@example.be', 'bounced', $1)`, now); err != nil {
			t.Fatal(err)
		}
		by := store.Actor{Name: "federation@example.org"}
		tests := []struct {
			name string
			c    invite.Criteria
			want []string
		}{
			{"commune", invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}, []string{"a@example.be"}},
			{"two communes", invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012", "56078"}}, []string{"a@example.be", "d@example.be"}},
			{"5 km", invite.Criteria{SessionIDs: []int64{s.ID}, RadiusKm: 5}, []string{"a@example.be"}},
			{"25 km", invite.Criteria{SessionIDs: []int64{s.ID}, RadiusKm: 25}, []string{"a@example.be", "d@example.be"}},
		}
		for _, tt := range tests {
			c, err := st.Invitations.Create(ctx, tt.c, by, now)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := recipientEmails(t, st, c.ID); !slices.Equal(got, tt.want) || c.Progress.Recipients != len(tt.want) || c.Status != invite.Draft {
				t.Errorf("%s: recipients %v (count %d, status %s), want %v", tt.name, got, c.Progress.Recipients, c.Status, tt.want)
			}
		}
		for _, tt := range []struct {
			name  string
			c     invite.Criteria
			field string
		}{
			{"unknown session", invite.Criteria{SessionIDs: []int64{9999}, RadiusKm: 5}, "session_ids"},
			{"unknown commune", invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"99999"}}, "communes"},
			{"no target", invite.Criteria{SessionIDs: []int64{s.ID}}, "communes"},
		} {
			_, err := st.Invitations.Create(ctx, tt.c, by, now)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
	})
}

// A preview never sent is removed a day later by the next campaign; a
// campaign that was sent stays.
func TestInvitationDraftsLeftBehindGo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := invitationFixture(t, st, "a@example.be;Anne;A;Chez Anne;Châtelet;contract\n")
		by := store.Actor{Name: "federation@example.org"}
		crit := invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}
		left, err := st.Invitations.Create(ctx, crit, by, now)
		if err != nil {
			t.Fatal(err)
		}
		sent, err := st.Invitations.Create(ctx, crit, by, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Invitations.Transition(ctx, sent.ID, invite.Send, now); err != nil {
			t.Fatal(err)
		}
		// Within the day, the draft stays.
		if _, err := st.Invitations.Create(ctx, crit, by, now.Add(store.DraftLifetime-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Invitations.Get(ctx, left.ID); err != nil {
			t.Fatalf("a draft of the day went: %v", err)
		}
		if _, err := st.Invitations.Create(ctx, crit, by, now.Add(store.DraftLifetime+time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Invitations.Get(ctx, left.ID); !errors.Is(err, store.ErrCampaignNotFound) {
			t.Errorf("a draft of yesterday is still there: %v", err)
		}
		if c, err := st.Invitations.Get(ctx, sent.ID); err != nil || c.Status != invite.Sending || c.Progress.Recipients != 1 {
			t.Errorf("the campaign sent: %+v %v", c, err)
		}
		var orphans int
		if err := st.DB.Writer().QueryRow("SELECT COUNT(*) FROM invitation_recipients WHERE campaign_id = $1", left.ID).Scan(&orphans); err != nil || orphans != 0 {
			t.Errorf("%d recipients of the removed draft remain (%v)", orphans, err)
		}
	})
}

func TestInvitationRestartNeverDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := invitationFixture(t, st, "a@example.be;Anne;A;Chez Anne;Châtelet;contract\nb@example.be;Bob;B;Chez Bob;Châtelet;contract\nc@example.be;Cléo;C;Chez Cléo;Châtelet;contract\n")
		crit := invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}
		c, err := st.Invitations.Create(ctx, crit, store.Actor{}, now)
		if err != nil || c.Progress.Recipients != 3 {
			t.Fatalf("create: %+v %v", c, err)
		}
		if got, _ := st.Invitations.Claim(ctx, 10, time.Minute, now); len(got) != 0 {
			t.Fatalf("a draft's recipients were claimed: %v", got)
		}
		if _, err := st.Invitations.Transition(ctx, c.ID, invite.Send, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Invitations.Transition(ctx, c.ID, invite.Send, now); !errors.Is(err, invite.ErrTransition) {
			t.Fatalf("second send: %v", err)
		}
		if got, _ := st.Invitations.ClaimAfter(ctx, 10, time.Minute, now, 1<<60); len(got) != 0 {
			t.Fatalf("claimed below the cursor: %v", got)
		}
		first, err := st.Invitations.Claim(ctx, 2, time.Minute, now)
		if err != nil || len(first) != 2 || first[0].Email != "a@example.be" || first[0].Token == "" || first[0].Lang != "fr" || first[0].Attempts != 1 {
			t.Fatalf("claim: %+v %v", first, err)
		}
		if _, ok := invite.ParseToken(first[0].Token); !ok {
			t.Fatalf("token %q is not well formed", first[0].Token)
		}
		// a is accepted and marked; then the process dies with b in flight.
		if err := st.Invitations.MarkSent(ctx, []int64{first[0].ID}, now); err != nil {
			t.Fatal(err)
		}
		// Within the lease nobody else takes b.
		if n, _ := st.Invitations.ReleaseExpired(ctx, now.Add(30*time.Second)); n != 0 {
			t.Fatalf("released %d within the lease", n)
		}
		later := now.Add(2 * time.Minute)
		if n, err := st.Invitations.ReleaseExpired(ctx, later); n != 1 || err != nil {
			t.Fatalf("released %d after the lease, %v", n, err)
		}
		// A claim after b's id finds only c; c goes back untouched.
		got, _ := st.Invitations.ClaimAfter(ctx, 10, time.Minute, later, first[1].ID)
		if len(got) != 1 || got[0].Email != "c@example.be" {
			t.Fatalf("claim after b: %v", got)
		}
		if err := st.Invitations.Release(ctx, []int64{got[0].ID}); err != nil {
			t.Fatal(err)
		}
		again, err := st.Invitations.Claim(ctx, 10, time.Minute, later)
		if err != nil || len(again) != 2 || again[0].Email != "b@example.be" || again[0].Attempts != 2 || again[1].Email != "c@example.be" {
			t.Fatalf("after restart: %+v %v", again, err)
		}
		st.Invitations.MarkSent(ctx, []int64{again[0].ID, again[1].ID}, later)
		if got, _ := st.Invitations.Claim(ctx, 10, time.Minute, later.Add(time.Hour)); len(got) != 0 {
			t.Fatalf("sent invitations claimed again: %v", got)
		}
		if n, _ := st.Invitations.FinishDone(ctx, later); n != 1 {
			t.Fatalf("finished %d campaigns", n)
		}
		got2, _ := st.Invitations.Get(ctx, c.ID)
		if got2.Status != invite.Done || got2.Progress != (invite.Progress{Recipients: 3, Sent: 3}) {
			t.Fatalf("campaign %+v", got2)
		}
		// A second campaign for the same session invites nobody twice, and
		// the database refuses a second row for one person in one campaign.
		c2, err := st.Invitations.Create(ctx, crit, store.Actor{}, later)
		if err != nil || c2.Progress.Recipients != 0 {
			t.Fatalf("second campaign: %+v %v", c2, err)
		}
		_, err = st.DB.Writer().Exec(`INSERT INTO invitation_recipients (campaign_id, contact_id, email_key, token, send_after) VALUES ($1, $2, 'a@example.be', 'x', $3)`,
			c.ID, contactID(t, st, "a@example.be"), now)
		if err == nil {
			t.Fatal("a second invitation for the same person in one campaign was stored")
		}
		if n, _ := st.Invitations.SentSince(ctx, now.Add(-time.Second)); n != 3 {
			t.Fatalf("sent since: %d", n)
		}
	})
}

func TestInvitationPauseResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := invitationFixture(t, st, "a@example.be;Anne;A;Chez Anne;Châtelet;contract\nb@example.be;Bob;B;Chez Bob;Châtelet;contract\n")
		c, _ := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s.ID}, RadiusKm: 1}, store.Actor{}, now)
		st.Invitations.Transition(ctx, c.ID, invite.Send, now)
		if got, _ := st.Invitations.Claim(ctx, 1, time.Minute, now); len(got) != 1 {
			t.Fatal("nothing claimed")
		}
		if _, err := st.Invitations.Transition(ctx, c.ID, invite.Pause, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Invitations.Claim(ctx, 10, time.Minute, now); len(got) != 0 {
			t.Fatalf("claimed while paused: %v", got)
		}
		if n, _ := st.Invitations.FinishDone(ctx, now); n != 0 {
			t.Fatal("a paused campaign finished")
		}
		if _, err := st.Invitations.Transition(ctx, c.ID, invite.Resume, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Invitations.Claim(ctx, 10, time.Minute, now); len(got) != 1 || got[0].Email != "b@example.be" {
			t.Fatalf("after resume: %v", got)
		}
	})
}

func TestInvitationUnsubscribeAndBounce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := invitationFixture(t, st, "a@example.be;Anne;A;Chez Anne;Châtelet;contract\nb@example.be;Bob;B;Chez Bob;Châtelet;contract\nc@example.be;Cléo;C;Chez Cléo;Châtelet;contract\n")
		s2, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Autre séance", CommuneNIS: "52012", Venue: "Salle 2",
			StartsAt: now.Add(96 * time.Hour), EndsAt: now.Add(98 * time.Hour), Capacity: 30}, now)
		if err != nil {
			t.Fatal(err)
		}
		c1, _ := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}, store.Actor{}, now)
		c2, _ := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s2.ID}, Communes: []string{"52012"}}, store.Actor{}, now)
		st.Invitations.Transition(ctx, c1.ID, invite.Send, now)
		st.Invitations.Transition(ctx, c2.ID, invite.Send, now)
		sample, err := st.Invitations.Sample(ctx, c1.ID)
		if err != nil || sample.Email != "a@example.be" {
			t.Fatalf("sample %+v %v", sample, err)
		}
		if err := st.Invitations.Unsubscribe(ctx, sample.Token, now); err != nil {
			t.Fatal(err)
		}
		if err := st.Invitations.Unsubscribe(ctx, sample.Token, now); err != nil {
			t.Fatalf("second unsubscribe: %v", err)
		}
		if err := st.Invitations.Unsubscribe(ctx, strings.Repeat("0", 32), now); !errors.Is(err, store.ErrRecipientNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		if reason, ok, _ := st.Invitations.Suppressed(ctx, "a@example.be"); !ok || reason != "unsubscribed" {
			t.Fatalf("suppression %q %v", reason, ok)
		}
		ct, _ := st.Contacts.Get(ctx, contactID(t, st, "a@example.be"))
		if ct.OptedOutAt.IsZero() {
			t.Fatal("the contact is not opted out")
		}
		// Neither campaign sends to a any more; b bounces for good.
		got, _ := st.Invitations.Claim(ctx, 10, time.Minute, now)
		var emails []string
		var bob store.Recipient
		for _, r := range got {
			emails = append(emails, r.Email)
			if r.Email == "b@example.be" && bob.ID == 0 {
				bob = r
			}
		}
		slices.Sort(emails)
		if want := []string{"b@example.be", "b@example.be", "c@example.be", "c@example.be"}; !slices.Equal(emails, want) {
			t.Fatalf("claimed %v, want %v", emails, want)
		}
		if err := st.Invitations.MarkFailed(ctx, bob, "550 no such user", time.Time{}, true, now); err != nil {
			t.Fatal(err)
		}
		if reason, ok, _ := st.Invitations.Suppressed(ctx, "b@example.be"); !ok || reason != "bounced" {
			t.Fatalf("bounce suppression %q %v", reason, ok)
		}
		// A temporary failure comes back later.
		var cleo store.Recipient
		for _, r := range got {
			if r.Email == "c@example.be" {
				cleo = r
				break
			}
		}
		if err := st.Invitations.MarkFailed(ctx, cleo, "451 later", now.Add(time.Minute), false, now); err != nil {
			t.Fatal(err)
		}
		if again, _ := st.Invitations.Claim(ctx, 10, time.Minute, now.Add(30*time.Second)); len(again) != 0 {
			t.Fatalf("retried too early: %v", again)
		}
		if again, _ := st.Invitations.Claim(ctx, 10, time.Minute, now.Add(2*time.Minute)); len(again) != 1 || again[0].ID != cleo.ID {
			t.Fatalf("retry: %v", again)
		}
		// A later campaign leaves out both a and b.
		s3, _ := st.Sessions.Create(ctx, sessions.Draft{Title: "Troisième", CommuneNIS: "52012", Venue: "Salle 3",
			StartsAt: now.Add(120 * time.Hour), EndsAt: now.Add(122 * time.Hour), Capacity: 30}, now)
		c3, _ := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s3.ID}, Communes: []string{"52012"}}, store.Actor{}, now)
		if got := recipientEmails(t, st, c3.ID); !slices.Equal(got, []string{"c@example.be"}) {
			t.Fatalf("later campaign: %v", got)
		}
		p, _ := st.Invitations.Get(ctx, c1.ID)
		if p.Progress.Suppressed != 1 || p.Progress.Failed+p.Progress.Pending != 2 {
			t.Fatalf("progress %+v", p.Progress)
		}
	})
}

// Two senders (two instances) claiming from one campaign never take the
// same recipient.
func TestInvitationConcurrentClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var csv strings.Builder
		for i := range 300 {
			fmt.Fprintf(&csv, "shop%03d@example.be;P;N;Shop;Châtelet;contract\n", i)
		}
		s := invitationFixture(t, st, csv.String())
		c, err := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{s.ID}, Communes: []string{"52012"}}, store.Actor{}, now)
		if err != nil || c.Progress.Recipients != 300 {
			t.Fatalf("%+v %v", c, err)
		}
		st.Invitations.Transition(ctx, c.ID, invite.Send, now)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := st.Invitations.Claim(ctx, 7, time.Minute, now)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					ids := make([]int64, len(got))
					mu.Lock()
					for i, r := range got {
						seen[r.ID]++
						ids[i] = r.ID
					}
					mu.Unlock()
					if err := st.Invitations.MarkSent(ctx, ids, now); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != 300 {
			t.Fatalf("claimed %d recipients, want 300", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("recipient %d claimed %d times", id, n)
			}
		}
		got, _ := st.Invitations.Get(ctx, c.ID)
		if got.Progress.Sent != 300 {
			t.Fatalf("progress %+v", got.Progress)
		}
	})
}
