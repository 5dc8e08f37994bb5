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
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/funding"
	"vitrine/internal/i18n"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
	"vitrine/internal/training"
)

// A provider with a site in Ciney, a 7-hour module at €210 that accepts
// vouchers, and a session in 30 days.
type trainingFixture struct {
	provider training.Provider
	module   training.Module
	session  training.Session
}

func newTrainingFixture(t *testing.T, e *testEnv, slug string, capacity int) trainingFixture {
	t.Helper()
	ctx := context.Background()
	p, err := e.st.Providers.Ensure(ctx, training.Provider{Slug: slug, Name: "Centre " + slug, Kind: training.CompetenceCentre,
		Sites: []training.Site{{Slug: slug + "-ciney", Name: "Centre " + slug + " — Ciney", CommuneNIS: "91030", Address: "Rue du Centre 1, 5590 Ciney",
			Latitude: 50.2945, Longitude: 5.1001}}}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.st.Trainings.CreateModule(ctx, training.Module{ProviderID: p.ID, Title: "Créer la page de son commerce",
		Skills: []string{"social-page"}, Format: training.InPerson, Minutes: 420, LevelMax: 3, VoucherEligible: true,
		Price: funding.Euros(210)}, 0, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := e.clock.Now().In(i18n.Brussels).AddDate(0, 0, 30)
	s, err := e.st.Trainings.CreateSession(ctx, m.ID, training.Session{SiteID: p.Sites[0].ID, Capacity: capacity,
		Days: []training.Day{{Start: time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, i18n.Brussels),
			End: time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, i18n.Brussels)}}}, 0, i18n.Brussels, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return trainingFixture{provider: p, module: m, session: s}
}

// campaignLine adds a campaign budget line for the fixture's year.
func campaignLine(t *testing.T, e *testEnv, name string, amount funding.Cents) funding.BudgetLine {
	t.Helper()
	l, err := e.st.Budget.CreateLine(context.Background(), funding.BudgetLine{Name: name,
		Year: e.clock.Now().In(i18n.Brussels).AddDate(0, 0, 30).Year(), Amount: amount}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func enrolBody(i int, vouchers bool) map[string]any {
	return map[string]any{"first_name": "Zoé", "last_name": fmt.Sprintf("Lœuvre %d", i), "email": fmt.Sprintf("zoe%d@example.be", i),
		"shop_name": fmt.Sprintf("Au cœur du goût %d", i), "commune_nis": "52012", "employees": 3, "use_vouchers": vouchers}
}

func problemCode(raw []byte) string {
	var p problem
	json.Unmarshal(raw, &p)
	return p.Code
}

func TestTrainingPagesInEveryLanguage(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		offers, err := e.st.Trainings.Catalogue(context.Background(), store.CatalogueFilter{Level: -1, From: e.clock.Now()})
		if err != nil || len(offers) == 0 {
			t.Fatal(err)
		}
		var google, centre training.Offer
		for _, o := range offers {
			if o.Module.Private() && google.Module.ID == 0 {
				google = o
			}
			if o.Module.ProviderKind == training.CompetenceCentre && o.Module.Price > 0 && centre.Module.ID == 0 {
				centre = o
			}
		}
		pages := []struct{ path, want string }{
			{"/trainings", "Google"},
			{"/trainings?near=6200", "km"},
			{"/trainings?near=Gembloux&skill=social-page&level=1", "km"},
			{fmt.Sprintf("/trainings/%d", google.Module.ID), "Google"},
			{fmt.Sprintf("/trainings/%d?near=52012&employees=3", centre.Module.ID), "km"},
			{fmt.Sprintf("/trainings/sessions/%d/enrol", centre.Sessions[0].ID), `name="employees"`},
			{"/aid", `name="cost"`},
		}
		for _, lang := range i18n.Langs {
			for _, p := range pages {
				resp := e.do("GET", p.path, nil, "Accept-Language", lang)
				page := body(t, resp)
				if resp.StatusCode != 200 {
					t.Fatalf("%s %s: status %d", lang, p.path, resp.StatusCode)
				}
				if !strings.Contains(page, `<html lang="`+lang+`">`) || !strings.Contains(page, p.want) {
					t.Errorf("%s %s: not in %s or %q missing", lang, p.path, lang, p.want)
				}
				checkPage(t, page)
			}
		}
		// A private provider is always labelled as such; distance shows as "à N km".
		list := body(t, e.do("GET", "/trainings?near=6200", nil))
		if n := strings.Count(list, `tag private">Entreprise privée`); n != 7 {
			t.Errorf("%d modules labelled private, want Google's 7", n)
		}
		if !regexp.MustCompile(`à [0-9]+(,[0-9])?\x{00a0}km`).MatchString(list) || !strings.Contains(list, "en ligne") {
			t.Error("distances or online sessions are not shown as such")
		}
		page := body(t, e.do("GET", fmt.Sprintf("/trainings/%d", google.Module.ID), nil))
		if !strings.Contains(page, "entreprise privée") {
			t.Error("the module page of a private provider does not say so")
		}
		// The cost preview: 7 hours at €210 for a firm of 3.
		page = body(t, e.do("GET", fmt.Sprintf("/trainings/%d?employees=3", centre.Module.ID), nil))
		if centre.Module.VoucherEligible && !strings.Contains(page, "La Région paie") {
			t.Errorf("no voucher preview on %s", centre.Module.Title)
		}
		// A commune that does not exist is said so, on the page.
		resp := e.do("GET", "/trainings?near=Atlantis", nil)
		if p := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p, "Nous ne trouvons pas cette commune") {
			t.Errorf("unknown commune: status %d", resp.StatusCode)
		}
	})
}

func TestTrainingsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		var all []apiModule
		if status, raw := e.api("GET", "/api/v1/trainings", "", nil, &all); status != 200 || len(all) < 15 {
			t.Fatalf("trainings: %d %s", status, raw)
		}
		for _, m := range all {
			if m.Provider.Private != (m.Provider.Kind == "private_company") || m.Provider.Private && m.Provider.Label != "Entreprise privée" {
				t.Errorf("%s: provider %+v", m.Title, m.Provider)
			}
			if m.DistanceKm != nil {
				t.Errorf("%s: distance without ?near", m.Title)
			}
		}
		var social []apiModule
		e.api("GET", "/api/v1/trainings?skill=social-page", "", nil, &social)
		for _, m := range social {
			found := false
			for _, s := range m.Skills {
				found = found || s.ID == "social-page"
			}
			if !found {
				t.Errorf("?skill=social-page let %s through", m.Title)
			}
		}
		if len(social) == 0 || len(social) >= len(all) {
			t.Errorf("%d of %d modules teach social-page", len(social), len(all))
		}
		// Near Charleroi (52011): online first (0 km), then by distance, then by date.
		var near []apiModule
		if status, raw := e.api("GET", "/api/v1/trainings?near=52011", "", nil, &near); status != 200 {
			t.Fatalf("near: %d %s", status, raw)
		}
		last := -1.0
		for _, m := range near {
			if m.DistanceKm == nil {
				continue
			}
			if *m.DistanceKm < last {
				t.Errorf("%s at %.1f km after %.1f km", m.Title, *m.DistanceKm, last)
			}
			last = *m.DistanceKm
			prev := -1.0
			var prevStart time.Time
			for _, s := range m.Sessions {
				if s.DistanceKm == nil {
					t.Fatalf("%s: session without distance", m.Title)
				}
				if s.Online != (s.Where == "online") || s.Online && *s.DistanceKm != 0 {
					t.Errorf("%s: online session %+v", m.Title, s)
				}
				if *s.DistanceKm < prev || *s.DistanceKm == prev && s.StartsAt.Before(prevStart) {
					t.Errorf("%s: sessions not by distance then date", m.Title)
				}
				prev, prevStart = *s.DistanceKm, s.StartsAt
			}
		}
		if near[0].Sessions[0].Where != "online" {
			t.Errorf("first near Charleroi: %s in %s, want an online session", near[0].Title, near[0].Sessions[0].Where)
		}
		// Google's Charleroi sessions are nearer than Technifutur's Seraing.
		pos := map[string]int{}
		for i, m := range near {
			pos[m.Title] = i
		}
		if pos["Être trouvé sur les cartes et dans les recherches locales"] > pos["Click & collect et livraison locale"] {
			t.Error("a module in Charleroi comes after one in Seraing for a shop in Charleroi")
		}
		// Bad filters are named.
		for q, field := range map[string]string{"skill=facebook": "skill", "near=99999": "near", "near=Charleroi": "near", "level=9": "level"} {
			status, raw := e.api("GET", "/api/v1/trainings?"+q, "", nil, nil)
			if got := problemFields(t, raw); status != http.StatusUnprocessableEntity || len(got) != 1 || got[0] != field {
				t.Errorf("?%s: %d %v", q, status, got)
			}
		}
		var one apiModule
		if status, _ := e.api("GET", fmt.Sprintf("/api/v1/trainings/%d?near=52011", near[3].ID), "", nil, &one); status != 200 || one.ID != near[3].ID || one.DistanceKm == nil {
			t.Errorf("one module: %d %+v", status, one)
		}
		if status, _ := e.api("GET", "/api/v1/trainings/999999", "", nil, nil); status != 404 {
			t.Errorf("unknown module: %d", status)
		}
	})
}

func TestEnrolmentAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		f := newTrainingFixture(t, e, "centre", 2)
		line := campaignLine(t, e, "Campagne", funding.Euros(10_000))
		path := fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", f.session.ID)
		// The cost before enrolling.
		var q struct {
			VoucherHours int           `json:"voucher_hours"`
			ShopPays     funding.Cents `json:"shop_pays_eur"`
			RegionPays   funding.Cents `json:"region_pays_eur"`
			Reasons      []apiReason   `json:"reasons"`
		}
		qp := fmt.Sprintf("/api/v1/trainings/sessions/%d/quote?employees=3", f.session.ID)
		if status, raw := e.api("GET", qp, "", nil, &q); status != 200 || q.VoucherHours != 7 || q.ShopPays != funding.Euros(105) || q.RegionPays != funding.Euros(105) {
			t.Fatalf("quote: %d %s", status, raw)
		}
		e.api("GET", fmt.Sprintf("/api/v1/trainings/sessions/%d/quote?employees=300", f.session.ID), "", nil, &q)
		if q.VoucherHours != 0 || len(q.Reasons) != 1 || !strings.Contains(q.Reasons[0].Message, "250 travailleurs") {
			t.Errorf("quote for 300 workers: %+v", q)
		}
		var first apiEnrolment
		status, raw := e.api("POST", path, "", enrolBody(1, true), &first)
		if status != http.StatusCreated || first.Status != "confirmed" || first.VoucherHours != 7 || first.ShopPays != funding.Euros(105) || first.RegionPays != funding.Euros(105) {
			t.Fatalf("enrol: %d %s", status, raw)
		}
		if !strings.Contains(string(raw), `"shop_pays_eur":105.00`) {
			t.Errorf("amounts are not euros with two decimals: %s", raw)
		}
		var again apiEnrolment
		if status, _ := e.api("POST", path, "", enrolBody(1, true), &again); status != http.StatusOK || again.ID != first.ID {
			t.Errorf("same address again: %d, id %d vs %d", status, again.ID, first.ID)
		}
		e.api("POST", path, "", enrolBody(2, false), nil)
		var third apiEnrolment
		if status, _ := e.api("POST", path, "", enrolBody(3, true), &third); status != http.StatusCreated || third.Status != "waitlisted" || third.WaitlistPosition != 1 {
			t.Errorf("third: %d %+v", status, third)
		}
		// Wrong input is named field by field.
		status, raw = e.api("POST", path, "", map[string]any{"first_name": "", "email": "x@", "commune_nis": "00000", "employees": 1, "use_vouchers": true}, nil)
		if got := problemFields(t, raw); status != 422 || strings.Join(got, ",") != "first_name,last_name,email,shop_name" {
			t.Errorf("bad input: %d %v", status, got)
		}
		bad := enrolBody(4, true)
		bad["commune_nis"] = "00000"
		if status, raw := e.api("POST", path, "", bad, nil); status != 422 || problemFields(t, raw)[0] != "commune_nis" {
			t.Errorf("unknown commune: %d %s", status, raw)
		}
		if status, _ := e.api("POST", path, "", `{"first_name":`, nil); status != 400 {
			t.Errorf("broken JSON: %d", status)
		}
		if status, _ := e.api("POST", "/api/v1/trainings/sessions/999999/enrolments", "", enrolBody(5, true), nil); status != 404 {
			t.Errorf("unknown session: %d", status)
		}
		// The confirmation mail has the manage link and the calendar link.
		m := e.deliverTo("zoe1@example.be", 1)[0]
		token := strings.TrimPrefix(first.ManageURL, e.ts.URL+"/trainings/enrolments/")
		if !strings.Contains(m.Subject, "Inscription confirmée") || !strings.Contains(m.Text, first.ManageURL) || !strings.Contains(m.Text, "/calendar.ics") || !strings.Contains(m.Text, "105,00") {
			t.Errorf("mail: %s\n%s", m.Subject, m.Text)
		}
		// The calendar file.
		resp := e.do("GET", "/trainings/enrolments/"+token+"/calendar.ics", nil)
		cal := body(t, resp)
		if resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || strings.Count(cal, "BEGIN:VEVENT") != 1 ||
			!strings.Contains(cal, "SUMMARY:Créer la page de son commerce") || !strings.Contains(cal, "DTSTAMP:") || !strings.Contains(cal, "UID:training-") {
			t.Errorf("calendar: %s\n%s", resp.Header.Get("Content-Type"), cal)
		}
		// Cancelling gives the seat to the first in line, who is told.
		if status, _ := e.api("DELETE", "/api/v1/trainings/enrolments/"+token, "", nil, nil); status != http.StatusNoContent {
			t.Fatalf("cancel: %d", status)
		}
		var got apiEnrolment
		e.api("GET", strings.Replace(third.ManageURL, e.ts.URL+"/trainings/", "/api/v1/trainings/", 1), "", nil, &got)
		if got.Status != "confirmed" {
			t.Errorf("after a cancel, the first in line is %s", got.Status)
		}
		mails := e.deliverTo("zoe3@example.be", 2)
		if !strings.Contains(mails[0].Subject, "Liste d’attente") || !strings.Contains(mails[0].Text, "numéro 1 sur la liste d’attente") {
			t.Errorf("waiting-list mail: %s\n%s", mails[0].Subject, mails[0].Text)
		}
		if !strings.Contains(mails[1].Subject, "Une place s’est libérée") || !strings.Contains(mails[1].Text, third.ManageURL) {
			t.Errorf("promotion mail: %s", mails[1].Subject)
		}
		l, _ := e.st.Budget.Line(context.Background(), line.ID)
		if l.Committed != funding.Euros(105) {
			t.Errorf("committed %s, want the promoted person's €105", l.Committed)
		}
		if status, _ := e.api("GET", "/api/v1/trainings/enrolments/te_nothing", "", nil, nil); status != 404 {
			t.Errorf("unknown token: %d", status)
		}
	})
}

func TestEnrolmentForm(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		f := newTrainingFixture(t, e, "centre", 5)
		campaignLine(t, e, "Campagne", funding.Euros(10_000))
		c := e.browser()
		path := fmt.Sprintf("/trainings/sessions/%d/enrol", f.session.ID)
		if page := body(t, e.doWith(c, "GET", path+"?near=52012", nil)); !strings.Contains(page, `value="Châtelet"`) || !strings.Contains(page, "class=\"distance\">à ") {
			t.Error("the enrolment form does not start from the shopkeeper's commune and its distance")
		}
		form := url.Values{"first_name": {"Zoé"}, "last_name": {"Lœuvre"}, "email": {"zoe@example.be"}, "shop_name": {"Au cœur du goût"},
			"commune": {"6200"}, "employees": {"2,5"}, "use_vouchers": {"1"}, "action": {"preview"}}
		resp := e.form(c, path, form)
		page := body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(page, "Vous payez 105,00") || !strings.Contains(page, "La Région paie 105,00") {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		checkPage(t, page)
		// A missing field re-renders the form with the input kept.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("action", "enrol")
		bad.Set("email", "zoe@")
		resp = e.form(c, path, bad)
		page = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="Au cœur du goût"`) || !strings.Contains(page, `href="#f-email"`) {
			t.Errorf("bad email: %d", resp.StatusCode)
		}
		checkPage(t, page)
		form.Set("action", "enrol")
		resp = e.form(c, path, form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/trainings/enrolments/te_") {
			t.Fatalf("enrol: %d %s", resp.StatusCode, loc)
		}
		page = body(t, e.doWith(c, "GET", loc, nil))
		if !strings.Contains(page, "votre place est réservée") || !strings.Contains(page, "calendar.ics") || !strings.Contains(page, `name="robots" content="noindex"`) ||
			!regexp.MustCompile(`à [0-9]+\x{00a0}km de votre commerce`).MatchString(page) {
			t.Error("enrolment page")
		}
		checkPage(t, page)
		resp = e.form(c, loc+"/cancel", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		page = body(t, e.doWith(c, "GET", loc, nil))
		if !strings.Contains(page, "Cette inscription est annulée") || strings.Contains(page, "calendar.ics") {
			t.Error("cancelled enrolment page")
		}
		// The certificate is not ready before attendance.
		if resp := e.do("GET", loc+"/certificate.pdf", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("certificate before attendance: %d", resp.StatusCode)
		}
	})
}

// A provider manages its own catalogue only; the admin manages all.
func TestProviderScoping(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		a := newTrainingFixture(t, e, "centre-a", 5)
		b := newTrainingFixture(t, e, "centre-b", 5)
		_, tokA := e.staffUser(staff.Provider, "a@example.org", "centre-a")
		_, tokB := e.staffUser(staff.Provider, "b@example.org", "centre-b")
		_, admin := e.staffUser(staff.Admin, "admin@example.org")
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		module := map[string]any{"title": "Photos de produits", "skills": []string{"product-photos"}, "format": "in_person",
			"hours": 3.5, "level_min": 0, "level_max": 3, "voucher_eligible": true, "price_eur": 90}
		var created apiModuleDetail
		status, raw := e.api("POST", "/api/v1/trainings/modules", tokA, module, &created)
		if status != http.StatusCreated || created.Provider.Slug != "centre-a" || created.Hours != 3.5 || created.Code != "photos-de-produits" {
			t.Fatalf("A creates: %d %s", status, raw)
		}
		// B cannot touch A's module, nor add to A's catalogue.
		checks := []struct {
			name, method, path, token string
			body                      any
			want                      int
		}{
			{"B edits A's module", "PUT", fmt.Sprintf("/api/v1/trainings/modules/%d", created.ID), tokB, module, 404},
			{"B adds a session to A's module", "POST", fmt.Sprintf("/api/v1/trainings/modules/%d/sessions", a.module.ID), tokB,
				map[string]any{"site": "centre-b-ciney", "capacity": 5, "days": []map[string]string{{"starts_at": "2027-05-03T09:00:00+02:00", "ends_at": "2027-05-03T16:00:00+02:00"}}}, 404},
			{"B reads A's enrolments", "GET", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", a.session.ID), tokB, nil, 404},
			{"B changes A's session", "PUT", fmt.Sprintf("/api/v1/trainings/sessions/%d", a.session.ID), tokB, map[string]any{"capacity": 50}, 404},
			{"B adds to A's catalogue", "POST", "/api/v1/trainings/modules", tokB, mergeMap(module, map[string]any{"provider": "centre-a"}), 403},
			{"a consultant", "POST", "/api/v1/trainings/modules", consultant, module, 403},
			{"nobody", "POST", "/api/v1/trainings/modules", "", module, 401},
			{"B's own session", "GET", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", b.session.ID), tokB, nil, 200},
			{"the admin, A's session", "GET", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", a.session.ID), admin, nil, 200},
			{"the admin without a provider", "POST", "/api/v1/trainings/modules", admin, module, 422},
		}
		for _, c := range checks {
			if status, raw := e.api(c.method, c.path, c.token, c.body, nil); status != c.want {
				t.Errorf("%s: %d, want %d: %s", c.name, status, c.want, raw)
			}
		}
		// The admin adds for any provider; a session is checked against its module.
		if status, raw := e.api("POST", "/api/v1/trainings/modules", admin, mergeMap(module, map[string]any{"provider": "centre-b"}), nil); status != 201 {
			t.Errorf("admin for B: %d %s", status, raw)
		}
		sess := map[string]any{"site": "centre-a-ciney", "capacity": 8, "days": []map[string]string{
			{"starts_at": "2027-05-03T09:00:00+02:00", "ends_at": "2027-05-03T12:30:00+02:00"}}}
		var s apiTrainingSession
		if status, raw := e.api("POST", fmt.Sprintf("/api/v1/trainings/modules/%d/sessions", created.ID), tokA, sess, &s); status != 201 || s.Place == nil || s.Capacity != 8 {
			t.Fatalf("A adds a session: %d %s", status, raw)
		}
		sess["days"] = []map[string]string{{"starts_at": "2027-05-10T09:00:00+02:00", "ends_at": "2027-05-10T11:00:00+02:00"}}
		if status, raw := e.api("POST", fmt.Sprintf("/api/v1/trainings/modules/%d/sessions", created.ID), tokA, sess, nil); status != 422 || problemFields(t, raw)[0] != "days" {
			t.Errorf("2 hours for a 3.5-hour module: %d %s", status, raw)
		}
		sess["site"] = "centre-b-ciney"
		if status, raw := e.api("POST", fmt.Sprintf("/api/v1/trainings/modules/%d/sessions", created.ID), tokA, sess, nil); status != 422 || problemFields(t, raw)[0] != "site" {
			t.Errorf("B's site for A's session: %d %s", status, raw)
		}
		module["skills"] = []string{"facebook"}
		module["hours"] = 0
		if status, raw := e.api("PUT", fmt.Sprintf("/api/v1/trainings/modules/%d", created.ID), tokA, module, nil); status != 422 || strings.Join(problemFields(t, raw), ",") != "hours" {
			t.Errorf("bad module: %d %s", status, raw)
		}
		module["hours"] = 3.5
		if status, raw := e.api("PUT", fmt.Sprintf("/api/v1/trainings/modules/%d", created.ID), tokA, module, nil); status != 422 || strings.Join(problemFields(t, raw), ",") != "skills" {
			t.Errorf("unknown skill: %d %s", status, raw)
		}
		// Pages: a provider sees its own modules only, and not another's page.
		cl := e.browser()
		e.signIn(cl, staff.Provider, "pa@example.org")
		page := body(t, e.doWith(cl, "GET", "/staff/trainings", nil))
		if strings.Contains(page, "centre-a") || strings.Contains(page, "Centre centre-a") {
			t.Error("a provider's page lists another provider's modules")
		}
		checkPage(t, page)
		if resp := e.doWith(cl, "GET", fmt.Sprintf("/staff/trainings/modules/%d", a.module.ID), nil); resp.StatusCode != 404 {
			t.Errorf("another provider's module page: %d", resp.StatusCode)
		}
		if resp := e.doWith(cl, "GET", fmt.Sprintf("/staff/trainings/sessions/%d", a.session.ID), nil); resp.StatusCode != 404 {
			t.Errorf("another provider's session page: %d", resp.StatusCode)
		}
	})
}

func mergeMap(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestStaffCataloguePages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		loadDemo(t, e)
		c := e.browser()
		e.signIn(c, staff.Admin, "boss@example.org")
		for _, p := range []string{"/staff", "/staff/trainings", "/staff/trainings/modules/new"} {
			resp := e.doWith(c, "GET", p, nil)
			page := body(t, resp)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			checkPage(t, page)
		}
		// A module from the form, with a field error first.
		form := url.Values{"provider": {"technobel"}, "title": {"Inventaire et stock"}, "skills": {"digital-till", "figures"},
			"format": {"in_person"}, "hours": {"trois"}, "level_min": {"2"}, "level_max": {"4"}, "price": {"95,50"}, "voucher_eligible": {"1"}}
		resp := e.form(c, "/staff/trainings/modules", form)
		page := body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `value="Inventaire et stock"`) || !strings.Contains(page, "f-hours-error") {
			t.Fatalf("bad hours: %d", resp.StatusCode)
		}
		checkPage(t, page)
		form.Set("hours", "3,5")
		resp = e.form(c, "/staff/trainings/modules", form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/trainings/modules/") {
			t.Fatalf("create: %d %s", resp.StatusCode, loc)
		}
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		sites, _ := e.st.Trainings.Sites(context.Background(), mustProvider(t, e, "technobel").ID)
		resp = e.form(c, loc+"/sessions", url.Values{"site": {fmt.Sprint(sites[0].ID)}, "capacity": {"10"},
			"date1": {"2027-04-12"}, "start1": {"09:00"}, "end1": {"11:00"}})
		page = body(t, resp)
		if resp.StatusCode != 422 || !strings.Contains(page, "la formation en compte 3.5") {
			t.Errorf("2 hours for 3.5: %d", resp.StatusCode)
		}
		checkPage(t, page)
		resp = e.form(c, loc+"/sessions", url.Values{"site": {fmt.Sprint(sites[0].ID)}, "capacity": {"10"},
			"date1": {"2027-04-12"}, "start1": {"09:00"}, "end1": {"12:30"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add session: %d %s", resp.StatusCode, body(t, resp))
		}
		id := strings.TrimPrefix(loc, "/staff/trainings/modules/")
		var mid int64
		fmt.Sscan(id, &mid)
		ss, _ := e.st.Trainings.Sessions(context.Background(), store.SessionsFilter{ModuleIDs: []int64{mid}})
		if len(ss) != 1 || ss[0].Minutes() != 210 {
			t.Fatalf("sessions %+v", ss)
		}
		page = body(t, e.doWith(c, "GET", fmt.Sprintf("/staff/trainings/sessions/%d", ss[0].ID), nil))
		checkPage(t, page)
		resp = e.form(c, fmt.Sprintf("/staff/trainings/sessions/%d", ss[0].ID), url.Values{"capacity": {"0"}})
		if resp.StatusCode != 422 {
			t.Errorf("capacity 0: %d", resp.StatusCode)
		}
		checkPage(t, body(t, resp))
	})
}

func mustProvider(t *testing.T, e *testEnv, slug string) training.Provider {
	t.Helper()
	p, err := e.st.Providers.BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttendanceAndCertificate(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		f := newTrainingFixture(t, e, "centre", 5)
		campaignLine(t, e, "Campagne", funding.Euros(10_000))
		_, tok := e.staffUser(staff.Provider, "p@example.org", "centre")
		_, other := e.staffUser(staff.Provider, "o@example.org", "autre")
		var en apiEnrolment
		e.api("POST", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", f.session.ID), "", enrolBody(1, true), &en)
		att := fmt.Sprintf("/api/v1/trainings/enrolments/%d/attendance", en.ID)
		if status, raw := e.api("POST", att, tok, map[string]bool{"attended": true, "completed": true}, nil); status != 409 || problemCode(raw) != "training_session_not_started" {
			t.Errorf("before the start: %d %s", status, raw)
		}
		e.clock.Set(f.session.EndsAt())
		if status, _ := e.api("POST", att, other, map[string]bool{"attended": true}, nil); status != 404 {
			t.Errorf("another provider: %d", status)
		}
		var got apiStaffEnrolment
		if status, raw := e.api("POST", att, tok, map[string]bool{"attended": true, "completed": true}, &got); status != 200 || !got.Attended || !got.Completed {
			t.Fatalf("attendance: %d %s", status, raw)
		}
		var list []apiStaffEnrolment
		e.api("GET", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", f.session.ID), tok, nil, &list)
		if len(list) != 1 || !list[0].Attended || list[0].Email != "zoe1@example.be" {
			t.Errorf("list %+v", list)
		}
		var mine apiEnrolment
		e.api("GET", strings.Replace(en.ManageURL, e.ts.URL+"/trainings/", "/api/v1/trainings/", 1), "", nil, &mine)
		if mine.CertificateURL == "" {
			t.Fatal("no certificate link")
		}
		resp := e.do("GET", strings.TrimPrefix(mine.CertificateURL, e.ts.URL), nil)
		pdf, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatalf("certificate: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		text := pdfToText(t, pdf)
		for _, want := range []string{"Attestation de participation", "Zoé Lœuvre 1", "Au cœur du goût 1", "Créer la page de son commerce",
			"Durée totale 7h", "Centre centre (Centre de compétence)", "105,00 €", "suivie jusqu’au bout"} {
			if !strings.Contains(strings.ReplaceAll(text, " h", "h"), want) {
				t.Errorf("certificate lacks %q:\n%s", want, text)
			}
		}
		// The provider's page records attendance too.
		c := e.browser()
		e.signIn(c, staff.Provider, "p2@example.org")
		u, _ := e.st.Users.ByEmail(context.Background(), "p2@example.org")
		e.st.DB.Writer().Exec("UPDATE users SET provider_id = $1 WHERE id = $2", f.provider.ID, u.ID)
		page := body(t, e.doWith(c, "GET", fmt.Sprintf("/staff/trainings/sessions/%d", f.session.ID), nil))
		checkPage(t, page)
		if !strings.Contains(page, "att-") {
			t.Error("no attendance form once the session started")
		}
		resp = e.form(c, fmt.Sprintf("/staff/trainings/enrolments/%d/attendance", en.ID), url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("absent: %d", resp.StatusCode)
		}
		if resp := e.do("GET", strings.TrimPrefix(mine.CertificateURL, e.ts.URL), nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("certificate after absence: %d", resp.StatusCode)
		}
	})
}

// pdfToText extracts a PDF's text with pdftotext (poppler-utils).
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("VITRINE_TEST_PDFTOTEXT") == "skip" {
			t.Skip("pdftotext is missing and VITRINE_TEST_PDFTOTEXT=skip")
		}
		t.Fatal("pdftotext is missing: install Debian's poppler-utils, or set VITRINE_TEST_PDFTOTEXT=skip")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestBudgetAPIAndPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, admin := e.staffUser(staff.Admin, "admin@example.org")
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		var l apiBudgetLine
		status, raw := e.api("POST", "/api/v1/budget-lines", admin, map[string]any{"name": "Année 1", "year": 2027, "amount_eur": 400000}, &l)
		if status != 201 || l.Amount != funding.Euros(400_000) || l.Remaining != funding.Euros(400_000) || l.Kind != funding.BudgetCampaign {
			t.Fatalf("create: %d %s", status, raw)
		}
		if status, raw := e.api("POST", "/api/v1/budget-lines", admin, map[string]any{"name": "Année 1", "year": 2027, "amount_eur": 1}, nil); status != 409 || problemCode(raw) != "budget_line_exists" {
			t.Errorf("duplicate: %d %s", status, raw)
		}
		status, raw = e.api("POST", "/api/v1/budget-lines", admin, map[string]any{"name": "", "year": 1990, "amount_eur": "1.234"}, nil)
		if status != 422 && status != 400 {
			t.Errorf("bad line: %d %s", status, raw)
		}
		status, raw = e.api("POST", "/api/v1/budget-lines", admin, map[string]any{"name": "", "year": 1990, "amount_eur": 0}, nil)
		if got := problemFields(t, raw); status != 422 || strings.Join(got, ",") != "name,year,amount_eur" {
			t.Errorf("bad line: %d %v", status, got)
		}
		if status, _ := e.api("GET", "/api/v1/budget-lines", consultant, nil, nil); status != 403 {
			t.Errorf("consultant: %d", status)
		}
		var p apiBudgetLine
		e.api("POST", "/api/v1/budget-lines", admin, map[string]any{"name": "Partenariats", "year": 2027, "amount_eur": "50 000", "kind": "partnerships"}, &p)
		var c funding.Commitment
		if status, raw := e.api("POST", fmt.Sprintf("/api/v1/budget-lines/%d/commitments", p.ID), admin, map[string]any{"amount_eur": 30000.5, "note": "Technobel"}, &c); status != 201 || c.Amount != 30000_50 {
			t.Fatalf("commit: %d %s", status, raw)
		}
		status, raw = e.api("POST", fmt.Sprintf("/api/v1/budget-lines/%d/commitments", p.ID), admin, map[string]any{"amount_eur": 20000}, nil)
		if status != 409 || problemCode(raw) != "budget_exhausted" || !strings.Contains(string(raw), "19\u202f999,50") {
			t.Errorf("overspend: %d %s", status, raw)
		}
		if status, _ := e.api("POST", fmt.Sprintf("/api/v1/budget-lines/%d/commitments", l.ID), admin, map[string]any{"amount_eur": 1}, nil); status != 422 {
			t.Errorf("partnership on a campaign line: %d", status)
		}
		var lines []apiBudgetLine
		e.api("GET", "/api/v1/budget-lines", admin, nil, &lines)
		if len(lines) != 2 || lines[1].Committed != 30000_50 || lines[1].Remaining != 19999_50 {
			t.Errorf("lines %+v", lines)
		}
		if status, _ := e.api("POST", fmt.Sprintf("/api/v1/budget-commitments/%d/release", c.ID), admin, nil, nil); status != 204 {
			t.Errorf("release: %d", status)
		}
		var list []funding.Commitment
		e.api("GET", fmt.Sprintf("/api/v1/budget-lines/%d/commitments", p.ID), admin, nil, &list)
		if len(list) != 1 || list[0].Active {
			t.Errorf("commitments %+v", list)
		}
		// Pages: totals add up to the cent.
		cl := e.browser()
		e.signIn(cl, staff.Admin, "boss@example.org")
		page := body(t, e.doWith(cl, "GET", "/staff/budget", nil))
		checkPage(t, page)
		if !strings.Contains(page, "id=\"total-amount\">450\u202f000,00\u00a0€") || !strings.Contains(page, "id=\"total-remaining\">450\u202f000,00\u00a0€") {
			t.Errorf("totals on the page")
		}
		resp := e.form(cl, "/staff/budget", url.Values{"name": {"Année 2"}, "year": {"2028"}, "amount": {"1.234"}, "kind": {"campaign"}})
		if p := body(t, resp); resp.StatusCode != 422 || !strings.Contains(p, "ambigu") {
			t.Errorf("ambiguous amount: %d", resp.StatusCode)
		}
		resp = e.form(cl, "/staff/budget", url.Values{"name": {"Année 2"}, "year": {"2028"}, "amount": {"300 000,00"}, "kind": {"campaign"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("new line: %d", resp.StatusCode)
		}
		page = body(t, e.doWith(cl, "GET", fmt.Sprintf("/staff/budget/%d", p.ID), nil))
		checkPage(t, page)
		resp = e.form(cl, fmt.Sprintf("/staff/budget/%d/commitments", p.ID), url.Values{"amount": {"60 000"}, "note": {"Trop"}})
		if page := body(t, resp); resp.StatusCode != 409 || !strings.Contains(page, "Budget épuisé") {
			t.Errorf("overspend from the page: %d", resp.StatusCode)
		}
	})
}

func TestAidAPIAndPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		line := campaignLine(t, e, "Campagne", funding.Euros(1_000))
		_, admin := e.staffUser(staff.Admin, "admin@example.org")
		_, provider := e.staffUser(staff.Provider, "p@example.org")
		apply := map[string]any{"first_name": "Zoé", "last_name": "Lœuvre", "email": "zoe@example.be", "shop_name": "Au cœur du goût",
			"commune_nis": "52012", "employees": 2, "turnover_eur": 90000, "item": "Caisse enregistreuse connectée", "supplier": "Fournisseur local", "cost_eur": "1 250,00"}
		var a apiAid
		status, raw := e.api("POST", "/api/v1/aid-applications", "", apply, &a)
		if status != 201 || string(a.AidRate) != "60" || a.Aid != funding.Euros(750) || a.Status != "submitted" || a.StatusURL == "" {
			t.Fatalf("apply: %d %s", status, raw)
		}
		if !strings.Contains(string(raw), `"aid_eur":750.00`) {
			t.Errorf("aid not in euros with two decimals: %s", raw)
		}
		if m := e.deliverTo("zoe@example.be", 1)[0]; !strings.Contains(m.Text, "60 %") || !strings.Contains(m.Text, a.StatusURL) {
			t.Errorf("acknowledgement: %s", m.Text)
		}
		status, raw = e.api("POST", "/api/v1/aid-applications", "", map[string]any{"employees": -1, "cost_eur": 0, "commune_nis": "52012"}, nil)
		if got := problemFields(t, raw); status != 422 || !strings.Contains(strings.Join(got, ","), "employees") || !strings.Contains(strings.Join(got, ","), "cost_eur") {
			t.Errorf("bad application: %d %v", status, got)
		}
		// Only staff who decide aid may decide.
		appr := fmt.Sprintf("/api/v1/aid-applications/%d/approve", a.ID)
		for tok, want := range map[string]int{"": 401, provider: 403} {
			if status, _ := e.api("POST", appr, tok, map[string]any{"budget_line_id": line.ID}, nil); status != want {
				t.Errorf("approve as %q: %d, want %d", tok, status, want)
			}
		}
		if status, raw := e.api("POST", appr, admin, map[string]any{}, nil); status != 422 || problemFields(t, raw)[0] != "budget_line_id" {
			t.Errorf("approve without a line: %d %s", status, raw)
		}
		var got apiAid
		if status, raw := e.api("POST", appr, admin, map[string]any{"budget_line_id": line.ID}, &got); status != 200 || got.Status != "approved" || got.BudgetLineID != line.ID {
			t.Fatalf("approve: %d %s", status, raw)
		}
		if status, raw := e.api("POST", appr, admin, map[string]any{"budget_line_id": line.ID}, nil); status != 409 || problemCode(raw) != "aid_application_decided" {
			t.Errorf("approve twice: %d %s", status, raw)
		}
		// A second application larger than what is left: 409 budget exhausted, nothing changes.
		var b apiAid
		e.api("POST", "/api/v1/aid-applications", "", apply, &b)
		status, raw = e.api("POST", fmt.Sprintf("/api/v1/aid-applications/%d/approve", b.ID), admin, map[string]any{"budget_line_id": line.ID}, nil)
		var p problem
		json.Unmarshal(raw, &p)
		if status != 409 || p.Code != "budget_exhausted" || !strings.Contains(p.Detail, "Budget épuisé") || !strings.Contains(p.Detail, "250,00") {
			t.Errorf("exhausted: %d %s", status, raw)
		}
		var apps []apiAid
		e.api("GET", "/api/v1/aid-applications?status=submitted", admin, nil, &apps)
		if len(apps) != 1 || apps[0].ID != b.ID || apps[0].BudgetLineID != 0 {
			t.Errorf("pending after a refused approval: %+v", apps)
		}
		l, _ := e.st.Budget.Line(context.Background(), line.ID)
		if l.Committed != funding.Euros(750) {
			t.Errorf("committed %s", l.Committed)
		}
		if status, _ := e.api("POST", fmt.Sprintf("/api/v1/aid-applications/%d/refuse", b.ID), admin, nil, nil); status != 200 {
			t.Errorf("refuse: %d", status)
		}
		// Cancelling releases the money.
		if status, _ := e.api("POST", fmt.Sprintf("/api/v1/aid-applications/%d/cancel", a.ID), admin, nil, nil); status != 200 {
			t.Errorf("cancel: %d", status)
		}
		if l, _ := e.st.Budget.Line(context.Background(), line.ID); l.Committed != 0 {
			t.Errorf("after cancel: committed %s", l.Committed)
		}
		if status, _ := e.api("POST", fmt.Sprintf("/api/v1/aid-applications/%d/cancel", a.ID), admin, nil, nil); status != 409 {
			t.Errorf("cancel twice: %d", status)
		}
		// The aid table, changed with validation.
		var table apiAidTable
		e.api("GET", "/api/v1/aid-table", admin, nil, &table)
		if table.Version != 1 || len(table.Rows) != 3 {
			t.Fatalf("table %+v", table)
		}
		table.Rows[1].Rate = 7000
		status, raw = e.api("PUT", "/api/v1/aid-table", admin, table, nil)
		if got := problemFields(t, raw); status != 422 || got[0] != "rows[1].rate_bp" {
			t.Errorf("unfair table: %d %v", status, got)
		}
		table.Rows[1].Rate = 4500
		table.Rows[0].Rate = 6500
		if status, raw := e.api("PUT", "/api/v1/aid-table", admin, table, &table); status != 200 || table.Version != 2 {
			t.Errorf("new table: %d %s", status, raw)
		}
		// Pages.
		c := e.browser()
		resp := e.form(c, "/aid", url.Values{"first_name": {"Léa"}, "last_name": {"Dupré"}, "email": {"lea@example.be"}, "shop_name": {"Fleurs"},
			"commune": {"Châtelet"}, "employees": {"1"}, "turnover": {"50 000"}, "item": {"Site internet"}, "supplier": {"Agence"}, "cost": {"1.234"}})
		if page := body(t, resp); resp.StatusCode != 422 || !strings.Contains(page, "ambigu") || !strings.Contains(page, `value="Fleurs"`) {
			t.Errorf("ambiguous cost: %d", resp.StatusCode)
		}
		resp = e.form(c, "/aid", url.Values{"first_name": {"Léa"}, "last_name": {"Dupré"}, "email": {"lea@example.be"}, "shop_name": {"Fleurs"},
			"commune": {"Châtelet"}, "employees": {"1"}, "turnover": {"50 000"}, "item": {"Site internet"}, "supplier": {"Agence"}, "cost": {"1 000"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/aid/ta_") {
			t.Fatalf("apply from the page: %d", resp.StatusCode)
		}
		page := body(t, e.doWith(c, "GET", loc, nil))
		if !strings.Contains(page, "650,00") || !strings.Contains(page, "65 %") {
			t.Error("status page lacks the amount from the new table")
		}
		checkPage(t, page)
		admc := e.browser()
		e.signIn(admc, staff.Admin, "boss@example.org")
		for _, p := range []string{"/staff/aid", "/staff/aid?status=submitted", "/staff/aid/table"} {
			resp := e.doWith(admc, "GET", p, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			checkPage(t, body(t, resp))
		}
		apps = nil
		e.api("GET", "/api/v1/aid-applications?status=submitted", admin, nil, &apps)
		resp = e.form(admc, fmt.Sprintf("/staff/aid/%d/approve", apps[0].ID), url.Values{"budget_line_id": {fmt.Sprint(line.ID)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("approve from the page: %d", resp.StatusCode)
		}
		page = body(t, e.doWith(admc, "GET", "/staff/aid", nil))
		if !strings.Contains(page, "Aide accordée à Fleurs") {
			t.Error("no confirmation after approving")
		}
		resp = e.form(admc, "/staff/aid/table", url.Values{"version": {"2"}, "rows[0].name": {"a"}, "rows[0].max_employees": {"2"},
			"rows[0].max_turnover": {"100000"}, "rows[0].rate": {"50"}, "rows[0].cap": {"1000"},
			"rows[1].name": {"b"}, "rows[1].max_employees": {"9"}, "rows[1].max_turnover": {"700000"}, "rows[1].rate": {"60"}, "rows[1].cap": {"900"}})
		if page := body(t, resp); resp.StatusCode != 422 || !strings.Contains(page, "les taux ne peuvent que baisser") {
			t.Errorf("unfair table from the page: %d", resp.StatusCode)
		}
		resp = e.form(admc, "/staff/aid/table", url.Values{"version": {"2"}, "rows[0].name": {"a"}, "rows[0].max_employees": {"2"},
			"rows[0].max_turnover": {"100000"}, "rows[0].rate": {"62,5"}, "rows[0].cap": {"1000"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("save the table: %d", resp.StatusCode)
		}
		if t2, v, _ := e.st.Aid.Table(context.Background()); v != 3 || len(t2.Rows) != 1 || t2.Rows[0].Rate != 6250 {
			t.Errorf("table v%d %+v", v, t2)
		}
	})
}

// Many simultaneous approvals against a small line, over HTTP, on both
// engines: never overspent, refused ones got 409 and changed nothing, the
// totals add up to the cent.
func TestConcurrentApprovalsOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		approvalRace(t, []*testEnv{e}, 40)
	})
}

// The same with two server instances (two database handles, two servers)
// on one PostgreSQL database.
func TestConcurrentApprovalsTwoServers(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	envs := make([]*testEnv, 2)
	for i := range envs {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		envs[i] = newEnv(t, store.New(db))
	}
	approvalRace(t, envs, 60)
	enrolmentRace(t, envs, 40, 9)
}

func approvalRace(t *testing.T, envs []*testEnv, n int) {
	t.Helper()
	e := envs[0]
	line := campaignLine(t, e, "Petite ligne", funding.Euros(1_000))
	_, admin := e.staffUser(staff.Admin, "racer@example.org")
	ids := make([]int64, n)
	for i := range ids {
		var a apiAid
		status, raw := e.api("POST", "/api/v1/aid-applications", "", map[string]any{"first_name": "Zoé", "last_name": "L", "email": fmt.Sprintf("z%d@example.be", i),
			"shop_name": "Boutique", "commune_nis": "52012", "employees": 2, "turnover_eur": 50000, "item": "Caisse", "supplier": "S", "cost_eur": 111.11}, &a)
		if status != 201 {
			t.Fatalf("apply: %d %s", status, raw)
		}
		ids[i] = a.ID // 60 % of €111.11 = €66.67
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	var approved []int64
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := envs[i%len(envs)]
			status, raw := srv.api("POST", fmt.Sprintf("/api/v1/aid-applications/%d/approve", id), admin, map[string]any{"budget_line_id": line.ID}, nil)
			mu.Lock()
			defer mu.Unlock()
			codes[status]++
			switch {
			case status == 200:
				approved = append(approved, id)
			case status == 409 && problemCode(raw) == "budget_exhausted":
			default:
				t.Errorf("approve %d: %d %s", id, status, raw)
			}
		}()
	}
	wg.Wait()
	l, err := e.st.Budget.Line(context.Background(), line.ID)
	if err != nil {
		t.Fatal(err)
	}
	total, _ := e.st.Budget.ActiveTotal(context.Background(), line.ID)
	if codes[200] != 14 || codes[409] != n-14 || l.Committed != 14*66_67 || total != l.Committed || l.Committed > l.Amount {
		t.Fatalf("%v; committed %s, commitments %s, amount %s", codes, l.Committed, total, l.Amount)
	}
	var lines []apiBudgetLine
	e.api("GET", "/api/v1/budget-lines", admin, nil, &lines)
	for _, bl := range lines {
		if bl.ID == line.ID && (bl.Committed+bl.Remaining != bl.Amount || bl.Remaining != funding.Euros(1_000)-14*66_67) {
			t.Errorf("API line %+v", bl)
		}
	}
	var pending []apiAid
	e.api("GET", "/api/v1/aid-applications?status=submitted", admin, nil, &pending)
	if len(pending) != n-14 {
		t.Errorf("%d pending, want %d", len(pending), n-14)
	}
	for _, a := range pending {
		if a.BudgetLineID != 0 {
			t.Errorf("a refused approval left its line on %d", a.ID)
		}
	}
}

// Concurrent enrolments never overbook a training session.
func TestConcurrentEnrolmentsOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		enrolmentRace(t, []*testEnv{e}, 30, 5)
	})
}

func enrolmentRace(t *testing.T, envs []*testEnv, n, capacity int) {
	t.Helper()
	e := envs[0]
	f := newTrainingFixture(t, e, fmt.Sprintf("course-%d", capacity), capacity)
	campaignLine(t, e, fmt.Sprintf("Chèques %d", capacity), funding.Euros(100_000))
	var wg sync.WaitGroup
	var mu sync.Mutex
	status := map[string]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out apiEnrolment
			code, raw := envs[i%len(envs)].api("POST", fmt.Sprintf("/api/v1/trainings/sessions/%d/enrolments", f.session.ID), "", enrolBody(i, i%3 != 0), &out)
			mu.Lock()
			defer mu.Unlock()
			if code != 201 {
				t.Errorf("enrol %d: %d %s", i, code, raw)
				return
			}
			status[out.Status]++
		}()
	}
	wg.Wait()
	s, _, err := e.st.Trainings.Session(context.Background(), f.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if status["confirmed"] != capacity || status["waitlisted"] != n-capacity || s.Confirmed != capacity || s.Waitlisted != n-capacity {
		t.Fatalf("answers %v, session %d confirmed %d waiting", status, s.Confirmed, s.Waitlisted)
	}
}
