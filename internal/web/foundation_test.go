package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vitrine/internal/campaign"
	"vitrine/internal/i18n"
	"vitrine/internal/staff"
	"vitrine/internal/training"
)

func testProvider(slug ...string) training.Provider {
	s := "test-provider"
	if len(slug) > 0 {
		s = slug[0]
	}
	return training.Provider{Slug: s, Name: "Centre de test " + s, Kind: training.CompetenceCentre}
}

func loadDemo(t *testing.T, e *testEnv) {
	t.Helper()
	d, err := campaign.NewDemo(e.clock.Now(), i18n.Brussels)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.LoadDemo(context.Background(), d, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestPublicPagesInEveryLanguage(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		pages := []struct{ path, want string }{
			{"/", "Châtelet"},
			{"/communes", ">1320<"},
			{"/communes?q=6200", "Châtelet"},
			{"/communes?province=Namur&phase=1", "Gembloux"},
			{"/privacy", "ookie"},
			{"/accessibility", "WCAG"},
			{"/sign-in", `name="email"`},
		}
		for _, lang := range i18n.Langs {
			for _, p := range pages {
				resp := e.do("GET", p.path, nil, "Accept-Language", lang)
				page := body(t, resp)
				if resp.StatusCode != 200 {
					t.Fatalf("%s %s: status %d", lang, p.path, resp.StatusCode)
				}
				if !strings.Contains(page, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s: not served in %s", lang, p.path, lang)
				}
				if !strings.Contains(page, p.want) {
					t.Errorf("%s %s: %q missing", lang, p.path, p.want)
				}
				checkPage(t, page)
			}
		}
		// The communes filter keeps only what was asked for.
		page := body(t, e.do("GET", "/communes?province=Namur&phase=1", nil))
		if strings.Contains(page, "Beauvechain") || strings.Contains(page, "Andenne") && !strings.Contains(page, "ville") {
			t.Error("filter by province and phase lets other communes through")
		}
	})
}

func TestLanguageChoice(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		tests := []struct {
			name    string
			path    string
			headers []string
			want    string
		}{
			{"French by default", "/", nil, "fr"},
			{"Accept-Language German", "/", []string{"Accept-Language", "de-BE,de;q=0.9"}, "de"},
			{"Accept-Language Dutch region", "/", []string{"Accept-Language", "nl-BE"}, "nl"},
			{"unsupported falls back to French", "/", []string{"Accept-Language", "ja"}, "fr"},
			{"?lang wins over the header", "/?lang=en", []string{"Accept-Language", "de"}, "en"},
			{"unknown ?lang ignored", "/?lang=xx", nil, "fr"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page := body(t, e.do("GET", tt.path, nil, tt.headers...))
				if !strings.Contains(page, `<html lang="`+tt.want+`">`) {
					t.Errorf("got a page not in %s", tt.want)
				}
			})
		}
		// ?lang= is remembered by a cookie.
		c := e.browser()
		e.doWith(c, "GET", "/?lang=nl", nil)
		page := body(t, e.doWith(c, "GET", "/communes", nil))
		if !strings.Contains(page, `<html lang="nl">`) {
			t.Error("the language choice is not remembered")
		}
		// The problem documents follow the language too.
		_, raw := e.api("GET", "/api/v1/nowhere?lang=de", "", nil, nil)
		if !strings.Contains(string(raw), "Seite nicht gefunden") {
			t.Errorf("problem not in German: %s", raw)
		}
	})
}

func TestSecurityHeadersAndLimits(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		for _, path := range []string{"/", "/api/v1/communes", "/nowhere", "/healthz"} {
			resp := e.do("GET", path, nil)
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: missing security headers %v", path, h)
			}
		}
		// A cross-site form post is refused before it does anything.
		resp := e.do("POST", "/sign-in", strings.NewReader("email=a%40example.org"),
			"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: status %d, want 403", resp.StatusCode)
		}
		// A body over the limit gets 413.
		c := e.browser()
		e.signIn(c, staff.Admin, "admin@example.org")
		resp = e.form(c, "/staff/tokens", url.Values{"label": {strings.Repeat("x", 2<<20)}})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("big form: status %d, want 413", resp.StatusCode)
		}
		_, tok := e.staffUser(staff.Admin, "admin2@example.org")
		big := `{"label":"` + strings.Repeat("x", 2<<20) + `"}`
		status, _ := e.api("GET", "/api/v1/me", tok, big, nil)
		if status != http.StatusOK {
			t.Errorf("GET with body: %d", status)
		}
	})
}

func TestStaticAssetsAreCachedByHash(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		page := body(t, e.do("GET", "/", nil))
		i := strings.Index(page, "/static/")
		if i < 0 {
			t.Fatal("no stylesheet link")
		}
		href := page[i : i+strings.Index(page[i:], `"`)]
		resp := e.do("GET", href, nil)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
			t.Errorf("%s: %d %v", href, resp.StatusCode, resp.Header)
		}
		stale := e.doWith(e.browser(), "GET", "/static/0000000000/style.css", nil)
		if stale.StatusCode != http.StatusFound {
			t.Errorf("old hash: status %d, want a redirect to the current one", stale.StatusCode)
		}
	})
}

func TestHealthAndMetrics(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		resp := e.do("GET", "/healthz", nil)
		if resp.StatusCode != 200 || strings.TrimSpace(body(t, resp)) != `{"status":"ok"}` {
			t.Errorf("healthz: %d", resp.StatusCode)
		}
		e.do("GET", "/communes", nil)
		// The count is recorded just after the response is written: look again
		// for up to 5 s (a loaded machine running the race detector).
		var m string
		for i := 0; i < 500; i++ {
			m = body(t, e.do("GET", "/metrics", nil))
			if strings.Contains(m, `route="GET /communes"`) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(m, `vitrine_http_requests_total{method="GET",route="GET /communes",status="200"} 1`) {
			for _, l := range strings.Split(m, "\n") {
				if strings.HasPrefix(l, "vitrine_http_requests_total") {
					t.Log(l)
				}
			}
			t.Errorf("metrics lack the request count")
		}
		if strings.Contains(e.logs.String(), "/communes\"") && !strings.Contains(e.logs.String(), `"route":"GET /communes"`) {
			t.Error("request log lacks the route")
		}
		// Once the database is gone, healthz says so.
		e.st.DB.Close()
		if resp := e.do("GET", "/healthz", nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("healthz without a database: %d", resp.StatusCode)
		}
	})
}

func TestAPICommunes(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		var list []apiCommune
		status, _ := e.api("GET", "/api/v1/communes", "", nil, &list)
		if status != 200 || len(list) != 261 {
			t.Fatalf("status %d, %d communes", status, len(list))
		}
		cities := 0
		for _, c := range list {
			if c.IsCity {
				cities++
			}
			if c.NIS == "" || c.Name == "" || c.Latitude == 0 || c.Province == "" {
				t.Errorf("incomplete commune %+v", c)
			}
		}
		if cities != 70 {
			t.Errorf("%d city-titled communes, want 70", cities)
		}
	})
}

func TestStaffAPIAuth(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, tok := e.staffUser(staff.Consultant, "consult@example.org")
		tests := []struct {
			name   string
			token  string
			header string
			want   int
		}{
			{"no token", "", "", 401},
			{"wrong token", "vt_wrong", "", 401},
			{"not a bearer", "", "Basic YTpi", 401},
			{"good token", tok, "", 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				headers := []string{}
				if tt.token != "" {
					headers = append(headers, "Authorization", "Bearer "+tt.token)
				}
				if tt.header != "" {
					headers = append(headers, "Authorization", tt.header)
				}
				resp := e.do("GET", "/api/v1/me", nil, headers...)
				if resp.StatusCode != tt.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
				}
				if tt.want == 401 {
					var p problem
					if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Status != 401 || p.Title == "" || p.Detail == "" {
						t.Errorf("problem = %+v, %v", p, err)
					}
					if resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("headers %v", resp.Header)
					}
				}
			})
		}
		var me map[string]any
		e.api("GET", "/api/v1/me", tok, nil, &me)
		if me["role"] != "consultant" || me["email"] != "consult@example.org" {
			t.Errorf("me = %v", me)
		}
	})
}

func TestSignInByLink(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		// Staff pages send strangers to the sign-in page.
		resp := e.doWith(c, "GET", "/staff", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sign-in?next=") {
			t.Fatalf("anonymous /staff: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A bad address re-renders the form with what was typed.
		resp = e.form(c, "/sign-in", url.Values{"email": {"anne@"}})
		page := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="anne@"`) || !strings.Contains(page, "aria-invalid") {
			t.Errorf("bad address: %d", resp.StatusCode)
		}
		checkPage(t, page)
		// An unknown address gets the same answer as a known one, and no mail.
		page = body(t, e.form(c, "/sign-in", url.Values{"email": {"nobody@example.org"}}))
		if !strings.Contains(page, "nobody@example.org") {
			t.Error("no confirmation for an unknown address")
		}
		e.deliver()
		if n := len(e.smtp.To("nobody@example.org")); n != 0 {
			t.Errorf("%d mails to an unknown address", n)
		}
		// The real flow: mail, link, button, staff page.
		u := e.signIn(c, staff.Admin, "anne@example.org")
		page = body(t, e.doWith(c, "GET", "/staff", nil))
		if !strings.Contains(page, "anne@example.org") {
			t.Fatal("staff page does not show who is signed in")
		}
		checkPage(t, page)
		// The link works once.
		links, _ := e.st.Users.NewLoginLink(context.Background(), u.ID, e.clock.Now())
		if r := e.form(e.browser(), "/sign-in/"+links, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("fresh link: %d", r.StatusCode)
		}
		if r := e.form(e.browser(), "/sign-in/"+links, nil); r.StatusCode != http.StatusGone {
			t.Errorf("reused link: %d, want 410", r.StatusCode)
		}
		// A token made on the staff page works on the API.
		page = body(t, e.form(c, "/staff/tokens", url.Values{"label": {"script"}}))
		i := strings.Index(page, "vt_")
		if i < 0 {
			t.Fatal("no token shown")
		}
		tok := page[i : i+strings.IndexByte(page[i:], '<')]
		if status, _ := e.api("GET", "/api/v1/me", tok, nil, nil); status != 200 {
			t.Errorf("new token: %d", status)
		}
		// Signing out ends the session.
		e.form(c, "/sign-out", nil)
		if r := e.doWith(c, "GET", "/staff", nil); r.StatusCode != http.StatusSeeOther {
			t.Errorf("after sign-out: %d", r.StatusCode)
		}
		// A safe next only: an outside address is dropped.
		if safeNext("//evil.example") != "" || safeNext("https://evil.example") != "" || safeNext("/staff?x=1") != "/staff?x=1" {
			t.Error("safeNext")
		}
	})
}

func TestRolesOnStaffPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		e.signIn(c, staff.Provider, "trainer@example.org")
		page := body(t, e.doWith(c, "GET", "/staff", nil))
		if strings.Contains(page, "Courriels") {
			t.Error("a provider sees the outbox")
		}
	})
}

func TestRateLimitOnPublicAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		limited := 0
		for i := 0; i < 8; i++ {
			if r := e.do("GET", "/api/v1/communes", nil); r.StatusCode == http.StatusTooManyRequests {
				limited++
				if r.Header.Get("Content-Type") != "application/problem+json" {
					t.Error("429 is not problem+json")
				}
			}
		}
		if limited != 3 {
			t.Errorf("%d requests limited, want 3 (limit 5 a minute)", limited)
		}
		// Staff with a token are not limited.
		_, tok := e.staffUser(staff.Admin, "a@example.org")
		if status, _ := e.api("GET", "/api/v1/communes", tok, nil, nil); status != 200 {
			t.Errorf("staff call limited: %d", status)
		}
	}, func(c *Config) { c.RateLimit = 5 })
}

// The one middleware decides who may do what: 401 without a token, 403 for a
// role without the permission, the handler otherwise.
func TestPermissionMiddleware(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		guarded := e.srv.authenticate(e.srv.staffAPI(staff.ManageBudget, func(w http.ResponseWriter, r *http.Request) error {
			return writeJSON(w, 200, map[string]string{"ok": "yes"})
		}))
		call := func(token string) int {
			req := httptestRequest("GET", "/api/v1/guarded", token)
			rec := newRecorder()
			guarded.ServeHTTP(rec, req)
			return rec.Code
		}
		_, admin := e.staffUser(staff.Admin, "boss@example.org")
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		_, commune := e.staffUser(staff.Commune, "m@example.org")
		for name, tt := range map[string]struct {
			token string
			want  int
		}{
			"anonymous": {"", 401}, "admin": {admin, 200}, "consultant": {consultant, 403}, "commune": {commune, 403},
		} {
			if got := call(tt.token); got != tt.want {
				t.Errorf("%s: %d, want %d", name, got, tt.want)
			}
		}
	})
}
