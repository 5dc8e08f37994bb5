package person

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"marie@boulangerie.be", true},
		{"Marie.Dupont+vitrine@Example.org", true},
		{"x@", false},
		{"@x.be", false},
		{"marie", false},
		{"marie@localhost", false},
		{"marie@x.b", false},
		{"Marie <marie@x.be>", false},
		{"marie@x..be", false},
		{"a b@x.be", false},
		{strings.Repeat("a", 250) + "@x.be", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ValidEmail(tt.in); got != tt.want {
				t.Errorf("ValidEmail(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"0471 12 34 56", "+32471123456", true},
		{"+32 4 123 45 67", "+3241234567", true},
		{"0032 71/23.45.67", "+3271234567", true},
		{"call me", "", false},
		{"12", "", false},
		{"471123456", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalizePhone(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCleanAndNames(t *testing.T) {
	if got := CleanText("  Boulangerie\t\n  Dupont\x00 "); got != "Boulangerie Dupont" {
		t.Errorf("CleanText = %q", got)
	}
	if got := NormalizeEmail(" Marie@EXAMPLE.Org "); got != "Marie@example.org" {
		t.Errorf("NormalizeEmail = %q", got)
	}
	if EmailKey("Marie@EXAMPLE.Org") != "marie@example.org" {
		t.Error("EmailKey does not fold case")
	}
	if ValidName("1234", MaxName) || !ValidName("Zoé", MaxName) || ValidName(strings.Repeat("é", MaxName+1), MaxName) {
		t.Error("ValidName")
	}
}

func FuzzValidEmail(f *testing.F) {
	f.Add("marie@boulangerie.be")
	f.Add("\"a\"@b.c")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidEmail(s) && (strings.ContainsAny(s, " <>\r\n") || !strings.Contains(s, "@")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
