package skill

import (
	"strings"
	"testing"
)

func TestEmbedded(t *testing.T) {
	all := All()
	if n := len(all); n < 18 || n > 25 {
		t.Fatalf("the taxonomy has %d skills, want 18 to 25", n)
	}
	for _, s := range all {
		got, ok := ByID(s.ID)
		if !ok || got.ID != s.ID {
			t.Errorf("ByID(%q) = %v, %v", s.ID, got.ID, ok)
		}
		for _, lang := range Langs {
			if s.Name(lang) == "" || s.Description(lang) == "" {
				t.Errorf("%s: text missing in %s", s.ID, lang)
			}
		}
		// French must really be French, not a copy of the English text.
		if s.Names.FR == s.Names.EN {
			t.Errorf("%s: French name %q equals the English one", s.ID, s.Names.FR)
		}
	}
	// The skills the brief names must be there.
	for _, id := range []string{"map-listings", "product-photos", "social-page", "online-reviews",
		"simple-website", "customer-file", "newsletter", "personalised-promotions", "local-portal",
		"electronic-payment", "online-shop", "online-booking", "digital-till", "figures",
		"passwords-2fa", "backups", "gdpr-basics", "digital-strategy", "community", "local-ads"} {
		if !Exists(id) {
			t.Errorf("skill %q is missing", id)
		}
	}
	if _, ok := ByID("no-such-skill"); ok {
		t.Error("ByID found a skill that does not exist")
	}
}

func TestAllReturnsACopy(t *testing.T) {
	a := All()
	a[0].ID = "changed"
	if All()[0].ID == "changed" {
		t.Fatal("All exposes the package's own slice")
	}
}

func TestLangAndFallback(t *testing.T) {
	s, _ := ByID("backups")
	tests := []struct{ lang, want string }{
		{"fr", s.Names.FR}, {"de", s.Names.DE}, {"nl-BE", s.Names.NL}, {"EN", s.Names.EN},
		{"", s.Names.FR}, {"it", s.Names.FR}, {"de_AT", s.Names.DE},
	}
	for _, tt := range tests {
		if got := s.Name(tt.lang); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"map-listings", true}, {"passwords-2fa", true}, {"a", true},
		{"", false}, {"Map-listings", false}, {"map_listings", false}, {"-map", false},
		{"map-", false}, {"map--listings", false}, {"carte-é", false}, {strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.ok {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.ok)
		}
	}
}

func TestParseRejects(t *testing.T) {
	full := `{"fr":"a","de":"b","nl":"c","en":"d"}`
	tests := []struct{ name, data, want string }{
		{"not json", `{`, "decode"},
		{"empty", `{"version":1,"skills":[]}`, "empty"},
		{"bad id", `{"skills":[{"id":"Bad Id","name":` + full + `,"description":` + full + `}]}`, "kebab"},
		{"duplicate", `{"skills":[{"id":"a","name":` + full + `,"description":` + full + `},{"id":"a","name":` + full + `,"description":` + full + `}]}`, "duplicate"},
		{"missing nl", `{"skills":[{"id":"a","name":{"fr":"a","de":"b","en":"d"},"description":` + full + `}]}`, "name missing"},
		{"blank description", `{"skills":[{"id":"a","name":` + full + `,"description":{"fr":" ","de":"b","nl":"c","en":"d"}}]}`, "description missing"},
		{"unknown field", `{"skills":[],"extra":1}`, "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
