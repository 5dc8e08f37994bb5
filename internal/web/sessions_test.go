package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// newSession creates a session through the store, starting at start.
func newSession(t *testing.T, e *testEnv, nis string, capacity int, start time.Time) sessions.Session {
	t.Helper()
	ss, err := e.st.Sessions.Create(context.Background(), sessions.Draft{
		Title: "Atelier découverte " + nis, CommuneNIS: nis, Venue: "Salle communale", Address: "Grand-Place 1",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: capacity,
	}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// shopkeeper is a valid registration body for address n.
func shopkeeper(n int) map[string]any {
	return map[string]any{"first_name": "Anne", "last_name": fmt.Sprintf("Dupont %d", n), "email": fmt.Sprintf("anne%d@example.be", n),
		"shop_name": "La Boutique", "sector": "fashion", "commune_nis": "52012", "consent_contact": true}
}

// regOut is a registration answer.
type regOut struct {
	ID          int64  `json:"id"`
	SessionID   int64  `json:"session_id"`
	Status      string `json:"status"`
	WaitlistPos int    `json:"waitlist_position"`
	ManageURL   string `json:"manage_url"`
	CalendarURL string `json:"calendar_url"`
}

func (r regOut) token() string { return r.ManageURL[strings.LastIndex(r.ManageURL, "/")+1:] }

func (e *testEnv) registerAPI(sessionID int64, body any) (int, regOut, []byte) {
	e.t.Helper()
	var out regOut
	status, raw := e.api("POST", fmt.Sprintf("/api/v1/sessions/%d/registrations", sessionID), "", body, &out)
	return status, out, raw
}

// checkInvariants compares a session's counters with its rows: never more
// confirmed than capacity, a waiting list only when full, positions 1..n.
func checkInvariants(t *testing.T, st *store.Store, sessionID int64) ([]sessions.Registration, sessions.Session) {
	t.Helper()
	ss, err := st.Sessions.Get(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.Registrations.ForSession(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, waiting := 0, 0
	for _, r := range list {
		switch r.Status {
		case sessions.Confirmed:
			confirmed++
		case sessions.Waitlisted:
			waiting++
			if r.WaitlistPos != waiting {
				t.Errorf("waiting list position %d at rank %d", r.WaitlistPos, waiting)
			}
		}
	}
	if confirmed != ss.Confirmed || waiting != ss.Waitlisted {
		t.Errorf("rows: %d confirmed, %d waiting; counters: %d, %d", confirmed, waiting, ss.Confirmed, ss.Waitlisted)
	}
	if confirmed > ss.Capacity {
		t.Errorf("overbooked: %d confirmed for %d seats", confirmed, ss.Capacity)
	}
	if waiting > 0 && confirmed < ss.Capacity && ss.StartsAt.After(time.Now().AddDate(-5, 0, 0)) {
		t.Errorf("%d people wait while %d seats are free", waiting, ss.Capacity-confirmed)
	}
	return list, ss
}

func TestSessionsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		var list []apiSession
		if status, _ := e.api("GET", "/api/v1/sessions", "", nil, &list); status != 200 || len(list) != 11 {
			t.Fatalf("status %d, %d sessions, want 11", status, len(list))
		}
		first := list[0]
		if first.Town != "Châtelet" || first.CommuneNIS != "52012" || first.SeatsLeft != 40 || first.WaitlistLength != 0 || first.Notes != nil {
			t.Errorf("first = %+v", first)
		}
		if !strings.HasSuffix(first.StartsAt, "+01:00") || !strings.Contains(first.StartsAt, "T18:30:00") {
			t.Errorf("starts_at %q is not Brussels time with its offset", first.StartsAt)
		}
		tests := []struct {
			name  string
			query string
			want  []string // towns, in order
		}{
			{"one commune", "?commune=52012", []string{"Châtelet"}},
			{"around a commune", "?near=52012&radius_km=25", []string{"Châtelet", "Gembloux", "Thuin"}},
			{"from a date", "?from=2027-03-18&commune=52012", nil},
			{"date range", "?from=2027-03-17&to=2027-03-17", []string{"Châtelet"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []apiSession
				if status, raw := e.api("GET", "/api/v1/sessions"+tt.query, "", nil, &got); status != 200 {
					t.Fatalf("status %d: %s", status, raw)
				}
				var towns []string
				for _, s := range got {
					towns = append(towns, s.Town)
					if strings.Contains(tt.query, "near") && s.DistanceKm == nil {
						t.Errorf("%s: no distance", s.Town)
					}
				}
				if strings.Join(towns, ",") != strings.Join(tt.want, ",") {
					t.Errorf("towns %v, want %v", towns, tt.want)
				}
			})
		}
		bad := []struct{ query, field string }{
			{"?commune=99999", "commune"},
			{"?near=nowhere", "near"},
			{"?near=52012&radius_km=-4", "radius_km"},
			{"?from=17/03/2027", "from"},
			{"?to=tomorrow", "to"},
		}
		for _, b := range bad {
			status, raw := e.api("GET", "/api/v1/sessions"+b.query, "", nil, nil)
			if status != 422 || !strings.Contains(string(raw), `"field":"`+b.field+`"`) {
				t.Errorf("%s: %d %s", b.query, status, raw)
			}
		}
		var one apiSession
		if status, _ := e.api("GET", fmt.Sprintf("/api/v1/sessions/%d", first.ID), "", nil, &one); status != 200 || one.ID != first.ID || one.Title == "" {
			t.Errorf("one session: %d %+v", status, one)
		}
		for _, p := range []string{"/api/v1/sessions/999999", "/api/v1/sessions/abc", "/api/v1/sessions/-1"} {
			if status, _ := e.api("GET", p, "", nil, nil); status != 404 {
				t.Errorf("%s: %d", p, status)
			}
		}
		// Past sessions are never offered.
		e.clock.Set(time.Date(2027, 3, 18, 12, 0, 0, 0, time.UTC))
		e.api("GET", "/api/v1/sessions", "", nil, &list)
		for _, s := range list {
			if s.Town == "Châtelet" {
				t.Error("a past session is listed")
			}
		}
	})
}

func TestRegistrationAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		ss := newSession(t, e, "52012", 2, testStart.Add(10*24*time.Hour))
		status, a, raw := e.registerAPI(ss.ID, shopkeeper(1))
		if status != 201 || a.Status != "confirmed" || a.WaitlistPos != 0 || !strings.HasPrefix(a.ManageURL, e.ts.URL+"/registrations/vr_") {
			t.Fatalf("first: %d %s", status, raw)
		}
		// The same address again, typed differently: the same registration, 200.
		again := shopkeeper(1)
		again["email"] = "  ANNE1@Example.BE "
		again["first_name"] = "Annette"
		if status, b, raw := e.registerAPI(ss.ID, again); status != 200 || b.ID != a.ID || b.ManageURL != a.ManageURL {
			t.Errorf("same address: %d %s", status, raw)
		}
		_, b, _ := e.registerAPI(ss.ID, shopkeeper(2))
		_, c, _ := e.registerAPI(ss.ID, shopkeeper(3))
		_, d, _ := e.registerAPI(ss.ID, shopkeeper(4))
		if b.Status != "confirmed" || c.Status != "waitlisted" || c.WaitlistPos != 1 || d.WaitlistPos != 2 {
			t.Errorf("b %+v, c %+v, d %+v", b, c, d)
		}
		var got regOut
		if status, _ := e.api("GET", "/api/v1/registrations/"+d.token(), "", nil, &got); status != 200 || got.Status != "waitlisted" || got.WaitlistPos != 2 || got.SessionID != ss.ID {
			t.Errorf("get d: %d %+v", status, got)
		}
		e.deliver()
		// Cancelling a seat gives it to the first in line at once.
		if status, raw := e.api("DELETE", "/api/v1/registrations/"+a.token(), "", nil, nil); status != 204 {
			t.Fatalf("cancel: %d %s", status, raw)
		}
		e.api("GET", "/api/v1/registrations/"+c.token(), "", nil, &got)
		if got.Status != "confirmed" {
			t.Errorf("first in line not promoted: %+v", got)
		}
		e.api("GET", "/api/v1/registrations/"+d.token(), "", nil, &got)
		if got.WaitlistPos != 1 {
			t.Errorf("second in line now at %d, want 1", got.WaitlistPos)
		}
		// A cancelled token used twice: 410, and nothing moves.
		if status, raw := e.api("DELETE", "/api/v1/registrations/"+a.token(), "", nil, nil); status != http.StatusGone || !strings.Contains(string(raw), "registration_cancelled") {
			t.Errorf("second cancel: %d %s", status, raw)
		}
		if status, _ := e.api("DELETE", "/api/v1/registrations/vr_nothing", "", nil, nil); status != 404 {
			t.Errorf("unknown token: %d", status)
		}
		e.api("GET", "/api/v1/registrations/"+a.token(), "", nil, &got)
		if got.Status != "cancelled" {
			t.Errorf("cancelled registration shows %q", got.Status)
		}
		// The cancelled address may register again: a new registration, in line.
		if status, n, _ := e.registerAPI(ss.ID, shopkeeper(1)); status != 201 || n.ID == a.ID || n.Status != "waitlisted" || n.WaitlistPos != 2 {
			t.Errorf("register again after cancelling: %d %+v", status, n)
		}
		checkInvariants(t, e.st, ss.ID)

		// Mails: confirmation, waiting list, promotion.
		m := e.deliverTo("anne1@example.be", 2)[0]
		if e.smtp.To("anne1@example.be")[1].Subject != "Liste d’attente : séance du 6 décembre 2026 à Châtelet" {
			t.Errorf("second mail: %q", e.smtp.To("anne1@example.be")[1].Subject)
		}
		if !strings.Contains(m.Subject, "Châtelet") || !strings.Contains(m.Text, a.ManageURL) || !strings.Contains(m.Text, a.ManageURL+"/calendar.ics") ||
			!strings.Contains(m.HTML, a.ManageURL) || !strings.Contains(m.HTML, "/qr.png") || !strings.Contains(m.Text, "Grand-Place 1") {
			t.Errorf("confirmation mail:\n%s\n%s", m.Subject, m.Text)
		}
		ms := e.smtp.To("anne3@example.be")
		if len(ms) != 2 || !strings.Contains(ms[0].Text, "n° 1") || !strings.Contains(ms[1].Subject, "place s’est libérée") || !strings.Contains(ms[1].Text, c.ManageURL) {
			t.Errorf("waiting list then promotion mails: %d", len(ms))
			for _, m := range ms {
				t.Log(m.Subject, "\n", m.Text)
			}
		}
		if m := e.smtp.To("anne4@example.be"); len(m) != 1 || !strings.Contains(m[0].Text, "n° 2") {
			t.Errorf("second in line mail: %v", m)
		}
	})
}

func TestRegistrationBadInput(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		ss := newSession(t, e, "52012", 5, testStart.Add(10*24*time.Hour))
		past := newSession(t, e, "52012", 5, testStart.Add(time.Hour))
		with := func(k string, v any) map[string]any {
			p := shopkeeper(9)
			if v == nil {
				delete(p, k)
			} else {
				p[k] = v
			}
			return p
		}
		tests := []struct {
			name    string
			session int64
			body    any
			status  int
			fields  []string
		}{
			{"missing everything", ss.ID, map[string]any{}, 422, []string{"first_name", "last_name", "email", "shop_name", "sector", "commune_nis"}},
			{"missing email", ss.ID, with("email", nil), 422, []string{"email"}},
			{"malformed email", ss.ID, with("email", "anne@"), 422, []string{"email"}},
			{"email with a name", ss.ID, with("email", "Anne <anne@example.be>"), 422, []string{"email"}},
			{"10 kB first name", ss.ID, with("first_name", strings.Repeat("é", 10000)), 422, []string{"first_name"}},
			{"name without letters", ss.ID, with("last_name", "1234"), 422, []string{"last_name"}},
			{"unknown commune", ss.ID, with("commune_nis", "99999"), 422, []string{"commune_nis"}},
			{"unknown sector", ss.ID, with("sector", "weapons"), 422, []string{"sector"}},
			{"bad phone", ss.ID, with("phone", "call me"), 422, []string{"phone"}},
			{"wrong type", ss.ID, with("consent_contact", "yes"), 400, nil},
			{"unknown field", ss.ID, with("password", "x"), 400, nil},
			{"not JSON", ss.ID, "first_name=Anne", 400, nil},
			{"trailing data", ss.ID, `{"first_name":"A"} {}`, 400, nil},
			{"huge body", ss.ID, `{"first_name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, nil},
			{"session in the past", past.ID, shopkeeper(9), 409, nil},
			{"no such session", 999999, shopkeeper(9), 404, nil},
		}
		e.clock.Set(testStart.Add(2 * time.Hour))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, _, raw := e.registerAPI(tt.session, tt.body)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
				}
				var p problem
				if err := json.Unmarshal(raw, &p); err != nil || p.Status != tt.status || p.Title == "" || p.Detail == "" {
					t.Errorf("problem %s: %v", raw, err)
				}
				got := map[string]bool{}
				for _, f := range p.Errors {
					got[f.Field] = true
					if f.Message == "" || strings.Contains(f.Message, "error.") {
						t.Errorf("field %s: message %q", f.Field, f.Message)
					}
				}
				for _, f := range tt.fields {
					if !got[f] {
						t.Errorf("no error for %s in %s", f, raw)
					}
				}
			})
		}
		// Nothing was written, not even half.
		for _, id := range []int64{ss.ID, past.ID} {
			list, s := checkInvariants(t, e.st, id)
			if len(list) != 0 || s.Confirmed != 0 || s.Waitlisted != 0 {
				t.Errorf("session %d: %d registrations after bad input", id, len(list))
			}
		}
		if mails, _ := e.st.Outbox.List(context.Background(), store.OutboxFilter{}); len(mails) != 0 {
			t.Errorf("%d mails after bad input", len(mails))
		}
	})
}

func TestRegistrationPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		var list []apiSession
		e.api("GET", "/api/v1/sessions?commune=57003", "", nil, &list) // Antoing, 25 seats
		ss := list[0]
		c := e.browser()
		// The agenda, with and without filters.
		for _, p := range []string{"/sessions", "/sessions?commune=Antoing&radius_km=20", "/sessions?commune=7640&from=2027-01-01&to=2027-12-31"} {
			resp := e.doWith(c, "GET", p, nil)
			page := body(t, resp)
			if resp.StatusCode != 200 || !strings.Contains(page, "Antoing") {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
			checkPage(t, page)
		}
		resp := e.doWith(c, "GET", "/sessions?commune=Atlantis", nil)
		if page := body(t, resp); resp.StatusCode != 422 || !strings.Contains(page, "Nous ne trouvons pas cette commune") || !strings.Contains(page, `value="Atlantis"`) {
			t.Errorf("unknown commune filter: %d", resp.StatusCode)
		}
		// No map without a tile server; the list stands alone.
		if page := body(t, e.doWith(c, "GET", "/sessions", nil)); strings.Contains(page, "leaflet") {
			t.Error("a map without a tile server")
		}
		// The form re-renders with what was typed and a message per field.
		path := fmt.Sprintf("/sessions/%d", ss.ID)
		page := body(t, e.doWith(c, "GET", path, nil))
		checkPage(t, page)
		if !strings.Contains(page, `name="consent_contact"`) || strings.Contains(page, `name="consent_contact" value="yes" checked`) {
			t.Error("no unticked consent box")
		}
		form := url.Values{"first_name": {"Zoé"}, "last_name": {""}, "email": {"zoe@"}, "shop_name": {"Chez Zoé"},
			"sector": {"food"}, "commune": {"Atlantis"}, "phone": {"0470 12 34 56"}}
		resp = e.form(c, path+"/register", form)
		page = body(t, resp)
		if resp.StatusCode != 422 {
			t.Fatalf("bad form: %d", resp.StatusCode)
		}
		checkPage(t, page)
		for _, want := range []string{`value="Zoé"`, `value="zoe@"`, `value="Chez Zoé"`, `value="Atlantis"`, `value="food" selected`,
			"Indiquez une adresse e-mail complète", "Nous ne trouvons pas cette commune", "Ce champ est obligatoire", `aria-invalid="true"`} {
			if !strings.Contains(page, want) {
				t.Errorf("re-rendered form lacks %q", want)
			}
		}
		// A good form: a seat, the confirmation page, the mail.
		form.Set("last_name", "Martin")
		form.Set("email", "zoe@example.be")
		form.Set("commune", "7640") // a postal code
		form.Set("consent_contact", "yes")
		resp = e.form(c, path+"/register", form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/registrations/vr_") || !strings.HasSuffix(loc, "?new=1") {
			t.Fatalf("register: %d %s", resp.StatusCode, loc)
		}
		manage := strings.TrimSuffix(loc, "?new=1")
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		for _, want := range []string{"votre place est réservée", manage + "/calendar.ics", manage + "/qr.png", "Annuler mon inscription", "Antoing", "Oui (accepté le 26 novembre 2026)"} {
			if !strings.Contains(page, want) {
				t.Errorf("confirmation page lacks %q", want)
			}
		}
		// The same form twice: the same registration.
		resp = e.form(c, path+"/register", form)
		if l := resp.Header.Get("Location"); l != manage+"?again=1" {
			t.Errorf("second submit goes to %s", l)
		}
		// The calendar file: Brussels time, stable UID, a DTSTAMP.
		get := func() (string, *http.Response) {
			r := e.doWith(c, "GET", manage+"/calendar.ics", nil)
			return body(t, r), r
		}
		ics1, r := get()
		ics2, _ := get()
		uid := regexp.MustCompile(`UID:(\S+)`).FindStringSubmatch(ics1)
		if r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || uid == nil || !strings.Contains(ics2, "UID:"+uid[1]) ||
			!strings.Contains(ics1, "DTSTART;TZID=Europe/Brussels:20270401T183000") || !strings.Contains(ics1, "DTSTAMP:") ||
			!strings.Contains(ics1, "BEGIN:VTIMEZONE") || !strings.Contains(ics1, "SUMMARY:Atelier découverte — Antoing") {
			t.Errorf("calendar file (%s):\n%s", r.Header.Get("Content-Type"), ics1)
		}
		if r := e.doWith(c, "GET", manage+"/qr.png", nil); r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body(t, r), "\x89PNG") {
			t.Error("no QR code")
		}
		m := e.deliverTo("zoe@example.be", 1)[0]
		if !strings.Contains(m.Text, e.ts.URL+manage) {
			t.Errorf("mail lacks the manage link:\n%s", m.Text)
		}
		// Cancel in one click, then the link says it is cancelled; a second click is a 410.
		resp = e.form(c, manage+"/cancel", nil)
		if resp.StatusCode != 303 {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		page = body(t, e.doWith(c, "GET", resp.Header.Get("Location"), nil))
		checkPage(t, page)
		if !strings.Contains(page, "Votre inscription est annulée") || strings.Contains(page, "Annuler mon inscription") {
			t.Error("cancelled page")
		}
		if resp := e.form(c, manage+"/cancel", nil); resp.StatusCode != http.StatusGone {
			t.Errorf("second cancel: %d", resp.StatusCode)
		}
		// Erase: the data goes, the link is gone.
		resp = e.form(c, manage+"/erase", nil)
		if page := body(t, resp); resp.StatusCode != 200 || !strings.Contains(page, "Vos données sont effacées") {
			t.Errorf("erase: %d", resp.StatusCode)
		}
		if resp := e.doWith(c, "GET", manage, nil); resp.StatusCode != http.StatusGone {
			t.Errorf("erased link: %d", resp.StatusCode)
		}
		regs, _ := e.st.Registrations.ForSession(context.Background(), ss.ID)
		if len(regs) != 0 {
			t.Errorf("erased registration still listed: %+v", regs)
		}
		if mails, _ := e.st.Outbox.List(context.Background(), store.OutboxFilter{RefType: store.RefRegistration, RefID: 1}); len(mails) > 0 && mails[0].Message.To != "" {
			t.Error("the mail keeps the address after erasure")
		}
	})
}

func TestFullSessionOffersWaitlistAndNearest(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		ss := newSession(t, e, "52011", 1, testStart.Add(30*24*time.Hour)) // Charleroi, next to Châtelet
		e.registerAPI(ss.ID, shopkeeper(1))
		page := body(t, e.do("GET", fmt.Sprintf("/sessions/%d", ss.ID), nil))
		checkPage(t, page)
		for _, want := range []string{"liste d’attente", "M’inscrire sur la liste d’attente", "D’autres séances proches", "Châtelet"} {
			if !strings.Contains(page, want) {
				t.Errorf("full session page lacks %q", want)
			}
		}
		status, w, _ := e.registerAPI(ss.ID, shopkeeper(2))
		if status != 201 || w.Status != "waitlisted" || w.WaitlistPos != 1 {
			t.Errorf("waiting list: %d %+v", status, w)
		}
		page = body(t, e.do("GET", "/registrations/"+w.token()+"?new=1", nil))
		if !strings.Contains(page, "Vous êtes sur la liste d’attente") || !strings.Contains(page, "vous êtes n° 1") || strings.Contains(page, "qr.png") {
			t.Error("waiting list confirmation page")
		}
	})
}

func TestStaffSessionsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, tok := e.staffUser(staff.Consultant, "consult@example.org")
		_, partner := e.staffUser(staff.Partner, "partner@example.org")
		body := map[string]any{"title": "Atelier découverte — Namur", "commune_nis": "92094", "venue": "Hôtel de ville",
			"address": "Rue de Fer 42, 5000 Namur", "starts_at": "2027-04-06T18:30:00+02:00", "ends_at": "2027-04-06T20:30:00+02:00",
			"capacity": 2, "notes": "Tourisme, beaucoup d’étudiants."}
		if status, _ := e.api("POST", "/api/v1/sessions", "", body, nil); status != 401 {
			t.Errorf("no token: %d", status)
		}
		if status, _ := e.api("POST", "/api/v1/sessions", partner, body, nil); status != 403 {
			t.Errorf("partner: %d", status)
		}
		var ss apiSession
		status, raw := e.api("POST", "/api/v1/sessions", tok, body, &ss)
		if status != 201 || ss.ID == 0 || ss.StartsAt != "2027-04-06T18:30:00+02:00" || ss.Notes == nil || *ss.Notes == "" || ss.Town != "Namur" {
			t.Fatalf("create: %d %s", status, raw)
		}
		// The public view hides the notes.
		var pub apiSession
		e.api("GET", fmt.Sprintf("/api/v1/sessions/%d", ss.ID), "", nil, &pub)
		if pub.Notes != nil {
			t.Error("notes are public")
		}
		bad := []struct {
			body   any
			fields []string
		}{
			{map[string]any{}, []string{"title", "commune_nis", "venue", "starts_at", "ends_at", "capacity"}},
			{map[string]any{"title": "x", "commune_nis": "99999", "venue": "v", "starts_at": "2027-04-06T18:30:00+02:00", "ends_at": "2027-04-06T20:30:00+02:00", "capacity": 5}, []string{"commune_nis"}},
			{map[string]any{"title": "x", "commune_nis": "92094", "venue": "v", "starts_at": "6 avril", "ends_at": "2027-04-06T20:30:00+02:00", "capacity": 5}, []string{"starts_at"}},
			{map[string]any{"title": "x", "commune_nis": "92094", "venue": "v", "starts_at": "2020-04-06T18:30:00+02:00", "ends_at": "2020-04-06T20:30:00+02:00", "capacity": 5}, []string{"starts_at"}},
			{map[string]any{"title": "x", "commune_nis": "92094", "venue": "v", "starts_at": "2027-04-06T18:30:00+02:00", "ends_at": "2027-04-06T17:30:00+02:00", "capacity": 0}, []string{"ends_at", "capacity"}},
		}
		for _, b := range bad {
			status, raw := e.api("POST", "/api/v1/sessions", tok, b.body, nil)
			if status != 422 {
				t.Errorf("%v: %d %s", b.body, status, raw)
			}
			for _, f := range b.fields {
				if !strings.Contains(string(raw), `"field":"`+f+`"`) {
					t.Errorf("%v: no error for %s: %s", b.body, f, raw)
				}
			}
		}
		// Three people: two seats, one waiting.
		var regs []regOut
		for i := 1; i <= 3; i++ {
			_, r, _ := e.registerAPI(ss.ID, shopkeeper(i))
			regs = append(regs, r)
		}
		patch := fmt.Sprintf("/api/v1/sessions/%d", ss.ID)
		status, raw = e.api("PATCH", patch, tok, map[string]any{"capacity": 1}, nil)
		if status != 409 || !strings.Contains(string(raw), "2 personnes sont déjà inscrites") {
			t.Errorf("capacity below confirmed: %d %s", status, raw)
		}
		if status, raw := e.api("PATCH", patch, tok, map[string]any{"capacity": "many"}, nil); status != 400 {
			t.Errorf("wrong type: %d %s", status, raw)
		}
		// More seats: the first in line is confirmed and mailed.
		if status, raw := e.api("PATCH", patch, tok, map[string]any{"capacity": 3}, &ss); status != 200 || ss.Capacity != 3 || ss.SeatsLeft != 0 {
			t.Errorf("more seats: %d %s", status, raw)
		}
		// The waiting-list mail not sent yet is dropped: the promotion says it all.
		if m := e.deliverTo("anne3@example.be", 1); !strings.Contains(m[0].Subject, "place s’est libérée") {
			t.Errorf("promotion mail: %s", m[0].Subject)
		}
		// Moving the date moves the reminder.
		if status, raw := e.api("PATCH", patch, tok, map[string]any{"starts_at": "2027-04-13T18:30:00+02:00", "ends_at": "2027-04-13T20:30:00+02:00"}, nil); status != 200 {
			t.Fatalf("move: %d %s", status, raw)
		}
		e.clock.Set(time.Date(2027, 4, 4, 17, 0, 0, 0, time.UTC)) // two days before the old date
		if ran, err := e.runner.RunOnce(context.Background()); err != nil || ran {
			t.Errorf("a reminder ran for the old date: %v %v", ran, err)
		}
		e.clock.Set(time.Date(2027, 4, 11, 17, 0, 0, 0, time.UTC)) // two days before the new one
		if ran, err := e.runner.RunOnce(context.Background()); err != nil || !ran {
			t.Fatalf("no reminder: %v %v", ran, err)
		}
		if m := e.deliverTo("anne1@example.be", 2)[1]; !strings.HasPrefix(m.Subject, "Rappel") || !strings.Contains(m.Text, "mardi 13 avril 2027 à 18 h 30") || !strings.Contains(m.Text, regs[0].ManageURL) {
			t.Errorf("reminder:\n%s\n%s", m.Subject, m.Text)
		}
		if ran, _ := e.runner.RunOnce(context.Background()); ran {
			t.Error("the reminder ran twice")
		}
		e.clock.Set(testStart)

		// The attendee list: JSON, then CSV guarded against formulas.
		evil := shopkeeper(4)
		evil["shop_name"] = "=HYPERLINK(\"http://evil.example\")"
		e.registerAPI(ss.ID, evil)
		var people []apiAttendee
		if status, _ := e.api("GET", patch+"/registrations", tok, nil, &people); status != 200 || len(people) != 4 || people[3].Status != "waitlisted" || people[3].WaitlistPos != 1 {
			t.Errorf("attendees: %d %+v", status, people)
		}
		if status, _ := e.api("GET", patch+"/registrations", partner, nil, nil); status != 403 {
			t.Errorf("partner reads attendees: %d", status)
		}
		resp := e.do("GET", patch+"/registrations", nil, "Authorization", "Bearer "+tok, "Accept", "text/csv")
		rows, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != 5 || rows[0][0] != "id" {
			t.Fatalf("csv: %v %v", rows, err)
		}
		if rows[4][7] != `'=HYPERLINK("http://evil.example")` {
			t.Errorf("formula not guarded: %q", rows[4][7])
		}
		// Check-in by id: confirmed only; twice keeps the first time.
		var a apiAttendee
		checkin := func(id int64) (int, []byte) {
			return e.api("POST", fmt.Sprintf("/api/v1/registrations/%d/check-in", id), tok, nil, &a)
		}
		if status, raw := checkin(regs[0].ID); status != 200 || a.CheckedInAt == "" {
			t.Errorf("check-in: %d %s", status, raw)
		}
		if status, _ := checkin(people[3].ID); status != 409 {
			t.Errorf("check-in of someone waiting: %d", status)
		}
		if status, _ := checkin(999999); status != 404 {
			t.Errorf("check-in of nobody: %d", status)
		}
	})
}

func TestStaffSessionPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		c := e.browser()
		e.signIn(c, staff.Consultant, "consult@example.org")
		page := body(t, e.doWith(c, "GET", "/staff/sessions", nil))
		checkPage(t, page)
		if !strings.Contains(page, "Châtelet") || !strings.Contains(page, "Nouvelle séance") {
			t.Error("sessions page")
		}
		checkPage(t, body(t, e.doWith(c, "GET", "/staff/sessions/new", nil)))
		form := url.Values{"title": {"Atelier découverte — Ciney"}, "commune_nis": {"91030"}, "venue": {"Salle"},
			"starts_at": {"2027-05-04T18:30"}, "ends_at": {"2027-05-04T17:00"}, "capacity": {"12"}, "notes": {"Marché le samedi."}}
		resp := e.form(c, "/staff/sessions", form)
		page = body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, "La fin doit venir après le début") || !strings.Contains(page, `value="Atelier découverte — Ciney"`) {
			t.Errorf("bad session form: %d", resp.StatusCode)
		}
		checkPage(t, page)
		form.Set("ends_at", "2027-05-04T20:30")
		resp = e.form(c, "/staff/sessions", form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasSuffix(loc, "/attendees") {
			t.Fatalf("create: %d %s", resp.StatusCode, loc)
		}
		id := strings.Split(loc, "/")[3]
		var sid int64
		fmt.Sscan(id, &sid)
		ss, err := e.st.Sessions.Get(context.Background(), sid)
		if err != nil || ss.StartsAt.Format(time.RFC3339) != "2027-05-04T16:30:00Z" || ss.Capacity != 12 {
			t.Fatalf("created %+v %v", ss, err)
		}
		checkPage(t, body(t, e.doWith(c, "GET", "/staff/sessions/"+id+"/edit", nil)))
		// Two people; one checked in by ticking, the other by the QR code.
		_, a, _ := e.registerAPI(sid, shopkeeper(1))
		_, b, _ := e.registerAPI(sid, shopkeeper(2))
		if resp := e.form(c, fmt.Sprintf("/staff/registrations/%d/check-in", a.ID), nil); resp.StatusCode != 303 {
			t.Errorf("tick: %d", resp.StatusCode)
		}
		regB, _ := e.st.Registrations.ByToken(context.Background(), b.token())
		resp = e.doWith(c, "GET", "/staff/check-in/"+regB.CheckinCode, nil)
		page = body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(page, "Dupont 2") {
			t.Errorf("scan: %d", resp.StatusCode)
		}
		checkPage(t, page)
		page = body(t, e.doWith(c, "GET", "/staff/sessions/"+id+"/attendees", nil))
		checkPage(t, page)
		if !strings.Contains(page, "2 présents (100 %)") || !strings.Contains(page, "Marché le samedi.") {
			t.Error("attendance rate or notes missing")
		}
		if r := e.doWith(c, "GET", "/staff/sessions/"+id+"/attendees.csv", nil); r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Error("csv page")
		}
		// Lowering below the confirmed count is refused with a message.
		form.Set("capacity", "1")
		resp = e.form(c, "/staff/sessions/"+id, form)
		if page := body(t, resp); resp.StatusCode != 409 || !strings.Contains(page, "2 personnes sont déjà inscrites") {
			t.Errorf("capacity too small: %d", resp.StatusCode)
		}
		// A QR code scanned without signing in leads to the sign-in page.
		if r := e.doWith(e.browser(), "GET", "/staff/check-in/"+regB.CheckinCode, nil); r.StatusCode != 303 {
			t.Errorf("anonymous scan: %d", r.StatusCode)
		}
		// Consultants do not read the outbox; admins do.
		if r := e.doWith(c, "GET", "/staff/outbox", nil); r.StatusCode != 403 {
			t.Errorf("consultant outbox: %d", r.StatusCode)
		}
		admin := e.browser()
		e.signIn(admin, staff.Admin, "chef@example.org")
		page = body(t, e.doWith(admin, "GET", "/staff/outbox", nil))
		checkPage(t, page)
		if !strings.Contains(page, "anne1@example.be") {
			t.Error("outbox lacks the confirmation")
		}
		mails, _ := e.st.Outbox.List(context.Background(), store.OutboxFilter{Kind: store.MailConfirmed})
		page = body(t, e.doWith(admin, "GET", fmt.Sprintf("/staff/outbox/%d", mails[0].ID), nil))
		checkPage(t, page)
		if !strings.Contains(page, "/registrations/vr_") {
			t.Error("outbox mail page lacks the text")
		}
	})
}

func TestAgendaMap(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		page := body(t, e.do("GET", "/sessions", nil))
		checkPage(t, page)
		for _, want := range []string{`id="agenda-map"`, `data-tiles="https://tile.example.org/{z}/{x}/{y}.png"`, `<script type="application/json" id="agenda-points">`, "leaflet/leaflet.js", "agenda-map.js", "leaflet/leaflet.css"} {
			if !strings.Contains(page, want) {
				t.Errorf("map page lacks %q", want)
			}
		}
		i := strings.Index(page, `id="agenda-points">`) + len(`id="agenda-points">`)
		var points []mapPoint
		if err := json.Unmarshal([]byte(page[i:i+strings.Index(page[i:], "</script>")]), &points); err != nil || len(points) != 11 {
			t.Errorf("map data: %v, %d points", err, len(points))
		}
		for _, f := range []string{"leaflet/leaflet.js", "agenda-map.js", "leaflet/images/marker-icon.png"} {
			if r := e.do("GET", e.srv.assets.url(f), nil); r.StatusCode != 200 {
				t.Errorf("%s: %d", f, r.StatusCode)
			}
		}
	}, func(c *Config) { c.TileURL = "https://tile.example.org/{z}/{x}/{y}.png" })
}

func decodeInto(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
