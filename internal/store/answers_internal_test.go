package store

import (
	"encoding/json"
	"strings"
	"testing"

	"vitrine/internal/maturity"
)

// marshalAnswers writes what encoding/json writes, plain IDs or not.
func TestMarshalAnswers(t *testing.T) {
	for _, a := range []maturity.Answers{
		nil,
		{},
		{"listing": {"yes"}},
		{"zeta": {"b", "a"}, "alpha": {"x"}, "mid": {}, "none": nil, "Upper": {"1"}},
		{"q": {"<b>&amp;"}},
		{"q\"": {"a"}},
		{"q": {"é"}},
		{"q": {"a\\b", "tab\there", "\x7f", "\u2028"}},
		{"": {""}},
	} {
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalAnswers(a)
		if err != nil || got != string(want) {
			t.Errorf("%#v:\n got %s (%v)\nwant %s", a, got, err, want)
		}
	}
}

// FuzzMarshalAnswers: any answers, the same bytes as encoding/json.
func FuzzMarshalAnswers(f *testing.F) {
	f.Add("listing", "yes", "social", "weekly,monthly")
	f.Add("q<", "a&b", "é", "\x00")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		a := maturity.Answers{k1: {v1}, k2: strings.Split(v2, ",")}
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := marshalAnswers(a); err != nil || got != string(want) {
			t.Fatalf("%#v:\n got %s (%v)\nwant %s", a, got, err, want)
		}
	})
}
