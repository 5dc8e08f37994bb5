package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vitrine/internal/app"
	"vitrine/internal/config"
	"vitrine/internal/mailtest"
	"vitrine/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is the real program running for a test.
type site struct {
	URL  string
	DSN  string
	SMTP *mailtest.Server
	logs *lockedBuffer
}

type siteOption func(*config.Config)

// startSite runs vitrine serve --demo on 127.0.0.1:0 with a fresh SQLite
// database and a test SMTP server, until the test ends.
func startSite(t *testing.T, opts ...siteOption) *site {
	t.Helper()
	s := &site{SMTP: mailtest.Start(t), logs: &lockedBuffer{}}
	s.DSN = "sqlite:" + filepath.Join(t.TempDir(), "e2e.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB, cfg.Addr, cfg.RateLimit, cfg.MailRate = s.DSN, ln.Addr().String(), 0, 0
	cfg.SMTPURL = s.SMTP.URL()
	cfg.BaseURL = "http://" + ln.Addr().String()
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, cfg, ln, true, s.logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	s.URL = cfg.BaseURL
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(s.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("the server did not start:\n%s", s.logs.String())
	return nil
}

// browser starts headless Chromium with a phone-sized window (360 px wide)
// and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("VITRINE_TEST_BROWSER") == "skip" {
		t.Skip("VITRINE_TEST_BROWSER=skip: browser tests skipped on purpose")
	}
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("Chromium is not installed (apt-get install chromium), or set VITRINE_TEST_BROWSER=skip")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(360, 740),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "fr-BE"),
		chromedp.Flag("accept-lang", "fr-BE,fr"),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// must stops the test on an error from the browser.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// text returns the text of the first element matching css.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	must(t, err)
	return strings.TrimSpace(s)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// importMembers uploads a partner's members' file (CSV data, saved as
// membres.csv) through the contacts page, as a signed-in partner.
func importMembers(t *testing.T, ctx context.Context, s *site, data string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "membres.csv")
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/staff/contacts"), chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file})))
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/staff/contacts/import"] button[type=submit]`)))
	must(t, err)
}
