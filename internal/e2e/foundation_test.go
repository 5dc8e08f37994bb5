package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A shopkeeper opens the home page on a phone and switches to German.
func TestHomePageAndLanguageSwitch(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
	if h1 := text(t, ctx, "h1"); h1 != "Votre commerce, trouvé et choisi en ligne" {
		t.Fatalf("French h1 = %q", h1)
	}
	if got := text(t, ctx, ".cards .card h3"); got != "Châtelet" {
		t.Errorf("first session card = %q, want Châtelet", got)
	}
	// The page fits a 360-px screen: nothing wider than the viewport.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	must(t, err)
	if width > 360 {
		t.Errorf("page is %d px wide on a 360-px phone", width)
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.langs a[lang="de"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="de"]`))))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Ihr Geschäft") {
		t.Errorf("German h1 = %q", h1)
	}
	// The choice sticks on the next page.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.main-nav a[href="/communes"]`)), chromedp.WaitVisible(chromedp.CSS("table"))))
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
	must(t, err)
	if lang != "de" {
		t.Errorf("communes page in %q after choosing German", lang)
	}
}
