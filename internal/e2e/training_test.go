package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"vitrine/internal/mailtest"
)

// waitMail waits for a mail to addr and returns the first.
func waitMail(t *testing.T, s *site, addr string) mailtest.Mail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := s.SMTP.To(addr); len(got) > 0 {
			return got[0]
		}
		s.SMTP.Wait(len(s.SMTP.Mails())+1, 200*time.Millisecond)
	}
	t.Fatalf("no mail to %s", addr)
	return mailtest.Mail{}
}

// clickAndLoad clicks and waits for the next page.
func clickAndLoad(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css))))
	must(t, err)
}

// A shopkeeper in Châtelet finds a training near the shop, sees what the
// training vouchers leave to pay, and enrols, on a phone.
func TestShopkeeperFindsATrainingAndEnrols(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/trainings"), chromedp.SendKeys(chromedp.CSS("#f-near"), "Châtelet")))
	clickAndLoad(t, ctx, ".filters button[type=submit]")
	if got := text(t, ctx, "p[role=status]"); !strings.Contains(got, "les plus proches de Châtelet") {
		t.Fatalf("status line %q", got)
	}
	if km := text(t, ctx, ".trainings .distance"); !regexp.MustCompile(`^à [0-9,]+\x{00a0}km$`).MatchString(km) {
		t.Errorf("first distance %q", km)
	}
	// The nearest paid module that takes vouchers: client file and GDPR, in Gosselies.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('.card-title a')].find(a => a.textContent.includes('fichier clients')).getAttribute('href')`))
	must(t, err)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+href)))
	if h1 := text(t, ctx, "h1"); h1 != "Tenir un fichier clients dans les règles" {
		t.Fatalf("module page %q", h1)
	}
	if cost := text(t, ctx, "#cost-title + p"); !strings.Contains(cost, "Vous payez 105,00") || !strings.Contains(cost, "La Région paie 105,00") {
		t.Errorf("cost preview %q", cost)
	}
	if where := text(t, ctx, "tbody tr td"); !strings.Contains(where, "Gosselies") || !strings.Contains(where, "km") {
		t.Errorf("nearest session %q", where)
	}
	clickAndLoad(t, ctx, "tbody tr a.button")
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-commune"))); err != nil || v != "Châtelet" {
		t.Errorf("commune field %q %v", v, err)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Zoé"),
		chromedp.SendKeys(chromedp.CSS("#f-last_name"), "Lœuvre"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "zoe@example.be"),
		chromedp.SendKeys(chromedp.CSS("#f-shop_name"), "Au cœur du goût"),
		chromedp.SetValue(chromedp.CSS("#f-employees"), "2"),
	))
	clickAndLoad(t, ctx, "button[value=preview]")
	if cost := text(t, ctx, "#cost"); !strings.Contains(cost, "Vous payez 105,00") || !strings.Contains(cost, "7 chèques-formation") {
		t.Errorf("cost before enrolling %q", cost)
	}
	clickAndLoad(t, ctx, "button[value=enrol]")
	if got := text(t, ctx, ".panel[role=status]"); !strings.Contains(got, "votre place est réservée") {
		t.Fatalf("after enrolling: %q", got)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	must(t, err)
	if width > 360 {
		t.Errorf("enrolment page is %d px wide on a 360-px phone", width)
	}
	m := waitMail(t, s, "zoe@example.be")
	if !strings.Contains(m.Subject, "Inscription confirmée") || !strings.Contains(m.Text, "/calendar.ics") {
		t.Errorf("confirmation mail %q", m.Subject)
	}
}

// An admin approves a shopkeeper's aid application; the budget page shows
// the money committed.
func TestAdminApprovesAid(t *testing.T) {
	s := startSite(t)
	body, _ := json.Marshal(map[string]any{"first_name": "Léa", "last_name": "Dupré", "email": "lea@example.be", "shop_name": "Fleurs de Léa",
		"commune_nis": "52012", "employees": 2, "turnover_eur": 90000, "item": "Caisse enregistreuse connectée", "supplier": "Un fournisseur", "cost_eur": 1250})
	resp, err := http.Post(s.URL+"/api/v1/aid-applications", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("apply: %v %v", resp, err)
	}
	resp.Body.Close()
	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sign-in"), chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@example.org")))
	clickAndLoad(t, ctx, "main form button[type=submit]")
	link := regexp.MustCompile(`http://\S+/sign-in/vl_[A-Za-z0-9_-]+`).FindString(waitMail(t, s, "admin@example.org").Text)
	if link == "" {
		t.Fatal("no sign-in link")
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	clickAndLoad(t, ctx, "main form button[type=submit]")
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/aid?status=submitted")))
	if row := text(t, ctx, "tbody tr"); !strings.Contains(row, "Fleurs de Léa") || !strings.Contains(row, "750,00") {
		t.Fatalf("application row %q", row)
	}
	clickAndLoad(t, ctx, `tbody tr form[action$="/approve"] button`)
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "Aide accordée à Fleurs de Léa") {
		t.Fatalf("flash %q", flash)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/budget")))
	if got := text(t, ctx, "#total-committed"); got != "750,00\u00a0€" {
		t.Errorf("committed %q", got)
	}
	if m := s.SMTP.To("lea@example.be"); len(m) == 0 {
		waitMail(t, s, "lea@example.be")
	}
}
