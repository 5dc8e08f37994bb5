package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// signInAs signs the browser in as a demo staff account, through the
// sign-in form and the link that arrives by mail.
func signInAs(t *testing.T, ctx context.Context, s *site, email string) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sign-in"), chromedp.SendKeys(chromedp.CSS("#f-email"), email)))
	_, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS("#f-email")))
	must(t, err)
	var link string
	for i := 0; i < 200 && link == ""; i++ {
		for _, m := range s.SMTP.To(email) {
			if l := regexp.MustCompile(`/sign-in/vl_[A-Za-z0-9_-]+`).FindString(m.Text); l != "" {
				link = l
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("no sign-in mail for %s", email)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+link)))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	must(t, err)
}

// A consultant walks Thuin through the pipeline, one stage after the
// other, from not_contacted to session_planned, on a phone.
func TestConsultantWalksACommune(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	signInAs(t, ctx, s, "consultant@example.org")

	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/outreach/56078")))
	if got := text(t, ctx, "h1"); got != "Thuin" {
		t.Fatalf("h1 = %q", got)
	}
	if got := text(t, ctx, "main .stage"); got != "Pas encore contactée" {
		t.Fatalf("first stage = %q", got)
	}
	steps := []struct{ stage, label string }{
		{"letter_sent", "Courrier envoyé"},
		{"contacted", "Contactée"},
		{"meeting_planned", "Rencontre prévue"},
		{"met", "Rencontrée"},
		{"interested", "Intéressée"},
		{"session_planned", "Séance prévue"},
	}
	save := chromedp.CSS(`form[action="/staff/outreach/56078"] button[type=submit]`)
	for i, st := range steps {
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#f-stage"), st.stage)))
		if st.stage == "meeting_planned" {
			must(t, chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#f-next_action_at"), "2027-02-02"),
				chromedp.SendKeys(chromedp.CSS("#f-next_action"), "Rencontre à l’hôtel de ville"),
				chromedp.Click(chromedp.CSS("#f-issue-tourism")),
				chromedp.SendKeys(chromedp.CSS("#f-note"), "L’échevine attend une date."),
			))
		}
		_, err := chromedp.RunResponse(ctx, chromedp.Click(save))
		must(t, err)
		if got := text(t, ctx, "main .stage"); got != st.label {
			t.Fatalf("step %d: stage shown %q, want %q", i+1, got, st.label)
		}
		if got := text(t, ctx, ".flash"); got != "C’est enregistré." {
			t.Errorf("step %d: flash %q", i+1, got)
		}
	}
	// The history has every step, the newest first; the note and the tag stayed.
	history, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".history")))
	must(t, err)
	if strings.Count(history, "Étape :") != len(steps) || !strings.Contains(history, "Intéressée → Séance prévue") || !strings.Contains(history, "consultant@example.org") {
		t.Errorf("history:\n%s", history)
	}
	notes := text(t, ctx, ".notes")
	if !strings.Contains(notes, "L’échevine attend une date.") {
		t.Errorf("notes: %q", notes)
	}
	// On the board, Thuin is in the column of planned sessions.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/outreach?province=Hainaut")))
	col, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section[aria-labelledby="col-session_planned"]`)))
	must(t, err)
	if !strings.Contains(col, "Thuin") {
		t.Errorf("session_planned column: %q", col)
	}
	// The columns stack on a phone: nothing is wider than the screen.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	must(t, err)
	if width > 360 {
		t.Errorf("board is %d px wide on a 360-px phone", width)
	}
	// On the map, Thuin's dot has the colour of its stage.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/outreach/map")))
	class, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href="/staff/outreach/56078"] circle').getAttribute("class")`))
	must(t, err)
	if class != "st-session_planned" {
		t.Errorf("Thuin's dot: class %q", class)
	}
}

// A partner imports its members' file through the page.
func TestPartnerImportsContacts(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	signInAs(t, ctx, s, "federation@example.org")

	importMembers(t, ctx, s, "Courriel;Prénom;Nom;Commerce;Commune;Téléphone;Base légale\r\n"+
		"anne@boulangerie.be;Anne;Dupont;Boulangerie Dupont;Châtelet;071 24 32 11;contrat\r\n"+
		"luc@cafe.be;Luc;Martin;Café de la Gare;6200;;consentement\r\n"+
		"zoe@fleurs.be;Zoé;Lefèvre;Fleurs Zoé;Thuin;;contrat\r\n")
	if got := text(t, ctx, "h1"); got != "Import de membres.csv" {
		t.Fatalf("h1 = %q", got)
	}
	summary := text(t, ctx, "main .panel")
	if !strings.Contains(summary, "3 contacts ajoutés") {
		t.Errorf("summary: %q", summary)
	}
	// The address book lists them.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/contacts")))
	counts := text(t, ctx, "main p")
	if !strings.HasPrefix(counts, "3 contacts") {
		t.Errorf("counts: %q", counts)
	}
	book, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section[aria-labelledby="book-title"] table`)))
	must(t, err)
	if !strings.Contains(book, "zoe@fleurs.be") || !strings.Contains(book, "Boulangerie Dupont") {
		t.Errorf("address book:\n%s", book)
	}
}
