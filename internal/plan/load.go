package plan

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"vitrine/internal/maturity"
	"vitrine/internal/skill"
)

//go:embed rules/*.json
var files embed.FS

// CurrentVersion is the rules version new plans use.
const CurrentVersion = "v1"

var current = sync.OnceValues(func() (*Rules, error) {
	data, err := files.ReadFile("rules/" + CurrentVersion + ".json")
	if err != nil {
		return nil, fmt.Errorf("read plan rules: %w", err)
	}
	var head struct {
		Questionnaire string `json:"questionnaire"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode plan rules: %w", err)
	}
	q, err := maturity.Version(head.Questionnaire)
	if err != nil {
		return nil, fmt.Errorf("plan rules %s: %w", CurrentVersion, err)
	}
	return Parse(data, q)
})

// Current returns the embedded rules new plans use, written for
// maturity.Current(). The package's tests check the data; it panics if
// that data is broken.
func Current() *Rules {
	r, err := current()
	if err != nil {
		panic(err)
	}
	return r
}

// Parse decodes rules and checks them against the questionnaire q: every
// question, option, dimension and requirement they name exists, every skill
// exists, every text is in four languages, every effort, cost and provider
// kind is known, and every action with a product or platform lists at least
// two distinct alternatives.
func Parse(data []byte, q *maturity.Questionnaire) (*Rules, error) {
	var rs Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("decode plan rules: %w", err)
	}
	rs.q = q
	if err := rs.check(); err != nil {
		return nil, fmt.Errorf("plan rules %s: %w", rs.Version, err)
	}
	return &rs, nil
}

// labels indexes a list of labels. Efforts and costs are listed from least
// to most; the plan uses their positions to find the easiest action.
func labels(list []Label, what string) (map[string]*Label, error) {
	m := make(map[string]*Label, len(list))
	for i := range list {
		l := &list[i]
		if !skill.ValidID(l.ID) || m[l.ID] != nil {
			return nil, fmt.Errorf("%s %q: invalid or repeated id", what, l.ID)
		}
		if !l.Label.Complete() {
			return nil, fmt.Errorf("%s %s: label missing in a language", what, l.ID)
		}
		m[l.ID] = l
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no %s", what)
	}
	return m, nil
}

func (rs *Rules) check() error {
	if rs.q == nil {
		return errors.New("no questionnaire")
	}
	if rs.QuestionnaireVersion != rs.q.Version {
		return fmt.Errorf("written for questionnaire %q, given %q", rs.QuestionnaireVersion, rs.q.Version)
	}
	if rs.MaxActions < 1 || rs.MaxActions > 20 || rs.MaxGates < 0 || rs.QuickWins < 0 ||
		rs.MaxGates+rs.QuickWins > rs.MaxActions {
		return fmt.Errorf("limits: max_actions %d, max_gates %d, quick_wins %d do not fit", rs.MaxActions, rs.MaxGates, rs.QuickWins)
	}
	var err error
	if rs.efforts, err = labels(rs.Efforts, "effort"); err != nil {
		return err
	}
	if rs.costs, err = labels(rs.Costs, "cost"); err != nil {
		return err
	}
	if rs.kinds, err = labels(rs.Kinds, "provider kind"); err != nil {
		return err
	}
	for _, k := range []string{KindPublic, KindNonProfit, KindOpenSource, KindPrivate} {
		if rs.kinds[k] == nil {
			return fmt.Errorf("provider kind %q has no label", k)
		}
	}
	rs.rank = map[string]int{}
	for i, l := range rs.Efforts {
		rs.rank[l.ID] = i
	}
	for i, l := range rs.Costs {
		rs.rank[l.ID] = i
	}
	rs.gates = map[string]int{}
	for _, l := range rs.q.Levels {
		for _, req := range l.Requires {
			rs.gates[req.ID] = l.Level
		}
	}
	seen := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if !skill.ValidID(r.ID) || seen[r.ID] {
			return fmt.Errorf("rule %q: invalid or repeated id", r.ID)
		}
		seen[r.ID] = true
		if err := rs.checkRule(r); err != nil {
			return fmt.Errorf("rule %s: %w", r.ID, err)
		}
	}
	return nil
}

func (rs *Rules) checkRule(r *Rule) error {
	if _, ok := rs.q.Dimension(r.Dimension); !ok {
		return fmt.Errorf("unknown dimension %q", r.Dimension)
	}
	if _, ok := rs.gates[r.Gate]; r.Gate != "" && !ok {
		return fmt.Errorf("gate %q is no requirement of questionnaire %s", r.Gate, rs.q.Version)
	}
	if len(r.Improves) == 0 {
		return errors.New("improves no question")
	}
	for _, id := range r.Improves {
		if _, _, ok := rs.q.Question(id); !ok {
			return fmt.Errorf("improves unknown question %q", id)
		}
	}
	nodes := 0
	if err := r.When.check(rs.q, 1, &nodes); err != nil {
		return fmt.Errorf("when: %w", err)
	}
	a := &r.Action
	if !a.Text.Complete() || !a.Why.Complete() {
		return errors.New("action text or why missing in a language")
	}
	if rs.efforts[a.Effort] == nil {
		return fmt.Errorf("unknown effort %q", a.Effort)
	}
	if rs.costs[a.Cost] == nil {
		return fmt.Errorf("unknown cost %q", a.Cost)
	}
	if a.Platform != (len(a.Alternatives) > 0) {
		return errors.New("alternatives are listed exactly when a product or platform is involved")
	}
	if a.Platform && len(a.Alternatives) < 2 {
		return errors.New("a product or platform needs at least two alternatives")
	}
	names := map[string]bool{}
	for _, alt := range a.Alternatives {
		if !alt.Name.Complete() || (alt.Note != nil && !alt.Note.Complete()) {
			return errors.New("alternative name or note missing in a language")
		}
		if rs.kinds[alt.Kind] == nil {
			return fmt.Errorf("alternative %q: unknown kind %q", alt.Name.FR, alt.Kind)
		}
		key := strings.ToLower(alt.Name.FR)
		if names[key] {
			return fmt.Errorf("alternative %q listed twice", alt.Name.FR)
		}
		names[key] = true
	}
	if len(r.Skills) == 0 {
		return errors.New("needs no skill")
	}
	for _, id := range r.Skills {
		if !skill.Exists(id) {
			return fmt.Errorf("unknown skill %q", id)
		}
	}
	if len(r.Topics) == 0 {
		return errors.New("no training topic")
	}
	for _, t := range r.Topics {
		if !t.Complete() {
			return errors.New("topic missing in a language")
		}
	}
	return nil
}

// Questionnaire returns the questionnaire the rules were checked against.
func (rs *Rules) Questionnaire() *maturity.Questionnaire { return rs.q }
