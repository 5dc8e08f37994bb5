package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"vitrine/internal/outreach"
	"vitrine/internal/staff"
)

func TestOutreachPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		e.signIn(c, staff.Consultant, "consultant@example.org")
		for _, lang := range []string{"nl", "fr"} { // French last: the choice sticks
			for _, path := range []string{"/staff/outreach", "/staff/outreach?province=Hainaut&phase=1", "/staff/outreach/due", "/staff/outreach/map", "/staff/outreach/map?province=Namur", "/staff/outreach/56078", "/staff"} {
				resp := e.doWith(c, "GET", path+sep(path)+"lang="+lang, nil)
				page := body(t, resp)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: status %d", path, resp.StatusCode)
				}
				checkPage(t, page)
			}
		}
		// The board filters by province and phase.
		page := body(t, e.doWith(c, "GET", "/staff/outreach?province=Namur&phase=1", nil))
		if !strings.Contains(page, ">Gembloux<") || strings.Contains(page, ">Thuin<") || strings.Contains(page, ">Andenne<") && !strings.Contains(page, "phase") {
			t.Error("board filter lets other communes through")
		}
		// The map draws every commune, links each to its page, and lists them too.
		page = body(t, e.doWith(c, "GET", "/staff/outreach/map", nil))
		if n := strings.Count(page, "<circle"); n != 261 {
			t.Errorf("map has %d dots, want 261", n)
		}
		if !strings.Contains(page, `href="/staff/outreach/56078"`) || !strings.Contains(page, `class="legend"`) {
			t.Error("map lacks links or legend")
		}

		// The consultant moves Thuin on: the form saves and the history says so.
		resp := e.form(c, "/staff/outreach/56078", url.Values{"stage": {"meeting_planned"}, "next_action_at": {"2026-11-25"},
			"next_action": {"Rencontre avec l’ADL"}, "issues": {"tourism", "markets"}, "other_issues": {"Ville haute, Ville basse"}, "note": {"Premier appel très positif."}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: status %d: %s", resp.StatusCode, body(t, resp))
		}
		page = body(t, e.doWith(c, "GET", "/staff/outreach/56078", nil))
		for _, want := range []string{"Rencontre prévue", `value="ville-haute, ville-basse"`, "Premier appel très positif.", "Pas encore contactée → Rencontre prévue", "consultant@example.org", "C’est enregistré."} {
			if !strings.Contains(page, want) {
				t.Errorf("commune page lacks %q", want)
			}
		}
		// Its action is due (yesterday), so it shows on the due list, marked late.
		page = body(t, e.doWith(c, "GET", "/staff/outreach/due", nil))
		if !strings.Contains(page, ">Thuin<") || !strings.Contains(page, "en retard") {
			t.Error("due list lacks Thuin")
		}
		// A wrong form comes back with the input and the errors.
		resp = e.form(c, "/staff/outreach/56078", url.Values{"stage": {"signed"}, "next_action_at": {"demain"}, "next_action": {"Appeler"}})
		page = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="demain"`) || !strings.Contains(page, "Indiquez une date") || !strings.Contains(page, "n’existe pas") {
			t.Errorf("bad form: status %d", resp.StatusCode)
		}
		checkPage(t, page)

		// Contacts: add, a wrong one, remove.
		resp = e.form(c, "/staff/outreach/56078/contacts", url.Values{"name": {"Anne Dupont"}, "role": {"alderman_commerce"}, "email": {"anne@thuin.be"}, "phone": {"071 55 94 11"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add contact: %d", resp.StatusCode)
		}
		resp = e.form(c, "/staff/outreach/56078/contacts", url.Values{"name": {""}, "role": {"other"}, "email": {"x@"}})
		page = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#f-contact_email"`) {
			t.Errorf("bad contact: status %d", resp.StatusCode)
		}
		checkPage(t, page)
		contacts, _ := e.st.Outreach.Contacts(context.Background(), "56078")
		if len(contacts) != 1 || contacts[0].Phone != "+3271559411" {
			t.Fatalf("contacts: %+v", contacts)
		}
		if resp := e.form(c, "/staff/outreach/56078/contacts/"+itoa(contacts[0].ID)+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("remove contact: %d", resp.StatusCode)
		}
		if resp := e.doWith(c, "GET", "/staff/outreach/99999", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown commune: %d", resp.StatusCode)
		}

		// A partner may not see the pipeline; a visitor is sent to sign in.
		p := e.browser()
		e.signIn(p, staff.Partner, "federation@example.org")
		if resp := e.doWith(p, "GET", "/staff/outreach", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner: %d", resp.StatusCode)
		}
		if resp := e.doWith(e.browser(), "GET", "/staff/outreach/map", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("visitor: %d", resp.StatusCode)
		}
	})
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestOutreachAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, tok := e.staffUser(staff.Consultant, "c@example.org")
		_, partner := e.staffUser(staff.Partner, "p@example.org")
		var o struct {
			NIS          string   `json:"nis_code"`
			Phase        int      `json:"phase"`
			Stage        string   `json:"stage"`
			NextActionAt *string  `json:"next_action_at"`
			Notes        string   `json:"notes"`
			Issues       []string `json:"issues"`
			Contacts     []struct {
				ID   int64
				Name string
				Role string
			} `json:"contacts"`
			History []struct{ At, Actor, Field, Old, New string } `json:"history"`
		}
		status, raw := e.api("GET", "/api/v1/communes/52012/outreach", tok, nil, &o)
		if status != 200 || o.NIS != "52012" || o.Phase != 1 || o.Stage != "not_contacted" || o.NextActionAt != nil || o.Issues == nil || o.Contacts == nil || o.History == nil {
			t.Fatalf("GET: %d %s", status, raw)
		}
		patch := map[string]any{"stage": "letter_sent", "next_action_at": "2027-01-15", "note": "Courrier au bourgmestre", "issues": []string{"empty_shops", "Retail parks"}}
		status, raw = e.api("PATCH", "/api/v1/communes/52012/outreach", tok, patch, &o)
		if status != 200 || o.Stage != "letter_sent" || o.NextActionAt == nil || *o.NextActionAt != "2027-01-15T09:00:00+01:00" ||
			strings.Join(o.Issues, ",") != "empty_shops,retail-parks" || !strings.Contains(o.Notes, "Courrier au bourgmestre") || len(o.History) != 4 {
			t.Fatalf("PATCH: %d %s", status, raw)
		}
		if o.History[0].Actor != "c@example.org" || !strings.HasSuffix(o.History[0].At, "+01:00") {
			t.Errorf("history: %+v", o.History[0])
		}
		// null clears the next action; absent fields stay.
		status, raw = e.api("PATCH", "/api/v1/communes/52012/outreach", tok, `{"next_action_at": null}`, &o)
		if status != 200 || o.NextActionAt != nil || o.Stage != "letter_sent" {
			t.Errorf("clear: %d %s", status, raw)
		}
		tests := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"unknown stage", map[string]any{"stage": "signed"}, 422, "stage"},
			{"bad date", map[string]any{"next_action_at": "15/01/2027"}, 422, "next_action_at"},
			{"date of the wrong type", `{"next_action_at": 12}`, 422, "next_action_at"},
			{"too many issues", map[string]any{"issues": strings.Split("a b c d e f g h i j k l m", " ")}, 422, "issues"},
			{"unknown field", `{"stag": "met"}`, 400, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, raw := e.api("PATCH", "/api/v1/communes/52012/outreach", tok, tt.body, nil)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
				}
				if tt.field != "" && strings.Join(problemFields(t, raw), ",") != tt.field {
					t.Errorf("fields %v, want %s", problemFields(t, raw), tt.field)
				}
			})
		}
		// Who may.
		if status, _ := e.api("GET", "/api/v1/communes/52012/outreach", "", nil, nil); status != 401 {
			t.Errorf("no token: %d", status)
		}
		if status, _ := e.api("PATCH", "/api/v1/communes/52012/outreach", partner, patch, nil); status != 403 {
			t.Errorf("partner: %d", status)
		}
		if status, _ := e.api("GET", "/api/v1/communes/99999/outreach", tok, nil, nil); status != 404 {
			t.Errorf("unknown commune: %d", status)
		}
		// Contacts through the API.
		var c struct {
			ID    int64
			Phone string
		}
		status, raw = e.api("POST", "/api/v1/communes/52012/contacts", tok, map[string]any{"name": "ADL Châtelet", "role": "local_development_agency", "phone": "071 24 32 11"}, &c)
		if status != 201 || c.ID == 0 || c.Phone != "+3271243211" {
			t.Fatalf("add contact: %d %s", status, raw)
		}
		status, raw = e.api("POST", "/api/v1/communes/52012/contacts", tok, map[string]any{"name": "X", "role": "mayor"}, nil)
		if status != 422 || strings.Join(problemFields(t, raw), ",") != "role" {
			t.Errorf("bad role: %d %s", status, raw)
		}
		if status, _ := e.api("DELETE", "/api/v1/communes/52012/contacts/"+itoa(c.ID), tok, nil, nil); status != 204 {
			t.Errorf("delete contact: %d", status)
		}
		if status, _ := e.api("DELETE", "/api/v1/communes/52012/contacts/"+itoa(c.ID), tok, nil, nil); status != 404 {
			t.Errorf("delete again: %d", status)
		}
		// The list filters.
		var list []struct {
			NIS   string `json:"nis_code"`
			Stage string
		}
		status, raw = e.api("GET", "/api/v1/outreach?stage=letter_sent", tok, nil, &list)
		if status != 200 || len(list) != 1 || list[0].NIS != "52012" {
			t.Errorf("list: %d %s", status, raw)
		}
		if status, _ := e.api("GET", "/api/v1/outreach?province=Namur&phase=2", tok, nil, &list); status != 200 || len(list) == 0 {
			t.Errorf("list by province: %d %d", status, len(list))
		}
		if status, raw := e.api("GET", "/api/v1/outreach?stage=won", tok, nil, nil); status != 422 || problemFields(t, raw)[0] != "stage" {
			t.Errorf("list with a wrong stage: %d", status)
		}
	})
}

func TestCommuneRequests(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		e.staffUser(staff.Admin, "team@example.org")
		e.staffUser(staff.Admin, "boss@example.org")
		e.staffUser(staff.Consultant, "c@example.org")
		var out struct {
			ID int64
		}
		status, raw := e.api("POST", "/api/v1/commune-requests", "", map[string]any{"commune_nis": "56078", "name": "Marie Lambert",
			"role": "alderman_commerce", "email": "marie@thuin.be", "message": "Nous avons une salle libre en mars."}, &out)
		if status != 201 || out.ID == 0 {
			t.Fatalf("request: %d %s", status, raw)
		}
		// Every admin is told, nobody else.
		m := e.deliverTo("team@example.org", 1)[0]
		if !strings.Contains(m.Subject, "Thuin") || !strings.Contains(m.Text, "Marie Lambert") || !strings.Contains(m.Text, "/staff/outreach/56078") {
			t.Errorf("mail: %s\n%s", m.Subject, m.Text)
		}
		e.deliverTo("boss@example.org", 1)
		e.deliverTo("c@example.org", 0)
		entry, _ := e.st.Outreach.Get(context.Background(), "56078")
		if entry.Outreach.Stage != outreach.Contacted {
			t.Errorf("stage %s", entry.Outreach.Stage)
		}
		status, raw = e.api("POST", "/api/v1/commune-requests", "", map[string]any{"commune_nis": "12345", "name": "", "role": "mayor", "email": "x@"}, nil)
		if status != 422 || strings.Join(problemFields(t, raw), ",") != "name,role,email" {
			t.Errorf("bad request: %d %s", status, raw)
		}
		status, raw = e.api("POST", "/api/v1/commune-requests", "", map[string]any{"commune_nis": "12345", "name": "Paul", "role": "other", "email": "p@example.org"}, nil)
		if status != 422 || strings.Join(problemFields(t, raw), ",") != "commune_nis" {
			t.Errorf("unknown commune: %d %s", status, raw)
		}

		// The HTML form, in two languages, with errors and then thanks.
		for _, lang := range []string{"fr", "de"} {
			page := body(t, e.do("GET", "/communes/join?commune=57003&lang="+lang, nil))
			checkPage(t, page)
			if !strings.Contains(page, `value="57003" selected`) {
				t.Error("the commune of the link is not chosen")
			}
		}
		c := e.browser()
		resp := e.form(c, "/communes/join", url.Values{"commune_nis": {"57003"}, "name": {"Paul Gérard"}, "role": {"shopkeepers_association"}, "email": {"paul@"}})
		page := body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `value="Paul Gérard"`) || !strings.Contains(page, "adresse e-mail complète") {
			t.Errorf("bad form: %d", resp.StatusCode)
		}
		checkPage(t, page)
		resp = e.form(c, "/communes/join", url.Values{"commune_nis": {"57003"}, "name": {"Paul Gérard"}, "role": {"shopkeepers_association"}, "email": {"paul@antoing.be"}})
		page = body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(page, "Merci") {
			t.Errorf("form: %d", resp.StatusCode)
		}
		checkPage(t, page)
		if contacts, _ := e.st.Outreach.Contacts(context.Background(), "57003"); len(contacts) != 1 || contacts[0].Role != outreach.ShopkeepersAssociation {
			t.Errorf("contacts of Antoing: %+v", contacts)
		}
	})
}

// The public forms are limited like the public API.
func TestRateLimitOnPublicForms(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		limited := 0
		for i := 0; i < 4; i++ {
			resp := e.form(e.browser(), "/communes/join", url.Values{"name": {"x"}})
			if resp.StatusCode == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited != 2 {
			t.Errorf("%d posts limited, want 2", limited)
		}
	}, func(c *Config) { c.RateLimit = 2 })
}
