package maturity

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func loadFile(t testing.TB, name string) *Questionnaire {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return q
}

func TestEmbeddedV1(t *testing.T) {
	if !slices.Contains(Versions(), "v1") {
		t.Fatalf("Versions() = %v, want v1 among them", Versions())
	}
	q := Current()
	if n := q.NumQuestions(); n < 25 || n > 40 {
		t.Errorf("v1 has %d questions, want 25 to 40", n)
	}
	var dims []string
	for _, d := range q.Dimensions {
		dims = append(dims, d.ID)
	}
	want := []string{"visibility", "customers", "sales", "operations", "security", "skills"}
	if !slices.Equal(dims, want) {
		t.Errorf("dimensions = %v, want the six of the design note %v", dims, want)
	}
	kinds := map[Kind]int{}
	for _, id := range q.QuestionIDs() {
		x, _, _ := q.Question(id)
		kinds[x.Kind]++
		if _, ok := x.Option(DontKnowID); !ok {
			t.Errorf("%s has no don't-know option", id)
		}
	}
	for _, k := range []Kind{Single, Multiple, Frequency, YesPartlyNo} {
		if kinds[k] == 0 {
			t.Errorf("no question of kind %s", k)
		}
	}
	names := []string{"Hors ligne", "Trouvable", "Présent et actif", "Outillé", "Vente à distance", "Commerce connecté intégré"}
	for i, l := range q.Levels {
		if l.Name.FR != names[i] {
			t.Errorf("level %d is named %q, want %q", i, l.Name.FR, names[i])
		}
	}
	if q.MinAnsweredPct != 80 {
		t.Errorf("min_answered_pct = %d, want 80 (design note)", q.MinAnsweredPct)
	}
	if _, err := Version("v0"); err == nil {
		t.Error("Version(v0) found a questionnaire that does not exist")
	}
}

// The design note: "answerable on a phone in under 7 minutes". At a
// generous 12 seconds a question, v1 must stay under that.
func TestV1IsShort(t *testing.T) {
	if s := Current().NumQuestions() * 12; s > 7*60 {
		t.Errorf("%d questions take about %d s, more than 7 minutes", Current().NumQuestions(), s)
	}
	for _, id := range Current().QuestionIDs() {
		x, _, _ := Current().Question(id)
		if n := len([]rune(x.Text.FR)); n > 130 {
			t.Errorf("%s: the French question has %d characters; keep it short", id, n)
		}
	}
}

// The bands of v1 are set from the "bare ladder" shops: a shop that does
// exactly what levels 1 to L require and nothing else. Levels 1 to 3 are
// reached by their bare ladder; level 4 also needs visibility beyond the
// map listing (its cap), and level 5 a rounder profile (its index band).
// If someone re-weights v1, this test says what changed.
func TestV1BareLadder(t *testing.T) {
	q := Current()
	a := lowest(q)
	steps := []Answers{
		{"listing": {"claimed"}, "listing-info": {"yes"}},
		{"social-page": {"page"}, "social-posts": {"monthly"}, "reviews": {"often"}},
		{"payment": {"card"}, "till": {"connected"}, "backups": {"monthly"}, "passwords": {"yes"}, "two-factor": {"partly"}},
		{"remote-order": {"marketplace"}, "remote-payment": {"payment-link"}, "delivery": {"collect"}},
		{"stock-sync": {"automatic"}, "customers-shared": {"yes"}, "orders-one-place": {"yes"}, "figures": {"monthly"}, "stock": {"software"}},
	}
	wantLevel := []int{1, 2, 3, 3, 3}
	wantBlock := []string{"", "", "", BlockDimension, BlockDimension}
	for i, s := range steps {
		for k, v := range s {
			a[k] = v
		}
		r, err := q.Score(a, "fr")
		if err != nil {
			t.Fatal(err)
		}
		if r.Limits.Ladder != i+1 {
			t.Fatalf("bare ladder %d: ladder = %d", i+1, r.Limits.Ladder)
		}
		if r.Level != wantLevel[i] {
			t.Errorf("bare ladder %d: level = %d, want %d (%v, limits %+v)", i+1, r.Level, wantLevel[i], r, r.Limits)
		}
		if wantBlock[i] != "" && !hasBlocker(r, wantBlock[i], "visibility") {
			t.Errorf("bare ladder %d: blocking %+v, want the visibility cap named", i+1, r.Blocking)
		}
	}
	// With photos every month the same shop is visible enough (visibility
	// 40, band 3, cap 5), and the level-5 shop is held back only by its
	// index (below 50). Add a simple site and the index passes 50 too.
	a["photos"] = []string{"monthly"}
	r, _ := q.Score(a, "fr")
	if r.Level != 4 || !hasBlocker(r, BlockIndex, "") || hasBlocker(r, BlockDimension, "visibility") {
		t.Errorf("visible bare level-5 shop: level %d, blocking %+v; want 4, held by the index", r.Level, r.Blocking)
	}
	a["website"] = []string{"showcase"}
	if r, _ = q.Score(a, "fr"); r.Level != 5 || len(r.Blocking) != 0 {
		t.Errorf("with a site too: level %d, blocking %+v; want 5 and nothing blocking", r.Level, r.Blocking)
	}
}

func hasBlocker(r *Result, kind, id string) bool {
	for _, b := range r.Blocking {
		if b.Kind == kind && (id == "" || b.ID == id) {
			return true
		}
	}
	return false
}

// lowest answers every question with its first 0-point option.
func lowest(q *Questionnaire) Answers {
	a := Answers{}
	for _, id := range q.QuestionIDs() {
		x, _, _ := q.Question(id)
		for _, o := range x.Options {
			if o.Points == 0 {
				a[id] = []string{o.ID}
				break
			}
		}
	}
	return a
}

func TestParseRejects(t *testing.T) {
	base, err := os.ReadFile("testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(q *Questionnaire)
		want   string
	}{
		{"duplicate question", func(q *Questionnaire) { q.Dimensions[1].Questions[0].ID = "listing" }, "duplicate"},
		{"no don't know", func(q *Questionnaire) { x := &q.Dimensions[0].Questions[0]; x.Options = x.Options[:len(x.Options)-1] }, "don't-know"},
		{"points above 10", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Options[2].Points = 11 }, "points"},
		{"best option below 10", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Options[2].Points = 9 }, "best option"},
		{"frequency out of order", func(q *Questionnaire) {
			q.Dimensions[0].Questions[1].Options[1].Points = 0
			q.Dimensions[0].Questions[1].Options[0].Points = 5
		}, "fewest to most"},
		{"yes below 10", func(q *Questionnaire) { q.Dimensions[1].Questions[0].Options[0].Points = 8 }, "yes_partly_no"},
		{"partly at 0", func(q *Questionnaire) { q.Dimensions[1].Questions[0].Options[1].Points = 0 }, "yes_partly_no"},
		{"multiple cannot reach 10", func(q *Questionnaire) { q.Dimensions[2].Questions[0].Options[1].Points = 2 }, "less than 10"},
		{"exclusive on single", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Options[0].Exclusive = true }, "exclusive"},
		{"unknown kind", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Kind = "scale" }, "unknown kind"},
		{"missing translation", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Text.NL = "" }, "language"},
		{"weight 0", func(q *Questionnaire) { q.Dimensions[0].Questions[0].Weight = 0 }, "weight"},
		{"bad id", func(q *Questionnaire) { q.Dimensions[0].Questions[0].ID = "Listing" }, "not valid"},
		{"requirement on unknown question", func(q *Questionnaire) { q.Levels[1].Requires[0].Any[0].Question = "nope" }, "unknown question"},
		{"requirement min 0", func(q *Questionnaire) { q.Levels[1].Requires[0].Any[0].Min = 0 }, "min"},
		{"level 0 requires", func(q *Questionnaire) { q.Levels[0].Requires = q.Levels[1].Requires }, "level 0"},
		{"level without requirement", func(q *Questionnaire) { q.Levels[3].Requires = nil }, "requires nothing"},
		{"five levels", func(q *Questionnaire) { q.Levels = q.Levels[:5] }, "levels"},
		{"bands falling", func(q *Questionnaire) { q.Bands[3] = 5 }, "bands"},
		{"cap on unknown dimension", func(q *Questionnaire) { q.Caps[0].Dimension = "nope" }, "cap"},
		{"min answered 0", func(q *Questionnaire) { q.MinAnsweredPct = 0 }, "min_answered_pct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q Questionnaire
			if err := json.Unmarshal(base, &q); err != nil {
				t.Fatal(err)
			}
			tt.change(&q)
			data, _ := json.Marshal(&q)
			_, err := Parse(data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(base); err != nil {
		t.Fatalf("the unchanged file must parse: %v", err)
	}
}

// TestMessagesInCatalogue checks the catalogue rows
// (i18n/source/diagnostic.tsv) against MessageKeys: every key has a text in
// French, German, Dutch and English, each language with the placeholders
// the package fills (see the key constants).
func TestMessagesInCatalogue(t *testing.T) {
	data, err := os.ReadFile("../i18n/source/diagnostic.tsv")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) == 5 && strings.HasPrefix(cols[0], "diagnostic.") {
			rows[cols[0]] = cols[1:]
		}
	}
	want := map[string][]string{
		KeyUnknownQuestion: nil, KeyEmptyAnswer: nil, KeyOneOptionOnly: nil, KeyNotComparable: nil,
		KeyUnknownOption: {"option"}, KeyDuplicateOption: {"option"}, KeyExclusiveOption: {"option"},
		KeyBlockRequirement: {"level", "level_name"},
		KeyBlockIndex:       {"have", "level", "level_name", "need"},
		KeyBlockDimension:   {"dimension", "have", "level", "level_name", "need"},
		KeyBlockAnswers:     {"count"},
	}
	if len(want) != len(MessageKeys()) {
		t.Fatalf("the test knows %d keys, MessageKeys lists %d", len(want), len(MessageKeys()))
	}
	placeholder := regexp.MustCompile(`\{\{\.([a-z_]+)\}\}`)
	for _, key := range MessageKeys() {
		texts, ok := rows[key]
		if !ok {
			t.Errorf("%s is not in the catalogue", key)
			continue
		}
		for i, text := range texts {
			var got []string
			for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(got, m[1]) {
					got = append(got, m[1])
				}
			}
			slices.Sort(got)
			if strings.TrimSpace(text) == "" || !slices.Equal(got, want[key]) {
				t.Errorf("%s in %s: placeholders %v, want %v", key, Langs[i], got, want[key])
			}
		}
	}
}
