package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/mailtest"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// The crash test runs the real program in a child process: this test binary,
// started again with VITRINE_TEST_CHILD=serve, is "vitrine serve".
func init() {
	if os.Getenv("VITRINE_TEST_CHILD") != "serve" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, Env{Args: []string{"serve"}, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// child is a vitrine serve process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs bytes.Buffer
}

func startChild(t *testing.T, dsn, smtpURL, addr string, env ...string) *child {
	t.Helper()
	c := &child{url: "http://" + addr}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), "VITRINE_TEST_CHILD=serve", "VITRINE_DB="+dsn, "VITRINE_ADDR="+addr,
		"VITRINE_SMTP_URL="+smtpURL, "VITRINE_RATE_LIMIT=0", "VITRINE_MAIL_RATE=0", "VITRINE_LEASE=1s",
		"VITRINE_LOG_LEVEL=warn", "VITRINE_BASE_URL="+c.url)
	c.cmd.Env = append(c.cmd.Env, env...) // a later value wins
	c.cmd.Stdout, c.cmd.Stderr = &c.logs, &c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i++ {
		if resp, err := http.Get(c.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	c.cmd.Process.Kill()
	t.Fatalf("the server did not start:\n%s", c.logs.String())
	return nil
}

// killMidLoad sends requests 0 to n-1 from 16 clients at once: do sends
// request i and reports whether the server acknowledged it. Right after the
// killAt-th acknowledgement, kill runs (once). It returns the requests left
// without an acknowledgement.
func killMidLoad(n, killAt int, kill func(), do func(i int) bool) (cut []int) {
	var mu sync.Mutex
	next, acked := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				ok := do(i)
				mu.Lock()
				if ok {
					if acked++; acked == killAt {
						kill()
					}
				} else {
					cut = append(cut, i)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return cut
}

// ack is a registration the server acknowledged with a 2xx.
type ack struct {
	email string
	id    int64
}

// Kill the server with SIGKILL in the middle of a registration load, restart
// it on the same database: every acknowledged registration is there once,
// the capacity holds, and every registration's mail reaches the SMTP server
// under one Message-ID.
func TestCrashDuringRegistrations(t *testing.T) {
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
			composer, err := mail.NewComposer(i18n.MustLoad(), "http://test")
			if err != nil {
				t.Fatal(err)
			}
			st.Registrations.SetMailer(composer)
			start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
			const capacity = 60
			ss, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Atelier", CommuneNIS: "52012", Venue: "Salle",
				StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: capacity}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			smtp := mailtest.Start(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()

			srv := startChild(t, dsn, smtp.URL(), addr)
			var mu sync.Mutex
			var acks []ack
			var failed []string // emails whose request got no answer
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			register := func(email string) (int64, int, error) {
				b := fmt.Sprintf(`{"first_name":"Léa","last_name":"Test","email":%q,"shop_name":"B","sector":"food","commune_nis":"52012"}`, email)
				resp, err := client.Post(fmt.Sprintf("%s/api/v1/sessions/%d/registrations", srv.url, ss.ID), "application/json", strings.NewReader(b))
				if err != nil {
					return 0, 0, err
				}
				defer resp.Body.Close()
				var out struct{ ID int64 }
				json.NewDecoder(resp.Body).Decode(&out)
				return out.ID, resp.StatusCode, nil
			}
			// Load, and SIGKILL the server after 150 acknowledgements.
			email := func(i int) string { return fmt.Sprintf("p%d@example.be", i) }
			cut := killMidLoad(400, 150, func() { srv.cmd.Process.Signal(syscall.SIGKILL) }, func(i int) bool {
				id, status, err := register(email(i))
				if err != nil || status/100 != 2 {
					return false
				}
				mu.Lock()
				acks = append(acks, ack{email(i), id})
				mu.Unlock()
				return true
			})
			for _, i := range cut {
				failed = append(failed, email(i))
			}
			srv.cmd.Wait()
			killedAt := len(acks)
			if len(failed) == 0 {
				t.Fatal("the kill interrupted nothing")
			}
			// Restart on the same database; the people without an answer try again.
			srv = startChild(t, dsn, smtp.URL(), addr)
			defer func() {
				srv.cmd.Process.Signal(syscall.SIGTERM)
				srv.cmd.Wait()
				if t.Failed() {
					t.Logf("server log:\n%s", srv.logs.String())
				}
			}()
			retry := failed
			failed = nil
			for _, email := range retry {
				id, status, err := register(email)
				if err != nil || status/100 != 2 {
					t.Fatalf("retry %s: %d %v", email, status, err)
				}
				acks = append(acks, ack{email, id})
			}
			t.Logf("%d acknowledged before the kill, %d requests cut off and retried after the restart", killedAt, len(retry))

			// Every acknowledged registration is stored, once.
			list, err := st.Registrations.ForSession(ctx, ss.ID)
			if err != nil {
				t.Fatal(err)
			}
			byEmail := map[string]sessions.Registration{}
			for _, r := range list {
				if _, dup := byEmail[r.Email]; dup {
					t.Errorf("%s registered twice", r.Email)
				}
				byEmail[r.Email] = r
			}
			for _, a := range acks {
				if r, ok := byEmail[a.email]; !ok || r.ID != a.id {
					t.Errorf("acknowledged %s (id %d) is not stored as such", a.email, a.id)
				}
			}
			after, _ := st.Sessions.Get(ctx, ss.ID)
			confirmed := 0
			for _, r := range list {
				if r.Status == sessions.Confirmed {
					confirmed++
				}
			}
			if after.Confirmed != confirmed || confirmed > capacity || after.Waitlisted != len(list)-confirmed {
				t.Errorf("counters %d/%d, rows %d confirmed of %d, capacity %d", after.Confirmed, after.Waitlisted, confirmed, len(list), capacity)
			}
			if len(list) != 400 {
				t.Errorf("%d registrations, want 400", len(list))
			}
			// Every registration's mail arrives; count Message-IDs per person.
			deadline := time.Now().Add(30 * time.Second)
			for len(smtp.Mails()) < len(list) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // let a late duplicate show up
			ids := map[string]map[string]int{} // recipient → Message-ID → copies
			for _, m := range smtp.Mails() {
				for _, to := range m.To {
					if ids[to] == nil {
						ids[to] = map[string]int{}
					}
					ids[to][m.MessageID]++
				}
			}
			copies := 0
			for email := range byEmail {
				switch n := len(ids[email]); {
				case n == 0:
					t.Errorf("%s received no mail", email)
				case n > 1:
					t.Errorf("%s received %d different mails", email, n)
				}
				for _, c := range ids[email] {
					copies += c - 1
				}
			}
			mails, _ := st.Outbox.List(ctx, store.OutboxFilter{Limit: 10000})
			perReg := map[int64]int{}
			for _, m := range mails {
				perReg[m.Message.RefID]++
			}
			for _, r := range list {
				if perReg[r.ID] != 1 {
					t.Errorf("registration %d has %d outbox rows", r.ID, perReg[r.ID])
				}
			}
			t.Logf("%d registrations, %d mails received, %d duplicate deliveries of a Message-ID (a mail in flight at the kill is sent again under the same Message-ID)",
				len(list), len(smtp.Mails()), copies)
		})
	}
}
