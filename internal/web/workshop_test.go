package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"vitrine/internal/staff"
)

func TestWorkshop(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		ss := e.session()
		id := strconv.FormatInt(ss.ID, 10)
		facilitator := e.browser()
		e.signIn(facilitator, staff.Consultant, "facilitatrice@example.org")

		// The staff page leads to the list, the list to the session.
		if page := e.page(facilitator, "/staff"); !strings.Contains(page, `href="/staff/workshop"`) {
			t.Error("no workshop link on the staff page")
		}
		if page := e.page(facilitator, "/staff/workshop"); !strings.Contains(page, `href="/staff/workshop/`+id+`"`) {
			t.Error("the session is not in the workshop list")
		}
		page := e.page(facilitator, "/staff/workshop/"+id)
		short := regexp.MustCompile(`http://[^<"]+/d/([a-z2-9]{6})`).FindStringSubmatch(page)
		if short == nil || !strings.Contains(page, `<svg class="qr"`) || !strings.Contains(page, `data-live="/staff/workshop/`+id+`/room"`) ||
			!strings.Contains(page, `<script src="/static/`) || !strings.Contains(page, `http-equiv="refresh"`) {
			t.Fatalf("projector page: %.2000s", page)
		}
		code := short[1]
		if again := e.page(facilitator, "/staff/workshop/"+id); !strings.Contains(again, "/d/"+code) {
			t.Error("the short link changed between two visits")
		}
		resp := e.doWith(facilitator, "GET", "/staff/workshop/"+id+"/qr.png", nil)
		png, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("QR PNG: %s, %d bytes", resp.Header.Get("Content-Type"), len(png))
		}

		// A shopkeeper opens the short link: the diagnostic tied to the session.
		shopkeeper := e.browser()
		start := e.page(shopkeeper, "/d/"+code)
		if !strings.Contains(start, "Atelier découverte — Châtelet") || !strings.Contains(start, `name="code" value="`+code+`"`) {
			t.Errorf("start page from the short link: %.1500s", start)
		}
		token := e.begin(shopkeeper, url.Values{"code": {code}})
		if loc := e.takeAll(shopkeeper, token, url.Values{"commune": {"Châtelet"}, "sector": {"fashion"}}, lowOf); loc != "/diagnostics/"+token {
			t.Fatalf("workshop diagnostic went to %q", loc)
		}

		// Four answers: the room's results stay hidden.
		for i := range 3 {
			answers := lowAnswers()
			if i%2 == 1 {
				answers = levelTwo()
			}
			e.submit(submission(answers, "session_id", ss.ID))
		}
		e.submit(submission(bestAnswers())) // another room, not counted
		room := body(t, e.doWith(facilitator, "GET", "/staff/workshop/"+id+"/room", nil))
		if !strings.Contains(room, "4 personnes ont répondu") || !strings.Contains(room, "dès 1 réponse de plus") ||
			strings.Contains(room, "<table") || strings.Contains(room, "<svg") || strings.Contains(room, "moyenne") {
			t.Errorf("results shown below five answers: %s", room)
		}
		_, tok := e.staffUser(staff.Consultant, "api@example.org")
		var api apiRoom
		if status, raw := e.api("GET", "/api/v1/sessions/"+id+"/workshop", tok, nil, &api); status != 200 || api.Answered != 4 || api.Shown || api.Levels != nil || api.Weakest != nil {
			t.Errorf("API below five: %d %s", status, raw)
		}

		// The fifth: level distribution and weakest dimensions.
		e.submit(submission(levelTwo(), "session_id", ss.ID))
		room = body(t, e.doWith(facilitator, "GET", "/staff/workshop/"+id+"/room", nil))
		for _, want := range []string{"5 personnes ont répondu", `<svg class="chart"`, "<table", "Hors ligne", "Présent et actif",
			"Les domaines à travailler ensemble", "moyenne"} {
			if !strings.Contains(room, want) {
				t.Errorf("room at five answers lacks %q: %s", want, room)
			}
		}
		page = e.page(facilitator, "/staff/workshop/"+id)
		if !strings.Contains(page, "5 personnes ont répondu") {
			t.Error("projector page does not show the five answers")
		}
		status, raw := e.api("GET", "/api/v1/sessions/"+id+"/workshop", tok, nil, &api)
		total := 0
		for _, l := range api.Levels {
			total += l.Count
		}
		if status != 200 || !api.Shown || api.Answered != 5 || total != 5 || len(api.Weakest) != 3 || len(api.Dimensions) != 6 ||
			api.Levels[2].Count != 2 || api.Levels[0].Count != 3 {
			t.Errorf("API at five: %s", raw)
		}
		// Nothing in the room's results points at a person.
		var all map[string]any
		json.Unmarshal(raw, &all)
		if strings.Contains(string(raw), "52012") || strings.Contains(string(raw), "token") || strings.Contains(room, "dg_") {
			t.Errorf("room results carry personal data: %s", raw)
		}

		// Who may see it.
		partner := e.browser()
		e.signIn(partner, staff.Partner, "federation@example.org")
		if resp := e.doWith(partner, "GET", "/staff/workshop/"+id, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner sees the workshop page: %d", resp.StatusCode)
		}
		if resp := e.doWith(e.browser(), "GET", "/staff/workshop/"+id+"/room", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous room: %d", resp.StatusCode)
		}
		_, partnerTok := e.staffUser(staff.Partner, "p2@example.org")
		if status, _ := e.api("GET", "/api/v1/sessions/"+id+"/workshop", partnerTok, nil, nil); status != 403 {
			t.Errorf("partner API: %d", status)
		}
		if status, _ := e.api("GET", "/api/v1/sessions/"+id+"/workshop", "", nil, nil); status != 401 {
			t.Errorf("anonymous API: %d", status)
		}
		for _, p := range []string{"/staff/workshop/999999", "/staff/workshop/x"} {
			if resp := e.doWith(facilitator, "GET", p, nil); resp.StatusCode != 404 {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
		for _, p := range []string{"/d/zzzzzz", "/d/0", "/d/" + strings.ToUpper(code)} {
			if resp := e.doWith(shopkeeper, "GET", p, nil); resp.StatusCode != 404 {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
	})
}
