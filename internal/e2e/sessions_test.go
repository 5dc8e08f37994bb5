package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A shopkeeper on a 360-px phone finds a session, makes a mistake in the
// form, registers, receives the mail, opens the manage link and cancels.
func TestRegisterThenCancel(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sessions")))
	if got := text(t, ctx, ".agenda .card-title a"); got != "Châtelet" {
		t.Fatalf("first session in the agenda = %q", got)
	}
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".agenda .card-title a")))
	must(t, err)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("f-first_name"))))
	// A wrong address: the form comes back with what was typed and a message.
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-first_name"), "Zoé"),
		chromedp.SendKeys(chromedp.ID("f-last_name"), "Martin"),
		chromedp.SendKeys(chromedp.ID("f-email"), "zoe@"),
		chromedp.SendKeys(chromedp.ID("f-shop_name"), "Chez Zoé"),
		chromedp.SetValue(chromedp.ID("f-sector"), "food"),
		chromedp.SendKeys(chromedp.ID("f-commune"), "6200"),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	must(t, err)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("error-summary"))))
	if got := text(t, ctx, "#f-email-error"); !strings.Contains(got, "adresse e-mail complète") {
		t.Errorf("email error = %q", got)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-shop_name"))); err != nil || v != "Chez Zoé" {
		t.Errorf("shop name after the error = %q, %v", v, err)
	}
	// Corrected, with consent: the confirmation page.
	must(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-email").value = ""`),
		chromedp.SendKeys(chromedp.ID("f-email"), "zoe@example.be"),
		chromedp.Click(chromedp.ID("f-consent_contact")),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	must(t, err)
	if h1 := text(t, ctx, "h1"); h1 != "C’est noté : votre place est réservée" {
		t.Fatalf("confirmation h1 = %q", h1)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	must(t, err)
	if width > 360 {
		t.Errorf("confirmation page is %d px wide on a 360-px phone", width)
	}
	// The mail arrives with the private link.
	var link string
	deadline := time.Now().Add(15 * time.Second)
	for link == "" && time.Now().Before(deadline) {
		for _, m := range s.SMTP.Mails() {
			if len(m.To) == 1 && m.To[0] == "zoe@example.be" {
				link = regexp.MustCompile(`http://\S+/registrations/vr_[A-Za-z0-9_-]+`).FindString(m.Text)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if link == "" {
		t.Fatal("no confirmation mail with a manage link")
	}
	// Open the link from the mail and cancel in one click.
	must(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	if h1 := text(t, ctx, "h1"); h1 != "Votre inscription" {
		t.Errorf("manage page h1 = %q", h1)
	}
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button`)))
	must(t, err)
	if h1 := text(t, ctx, "h1"); h1 != "Votre inscription est annulée" {
		t.Errorf("after cancelling, h1 = %q", h1)
	}
}
