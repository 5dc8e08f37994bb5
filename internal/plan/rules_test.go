package plan

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vitrine/internal/maturity"
	"vitrine/internal/skill"
)

func allTexts(t *testing.T, what string, texts ...Text) {
	t.Helper()
	for _, x := range texts {
		for _, lang := range maturity.Langs {
			if strings.TrimSpace(x.In(lang)) == "" {
				t.Errorf("%s: missing in %s (%q)", what, lang, x.FR)
			}
		}
		if x.FR == x.EN && len(x.FR) > 25 {
			t.Errorf("%s: French text %q equals the English one", what, x.FR)
		}
	}
}

// TestEveryRule checks each rule of the embedded data on its own: the
// brief's promises about advice, stated once more here rather than trusted
// to Parse.
func TestEveryRule(t *testing.T) {
	rs := Current()
	if n := len(rs.Rules); n < 30 || n > 45 {
		t.Errorf("%d rules, want 30 to 45", n)
	}
	for _, r := range rs.Rules {
		t.Run(r.ID, func(t *testing.T) {
			a := r.Action
			allTexts(t, "text", a.Text)
			allTexts(t, "why", a.Why)
			allTexts(t, "topic", r.Topics...)
			if len(r.Topics) == 0 {
				t.Error("no training topic")
			}
			if a.Platform && len(a.Alternatives) < 2 {
				t.Errorf("involves a product or platform but lists %d alternatives", len(a.Alternatives))
			}
			if !a.Platform && len(a.Alternatives) > 0 {
				t.Error("lists alternatives but is not marked as involving a product or platform")
			}
			names := map[string]bool{}
			for _, alt := range a.Alternatives {
				allTexts(t, "alternative", alt.Name)
				if alt.Note != nil {
					allTexts(t, "note", *alt.Note)
				}
				switch alt.Kind {
				case KindPublic, KindNonProfit, KindOpenSource, KindPrivate:
				default:
					t.Errorf("alternative %q has kind %q", alt.Name.FR, alt.Kind)
				}
				if names[alt.Name.FR] {
					t.Errorf("alternative %q listed twice", alt.Name.FR)
				}
				names[alt.Name.FR] = true
			}
			if len(r.Skills) == 0 {
				t.Error("needs no skill")
			}
			for _, id := range r.Skills {
				if _, ok := skill.ByID(id); !ok {
					t.Errorf("skill %q does not exist", id)
				}
			}
			if _, ok := rs.q.Dimension(r.Dimension); !ok {
				t.Errorf("dimension %q does not exist", r.Dimension)
			}
			if rs.efforts[a.Effort] == nil || rs.costs[a.Cost] == nil {
				t.Errorf("effort %q or cost %q unknown", a.Effort, a.Cost)
			}
		})
	}
}

// A private provider is always labelled as such, in every language.
func TestPrivateIsLabelled(t *testing.T) {
	rs := Current()
	want := map[string]string{"fr": "Entreprise privée", "de": "Privatunternehmen", "nl": "Privébedrijf", "en": "Private company"}
	for lang, label := range want {
		if got := rs.kinds[KindPrivate].Label.In(lang); got != label {
			t.Errorf("private label in %s = %q, want %q", lang, got, label)
		}
	}
	q := maturity.Current()
	r, _ := q.Score(lowest(q), "nl")
	p, _ := rs.Build(r, "nl")
	found := false
	for _, a := range p.Actions {
		for _, alt := range a.Alternatives {
			if alt.Private != (alt.Kind == KindPrivate) || (alt.Private && alt.KindLabel != "Privébedrijf") {
				t.Errorf("%s: alternative %+v is not labelled right", a.ID, alt)
			}
			found = found || alt.Private
		}
	}
	if !found {
		t.Error("the level-0 plan shows no private alternative: the test proves nothing")
	}
}

// The rules cover every dimension and every rung of the ladder.
func TestCoverage(t *testing.T) {
	rs := Current()
	q := maturity.Current()
	perDim := map[string]int{}
	gates := map[string]int{}
	for _, r := range rs.Rules {
		perDim[r.Dimension]++
		if r.Gate != "" {
			gates[r.Gate]++
		}
	}
	for _, d := range q.Dimensions {
		if perDim[d.ID] < 3 {
			t.Errorf("dimension %s has %d rules, want at least 3", d.ID, perDim[d.ID])
		}
	}
	for _, l := range q.Levels {
		for _, req := range l.Requires {
			if gates[req.ID] == 0 {
				t.Errorf("requirement %s of level %d has no rule that meets it", req.ID, l.Level)
			}
		}
	}
	// Every question a shop can score low on has some rule improving it.
	improved := map[string]bool{}
	for _, r := range rs.Rules {
		for _, id := range r.Improves {
			improved[id] = true
		}
	}
	for _, id := range q.QuestionIDs() {
		if !improved[id] {
			t.Errorf("no rule improves question %s", id)
		}
	}
}

func TestParseRejects(t *testing.T) {
	q := maturity.Current()
	base, err := files.ReadFile("rules/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	five := 5.0
	tests := []struct {
		name   string
		change func(rs *Rules)
		want   string
	}{
		{"one alternative only", func(rs *Rules) { a := &rs.Rules[0].Action; a.Alternatives = a.Alternatives[:1] }, "at least two"},
		{"platform without alternatives", func(rs *Rules) { rs.Rules[0].Action.Alternatives = nil }, "exactly when"},
		{"alternatives without platform", func(rs *Rules) { rs.Rules[0].Action.Platform = false }, "exactly when"},
		{"same alternative twice", func(rs *Rules) { a := &rs.Rules[0].Action; a.Alternatives[1] = a.Alternatives[0] }, "twice"},
		{"unknown kind", func(rs *Rules) { rs.Rules[0].Action.Alternatives[0].Kind = "startup" }, "unknown kind"},
		{"unknown skill", func(rs *Rules) { rs.Rules[0].Skills = []string{"juggling"} }, "unknown skill"},
		{"no skill", func(rs *Rules) { rs.Rules[0].Skills = nil }, "no skill"},
		{"missing translation", func(rs *Rules) { rs.Rules[1].Action.Why.DE = "" }, "language"},
		{"missing topic translation", func(rs *Rules) { rs.Rules[1].Topics[0].NL = "" }, "topic"},
		{"unknown question in when", func(rs *Rules) { rs.Rules[0].When = Cond{Question: "colour", Below: &five} }, "unknown question"},
		{"unknown option in when", func(rs *Rules) { rs.Rules[0].When = Cond{Question: "listing", Chose: []string{"maybe"}} }, "no option"},
		{"two tests", func(rs *Rules) { rs.Rules[0].When = Cond{Question: "listing", Below: &five, AtLeast: &five} }, "one test"},
		{"no test", func(rs *Rules) { rs.Rules[0].When = Cond{Question: "listing"} }, "one test"},
		{"empty", func(rs *Rules) { rs.Rules[0].When = Cond{} }, "empty"},
		{"mixed node", func(rs *Rules) {
			rs.Rules[0].When = Cond{All: []Cond{{Index: true, Below: &five}}, Question: "listing", Below: &five}
		}, "either"},
		{"points above 10", func(rs *Rules) { big := 11.0; rs.Rules[0].When = Cond{Question: "listing", Below: &big} }, "threshold"},
		{"too deep", func(rs *Rules) {
			c := &Cond{Index: true, Below: &five}
			for i := 0; i < 6; i++ {
				c = &Cond{Not: c}
			}
			rs.Rules[0].When = *c
		}, "deeper"},
		{"unknown gate", func(rs *Rules) { rs.Rules[0].Gate = "be-famous" }, "gate"},
		{"unknown effort", func(rs *Rules) { rs.Rules[0].Action.Effort = "forever" }, "effort"},
		{"unknown cost", func(rs *Rules) { rs.Rules[0].Action.Cost = "priceless" }, "cost"},
		{"improves nothing", func(rs *Rules) { rs.Rules[0].Improves = nil }, "improves"},
		{"duplicate rule", func(rs *Rules) { rs.Rules[1].ID = rs.Rules[0].ID }, "repeated"},
		{"wrong questionnaire", func(rs *Rules) { rs.QuestionnaireVersion = "v9" }, "written for"},
		{"limits do not fit", func(rs *Rules) { rs.MaxGates = 9 }, "limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs Rules
			if err := json.Unmarshal(base, &rs); err != nil {
				t.Fatal(err)
			}
			tt.change(&rs)
			data, err := json.Marshal(&rs)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(data, q)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(base, q); err != nil {
		t.Fatalf("the embedded rules must parse: %v", err)
	}
}

// The three domain packages import only the standard library, apperr and
// each other.
func TestDomainImports(t *testing.T) {
	allowed := map[string]bool{"vitrine/internal/apperr": true, "vitrine/internal/maturity": true, "vitrine/internal/skill": true}
	for _, dir := range []string{".", "../maturity", "../skill"} {
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				first, _, _ := strings.Cut(path, "/")
				if !strings.Contains(first, ".") && first != "vitrine" {
					continue // standard library
				}
				if !allowed[path] {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
	if _, err := os.Stat("../skill/skill.go"); err != nil {
		t.Fatalf("the test must see the sibling packages: %v", err)
	}
}
