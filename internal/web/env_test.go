package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/jobs"
	"vitrine/internal/mail"
	"vitrine/internal/mailtest"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *testClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testStart is the tests' "now": before the demo campaign's first session.
var testStart = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// testEnv is a real server over a real database, with a real SMTP server.
type testEnv struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	ts     *httptest.Server
	clock  *testClock
	smtp   *mailtest.Server
	runner *jobs.Runner
	invite *jobs.Inviter // sends invitation campaigns (sendInvitations)
	cat    *i18n.Catalog
	logs   *syncBuffer
}

type envOption func(*Config)

// newEnv starts a server over st. Every translation key the test makes the
// server ask for must exist: the test fails at the end otherwise.
func newEnv(t *testing.T, st *store.Store, opts ...envOption) *testEnv {
	t.Helper()
	e := &testEnv{t: t, st: st, clock: &testClock{t: testStart}, smtp: mailtest.Start(t), logs: &syncBuffer{}}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e.cat = cat
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	cfg := Config{RateLimit: 0, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + e.ts.Listener.Addr().String()
	composer, err := mail.NewComposer(cat, cfg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	composer.UnsubscribeMail = "test@example.org"
	sender, err := mail.NewSMTP(e.smtp.URL(), "test@example.org", "Vitrine")
	if err != nil {
		t.Fatal(err)
	}
	e.runner = jobs.New(st, sender, log)
	e.runner.SetClock(e.clock.Now)
	e.runner.RegisterHandlers()
	e.invite = jobs.NewInviter(st, sender.Pipelined(), composer, log)
	e.invite.Rate = 0
	e.invite.SetClock(e.clock.Now)
	e.srv, err = New(cfg, st, cat, log, WithClock(e.clock.Now), WithMailer(Mailer{Composer: composer}))
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = e.srv
	e.ts.Start()
	t.Cleanup(func() {
		e.ts.Close()
		if missing := cat.Missing(); len(missing) > 0 {
			t.Errorf("translation keys asked for but missing: %v", missing)
		}
		if strings.Contains(e.logs.String(), `"level":"ERROR"`) && !t.Failed() {
			t.Errorf("the server logged an error:\n%s", e.logs.String())
		}
	})
	return e
}

// each runs fn on both engines with a fresh server.
func each(t *testing.T, fn func(t *testing.T, e *testEnv), opts ...envOption) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, newEnv(t, st, opts...)) })
}

// do sends a request; headers come in name, value pairs.
func (e *testEnv) do(method, path string, body io.Reader, headers ...string) *http.Response {
	e.t.Helper()
	return e.doWith(http.DefaultClient, method, path, body, headers...)
}

func (e *testEnv) doWith(c *http.Client, method, path string, body io.Reader, headers ...string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// api sends JSON (when in is not nil) with a bearer token (when not empty)
// and decodes the answer into out (when not nil). It returns the status and
// the raw body.
func (e *testEnv) api(method, path, token string, in, out any) (int, []byte) {
	e.t.Helper()
	var body io.Reader
	headers := []string{"Accept", "application/json"}
	if in != nil {
		switch v := in.(type) {
		case string:
			body = strings.NewReader(v)
		default:
			b, err := json.Marshal(in)
			if err != nil {
				e.t.Fatal(err)
			}
			body = strings.NewReader(string(b))
		}
		headers = append(headers, "Content-Type", "application/json")
	}
	if token != "" {
		headers = append(headers, "Authorization", "Bearer "+token)
	}
	resp := e.do(method, path, body, headers...)
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		e.t.Errorf("%s %s: status %d with Content-Type %q, want application/problem+json", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, raw
}

// staffUser creates an account and returns it with an API token.
func (e *testEnv) staffUser(role staff.Role, email string, scope ...string) (staff.User, string) {
	e.t.Helper()
	u := staff.User{Email: email, Role: role}
	if role == staff.Commune {
		u.CommuneNIS = "52012"
		if len(scope) > 0 {
			u.CommuneNIS = scope[0]
		}
	}
	if role == staff.Provider {
		p, err := e.st.Providers.Ensure(context.Background(), testProvider(scope...), e.clock.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		u.ProviderID = p.ID
	}
	u, err := e.st.Users.Create(context.Background(), u, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.st.Users.NewToken(context.Background(), u.ID, "test", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return u, tok
}

// browser is a client with cookies that does not follow redirects, like a
// person's browser without JavaScript.
func (e *testEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// form posts a form from a browser.
func (e *testEnv) form(c *http.Client, path string, values url.Values) *http.Response {
	e.t.Helper()
	return e.doWith(c, "POST", path, strings.NewReader(values.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// signIn signs a browser in as a new account of role, through the mailed link.
func (e *testEnv) signIn(c *http.Client, role staff.Role, email string) staff.User {
	e.t.Helper()
	u, _ := e.staffUser(role, email)
	e.form(c, "/sign-in", url.Values{"email": {email}})
	m := e.deliverTo(email, 1)[0]
	link := regexp.MustCompile(`/sign-in/(vl_[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if link == nil {
		e.t.Fatalf("no sign-in link in %q", m.Text)
	}
	resp := e.form(c, "/sign-in/"+link[1], url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in: status %d", resp.StatusCode)
	}
	return u
}

// deliver runs the mail worker until the outbox has nothing due.
func (e *testEnv) deliver() {
	e.t.Helper()
	for {
		n, err := e.runner.DeliverOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// sendInvitations runs the invitation sender until nothing is due, and
// marks finished campaigns done.
func (e *testEnv) sendInvitations() {
	e.t.Helper()
	for {
		n, _, err := e.invite.SendOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if err := e.invite.Housekeep(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// deliverTo delivers due mail and returns the mails an address received,
// failing unless there are want of them.
func (e *testEnv) deliverTo(addr string, want int) []mailtest.Mail {
	e.t.Helper()
	e.deliver()
	got := e.smtp.To(addr)
	if len(got) != want {
		e.t.Fatalf("%s received %d mails, want %d", addr, len(got), want)
	}
	return got
}

// body reads a response body.
func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func httptestRequest(method, path, token string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
