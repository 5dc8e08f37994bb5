package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pickJS ticks, on the current screen, one option of every question: the
// one at position i, or, with i < 0, the last before "don't know". Earlier
// choices are cleared first, so a retake starts from a known state.
func pickJS(i int) string {
	return fmt.Sprintf(`document.querySelectorAll("fieldset.question").forEach(function (f) {
  var o = f.querySelectorAll("input");
  o.forEach(function (x) { x.checked = false; });
  var k = %d < 0 ? o.length - 2 : Math.min(%d, o.length - 2);
  o[k].checked = true;
}); true`, i, i)
}

// until waits until a JavaScript expression is true on the current page.
// It asks again after a navigation, which cuts a running evaluation short.
func until(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(timeout)
		var last error
		for time.Now().Before(deadline) {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tgt)
			if err == nil && ok {
				return chromedp.Void{}, nil
			}
			if err != nil {
				last = err
			}
			time.Sleep(100 * time.Millisecond)
		}
		shown, _ := chromedp.Evaluate[string](`location.pathname + " " + (document.getElementById("progress-label") || {}).textContent`)(ctx, tgt)
		return chromedp.Void{}, fmt.Errorf("waited %s for %s (last error: %v; the page shows %q)", timeout, expr, last, shown)
	}
}

// onStep waits until the screen of step n is shown.
func onStep(n int) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`(function () {
  var p = document.getElementById("progress-label");
  return p !== null && p.textContent.indexOf("Étape %d sur 7") >= 0 && document.readyState === "complete";
})()`, n), 15*time.Second)
}

// press presses a button through the page, as a keyboard user would with
// Enter: a pointer click at coordinates can miss while a phone-sized page
// still moves. The click waits for the evaluation to return, so the
// navigation it starts cannot cut the evaluation short and have it run
// again on the next page.
func press(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function () {
  var b = document.querySelector(%q);
  if (b === null) { throw new Error("no button " + %q); }
  setTimeout(function () { b.click(); }, 0);
})()`, css, css))
}

var next = press(`button[name="go"][value="next"]`)

// answerAll answers the six dimension screens with pickJS(i) and shows the result.
func answerAll(t *testing.T, ctx context.Context, i int) {
	t.Helper()
	for step := 2; step <= 7; step++ {
		must(t, chromedp.Do(ctx, onStep(step), chromedp.Evaluate[chromedp.Void](pickJS(i)), next))
	}
	must(t, chromedp.Do(ctx, until(`document.getElementById("level-title") !== null && document.readyState === "complete"`, 15*time.Second)))
}

// fitsPhone fails when the page is wider than the 360-px screen.
func fitsPhone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	must(t, err)
	if width > 360 {
		t.Errorf("%s is %d px wide on a 360-px phone", what, width)
	}
}

// pdfText returns the text of a PDF and its number of pages.
func pdfText(t *testing.T, b []byte) (string, string) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("VITRINE_TEST_PDFTOTEXT") == "skip" {
				t.Skipf("%s missing and VITRINE_TEST_PDFTOTEXT=skip", tool)
			}
			t.Fatalf("%s is missing: install Debian's poppler-utils", tool)
		}
	}
	f := filepath.Join(t.TempDir(), "plan.pdf")
	must(t, os.WriteFile(f, b, 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").CombinedOutput()
	must(t, err)
	info, err := exec.Command("pdfinfo", f).CombinedOutput()
	must(t, err)
	pages := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(string(info))
	if pages == nil {
		t.Fatalf("pdfinfo: %s", info)
	}
	return strings.Join(strings.Fields(string(out)), " "), pages[1]
}

// A shopkeeper takes the diagnostic on a phone, gets a level and a plan,
// downloads the plan, and retakes the diagnostic to see progress; a
// facilitator's projector shows the room once five people have answered.
func TestDiagnosticOnAPhone(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)

	// The shop.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/"),
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/diagnostic"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/diagnostic"] button`)),
		press(`form[action="/diagnostic"] button`),
		onStep(1),
		chromedp.SendKeys(chromedp.CSS("#f-commune"), "6200"),
		chromedp.SetValue(chromedp.CSS("#f-sector"), "food"),
		chromedp.SendKeys(chromedp.CSS("#f-shop_name"), "Au cœur du goût"),
		next,
		onStep(2),
	))
	fitsPhone(t, ctx, "a question screen")

	// Back and forward keep the answers.
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](pickJS(1)), next, onStep(3),
		press(`button[name="go"][value="back"]`), onStep(2)))
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("fieldset.question input:checked").length`))
	must(t, err)
	if checked != 7 {
		t.Errorf("after going back, %d answers are ticked on screen 2, want 7", checked)
	}

	// A level and a plan.
	answerAll(t, ctx, 1)
	level := text(t, ctx, "#level-title")
	if !strings.HasPrefix(level, "Niveau ") || !strings.Contains(level, "sur 5") {
		t.Errorf("level = %q", level)
	}
	actions, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.actions > li").length`))
	must(t, err)
	if actions == 0 {
		t.Error("no action in the plan")
	}
	firstAction := text(t, ctx, "ol.actions > li h3")
	fitsPhone(t, ctx, "the result page")

	// The plan as a PDF.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href$="plan.pdf"]').href`))
	must(t, err)
	resp, err := http.Get(href)
	must(t, err)
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("plan.pdf: %s", resp.Header.Get("Content-Type"))
	}
	pdfWords, pages := pdfText(t, pdf)
	levelName := strings.TrimSpace(level[strings.Index(level, ":")+1:])
	for _, want := range []string{"Au cœur du goût", levelName, strings.Join(strings.Fields(firstAction), " ")} {
		if !strings.Contains(pdfWords, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if pages != "1" && pages != "2" {
		t.Errorf("the PDF has %s pages", pages)
	}

	// Retake it, better: the change since the first time.
	must(t, chromedp.Do(ctx,
		press(`form[action$="/retake"] button`),
		onStep(1), next,
	))
	answerAll(t, ctx, -1)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#progress-title"))))
	if p := text(t, ctx, "#progress-title + p"); !strings.Contains(p, "Depuis votre premier diagnostic") || !strings.Contains(p, "+") {
		t.Errorf("progress = %q", p)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#progress-title ~ table tbody tr").length`))
	must(t, err)
	if rows != 6 {
		t.Errorf("progress table has %d rows, want one per dimension", rows)
	}

	// The workshop: a facilitator, in another browser, signs in and projects.
	staffCtx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	must(t, chromedp.Do(staffCtx,
		chromedp.Navigate(s.URL+"/sign-in"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "consultant@example.org"),
		chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".panel")),
	))
	link := ""
	for i := 0; i < 100 && link == ""; i++ {
		for _, m := range s.SMTP.To("consultant@example.org") {
			link = regexp.MustCompile(`http://\S+/sign-in/vl_[A-Za-z0-9_-]+`).FindString(m.Text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if link == "" {
		t.Fatal("no sign-in mail for the facilitator")
	}
	must(t, chromedp.Do(staffCtx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`form[action^="/sign-in/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/workshop"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/staff/workshop"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/staff/workshop/"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/staff/workshop/"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.qr")),
	))
	short := text(t, staffCtx, ".short-link")
	projector, err := chromedp.Run(staffCtx, chromedp.Location())
	must(t, err)
	sessionID := projector[strings.LastIndex(projector, "/")+1:]

	// The shopkeeper opens the short link; the room counts one answer and shows nothing more.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(short),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/diagnostic"] button`)),
		press(`form[action="/diagnostic"] button`),
		onStep(1),
		chromedp.SendKeys(chromedp.CSS("#f-commune"), "Châtelet"),
		chromedp.SetValue(chromedp.CSS("#f-sector"), "food"),
		next,
	))
	answerAll(t, ctx, 1)
	waitRoom := func(want string) {
		t.Helper()
		must(t, chromedp.Do(staffCtx, until(
			fmt.Sprintf(`document.getElementById("room-title") !== null && document.getElementById("room-title").textContent.indexOf(%q) >= 0`, want),
			20*time.Second)))
	}
	waitRoom("1 personne a répondu")
	tables, err := chromedp.Run(staffCtx, chromedp.Evaluate[int](`document.querySelectorAll("#room table, #room svg").length`))
	must(t, err)
	if tables != 0 {
		t.Error("the room shows results after one answer")
	}

	// Four more through the API: the projector shows the room, live.
	var q struct {
		Dimensions []struct {
			Questions []struct {
				ID      string `json:"id"`
				Options []struct {
					ID string `json:"id"`
				} `json:"options"`
			} `json:"questions"`
		} `json:"dimensions"`
	}
	resp, err = http.Get(s.URL + "/api/v1/diagnostic")
	must(t, err)
	must(t, json.NewDecoder(resp.Body).Decode(&q))
	resp.Body.Close()
	answers := map[string]string{}
	for _, d := range q.Dimensions {
		for _, x := range d.Questions {
			answers[x.ID] = x.Options[0].ID
		}
	}
	for range 4 {
		body, _ := json.Marshal(map[string]any{"answers": answers, "commune_nis": "52012", "sector": "food", "session_id": json.Number(sessionID)})
		resp, err := http.Post(s.URL+"/api/v1/diagnostics", "application/json", bytes.NewReader(body))
		must(t, err)
		if resp.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("submit: %d %s", resp.StatusCode, b)
		}
		resp.Body.Close()
	}
	waitRoom("5 personnes ont répondu")
	must(t, chromedp.Do(staffCtx, chromedp.WaitVisible(chromedp.CSS("#room table")), chromedp.WaitVisible(chromedp.CSS("#room ol.weakest li"))))
	if room := text(t, staffCtx, "#room"); !strings.Contains(room, "Hors ligne") || !strings.Contains(room, "moyenne") {
		t.Errorf("room = %q", room)
	}
}
