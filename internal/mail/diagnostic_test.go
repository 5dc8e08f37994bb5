package mail

import (
	"reflect"
	"strings"
	"testing"

	"vitrine/internal/i18n"
	"vitrine/internal/maturity"
)

// resultLinks are links to put in result mails: as the site writes them,
// and with everything the HTML part has to escape or filter.
var resultLinks = []string{
	"https://vitrine.example/diagnostics/dg_Ab-c_9?k=mk_Zy-x_0",
	"https://vitrine.example/diagnostics/dg_1?k=mk_2&lang=fr&x='y'",
	`https://vitrine.example/d?a=<b>&c="d"+e f#g`,
	"https://vitrine.example/dïagnostics/é?k=%41%zz",
	"http://[::1]:8080/diagnostics/x?k=y;z=1,2",
	"/diagnostics/dg_relative?k=mk",
	"javascript:alert(1)",
	"https://vitrine.example/" + linkMark + "?k=" + linkMark,
	"",
}

// A result mail put together from the memo is the mail the templates write
// with the whole link (what the web layer composed before), in every
// language and for every level, the first time (composed) and the next
// (from the memo): subject, text, HTML, headers, kind, recipient; only the
// Message-ID differs, unique to each mail.
func TestDiagnosticResultMailMemo(t *testing.T) {
	c, err := NewComposer(i18n.MustLoad(), "https://vitrine.example/")
	if err != nil {
		t.Fatal(err)
	}
	q := maturity.Current()
	langs := append(append([]string{}, i18n.Langs...), "it", "")
	keys := map[resultKey]bool{}
	for _, lang := range langs {
		for _, lv := range q.Levels {
			for _, name := range []string{lv.Name.In(lang), `Niveau <b>"&amp;"</b> l'` + lv.Name.In(lang)} {
				keys[resultKey{c.cat.For(lang).Lang, lv.Level, name}] = true
				for round := range 2 {
					for _, link := range resultLinks {
						d := DiagnosticResultData{Link: link, Level: lv.Level, LevelName: name}
						got, err := c.DiagnosticResultMail(lang, "shop@example.be", d)
						if err != nil {
							t.Fatal(err)
						}
						want, err := c.Compose("diagnostic_result", lang, "shop@example.be",
							map[string]any{"Link": link, "Level": lv.Level, "LevelName": name})
						if err != nil {
							t.Fatal(err)
						}
						if got.MessageID == "" || got.MessageID == want.MessageID || !strings.HasSuffix(got.MessageID, "@vitrine.example") {
							t.Errorf("%s level %d: Message-ID %q", lang, lv.Level, got.MessageID)
						}
						got.MessageID, want.MessageID = "", ""
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("%s level %d round %d, link %q:\ngot  %+v\nwant %+v", lang, lv.Level, round, link, got, want)
						}
						if want.HTML == "" || !strings.Contains(want.Text, link) {
							t.Fatalf("%s level %d: the template changed, the test no longer proves much:\n%s", lang, lv.Level, want.Text)
						}
					}
				}
			}
		}
	}
	if n := len(c.results.m); n != len(keys) {
		t.Errorf("%d mails memoized, want %d", n, len(keys))
	}
}

// The memo stays within its size: when full, it starts again.
func TestDiagnosticResultMemoBounded(t *testing.T) {
	c, err := NewComposer(i18n.MustLoad(), "https://vitrine.example/")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * resultMemoSize {
		d := DiagnosticResultData{Link: "https://vitrine.example/d", Level: 1, LevelName: "name " + itoa(int64(i))}
		if _, err := c.DiagnosticResultMail("fr", "a@example.be", d); err != nil {
			t.Fatal(err)
		}
		if n := len(c.results.m); n > resultMemoSize || n == 0 {
			t.Fatalf("%d mails memoized", n)
		}
	}
}

// BenchmarkResultMail compares a result mail composed by the templates
// with one put together from the memo.
func BenchmarkResultMail(b *testing.B) {
	c, err := NewComposer(i18n.MustLoad(), "https://vitrine.example/")
	if err != nil {
		b.Fatal(err)
	}
	name := maturity.Current().Levels[2].Name.In("fr")
	link := "https://vitrine.example/diagnostics/dg_Ab3dEf6hIj9lMn2pQr5tUv8x?k=mk_Zy1wVu4sRq7oNm0kJi3g"
	b.Run("Compose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Compose("diagnostic_result", "fr", "shop@example.be",
				map[string]any{"Link": link, "Level": 2, "LevelName": name}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Memo", func(b *testing.B) {
		b.ReportAllocs()
		d := DiagnosticResultData{Link: link, Level: 2, LevelName: name}
		for b.Loop() {
			if _, err := c.DiagnosticResultMail("fr", "shop@example.be", d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A link plainLink lets through is one the template leaves as it is: each
// byte, in the path, the query and the fragment, checked against the
// template, and every link of resultLinks.
func TestPlainLink(t *testing.T) {
	viaTemplate := func(link string) string {
		var b strings.Builder
		if err := htmlHref.Execute(&b, link); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(strings.TrimPrefix(b.String(), hrefStart), hrefEnd)
	}
	plain := 0
	for c := range 256 {
		for _, link := range []string{
			"https://vitrine.example/d" + string(rune(c)) + "x?k=mk_1",
			"https://vitrine.example/d/x?k=" + string([]byte{byte(c)}) + "1",
			"http://vitrine.example/d#" + string([]byte{byte(c)}),
		} {
			if plainLink(link) {
				plain++
				if got := viaTemplate(link); got != link {
					t.Errorf("byte %#x: the template writes %q for %q", c, got, link)
				}
			}
			if got, _ := htmlLink(link); got != viaTemplate(link) {
				t.Errorf("byte %#x: htmlLink(%q) = %q, the template writes %q", c, link, got, viaTemplate(link))
			}
		}
	}
	if plain != 3*(26+26+10+17) {
		t.Errorf("%d plain links", plain)
	}
	for _, link := range resultLinks {
		if got, _ := htmlLink(link); got != viaTemplate(link) {
			t.Errorf("htmlLink(%q) = %q, the template writes %q", link, got, viaTemplate(link))
		}
	}
	if !plainLink(resultLinks[0]) || plainLink("javascript:alert(1)") || plainLink("HTTPS://x/") {
		t.Error("plainLink misjudges a link")
	}
}
