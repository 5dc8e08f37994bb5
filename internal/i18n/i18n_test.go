package i18n

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

// Every language has exactly the keys French has, and every text parses.
func TestCatalogueIsComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fr := c.Keys("fr")
	if len(fr) < 100 {
		t.Fatalf("only %d French keys", len(fr))
	}
	for _, lang := range Langs[1:] {
		for _, k := range fr {
			if !c.Has(lang, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for _, k := range c.Keys(lang) {
			if !c.Has("fr", k) {
				t.Errorf("%s has %q, which French lacks", lang, k)
			}
		}
	}
	for _, lang := range Langs {
		l := c.For(lang)
		for _, k := range c.Keys(lang) {
			s := l.N(k, 2)
			if s == k || strings.Contains(s, "<no value>") && !strings.Contains(k, "no_value") {
				// N works for plain messages too; a message with other values shows <no value> here.
				continue
			}
			if _, err := template.New("").Parse(s); err != nil {
				t.Errorf("%s %s: %v", lang, k, err)
			}
		}
	}
	if missing := c.Missing(); len(missing) > 0 {
		t.Errorf("missing keys asked for: %v", missing)
	}
}

func TestTranslateAndPlural(t *testing.T) {
	c := MustLoad()
	tests := []struct {
		lang, want string
		n          int
	}{
		{"fr", "Encore 1 place", 1},
		{"fr", "Encore 3 places", 3},
		{"de", "Noch 1 Platz", 1},
		{"nl", "Nog 2 plaatsen", 2},
		{"en", "3 seats left", 3},
	}
	for _, tt := range tests {
		if got := c.For(tt.lang).N("sessions.seats_left", tt.n); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	if got := c.For("fr").T("signin.welcome", "Email", "a@b.be"); got != "Vous êtes connecté·e (a@b.be)." {
		t.Errorf("T with args = %q", got)
	}
	if got := c.For("xx").Lang; got != "fr" {
		t.Errorf("unsupported language falls back to %q", got)
	}
	if got := c.For("fr").T("no.such.key"); got != "no.such.key" || len(c.Missing()) != 1 {
		t.Errorf("missing key: %q %v", got, c.Missing())
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]string{
		"":                          "fr",
		"de-DE,de;q=0.9":            "de",
		"nl-BE":                     "nl",
		"en-GB,en;q=0.8":            "en",
		"es-ES":                     "fr",
		"it;q=0.9, de;q=0.5":        "de",
		"garbage;;;":                "fr",
		"fr-CH, fr;q=0.9, en;q=0.8": "fr",
	}
	for in, want := range tests {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	c := MustLoad()
	at := time.Date(2027, 3, 17, 17, 30, 0, 0, time.UTC) // 18:30 in Brussels (winter time)
	tests := []struct {
		lang, date, dateTime, money, number, km string
	}{
		{"fr", "mercredi 17 mars 2027", "mercredi 17 mars 2027 à 18 h 30", "1\u202f234,50\u00a0€", "12\u202f345", "3,4\u00a0km"},
		{"de", "Mittwoch, 17. März 2027", "Mittwoch, 17. März 2027 um 18:30 Uhr", "1.234,50\u00a0€", "12.345", "3,4\u00a0km"},
		{"nl", "woensdag 17 maart 2027", "woensdag 17 maart 2027 om 18:30", "€ 1.234,50", "12.345", "3,4\u00a0km"},
		{"en", "Wednesday 17 March 2027", "Wednesday 17 March 2027 at 18:30", "€1,234.50", "12,345", "3.4\u00a0km"},
	}
	for _, tt := range tests {
		l := c.For(tt.lang)
		if got := l.Date(at); got != tt.date {
			t.Errorf("%s Date = %q, want %q", tt.lang, got, tt.date)
		}
		if got := l.DateTime(at); got != tt.dateTime {
			t.Errorf("%s DateTime = %q, want %q", tt.lang, got, tt.dateTime)
		}
		if got := l.Money(123450); got != tt.money {
			t.Errorf("%s Money = %q, want %q", tt.lang, got, tt.money)
		}
		if got := l.Number(12345); got != tt.number {
			t.Errorf("%s Number = %q, want %q", tt.lang, got, tt.number)
		}
		if got := l.Km(3.44); got != tt.km {
			t.Errorf("%s Km = %q, want %q", tt.lang, got, tt.km)
		}
	}
	if got := c.For("fr").Money(-5); got != "-0,05\u00a0€" {
		t.Errorf("negative cents = %q", got)
	}
	if got := c.For("fr").Km(23.6); got != "24\u00a0km" {
		t.Errorf("Km(23.6) = %q", got)
	}
	for _, tt := range []struct {
		lang string
		f    float64
		want string
	}{{"fr", 24.3, "24,3"}, {"en", 24.3, "24.3"}, {"de", 30, "30"}, {"nl", 0.04, "0"}, {"fr", -12.26, "-12,3"}, {"fr", -0.01, "0"}} {
		if got := c.For(tt.lang).Decimal(tt.f); got != tt.want {
			t.Errorf("%s Decimal(%v) = %q, want %q", tt.lang, tt.f, got, tt.want)
		}
	}
	summer := time.Date(2027, 7, 1, 16, 0, 0, 0, time.UTC)
	if got := c.For("en").Time(summer); got != "18:00" {
		t.Errorf("summer time = %q, want 18:00", got)
	}
}
