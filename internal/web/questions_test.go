package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// testSession adds a session that starts in two days.
func testSession(t *testing.T, e *testEnv) sessions.Session {
	t.Helper()
	now := e.clock.Now()
	s, err := e.st.Sessions.Create(context.Background(), sessions.Draft{Title: "Atelier découverte — Thuin", CommuneNIS: "56078",
		Venue: "Hôtel de ville", StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 30}, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQuestionsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		s := testSession(t, e)
		path := "/api/v1/sessions/" + itoa(s.ID) + "/questions"
		var q struct {
			ID   int64
			Text string
		}
		status, raw := e.api("POST", path, "", map[string]any{"text": "Faut-il un site pour être sur Google Maps ?", "email": "luc@example.org"}, &q)
		if status != 201 || q.ID == 0 || strings.Contains(string(raw), "luc@example.org") {
			t.Fatalf("ask: %d %s", status, raw)
		}
		tests := []struct {
			name   string
			path   string
			body   any
			status int
			field  string
		}{
			{"empty", path, map[string]any{"text": " "}, 422, "text"},
			{"bad email", path, map[string]any{"text": "?", "email": "luc@"}, 422, "email"},
			{"unknown session", "/api/v1/sessions/9999/questions", map[string]any{"text": "?"}, 404, ""},
			{"not a number", "/api/v1/sessions/abc/questions", map[string]any{"text": "?"}, 404, ""},
			{"unknown field", path, `{"text": "?", "phone": "0470"}`, 400, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, raw := e.api("POST", tt.path, "", tt.body, nil)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
				}
				if tt.field != "" && strings.Join(problemFields(t, raw), ",") != tt.field {
					t.Errorf("fields %v", problemFields(t, raw))
				}
			})
		}
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		_, partner := e.staffUser(staff.Partner, "p@example.org")
		// The partner pastes one from the federation's page.
		var pasted struct {
			ID     int64
			Source string
		}
		status, raw = e.api("POST", "/api/v1/questions", partner, map[string]any{"session_id": s.ID, "text": "Et Instagram ?", "source": "social_media", "name": "Julie"}, &pasted)
		if status != 201 || pasted.Source != "social_media" {
			t.Fatalf("paste: %d %s", status, raw)
		}
		if status, raw := e.api("POST", "/api/v1/questions", partner, map[string]any{"session_id": s.ID, "text": "?", "source": "fax"}, nil); status != 422 || problemFields(t, raw)[0] != "source" {
			t.Errorf("unknown source: %d %s", status, raw)
		}
		// Facilitators see them, with who asked; the partner may not answer.
		var list []struct {
			ID     int64
			Email  string
			Source string
		}
		if status, raw := e.api("GET", "/api/v1/questions?session_id="+itoa(s.ID), consultant, nil, &list); status != 200 || len(list) != 2 || list[0].Email != "luc@example.org" || list[0].Source != "web" {
			t.Fatalf("list: %d %s", status, raw)
		}
		if status, _ := e.api("GET", "/api/v1/questions?session_id=9999", consultant, nil, nil); status != 404 {
			t.Errorf("list of an unknown session: %d", status)
		}
		if status, _ := e.api("GET", "/api/v1/questions", partner, nil, nil); status != 403 {
			t.Errorf("partner list: %d", status)
		}
		answer := map[string]any{"text": "Non : une fiche d’établissement suffit pour commencer.", "publish": true}
		if status, _ := e.api("POST", "/api/v1/questions/"+itoa(q.ID)+"/answer", partner, answer, nil); status != 403 {
			t.Errorf("partner answer: %d", status)
		}
		var a struct {
			Published  bool
			AnsweredAt *string `json:"answered_at"`
		}
		if status, raw := e.api("POST", "/api/v1/questions/"+itoa(q.ID)+"/answer", consultant, answer, &a); status != 200 || !a.Published || a.AnsweredAt == nil {
			t.Fatalf("answer: %d %s", status, raw)
		}
		if status, raw := e.api("POST", "/api/v1/questions/"+itoa(q.ID)+"/answer", consultant, map[string]any{"text": ""}, nil); status != 422 || problemFields(t, raw)[0] != "text" {
			t.Errorf("empty answer: %d", status)
		}
		if status, _ := e.api("POST", "/api/v1/questions/9999/answer", consultant, answer, nil); status != 404 {
			t.Errorf("answer unknown: %d", status)
		}
		// The published answer is on the session's public page, without who asked.
		page := body(t, e.do("GET", "/sessions/"+itoa(s.ID)+"/questions", nil))
		checkPage(t, page)
		if !strings.Contains(page, "Google Maps") || !strings.Contains(page, "une fiche d’établissement") || strings.Contains(page, "Instagram") || strings.Contains(page, "luc@example.org") {
			t.Error("public FAQ shows the wrong things")
		}
		// And on the session's own page, with the way to ask more.
		page = body(t, e.do("GET", "/sessions/"+itoa(s.ID), nil))
		checkPage(t, page)
		if !strings.Contains(page, "une fiche d’établissement") || !strings.Contains(page, `action="/sessions/`+itoa(s.ID)+`/questions"`) {
			t.Error("the session page lacks the FAQ")
		}
		// A question asked after the session is marked so.
		e.clock.Add(72 * time.Hour)
		e.api("POST", path, "", map[string]any{"text": "Où trouver les supports ?"}, nil)
		e.api("GET", "/api/v1/questions?session_id="+itoa(s.ID), consultant, nil, &list)
		if list[len(list)-1].Source != "after" {
			t.Errorf("late question source %q", list[len(list)-1].Source)
		}
	})
}

func TestQuestionsPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		s := testSession(t, e)
		page := "/sessions/" + itoa(s.ID) + "/questions"
		for _, lang := range []string{"fr", "en"} {
			checkPage(t, body(t, e.do("GET", page+"?lang="+lang, nil)))
		}
		// A shopkeeper asks through the form.
		c := e.browser()
		resp := e.form(c, page, url.Values{"text": {""}, "email": {"x@"}})
		html := body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html, `value="x@"`) {
			t.Errorf("bad question: %d", resp.StatusCode)
		}
		checkPage(t, html)
		resp = e.form(c, page, url.Values{"text": {"Comment vendre sur Facebook ?"}, "name": {"Luc"}})
		html = body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(html, "Merci, votre question est transmise") {
			t.Errorf("question: %d", resp.StatusCode)
		}
		if resp := e.do("GET", "/sessions/9999/questions", nil); resp.StatusCode != 404 {
			t.Errorf("unknown session: %d", resp.StatusCode)
		}
		// The facilitator sees it and answers it from the staff page.
		k := e.browser()
		e.signIn(k, staff.Consultant, "c@example.org")
		html = body(t, e.doWith(k, "GET", "/staff/questions", nil))
		checkPage(t, html)
		html = body(t, e.doWith(k, "GET", "/staff/questions?session_id="+itoa(s.ID), nil))
		checkPage(t, html)
		if !strings.Contains(html, "Comment vendre sur Facebook ?") || !strings.Contains(html, "Luc") {
			t.Fatal("the staff page lacks the question")
		}
		qs, _ := e.st.Questions.List(context.Background(), storeFilter(s.ID))
		resp = e.form(k, "/staff/questions/"+itoa(qs[0].ID)+"/answer", url.Values{"answer": {""}})
		html = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("empty answer: %d", resp.StatusCode)
		}
		checkPage(t, html)
		resp = e.form(k, "/staff/questions/"+itoa(qs[0].ID)+"/answer", url.Values{"answer": {"Avec une page professionnelle."}, "publish": {"on"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d", resp.StatusCode)
		}
		if html := body(t, e.do("GET", page, nil)); !strings.Contains(html, "Avec une page professionnelle.") {
			t.Error("the answer is not published")
		}
		// Staff paste a question; a wrong one comes back with its errors.
		resp = e.form(k, "/staff/questions", url.Values{"session_id": {itoa(s.ID)}, "source": {"social_media"}, "text": {""}})
		html = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("empty paste: %d", resp.StatusCode)
		}
		checkPage(t, html)
		resp = e.form(k, "/staff/questions", url.Values{"session_id": {itoa(s.ID)}, "source": {"social_media"}, "text": {"Vu sur Facebook : et TikTok ?"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("paste: %d", resp.StatusCode)
		}
		// A partner may paste but not read the questions or answer them.
		p := e.browser()
		e.signIn(p, staff.Partner, "p@example.org")
		html = body(t, e.doWith(p, "GET", "/staff/questions?session_id="+itoa(s.ID), nil))
		checkPage(t, html)
		if strings.Contains(html, "Comment vendre sur Facebook ?") {
			t.Error("a partner reads the questions")
		}
		if resp := e.form(p, "/staff/questions/"+itoa(qs[0].ID)+"/answer", url.Values{"answer": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner answer: %d", resp.StatusCode)
		}
	})
}

func storeFilter(sessionID int64) store.QuestionFilter {
	return store.QuestionFilter{SessionID: sessionID}
}

// A question typed with the registration reaches the facilitators under the
// person's name; a question too long stops the registration with the
// form kept; erasing the registration keeps the question without its author.
func TestQuestionWithRegistration(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		s := testSession(t, e)
		_, tok := e.staffUser(staff.Consultant, "facilitator@example.org")
		list := func() []apiAskedQuestion {
			var qs []apiAskedQuestion
			if status, raw := e.api("GET", "/api/v1/questions?session_id="+itoa(s.ID), tok, nil, &qs); status != 200 {
				t.Fatalf("questions: %d %s", status, raw)
			}
			return qs
		}

		// Through the API.
		in := shopkeeper(1)
		in["question"] = "  Faut-il un site pour vendre en ligne ?  "
		if status, _, raw := e.registerAPI(s.ID, in); status != 201 {
			t.Fatalf("register: %d %s", status, raw)
		}
		// Registering again (same address) does not ask twice.
		if status, _, raw := e.registerAPI(s.ID, in); status != 200 {
			t.Fatalf("register again: %d %s", status, raw)
		}
		qs := list()
		if len(qs) != 1 || qs[0].Text != "Faut-il un site pour vendre en ligne ?" || qs[0].Source != "registration" ||
			qs[0].Email != "anne1@example.be" || qs[0].Name != "Anne Dupont 1" {
			t.Fatalf("questions after registering: %+v", qs)
		}
		// Registered already, a new question still reaches the facilitators.
		in["question"] = "Et la TVA sur les ventes en ligne ?"
		if status, _, raw := e.registerAPI(s.ID, in); status != 200 {
			t.Fatalf("register again with a new question: %d %s", status, raw)
		}
		if qs = list(); len(qs) != 2 || qs[1].Text != "Et la TVA sur les ventes en ligne ?" {
			t.Fatalf("questions after a new one: %+v", qs)
		}

		// Through the page: too long, then right.
		c := e.browser()
		form := url.Values{"first_name": {"Luc"}, "last_name": {"Martin"}, "email": {"luc@example.be"}, "shop_name": {"Fleurs"},
			"sector": {"fashion"}, "commune": {"Thuin"}, "consent_contact": {"yes"}, "question": {strings.Repeat("a", 2001)}}
		resp := e.form(c, "/sessions/"+itoa(s.ID)+"/register", form)
		page := body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `id="f-question-error"`) || !strings.Contains(page, `value="Luc"`) {
			t.Fatalf("a question too long: %d", resp.StatusCode)
		}
		if regs, _ := e.st.Registrations.ForSession(context.Background(), s.ID); len(regs) != 1 {
			t.Fatalf("a rejected form registered someone: %d registrations", len(regs))
		}
		form.Set("question", "Et pour une fleuriste ?")
		resp = e.form(c, "/sessions/"+itoa(s.ID)+"/register", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("register through the page: %d", resp.StatusCode)
		}
		manage := resp.Header.Get("Location")
		qs = list()
		if len(qs) != 3 || qs[2].Text != "Et pour une fleuriste ?" || qs[2].Email != "luc@example.be" {
			t.Fatalf("questions after the page: %+v", qs)
		}

		// Erasing the registration keeps the question, not who asked it.
		token := strings.TrimPrefix(manage[:strings.Index(manage+"?", "?")], "/registrations/")
		if resp := e.form(c, "/registrations/"+token+"/erase", url.Values{}); resp.StatusCode >= 400 {
			t.Fatalf("erase: %d", resp.StatusCode)
		}
		qs = list()
		if len(qs) != 3 || qs[2].Text != "Et pour une fleuriste ?" || qs[2].Email != "" || qs[2].Name != "" || qs[0].Email != "anne1@example.be" {
			t.Fatalf("questions after erasing: %+v", qs)
		}
	})
}
