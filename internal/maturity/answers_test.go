package maturity

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"vitrine/internal/apperr"
)

func TestValidate(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	type field struct{ field, key string }
	tests := []struct {
		name string
		a    Answers
		want []field // nil: valid
	}{
		{"nothing answered", nil, nil},
		{"single", Answers{"listing": {"claimed"}}, nil},
		{"frequency", Answers{"photos": {"weekly"}}, nil},
		{"yes partly no", Answers{"backups": {"partly"}}, nil},
		{"multiple", Answers{"payment": {"card", "mobile", "transfer"}}, nil},
		{"exclusive alone", Answers{"payment": {"cash-only"}}, nil},
		{"don't know", Answers{"listing": {DontKnowID}, "payment": {DontKnowID}}, nil},
		{"unknown question", Answers{"listing": {"claimed"}, "colour": {"red"}},
			[]field{{"answers.colour", KeyUnknownQuestion}}},
		{"empty answer", Answers{"listing": {}}, []field{{"answers.listing", KeyEmptyAnswer}}},
		{"unknown option", Answers{"listing": {"maybe"}}, []field{{"answers.listing", KeyUnknownOption}}},
		{"option of another question", Answers{"listing": {"weekly"}}, []field{{"answers.listing", KeyUnknownOption}}},
		{"two options, single", Answers{"listing": {"no", "claimed"}}, []field{{"answers.listing", KeyOneOptionOnly}}},
		{"two options, frequency", Answers{"photos": {"never", "weekly"}}, []field{{"answers.photos", KeyOneOptionOnly}}},
		{"two options, yes/partly/no", Answers{"backups": {"yes", "no"}}, []field{{"answers.backups", KeyOneOptionOnly}}},
		{"same option twice", Answers{"payment": {"card", "card"}}, []field{{"answers.payment", KeyDuplicateOption}}},
		{"exclusive with another", Answers{"payment": {"card", "cash-only"}}, []field{{"answers.payment", KeyExclusiveOption}}},
		{"don't know with another", Answers{"payment": {DontKnowID, "card"}}, []field{{"answers.payment", KeyExclusiveOption}}},
		{"malformed question id", Answers{"<script>": {"x"}}, []field{{"answers", KeyUnknownQuestion}}},
		{"several errors, sorted", Answers{"zz": {"a"}, "listing": {}, "photos": {"x"}, "remote": {"online"}},
			[]field{{"answers.listing", KeyEmptyAnswer}, {"answers.photos", KeyUnknownOption}, {"answers.zz", KeyUnknownQuestion}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := q.Validate(tt.a)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v, want no error", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid {
				t.Fatalf("Validate: %v, want an Invalid apperr", err)
			}
			var got []field
			for _, f := range e.Fields {
				got = append(got, field{f.Field, f.Key})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
			if _, err := q.Score(tt.a, "fr"); !errors.Is(err, e) {
				t.Errorf("Score must refuse what Validate refuses; got %v", err)
			}
		})
	}
}

func TestValidateArgs(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	err := q.Validate(Answers{"listing": {"ma\x00ybe"}})
	e, _ := apperr.As(err)
	if e == nil || e.Fields[0].Args["option"] != "ma?ybe" {
		t.Fatalf("unknown option args = %+v, want the option, control bytes replaced", e)
	}
	long := string(make([]byte, 500))
	e, _ = apperr.As(q.Validate(Answers{long: {"x"}}))
	if e == nil || e.Fields[0].Field != "answers" || len(e.Fields[0].Args["question"].(string)) != 64 {
		t.Fatalf("a long malformed ID must be clipped to 64 bytes, got %+v", e)
	}
}

func TestAnswersJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Answers
		err  bool
	}{
		{`{"listing":"claimed","payment":["card","mobile"]}`, Answers{"listing": {"claimed"}, "payment": {"card", "mobile"}}, false},
		{`{"payment":[]}`, Answers{"payment": {}}, false},
		{`{}`, Answers{}, false},
		{`{"listing":3}`, nil, true},
		{`{"listing":["a",1]}`, nil, true},
		{`[]`, nil, true},
	}
	for _, tt := range tests {
		var a Answers
		err := json.Unmarshal([]byte(tt.in), &a)
		if (err != nil) != tt.err {
			t.Errorf("%s: error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !tt.err && !equalAnswers(a, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.in, a, tt.want)
		}
	}
}

func equalAnswers(a, b Answers) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}
