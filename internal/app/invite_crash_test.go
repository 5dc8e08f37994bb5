package app

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"vitrine/internal/invite"
	"vitrine/internal/mailtest"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// Kill the server with SIGKILL in the middle of a campaign and restart it
// on the same database: the campaign ends, everyone gets the invitation,
// and only the few mails in flight at the kill arrive twice, under the same
// Message-ID.
func TestCrashDuringInvitations(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			st := store.New(db)
			const n = 2000
			var csv strings.Builder
			csv.WriteString("email;first_name;commune;legal_basis\n")
			for i := range n {
				fmt.Fprintf(&csv, "shop%04d@example.be;Shop;Châtelet;contract\n", i)
			}
			if imp, err := st.Contacts.Import(ctx, []byte(csv.String()), store.Actor{}, "c.csv", nil, time.Now); err != nil || imp.Added != n {
				t.Fatalf("import: %+v %v", imp, err)
			}
			start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
			ss, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Atelier", CommuneNIS: "52012", Venue: "Salle",
				StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 60}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			c, err := st.Invitations.Create(ctx, invite.Criteria{SessionIDs: []int64{ss.ID}, Communes: []string{"52012"}}, store.Actor{}, time.Now())
			if err != nil || c.Progress.Recipients != n {
				t.Fatalf("campaign: %+v %v", c, err)
			}
			if _, err := st.Invitations.Transition(ctx, c.ID, invite.Send, time.Now()); err != nil {
				t.Fatal(err)
			}
			smtp := mailtest.Start(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()

			// A lease longer than the worst commit delay under -race on a busy
			// machine: a lease that runs out while the sender's commits lag
			// would let another sender take the same recipients.
			const lease = "VITRINE_LEASE=5s"
			srv := startChild(t, dsn, smtp.URL(), addr, lease)
			smtp.Wait(n/4, 30*time.Second)
			srv.cmd.Process.Signal(syscall.SIGKILL)
			srv.cmd.Wait()
			first := srv
			defer func() {
				if t.Failed() {
					t.Logf("log of the killed server:\n%s", first.logs.String())
				}
			}()
			killedAt := len(smtp.Mails())
			if killedAt >= n {
				t.Fatal("the campaign was over before the kill")
			}
			srv = startChild(t, dsn, smtp.URL(), addr, lease)
			defer func() {
				srv.cmd.Process.Signal(syscall.SIGTERM)
				srv.cmd.Wait()
				if t.Failed() {
					t.Logf("server log:\n%s", srv.logs.String())
				}
			}()
			deadline := time.Now().Add(90 * time.Second)
			for {
				if c, err = st.Invitations.Get(ctx, c.ID); err != nil {
					t.Fatal(err)
				}
				if c.Status == invite.Done || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if c.Status != invite.Done || c.Progress.Sent != n {
				t.Fatalf("after the restart: %s %+v", c.Status, c.Progress)
			}
			time.Sleep(200 * time.Millisecond)
			ids := map[string]map[string]int{}
			for _, m := range smtp.Mails() {
				for _, to := range m.To {
					if ids[to] == nil {
						ids[to] = map[string]int{}
					}
					ids[to][m.MessageID]++
				}
			}
			copies := 0
			for i := range n {
				to := fmt.Sprintf("shop%04d@example.be", i)
				if len(ids[to]) != 1 {
					t.Errorf("%s received %d different invitations", to, len(ids[to]))
				}
				for _, k := range ids[to] {
					copies += k - 1
				}
			}
			// In flight: accepted by the server, not yet committed as sent.
			// Each of the 4 sending loops may run at most about twice its
			// marker's window (32) ahead of its commits, plus the mail on the
			// wire: 4 × 66. On a quiet machine it is a handful.
			if copies > 4*66 {
				t.Errorf("%d invitations sent twice, want only the few in flight", copies)
			}
			t.Logf("%d invitations, %d received before the kill, %d sent twice (in flight at the kill)", n, killedAt, copies)
		})
	}
}
