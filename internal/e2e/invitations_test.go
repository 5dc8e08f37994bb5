package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vitrine/internal/mailtest"
)

// checkSession ticks the session whose label names town on the new
// campaign form.
func checkSession(t *testing.T, ctx context.Context, town string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
  const box = [...document.querySelectorAll('input[name=session_ids]')].find(i => i.labels[0].textContent.includes(`+"`"+town+"`"+`));
  if (!box) return false;
  box.click();
  return box.checked;
})()`))
	must(t, err)
	if !ok {
		t.Fatalf("no session in %s on the form", town)
	}
}

// waitMails waits until addr received want mails.
func waitMails(t *testing.T, s *site, addr string, want int) []mailtest.Mail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := s.SMTP.To(addr)
		if len(got) >= want || time.Now().After(deadline) {
			if len(got) != want {
				t.Fatalf("%s received %d mails, want %d", addr, len(got), want)
			}
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A partner builds a campaign, previews it and sends it; the mails arrive
// in a real SMTP server; a shopkeeper unsubscribes through the link in her
// mail, and the next campaign leaves her out.
func TestPartnerSendsInvitations(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	signInAs(t, ctx, s, "federation@example.org")

	importMembers(t, ctx, s, "Courriel;Prénom;Nom;Commerce;Commune;Base légale\r\n"+
		"anne@boulangerie.be;Anne;Dupont;Boulangerie Dupont;Châtelet;contrat\r\n"+
		"luc@cafe.be;Luc;Martin;Café de la Gare;6200;consentement\r\n"+
		"zoe@fleurs.be;Zoé;Lefèvre;Fleurs Zoé;Thuin;contrat\r\n")

	// From the staff home page to the campaign form.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff")))
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href="/staff/invitations"]`)))
	must(t, err)
	if got := text(t, ctx, "h1"); got != "Campagnes d’invitation" {
		t.Fatalf("h1 = %q", got)
	}
	checkSession(t, ctx, "Châtelet")
	must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#f-radius_km"), "3")))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/staff/invitations"] button[type=submit]`)))
	must(t, err)

	// The preview: how many, and the mail one of them will get.
	if got := text(t, ctx, "#recipient-count"); got != "2 commerçants recevront cette invitation." {
		t.Fatalf("count: %q", got)
	}
	if got := text(t, ctx, "#sample-subject"); !strings.Contains(got, "Châtelet") {
		t.Errorf("sample subject %q", got)
	}
	if got := text(t, ctx, "#sample-text"); !strings.Contains(got, "Bonjour Anne") {
		t.Errorf("sample text %q", got)
	}
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#send")))
	must(t, err)
	campaign, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)

	anne := waitMails(t, s, "anne@boulangerie.be", 1)[0]
	waitMails(t, s, "luc@cafe.be", 1)
	if len(s.SMTP.To("zoe@fleurs.be")) != 0 {
		t.Error("Thuin is farther than 3 km, yet Zoé was invited")
	}
	if anne.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: %q", anne.Header.Get("List-Unsubscribe-Post"))
	}
	// The progress page ends at "done".
	status := ""
	for i := 0; i < 100 && status != "Terminée"; i++ {
		must(t, chromedp.Do(ctx, chromedp.Navigate(campaign)))
		status = text(t, ctx, "#campaign-status")
		if status != "Terminée" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if status != "Terminée" {
		t.Fatalf("campaign status %q", status)
	}
	if got := text(t, ctx, "#count-sent"); got != "2" {
		t.Errorf("sent: %q", got)
	}

	// Anne follows the link in her mail and confirms.
	link := regexp.MustCompile(`https?://\S+/u/[0-9a-f]{32}`).FindString(anne.Text)
	if link == "" {
		t.Fatalf("no unsubscribe link in:\n%s", anne.Text)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	if got := text(t, ctx, "h1"); got != "Se désinscrire" {
		t.Fatalf("unsubscribe page h1 = %q", got)
	}
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#unsubscribe")))
	must(t, err)
	if got := text(t, ctx, "h1"); got != "Vous êtes désinscrit·e" {
		t.Fatalf("after unsubscribing h1 = %q", got)
	}

	// A second campaign, to another session, for Châtelet's shops: Luc
	// gets it, Anne does not.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/invitations")))
	checkSession(t, ctx, "Mouscron")
	must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#f-communes"), "52012")))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/staff/invitations"] button[type=submit]`)))
	must(t, err)
	if got := text(t, ctx, "#recipient-count"); got != "1 commerçant recevra cette invitation." {
		t.Fatalf("second count: %q", got)
	}
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#send")))
	must(t, err)
	second := waitMails(t, s, "luc@cafe.be", 2)[1]
	if !strings.Contains(second.Subject, "Mouscron") {
		t.Errorf("second invitation: %q", second.Subject)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(s.SMTP.To("anne@boulangerie.be")); n != 1 {
		t.Fatalf("Anne received %d mails after unsubscribing", n)
	}
}
