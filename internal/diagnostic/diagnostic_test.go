package diagnostic

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func known(nis string) bool { return nis == "52012" }

// best answers every question of q with its best option (the first
// non-exclusive options of a multiple choice until they reach 10).
func best(q *maturity.Questionnaire) maturity.Answers {
	a := maturity.Answers{}
	for _, d := range q.Dimensions {
		for _, x := range d.Questions {
			var pick []string
			top, sum := -1, 0
			for _, o := range x.Options {
				switch {
				case x.Kind == maturity.Multiple && !o.Exclusive && !o.DontKnow && sum < maturity.MaxPoints:
					pick = append(pick, o.ID)
					sum += o.Points
				case x.Kind != maturity.Multiple && o.Points > top:
					pick, top = []string{o.ID}, o.Points
				}
			}
			a[x.ID] = pick
		}
	}
	return a
}

// fields returns the field names of an Invalid error, sorted.
func fields(t *testing.T, v *apperr.Validation) []string {
	t.Helper()
	err := v.Err()
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		t.Fatalf("error %v is not an Invalid apperr", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+"="+f.Key)
	}
	slices.Sort(out)
	return out
}

func TestDecodeAnswers(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		want   maturity.Answers
		errors []string
	}{
		{"one option or a list", `{"listing": "claimed", "payment": ["card", "mobile"]}`,
			maturity.Answers{"listing": {"claimed"}, "payment": {"card", "mobile"}}, nil},
		{"null is unanswered", `{"listing": null}`, maturity.Answers{}, nil},
		{"empty list kept for the check", `{"payment": []}`, maturity.Answers{"payment": {}}, nil},
		{"a number", `{"listing": 3}`, maturity.Answers{}, []string{"answers.listing=" + KeyAnswerType}},
		{"an object", `{"listing": {"id": "claimed"}}`, maturity.Answers{}, []string{"answers.listing=" + KeyAnswerType}},
		{"a list of numbers", `{"payment": [1, 2]}`, maturity.Answers{}, []string{"answers.payment=" + KeyAnswerType}},
		{"a list with null", `{"payment": ["card", null]}`, maturity.Answers{}, []string{"answers.payment=" + KeyAnswerType}},
		{"a boolean, odd ID", `{"Listing!": true}`, maturity.Answers{}, []string{"answers=" + KeyAnswerType}},
		{"good and bad mixed, errors in ID order", `{"d": ["p", "q"], "c": [true], "a": "x", "b": 1, "e": ["r", 2], "f": null, "g": ["s"]}`,
			maturity.Answers{"a": {"x"}, "d": {"p", "q"}, "g": {"s"}},
			[]string{"answers.b=" + KeyAnswerType, "answers.c=" + KeyAnswerType, "answers.e=" + KeyAnswerType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.json), &raw); err != nil {
				t.Fatal(err)
			}
			var v apperr.Validation
			got := DecodeAnswers(raw, &v)
			if len(got) != len(tt.want) {
				t.Errorf("answers %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if !slices.Equal(got[k], w) {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
			if e := fields(t, &v); !slices.Equal(e, tt.errors) {
				t.Errorf("errors %v, want %v", e, tt.errors)
			}
			// The answers share an array: growing one leaves the others.
			for k := range got {
				got[k] = append(got[k], "added")
			}
			for k, w := range tt.want {
				if !slices.Equal(got[k], append(slices.Clone(w), "added")) {
					t.Errorf("after growing every answer, %s = %v", k, got[k])
				}
			}
		})
	}
	raw := map[string]any{}
	for i := range MaxAnswers + 1 {
		raw[strings.Repeat("q", i+1)] = "x"
	}
	var v apperr.Validation
	if got := DecodeAnswers(raw, &v); len(got) != 0 || !slices.Equal(fields(t, &v), []string{"answers=" + KeyTooManyAnswers}) {
		t.Errorf("too many answers: %v, %v", got, fields(t, &v))
	}
}

func TestSubmissionCheck(t *testing.T) {
	q := maturity.Current()
	good := func() Submission {
		return Submission{Answers: best(q), Profile: Profile{CommuneNIS: "52012", Sector: "food"}}
	}
	tests := []struct {
		name   string
		change func(s *Submission)
		want   []string
	}{
		{"all right", func(s *Submission) {}, nil},
		{"with email and shop", func(s *Submission) { s.Profile.Email, s.Profile.ShopName = "a@b.be", "Chez Zoé" }, nil},
		{"unknown commune", func(s *Submission) { s.Profile.CommuneNIS = "99999" }, []string{"commune_nis=" + KeyCommuneUnknown}},
		{"no commune, no sector", func(s *Submission) { s.Profile.CommuneNIS, s.Profile.Sector = "", "" },
			[]string{"commune_nis=" + KeyRequired, "sector=" + KeyRequired}},
		{"unknown sector", func(s *Submission) { s.Profile.Sector = "mining" }, []string{"sector=" + KeySectorUnknown}},
		{"bad email", func(s *Submission) { s.Profile.Email = "x@" }, []string{"email=" + KeyEmailInvalid}},
		{"shop name too long", func(s *Submission) { s.Profile.ShopName = strings.Repeat("é", MaxShopName+1) }, []string{"shop_name=" + KeyTooLong}},
		{"unknown question", func(s *Submission) { s.Answers["shoe-size"] = []string{"42"} },
			[]string{"answers.shoe-size=" + maturity.KeyUnknownQuestion}},
		{"unknown option", func(s *Submission) { s.Answers["listing"] = []string{"maybe"} },
			[]string{"answers.listing=" + maturity.KeyUnknownOption}},
		{"two options for one choice", func(s *Submission) { s.Answers["listing"] = []string{"no", "claimed"} },
			[]string{"answers.listing=" + maturity.KeyOneOptionOnly}},
		{"none with another", func(s *Submission) { s.Answers["remote-order"] = []string{"none", "phone"} },
			[]string{"answers.remote-order=" + maturity.KeyExclusiveOption}},
		{"too few answers", func(s *Submission) {
			for _, id := range q.QuestionIDs()[:10] {
				delete(s.Answers, id)
			}
		}, []string{"answers=" + maturity.KeyBlockAnswers}},
		{"a wrong answer hides the count", func(s *Submission) {
			for _, id := range q.QuestionIDs()[:10] {
				delete(s.Answers, id)
			}
			s.Answers["listing"] = []string{"maybe"}
		}, []string{"answers.listing=" + maturity.KeyUnknownOption}},
		{"malformed previous token", func(s *Submission) { s.PreviousToken = "dg_short" }, []string{"previous_token=" + KeyPreviousToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.change(&s)
			s.Profile.Normalize()
			var v apperr.Validation
			s.Check(q, &v, known)
			if got := fields(t, &v); !slices.Equal(got, tt.want) {
				t.Errorf("errors %v, want %v", got, tt.want)
			}
		})
	}
	// The count of missing answers is right: 35 questions, 80 % is 28.
	s := good()
	for _, id := range q.QuestionIDs()[:10] {
		delete(s.Answers, id)
	}
	var v apperr.Validation
	s.Check(q, &v, known)
	e, _ := apperr.As(v.Err())
	if want := minAnswered(q) - (q.NumQuestions() - 10); e.Fields[0].Args["count"] != want {
		t.Errorf("count %v, want %d", e.Fields[0].Args["count"], want)
	}
}

func TestEvaluate(t *testing.T) {
	q := maturity.Current()
	rules := plan.Current()
	out, err := Evaluate(q, rules, best(q), "fr", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Level != 5 || out.Plan == nil || out.Plan.Trainings == nil || out.Candidates != 0 {
		t.Errorf("best answers: level %d, plan %v", out.Result.Level, out.Plan)
	}
	a := best(q)
	for _, id := range q.QuestionIDs()[:10] {
		delete(a, id)
	}
	_, err = Evaluate(q, rules, a, "fr", nil, now)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Fields[0].Field != "answers" {
		t.Errorf("too few answers: %v", err)
	}
	// Trainings are chosen among the candidates, for the plan's skills.
	low := maturity.Answers{}
	for _, id := range q.QuestionIDs() {
		low[id] = []string{maturity.DontKnowID}
	}
	var asked []string
	find := func(skills []string) ([]plan.Session, error) {
		asked = skills
		return []plan.Session{{SessionID: "s1", ModuleID: "m1", Skills: []string{"map-listings"},
			Hours: 3, Start: now.Add(48 * time.Hour), SeatsLeft: 4, Format: plan.Online}}, nil
	}
	out, err = Evaluate(q, rules, low, "fr", find, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, out.Plan.SkillIDs()) || !slices.Contains(asked, "map-listings") {
		t.Errorf("trainings asked for %v, the plan needs %v", asked, out.Plan.SkillIDs())
	}
	if out.Result.Level != 0 || len(out.Plan.Trainings.Sessions) != 1 || out.Candidates != 1 {
		t.Errorf("lowest answers: level %d, trainings %+v", out.Result.Level, out.Plan.Trainings)
	}
}

func TestSecrets(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	tok, hash := NewToken(at)
	if !WellFormed(TokenPrefix, tok) || Hash(tok) != hash || len(hash) != 12+64 {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	if want := fmt.Sprintf("%012x", at.UnixMilli()); hash[:12] != want {
		t.Errorf("hash %q begins with %q, want the token's time %q", hash, hash[:12], want)
	}
	other, _ := NewToken(at)
	if other == tok {
		t.Fatal("two tokens alike")
	}
	// Stored hashes sort in the order their tokens were made, whatever
	// their random part.
	prev := ""
	for i := range 200 {
		_, h := NewToken(at.Add(time.Duration(i) * time.Millisecond))
		if h <= prev {
			t.Fatalf("hash %d %q sorts before the one made earlier %q", i, h, prev)
		}
		prev = h
	}
	// A token made before tokens began with their time, and a mail key:
	// 32 random bytes, stored as their SHA-256 alone.
	legacy, legacyHash := NewSecret(TokenPrefix)
	if !WellFormed(TokenPrefix, legacy) || Hash(legacy) != legacyHash || len(legacyHash) != 64 {
		t.Fatalf("older token %q hash %q", legacy, legacyHash)
	}
	key, keyHash := NewSecret(MailKeyPrefix)
	if !WellFormed(MailKeyPrefix, key) || len(keyHash) != 64 || WellFormed(MailKeyPrefix, "dk_"+tok[3:]) {
		t.Fatalf("mail key %q hash %q", key, keyHash)
	}
	for _, bad := range []string{"", "dg_", tok[:len(tok)-2], legacy[:len(legacy)-1], "dk_" + tok[3:], tok + "A",
		tok[:10] + "!" + tok[11:], legacy[:10] + "!" + legacy[11:]} {
		if WellFormed(TokenPrefix, bad) {
			t.Errorf("%q taken as well formed", bad)
		}
	}
	for range 50 {
		if c := NewWorkshopCode(); !ValidWorkshopCode(c) {
			t.Fatalf("code %q not valid", c)
		}
	}
	for _, bad := range []string{"", "abc", "abcdeo", "ABCDEF", "abcdefg"} {
		if ValidWorkshopCode(bad) {
			t.Errorf("%q taken as a code", bad)
		}
	}
}

func TestShowsProgress(t *testing.T) {
	tests := []struct {
		rec  Record
		want bool
	}{
		{Record{}, false},
		{Record{FirstID: 3, FirstVia: LinkToken}, true},
		{Record{FirstID: 3, FirstVia: LinkEmail}, false},
		{Record{FirstID: 3, FirstVia: LinkEmail, EmailVerifiedAt: now}, true},
		{Record{FirstVia: LinkToken}, false},
	}
	for _, tt := range tests {
		if got := tt.rec.ShowsProgress(); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.rec, got, tt.want)
		}
	}
}

func TestRoom(t *testing.T) {
	q := maturity.Current()
	tally := Tally{Answered: 4, Levels: map[int]int{1: 2, 2: 2},
		Averages: map[string]float64{"visibility": 40, "customers": 35, "sales": 10, "operations": 22.26, "security": 61, "skills": 22.26}}
	r := NewRoom(tally, q, "fr")
	if r.Shown || r.Missing != 1 || r.Levels != nil || r.Dimensions != nil {
		t.Fatalf("4 answers: %+v, want nothing but the count", r)
	}
	tally.Answered, tally.Levels[3] = 5, 1
	r = NewRoom(tally, q, "fr")
	if !r.Shown || r.Missing != 0 || len(r.Levels) != maturity.NumLevels {
		t.Fatalf("5 answers: %+v", r)
	}
	if r.Levels[1].Count != 2 || r.Levels[1].Pct != 40 || r.Levels[0].Name != "Hors ligne" || r.Levels[3].Pct != 20 {
		t.Errorf("levels %+v", r.Levels)
	}
	var ids []string
	for _, d := range r.Weakest {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, []string{"sales", "operations", "skills"}) || r.Weakest[1].Average != 22.3 || r.Weakest[0].Name != "Vente en ligne et paiement" {
		t.Errorf("weakest %+v", r.Weakest)
	}
}

// FuzzToken: a token read from a link or a submission is checked and hashed
// without a panic, and a well-formed one hashes to 64 hex digits, or 76 for
// one that begins with its time.
func FuzzToken(f *testing.F) {
	tok, _ := NewToken(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	legacy, _ := NewSecret(TokenPrefix)
	for _, s := range []string{tok, legacy, "", "dg_", "dg_!", tok + "=", legacy[:30]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := Hash(s)
		if !WellFormed(TokenPrefix, s) {
			return
		}
		if len(h) != 64 && len(h) != 76 {
			t.Fatalf("%q hashed to %q", s, h)
		}
		if strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("%q hashed to %q, not hex", s, h)
		}
	})
}
