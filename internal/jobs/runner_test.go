package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/mail"
	"vitrine/internal/mailtest"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func message(to string) mail.Message {
	return mail.Message{Kind: "test", MessageID: fmt.Sprintf("%d.%s@test", time.Now().UnixNano(), to), To: to,
		Subject: "Bonjour — été", Text: "Texte accentué : é è à ç œ €", HTML: "<p>Texte</p>"}
}

func newRunner(t *testing.T, st *store.Store, srv *mailtest.Server, now *time.Time) *Runner {
	t.Helper()
	sender, err := mail.NewSMTP(srv.URL(), "vitrine@example.org", "Vitrine")
	if err != nil {
		t.Fatal(err)
	}
	r := New(st, sender, quiet)
	r.SetClock(func() time.Time { return *now })
	return r
}

func TestDeliveryRetriesAndBounces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		srv := mailtest.Start(t)
		srv.Refuse(func(to string) error {
			switch {
			case strings.HasPrefix(to, "later"):
				return mailtest.Temporary
			case strings.HasPrefix(to, "gone"):
				return mailtest.Permanent
			}
			return nil
		})
		r := newRunner(t, st, srv, &now)
		for _, to := range []string{"ok@example.org", "later@example.org", "gone@example.org"} {
			if _, err := st.Outbox.Enqueue(ctx, message(to), now, now); err != nil {
				t.Fatal(err)
			}
		}
		// A mail due later is not sent yet.
		st.Outbox.Enqueue(ctx, message("tomorrow@example.org"), now.Add(24*time.Hour), now)
		n, err := r.DeliverOnce(ctx)
		if err != nil || n != 3 {
			t.Fatalf("first round: %d, %v", n, err)
		}
		got := srv.Mails()
		if len(got) != 1 || got[0].To[0] != "ok@example.org" {
			t.Fatalf("received %+v", got)
		}
		if got[0].Subject != "Bonjour — été" || !strings.Contains(got[0].Text, "é è à ç œ €") || got[0].HTML == "" {
			t.Errorf("mail content lost: %q %q", got[0].Subject, got[0].Text)
		}
		counts, _ := st.Outbox.Counts(ctx)
		if counts["sent"] != 1 || counts["pending"] != 2 || counts["failed"] != 1 {
			t.Errorf("after first round: %v", counts)
		}
		// Nothing is due again before the retry delay.
		if n, _ := r.DeliverOnce(ctx); n != 0 {
			t.Errorf("retried at once: %d", n)
		}
		// The server accepts again; after the delay the mail goes, once.
		srv.Refuse(nil)
		now = now.Add(time.Minute)
		if n, _ := r.DeliverOnce(ctx); n != 1 {
			t.Errorf("retry round: %d", n)
		}
		now = now.Add(25 * time.Hour)
		r.DeliverOnce(ctx)
		if len(srv.To("later@example.org")) != 1 || len(srv.To("tomorrow@example.org")) != 1 || len(srv.To("gone@example.org")) != 0 {
			t.Errorf("deliveries: %d later, %d tomorrow, %d gone", len(srv.To("later@example.org")), len(srv.To("tomorrow@example.org")), len(srv.To("gone@example.org")))
		}
		failed, _ := st.Outbox.List(ctx, store.OutboxFilter{Status: "failed"})
		if len(failed) != 1 || !strings.Contains(failed[0].LastError, "550") {
			t.Errorf("failed mails: %+v", failed)
		}
	})
}

// Two runners (two instances) over one database never send a mail twice.
func TestTwoRunnersSendEachMailOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		srv := mailtest.Start(t)
		const n = 120
		for i := 0; i < n; i++ {
			if _, err := st.Outbox.Enqueue(ctx, message(fmt.Sprintf("p%d@example.org", i)), now, now); err != nil {
				t.Fatal(err)
			}
		}
		db2, err := store.Open(ctx, st.DB.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		runners := []*Runner{newRunner(t, st, srv, &now), newRunner(t, store.New(db2), srv, &now)}
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Add(1)
			go func(r *Runner) {
				defer wg.Done()
				for {
					k, err := r.DeliverOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			}(r)
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range srv.Mails() {
			seen[m.To[0]]++
		}
		if len(seen) != n {
			t.Errorf("%d recipients reached, want %d", len(seen), n)
		}
		for to, k := range seen {
			if k != 1 {
				t.Errorf("%s got %d copies", to, k)
			}
		}
	})
}

func TestJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		r := New(st, nil, quiet)
		r.SetClock(func() time.Time { return now })
		var ran []string
		fail := true
		r.Handle("remind", func(ctx context.Context, j store.Job) error {
			ran = append(ran, j.Payload)
			if fail {
				fail = false
				return errors.New("smtp down")
			}
			return nil
		})
		id1, err := st.Jobs.Schedule(ctx, "remind", `{"id":1}`, "remind-1", now.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		id2, _ := st.Jobs.Schedule(ctx, "remind", `{"id":1}`, "remind-1", now.Add(time.Hour), now)
		if id1 != id2 {
			t.Errorf("same key scheduled twice: %d %d", id1, id2)
		}
		st.Jobs.Schedule(ctx, "mystery", "", "", now, now)
		if ok, _ := r.RunOnce(ctx); !ok {
			t.Fatal("the due job did not run")
		}
		if st, _ := st.Jobs.Status(ctx, id1); st != "pending" {
			t.Errorf("future job is %s", st)
		}
		if ok, _ := r.RunOnce(ctx); ok {
			t.Error("a job ran before its time")
		}
		now = now.Add(2 * time.Hour)
		r.RunOnce(ctx) // fails, retried later
		if s, _ := st.Jobs.Status(ctx, id1); s != "pending" {
			t.Errorf("failed job is %s, want pending for a retry", s)
		}
		now = now.Add(time.Hour)
		r.RunOnce(ctx)
		if s, _ := st.Jobs.Status(ctx, id1); s != "done" || len(ran) != 2 {
			t.Errorf("job %s after %d runs", s, len(ran))
		}
	})
}
