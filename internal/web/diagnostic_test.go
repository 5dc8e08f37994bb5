package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vitrine/internal/diagnostic"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// ---- Answers for the tests ----

// pickAnswers answers every question with pick(question), as the API wants.
func pickAnswers(pick func(x maturity.Question) []string) map[string]any {
	a := map[string]any{}
	for _, d := range maturity.Current().Dimensions {
		for _, x := range d.Questions {
			if opts := pick(x); len(opts) > 0 {
				a[x.ID] = opts
			}
		}
	}
	return a
}

// bestOf is a question's best answer.
func bestOf(x maturity.Question) []string {
	var pick []string
	top, sum := -1, 0
	for _, o := range x.Options {
		switch {
		case x.Kind == maturity.Multiple && !o.Exclusive && !o.DontKnow && sum < maturity.MaxPoints:
			pick = append(pick, o.ID)
			sum += o.Points
		case x.Kind != maturity.Multiple && o.Points > top:
			pick, top = []string{o.ID}, o.Points
		}
	}
	return pick
}

// lowOf is a question's second option: a weak but real answer.
func lowOf(x maturity.Question) []string { return []string{x.Options[1].ID} }

func bestAnswers() map[string]any { return pickAnswers(bestOf) }
func lowAnswers() map[string]any  { return pickAnswers(lowOf) }

// levelTwo answers well, but cash only and no till: "Présent et actif".
func levelTwo() map[string]any {
	a := bestAnswers()
	a["payment"], a["till"] = []string{"cash-only"}, []string{"none"}
	return a
}

func submission(answers map[string]any, extra ...any) map[string]any {
	body := map[string]any{"answers": answers, "commune_nis": "52012", "sector": "food"}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return body
}

// result is the part of a result body the tests read.
type result struct {
	ID         int64            `json:"id"`
	Token      string           `json:"token"`
	URL        string           `json:"url"`
	PDFURL     string           `json:"pdf_url"`
	Level      int              `json:"level"`
	LevelName  string           `json:"level_name"`
	Index      float64          `json:"index"`
	Dimensions []apiScore       `json:"dimensions"`
	Blocking   []apiBlocker     `json:"blocking"`
	Plan       apiPlan          `json:"plan"`
	Progress   *json.RawMessage `json:"progress"`
}

func (e *testEnv) submit(body map[string]any) result {
	e.t.Helper()
	var out result
	status, raw := e.api("POST", "/api/v1/diagnostics", "", body, &out)
	if status != http.StatusCreated {
		e.t.Fatalf("submit: status %d: %s", status, raw)
	}
	return out
}

// problemFields returns the fields a problem document names, in its order,
// and fails the test on a message that was left untranslated.
func problemFields(t *testing.T, raw []byte) []string {
	t.Helper()
	var p struct {
		Errors []problemField `json:"errors"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("problem %s: %v", raw, err)
	}
	var out []string
	for _, f := range p.Errors {
		if f.Message == "" || strings.HasPrefix(f.Message, "diagnostic.") || strings.HasPrefix(f.Message, "error.") {
			t.Errorf("field %s: message %q is not a translated text", f.Field, f.Message)
		}
		out = append(out, f.Field)
	}
	return out
}

// ---- The API ----

func TestDiagnosticQuestionnaireAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		var q apiQuestionnaire
		if status, raw := e.api("GET", "/api/v1/diagnostic", "", nil, &q); status != 200 {
			t.Fatalf("status %d: %s", status, raw)
		}
		if q.Version != "v1" || len(q.Levels) != 6 || len(q.Dimensions) != 6 || q.Levels[1].Name != "Trouvable" {
			t.Fatalf("questionnaire %+v", q)
		}
		n := 0
		for _, d := range q.Dimensions {
			for _, x := range d.Questions {
				n++
				dontKnow := false
				for _, o := range x.Options {
					if o.Points < 0 || o.Points > 10 || o.Label == "" {
						t.Errorf("%s/%s: points %d label %q", x.ID, o.ID, o.Points, o.Label)
					}
					dontKnow = dontKnow || o.DontKnow
				}
				if !dontKnow || x.Text == "" || x.Kind == "" {
					t.Errorf("question %+v", x)
				}
			}
		}
		if n != 35 {
			t.Errorf("%d questions, want 35", n)
		}
		var de apiQuestionnaire
		e.api("GET", "/api/v1/diagnostic?lang=de", "", nil, &de)
		if de.Levels[1].Name != "Auffindbar" || de.Dimensions[0].Questions[0].Text == q.Dimensions[0].Questions[0].Text {
			t.Errorf("?lang=de gives %q", de.Levels[1].Name)
		}
	})
}

func TestDiagnosticSubmitAndRead(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		var out result
		status, raw := e.api("POST", "/api/v1/diagnostics", "", submission(levelTwo(), "email", "zoe@example.org", "shop_name", "Au cœur du goût"), &out)
		if status != http.StatusCreated {
			t.Fatalf("status %d: %s", status, raw)
		}
		if out.ID == 0 || !diagnostic.WellFormed(diagnostic.TokenPrefix, out.Token) || out.Level != 2 || out.LevelName != "Présent et actif" ||
			out.Index <= 0 || out.Index > 100 || len(out.Dimensions) != 6 || len(out.Blocking) == 0 || out.Blocking[0].Text == "" ||
			len(out.Plan.Actions) == 0 || out.Plan.Trainings == nil || out.Progress != nil {
			t.Fatalf("result %s", raw)
		}
		for _, a := range out.Plan.Actions {
			if a.Text == "" || a.Why == "" || a.EffortLabel == "" || a.CostLabel == "" {
				t.Errorf("action %+v", a)
			}
		}
		// The same body again, by token.
		var again result
		if status, raw := e.api("GET", "/api/v1/diagnostics/"+out.Token, "", nil, &again); status != 200 {
			t.Fatalf("get: %d %s", status, raw)
		}
		if again.ID != out.ID || again.Level != out.Level || again.Index != out.Index || len(again.Plan.Actions) != len(out.Plan.Actions) ||
			again.Plan.Actions[0].ID != out.Plan.Actions[0].ID {
			t.Errorf("read back %+v, posted %+v", again, out)
		}
		// In English on demand.
		var en result
		e.api("GET", "/api/v1/diagnostics/"+out.Token+"?lang=en", "", nil, &en)
		if en.LevelName != "Present and active" {
			t.Errorf("English level name %q", en.LevelName)
		}
		// A link made before tokens began with their time still opens.
		rec, err := e.st.Diagnostics.ByToken(context.Background(), diagnostic.Hash(out.Token))
		if err != nil {
			t.Fatal(err)
		}
		older, olderHash := diagnostic.NewSecret(diagnostic.TokenPrefix)
		if _, err := e.st.Diagnostics.Create(context.Background(), store.NewDiagnostic{TokenHash: olderHash, Record: rec}, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		var old result
		if status, raw := e.api("GET", "/api/v1/diagnostics/"+older, "", nil, &old); status != 200 || old.Level != out.Level || old.ID == out.ID {
			t.Errorf("older token: %d %s", status, raw)
		}
		for _, tok := range []string{"dg_unknown", out.Token[:len(out.Token)-2] + "AA", "x", older[:len(older)-2] + "AA"} {
			if status, _ := e.api("GET", "/api/v1/diagnostics/"+tok, "", nil, nil); status != 404 {
				t.Errorf("token %q: status %d", tok, status)
			}
		}
		// The private link went by mail, with the key that proves the address.
		m := e.deliverTo("zoe@example.org", 1)[0]
		if !strings.Contains(m.Text, "/diagnostics/"+out.Token+"?k=dk_") || !strings.Contains(m.Text, "Présent et actif") {
			t.Errorf("mail: %s", m.Text)
		}
	})
}

func TestDiagnosticSubmitErrors(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		ss := e.session()
		with := func(change func(a map[string]any)) map[string]any {
			a := bestAnswers()
			change(a)
			return a
		}
		fewer := with(func(a map[string]any) {
			for _, id := range maturity.Current().QuestionIDs()[:9] {
				delete(a, id)
			}
		})
		tests := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"not JSON", "{answers:", 400, nil},
			{"unknown field", `{"answers": {}, "commune_nis": "52012", "sector": "food", "colour": "red"}`, 400, nil},
			{"trailing data", `{"answers": {}, "commune_nis": "52012", "sector": "food"} {}`, 400, nil},
			{"a body over the limit", `{"shop_name": "` + strings.Repeat("a", 2<<20) + `"}`, 413, nil},
			{"an answer of the wrong kind", submission(with(func(a map[string]any) { a["listing"] = 3 })), 422, []string{"answers.listing"}},
			{"an object as an answer", submission(with(func(a map[string]any) { a["payment"] = map[string]any{"card": true} })), 422, []string{"answers.payment"}},
			{"an unknown question", submission(with(func(a map[string]any) { a["shoe-size"] = "42" })), 422, []string{"answers.shoe-size"}},
			{"an unknown option", submission(with(func(a map[string]any) { a["listing"] = "maybe" })), 422, []string{"answers.listing"}},
			{"two options for one choice", submission(with(func(a map[string]any) { a["listing"] = []string{"no", "claimed"} })), 422, []string{"answers.listing"}},
			{"none with something", submission(with(func(a map[string]any) { a["remote-order"] = []string{"none", "phone"} })), 422, []string{"answers.remote-order"}},
			{"too few answers", submission(fewer), 422, []string{"answers"}},
			{"no answers at all", map[string]any{"commune_nis": "52012", "sector": "food"}, 422, []string{"answers"}},
			{"an unknown commune", submission(bestAnswers(), "commune_nis", "99999"), 422, []string{"commune_nis"}},
			{"no commune", submission(bestAnswers(), "commune_nis", ""), 422, []string{"commune_nis"}},
			{"an unknown sector", submission(bestAnswers(), "sector", "mining"), 422, []string{"sector"}},
			{"a bad email", submission(bestAnswers(), "email", "zoe@"), 422, []string{"email"}},
			{"an unknown session", submission(bestAnswers(), "session_id", ss.ID+1000), 422, []string{"session_id"}},
			{"an unknown previous token", submission(bestAnswers(), "previous_token", "dg_"+strings.Repeat("A", 43)), 422, []string{"previous_token"}},
			{"several at once", submission(with(func(a map[string]any) { a["listing"] = 3; a["photos"] = "often" }), "commune_nis", "1"), 422,
				[]string{"answers.listing", "answers.photos", "commune_nis"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, raw := e.api("POST", "/api/v1/diagnostics", "", tt.body, nil)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
				}
				if tt.fields != nil {
					if got := slices.Sorted(slices.Values(problemFields(t, raw))); !slices.Equal(got, tt.fields) {
						t.Errorf("fields %v, want %v: %s", got, tt.fields, raw)
					}
				}
			})
		}
		// Nothing was stored.
		var n int
		e.st.DB.Reader().QueryRow("SELECT COUNT(*) FROM diagnostics").Scan(&n)
		if n != 0 {
			t.Errorf("%d diagnostics stored from wrong submissions", n)
		}
		// A body the quick reader leaves to encoding/json (escapes, a key
		// in capitals) is read all the same.
		good, _ := json.Marshal(bestAnswers())
		escaped := `{"Answers": ` + string(good) + `, "commune_nis": "52012", "sector": "food", "shop_name": "Caf\u00e9 \"Chez Zo\u00e9\""}`
		if status, raw := e.api("POST", "/api/v1/diagnostics", "", escaped, nil); status != 201 {
			t.Fatalf("escaped body: status %d: %s", status, raw)
		}
		var shop string
		e.st.DB.Reader().QueryRow("SELECT shop_name FROM diagnostics").Scan(&shop)
		if shop != `Café "Chez Zoé"` {
			t.Errorf("shop name stored as %q", shop)
		}
		// The field messages follow the language.
		_, raw := e.api("POST", "/api/v1/diagnostics?lang=de", "", submission(bestAnswers(), "commune_nis", "99999"), nil)
		if !strings.Contains(string(raw), "Gemeinde") {
			t.Errorf("German problem: %s", raw)
		}
	})
}

// session creates an information session in the tests' future.
func (e *testEnv) session() sessions.Session {
	e.t.Helper()
	ss, err := e.st.Sessions.Create(context.Background(), sessions.Draft{Title: "Atelier découverte — Châtelet", CommuneNIS: "52012",
		Venue: "Hôtel de ville", StartsAt: testStart.Add(2 * time.Hour), EndsAt: testStart.Add(4 * time.Hour), Capacity: 40}, testStart)
	if err != nil {
		e.t.Fatal(err)
	}
	return ss
}

// ---- The flow in the browser ----

var tokenInPath = regexp.MustCompile(`/diagnostic/(dg_[A-Za-z0-9_-]+)/(\d+)$`)

// location returns the Location of a redirect, failing unless it is one.
func location(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want a redirect: %.600s", resp.StatusCode, b)
	}
	return resp.Header.Get("Location")
}

// screenValues answers the questions of screen step (2 to 7) with pick.
func screenValues(step int, pick func(maturity.Question) []string, goTo string) url.Values {
	v := url.Values{"go": {goTo}}
	for _, x := range maturity.Current().Dimensions[step-2].Questions {
		for _, o := range pick(x) {
			v.Add("q."+x.ID, o)
		}
	}
	return v
}

// page fetches a page with a browser and checks it.
func (e *testEnv) page(c *http.Client, path string) string {
	e.t.Helper()
	resp := e.doWith(c, "GET", path, nil)
	page := body(e.t, resp)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET %s: status %d: %.500s", path, resp.StatusCode, page)
	}
	checkPage(e.t, page)
	return page
}

// begin starts a diagnostic in a browser and returns its token.
func (e *testEnv) begin(c *http.Client, values url.Values) string {
	e.t.Helper()
	loc := location(e.t, e.form(c, "/diagnostic", values))
	m := tokenInPath.FindStringSubmatch(loc)
	if m == nil || m[2] != "1" {
		e.t.Fatalf("start went to %q", loc)
	}
	return m[1]
}

// takeAll fills the shop screen and every dimension with pick, and returns
// where the last screen leads.
func (e *testEnv) takeAll(c *http.Client, token string, shop url.Values, pick func(maturity.Question) []string) string {
	e.t.Helper()
	shop.Set("go", "next")
	if loc := location(e.t, e.form(c, stepPath(token, 1), shop)); loc != stepPath(token, 2) {
		e.t.Fatalf("shop screen went to %q", loc)
	}
	steps := diagnostic.Steps(maturity.Current())
	var loc string
	for step := 2; step <= steps; step++ {
		loc = location(e.t, e.form(c, stepPath(token, step), screenValues(step, pick, "next")))
	}
	return loc
}

func TestDiagnosticFlow(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		page := e.page(c, "/diagnostic")
		if !strings.Contains(page, "35 questions") || !strings.Contains(page, `action="/diagnostic"`) {
			t.Errorf("start page: %.300s", page)
		}
		token := e.begin(c, nil)

		// The shop: commune and sector are needed to go on.
		page = e.page(c, stepPath(token, 1))
		if !strings.Contains(page, `<progress max="7" value="1"`) || !strings.Contains(page, "Étape 1 sur 7") || !strings.Contains(page, `<datalist id="communes">`) {
			t.Errorf("first screen lacks the progress bar or the communes")
		}
		resp := e.form(c, stepPath(token, 1), url.Values{"go": {"next"}, "commune": {"Atlantis"}})
		page = body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, "error-summary") || !strings.Contains(page, `href="#f-commune"`) ||
			!strings.Contains(page, `href="#f-sector"`) || !strings.Contains(page, `value="Atlantis"`) {
			t.Fatalf("missing commune and sector: status %d %.2000s", resp.StatusCode, page)
		}
		checkPage(t, page)
		shop := url.Values{"commune": {"6200"}, "sector": {"food"}, "shop_name": {"Au cœur du goût"}, "email": {"zoe@example.org"}}
		shop.Set("go", "next")
		if loc := location(t, e.form(c, stepPath(token, 1), shop)); loc != stepPath(token, 2) {
			t.Fatalf("went to %q", loc)
		}
		// The resume link is mailed once.
		m := e.deliverTo("zoe@example.org", 1)[0]
		if !strings.Contains(m.Text, "/diagnostic/"+token) {
			t.Errorf("resume mail: %s", m.Text)
		}

		// Answers survive going back and forward.
		page = e.page(c, stepPath(token, 2))
		if strings.Count(page, `<fieldset class="question`) != 7 || strings.Count(page, "<legend>") != 7 {
			t.Errorf("screen 2 should show the 7 visibility questions")
		}
		location(t, e.form(c, stepPath(token, 2), screenValues(2, lowOf, "next")))
		if loc := location(t, e.form(c, stepPath(token, 3), screenValues(3, bestOf, "back"))); loc != stepPath(token, 2) {
			t.Fatalf("back went to %q", loc)
		}
		page = e.page(c, stepPath(token, 2))
		first := maturity.Current().Dimensions[0].Questions[0]
		if !regexp.MustCompile(`id="q-` + first.ID + `-1" name="q.` + first.ID + `" value="` + first.Options[1].ID + `" checked`).MatchString(page) {
			t.Errorf("screen 2 lost its answers after going back")
		}
		page = e.page(c, stepPath(token, 3))
		if strings.Count(page, " checked>") < len(maturity.Current().Dimensions[1].Questions) {
			t.Errorf("screen 3's answers were not saved when going back")
		}
		page = e.page(c, stepPath(token, 1))
		if !strings.Contains(page, `value="Châtelet (6200)"`) || !strings.Contains(page, `value="food" selected`) {
			t.Errorf("the shop screen lost its values")
		}

		// A wrong combination is shown on its question.
		bad := screenValues(4, bestOf, "next")
		bad.Set("q.remote-order", "none")
		bad.Add("q.remote-order", "phone")
		resp = e.form(c, stepPath(token, 4), bad)
		page = body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `id="q-remote-order-error"`) {
			t.Errorf("exclusive answers: status %d", resp.StatusCode)
		}
		checkPage(t, page)

		for _, p := range []string{"/diagnostic/dg_nope/1", stepPath(token, 0), stepPath(token, 8), "/diagnostic/" + token + "/x"} {
			if resp := e.doWith(c, "GET", p, nil); resp.StatusCode != 404 {
				t.Errorf("GET %s: status %d", p, resp.StatusCode)
			}
		}

		// Finishing with too few answers says what is missing, screen by screen.
		location(t, e.form(c, stepPath(token, 4), screenValues(4, bestOf, "next")))
		// The private link resumes where the person was.
		if loc := location(t, e.doWith(e.browser(), "GET", "/diagnostic/"+token, nil)); loc != stepPath(token, 5) {
			t.Errorf("resume link went to %q, want screen 5", loc)
		}
		location(t, e.form(c, stepPath(token, 5), url.Values{"go": {"next"}}))
		location(t, e.form(c, stepPath(token, 6), url.Values{"go": {"next"}}))
		resp = e.form(c, stepPath(token, 7), screenValues(7, bestOf, "next"))
		page = body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, "Il manque encore") || !strings.Contains(page, `href="`+stepPath(token, 5)+`"`) ||
			!strings.Contains(page, `href="`+stepPath(token, 6)+`"`) || strings.Contains(page, `href="`+stepPath(token, 4)+`"`) {
			t.Fatalf("too few answers: status %d %.1500s", resp.StatusCode, page)
		}
		checkPage(t, page)

		// Then complete: the result.
		location(t, e.form(c, stepPath(token, 5), screenValues(5, bestOf, "next")))
		location(t, e.form(c, stepPath(token, 6), screenValues(6, bestOf, "next")))
		if loc := location(t, e.form(c, stepPath(token, 7), screenValues(7, bestOf, "next"))); loc != "/diagnostics/"+token {
			t.Fatalf("finish went to %q", loc)
		}
		page = e.page(c, "/diagnostics/"+token)
		for _, want := range []string{"Niveau", "sur 5", "Vos scores par domaine", `<svg class="chart"`, "<table", "Votre plan : les actions",
			"Entreprise privée", "Les compétences utiles", "apparaîtront ici", "plan.pdf", "Refaire le diagnostic", `name="robots" content="noindex"`} {
			if !strings.Contains(page, want) {
				t.Errorf("result page lacks %q", want)
			}
		}
		// The old links lead to the result.
		if loc := location(t, e.doWith(c, "GET", "/diagnostic/"+token, nil)); loc != "/diagnostics/"+token {
			t.Errorf("resume link after completion went to %q", loc)
		}
		if loc := location(t, e.form(c, stepPath(token, 7), screenValues(7, bestOf, "next"))); loc != "/diagnostics/"+token {
			t.Errorf("finishing twice went to %q", loc)
		}
		// The result went by mail; its key proves the email and leaves the address bar.
		m = e.deliverTo("zoe@example.org", 2)[1]
		link := regexp.MustCompile(`/diagnostics/dg_[A-Za-z0-9_-]+\?k=dk_[A-Za-z0-9_-]+`).FindString(m.Text)
		if link == "" {
			t.Fatalf("no private link in %s", m.Text)
		}
		if loc := location(t, e.doWith(c, "GET", link, nil)); loc != "/diagnostics/"+token {
			t.Errorf("mailed link went to %q", loc)
		}
		var verified int
		e.st.DB.Reader().QueryRow("SELECT COUNT(*) FROM diagnostics WHERE email_verified_at IS NOT NULL").Scan(&verified)
		if verified != 1 {
			t.Error("opening the mailed link did not prove the email")
		}
		// Every screen and page also comes in the other languages.
		for _, lang := range []string{"de", "nl", "en"} {
			page := e.page(c, "/diagnostics/"+token+"?lang="+lang)
			if !strings.Contains(page, `<html lang="`+lang+`">`) {
				t.Errorf("result not in %s", lang)
			}
		}
	})
}

func TestDiagnosticProgress(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		first := e.submit(submission(lowAnswers(), "email", "zoe@example.org"))
		c := e.browser()

		// Retaken from the result page: the answers come back, and the
		// result shows the change.
		loc := location(t, e.form(c, "/diagnostics/"+first.Token+"/retake", url.Values{}))
		m := tokenInPath.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("retake went to %q", loc)
		}
		token := m[1]
		page := e.page(c, stepPath(token, 1))
		if !strings.Contains(page, `value="zoe@example.org"`) || !strings.Contains(page, "déjà cochées") {
			t.Errorf("retake does not start from the last answers")
		}
		e.clock.Add(90 * 24 * time.Hour)
		shop := url.Values{"commune": {"52012"}, "sector": {"food"}, "email": {"zoe@example.org"}}
		if loc := e.takeAll(c, token, shop, bestOf); loc != "/diagnostics/"+token {
			t.Fatalf("finish went to %q", loc)
		}
		page = e.page(c, "/diagnostics/"+token)
		if !strings.Contains(page, "Vos progrès") || !strings.Contains(page, "Depuis votre premier diagnostic (26 novembre 2026)") ||
			!strings.Contains(page, "Niveau : de "+strconv.Itoa(first.Level)+" à 5") || !regexp.MustCompile(`<td class="num">(\+|&#43;)[0-9]`).MatchString(page) {
			t.Errorf("progress missing from the result: %.3000s", page[strings.Index(page, "<main"):])
		}
		var res result
		e.api("GET", "/api/v1/diagnostics/"+token, "", nil, &res)
		var p maturity.Progress
		if res.Progress == nil || json.Unmarshal(*res.Progress, &p) != nil || p.LevelTo != 5 || p.IndexChange <= 0 || len(p.Dimensions) != 6 {
			t.Errorf("API progress %v", res.Progress)
		}

		// The same email later, through the API: progress waits for the mailed link.
		e.deliver()
		before := len(e.smtp.To("zoe@example.org"))
		third := e.submit(submission(levelTwo(), "email", "ZOE@example.org"))
		if third.Progress != nil {
			t.Error("progress shown to whoever typed the email")
		}
		page = e.page(c, "/diagnostics/"+third.Token)
		if strings.Contains(page, "Vos progrès") || !strings.Contains(page, "Pour voir vos progrès") {
			t.Error("result linked by email alone shows progress, or does not say how to see it")
		}
		mails := e.deliverTo("zoe@example.org", before+1)
		link := regexp.MustCompile(`/diagnostics/` + third.Token + `\?k=dk_[A-Za-z0-9_-]+`).FindString(mails[before].Text)
		location(t, e.doWith(c, "GET", link, nil))
		page = e.page(c, "/diagnostics/"+third.Token)
		if !strings.Contains(page, "Vos progrès") {
			t.Error("progress still hidden after the mailed link was opened")
		}

		// With the previous token, through the API: progress at once.
		fourth := e.submit(submission(bestAnswers(), "previous_token", first.Token))
		if fourth.Progress == nil {
			t.Error("no progress with the previous token")
		}

		// Mailing the link from the result page.
		anon := e.submit(submission(lowAnswers()))
		resp := e.form(c, "/diagnostics/"+anon.Token+"/email", url.Values{"email": {"nope"}})
		if page := body(t, resp); resp.StatusCode != 422 || !strings.Contains(page, "adresse e-mail complète") {
			t.Errorf("bad email on the result page: %d", resp.StatusCode)
		} else {
			checkPage(t, page)
		}
		if loc := location(t, e.form(c, "/diagnostics/"+anon.Token+"/email", url.Values{"email": {"anne@example.org"}})); !strings.Contains(loc, "mailed=1") {
			t.Errorf("mail link went to %q", loc)
		}
		if page := e.page(c, "/diagnostics/"+anon.Token+"?mailed=1"); !strings.Contains(page, "C’est envoyé") {
			t.Error("no confirmation after mailing the link")
		}
		if m := e.deliverTo("anne@example.org", 1)[0]; !strings.Contains(m.Text, anon.Token) {
			t.Errorf("mailed link: %s", m.Text)
		}
	})
}

// ---- The PDF ----

// pdfTool finds a poppler command, or fails (VITRINE_TEST_PDFTOTEXT=skip skips).
func pdfTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("VITRINE_TEST_PDFTOTEXT") == "skip" {
		t.Skipf("%s missing and VITRINE_TEST_PDFTOTEXT=skip", name)
	}
	t.Fatalf("%s is missing: install Debian's poppler-utils, or set VITRINE_TEST_PDFTOTEXT=skip", name)
	return ""
}

// pdfFacts returns a PDF's text (words joined by single spaces) and pages.
func pdfFacts(t *testing.T, b []byte) (string, int) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdfTool(t, "pdftotext"), "-enc", "UTF-8", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	info, err := exec.Command(pdfTool(t, "pdfinfo"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v %s", err, info)
	}
	pages := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(string(info))
	if pages == nil {
		t.Fatalf("pdfinfo: %s", info)
	}
	n, _ := strconv.Atoi(pages[1])
	return strings.Join(strings.Fields(string(out)), " "), n
}

func TestPlanPDF(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		two := e.submit(submission(levelTwo(), "shop_name", "Au cœur du goût — Zoé & fils"))
		resp := e.do("GET", "/diagnostics/"+two.Token+"/plan.pdf", nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		text, pages := pdfFacts(t, b)
		for _, want := range []string{"Votre plan numérique", "Au cœur du goût — Zoé & fils", "jeudi 26 novembre 2026",
			"Niveau 2 sur 5 : Présent et actif", "Châtelet — Alimentation", "Pour passer au niveau 3", "page 1 / "} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
		for _, a := range two.Plan.Actions {
			if !strings.Contains(text, strings.Join(strings.Fields(a.Text), " ")) {
				t.Errorf("PDF lacks the action %q", a.Text)
			}
		}
		if pages < 1 || pages > 2 {
			t.Errorf("%d pages, want 1 or 2", pages)
		}
		// The longest plan still fits on two pages, in every language.
		low := e.submit(submission(lowAnswers(), "shop_name", "Épicerie de l’Œuf"))
		if len(low.Plan.Actions) < 8 {
			t.Fatalf("want a full plan, have %d actions", len(low.Plan.Actions))
		}
		for _, lang := range []string{"fr", "de", "nl", "en"} {
			b, _ := io.ReadAll(e.do("GET", "/diagnostics/"+low.Token+"/plan.pdf?lang="+lang, nil).Body)
			text, pages := pdfFacts(t, b)
			if pages < 1 || pages > 2 || !strings.Contains(text, "Épicerie de l’Œuf") {
				t.Errorf("%s: %d pages", lang, pages)
			}
		}
		if resp := e.do("GET", "/diagnostics/dg_nope/plan.pdf", nil); resp.StatusCode != 404 {
			t.Errorf("unknown token: %d", resp.StatusCode)
		}
	})
}

// The trainings part of the result and the PDF, with sessions as the
// catalogue will give them.
func TestResultWithTrainings(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		res := e.submit(submission(lowAnswers(), "shop_name", "Chez Zoé"))
		r, _ := http.NewRequest("GET", "/diagnostics/"+res.Token, nil)
		r = r.WithContext(contextWithLang(context.Background(), e.cat.For("fr")))
		rec, err := e.srv.loadDiagnostic(r.Context(), res.Token)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.srv.resultView(r, res.Token, rec)
		if err != nil {
			t.Fatal(err)
		}
		l := e.cat.For("fr")
		start := testStart.Add(10 * 24 * time.Hour)
		v.Trainings = []plannedTraining{
			e.srv.plannedTraining(l, plan.Session{SessionID: "41", ModuleID: "m1", Title: "Être trouvé sur les cartes", Provider: "Technofutur TIC",
				Hours: 3.5, Format: plan.InPerson, DistanceKm: 12.4, Start: start, SeatsLeft: 4, VoucherEligible: true,
				PriceCents: 12000, VoucherCostCents: 6750}),
			e.srv.plannedTraining(l, plan.Session{SessionID: "42", ModuleID: "m2", Title: "Atelier photo", Provider: "Ateliers Numériques",
				ProviderPrivate: true, Hours: 2, Format: plan.Online, Start: start, SeatsLeft: 1}),
		}
		v.NoCatalog = false
		w := newRecorder()
		if err := e.srv.render(w, r, "diagnostic_result", v); err != nil {
			t.Fatal(err)
		}
		page := w.Body.String()
		checkPage(t, page)
		for _, want := range []string{"Être trouvé sur les cartes", "à 12\u00a0km de votre commerce", "Encore 4 places", "Encore 1 place",
			"67,50\u00a0€ avec les chèques-formation (au lieu de 120,00\u00a0€)", "Gratuit", "En ligne", "Entreprise privée",
			`href="/trainings/sessions/41"`, "S’inscrire", "3,5 h de formation"} {
			if !strings.Contains(page, want) {
				t.Errorf("result with trainings lacks %q", want)
			}
		}
		b, err := e.srv.planDocument(v)
		if err != nil {
			t.Fatal(err)
		}
		text, pages := pdfFacts(t, b)
		if !strings.Contains(text, "Être trouvé sur les cartes") || !strings.Contains(text, "Technofutur TIC") ||
			!strings.Contains(text, "67,50 €") || !strings.Contains(text, "(Entreprise privée)") || pages > 2 {
			t.Errorf("PDF with trainings (%d pages): %s", pages, text)
		}
		if strings.Contains(text, "Ce document est résumé") {
			t.Error("a plan that fits two pages says it is shortened")
		}

		// A long plan (many trainings, every language's longest texts) is
		// printed shorter, never on more than two pages, and says so.
		for range 20 {
			v.Trainings = append(v.Trainings, v.Trainings[0], v.Trainings[1])
		}
		for _, lang := range []string{"fr", "de"} {
			v.L = e.cat.For(lang)
			b, err := e.srv.planDocument(v)
			if err != nil {
				t.Fatal(err)
			}
			text, pages := pdfFacts(t, b)
			if pages > 2 || !strings.Contains(text, v.L.T("diagnostic.pdf.shortened")[:20]) {
				t.Errorf("%s: long plan on %d pages, or without the shortened notice", lang, pages)
			}
		}
	})
}

// Every page of the diagnostic in every language, with no missing key.
func TestDiagnosticPagesInEveryLanguage(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		res := e.submit(submission(levelTwo()))
		c := e.browser()
		token := e.begin(c, nil)
		for _, lang := range []string{"fr", "de", "nl", "en"} {
			for _, p := range []string{"/diagnostic", stepPath(token, 1), stepPath(token, 2), stepPath(token, 7), "/diagnostics/" + res.Token} {
				page := e.page(c, p+"?lang="+lang)
				if !strings.Contains(page, fmt.Sprintf(`<html lang="%s">`, lang)) {
					t.Errorf("%s %s: wrong language", lang, p)
				}
			}
		}
	})
}
