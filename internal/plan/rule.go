// Package plan turns a scored diagnostic into a shopkeeper's personal plan:
// actions to take, the skills they need and the training sessions that
// teach those skills. The rules are versioned data, embedded: each says
// when it applies (a small declarative condition over answers, points,
// dimension scores, the index and the level), what to do, why, the effort,
// the cost band and, whenever a product or platform is involved, at least
// two vendor-neutral alternatives, a private provider always labelled so.
//
// Data, embedded: rules/vN.json, each naming the questionnaire version it
// is written for.
//
// A domain package: it imports the standard library and its sibling domain
// packages maturity and skill, nothing else.
package plan

import (
	"fmt"

	"vitrine/internal/maturity"
)

// Text is a user-facing text in French, German, Dutch and English.
type Text = maturity.Text

// Rules is one version of the plan rules, checked against the questionnaire
// version it was written for. Build it with Parse or Current; it never
// changes afterwards.
type Rules struct {
	Version              string `json:"version"`
	QuestionnaireVersion string `json:"questionnaire"` // the questionnaire version
	// MaxActions caps the plan; MaxGates caps the actions unlocking the next
	// level; QuickWins is how many quick, free actions to add.
	MaxActions int     `json:"max_actions"`
	MaxGates   int     `json:"max_gates"`
	QuickWins  int     `json:"quick_wins"`
	Efforts    []Label `json:"efforts"`
	Costs      []Label `json:"costs"`
	Kinds      []Label `json:"provider_kinds"`
	Rules      []Rule  `json:"rules"`

	q       *maturity.Questionnaire
	efforts map[string]*Label
	costs   map[string]*Label
	kinds   map[string]*Label
	gates   map[string]int // requirement ID → its level
	rank    map[string]int // effort or cost ID → its position, least first
}

// Label names one effort, cost band or provider kind.
type Label struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	Quick bool   `json:"quick,omitempty"` // efforts only: small enough for a quick win
}

// Rule is one rule: when it applies, the action, the skills and topics.
type Rule struct {
	ID        string `json:"id"`
	Dimension string `json:"dimension"`
	// Gate is the ID of the ladder requirement the action meets, if any.
	Gate string `json:"gate,omitempty"`
	// Improves lists the questions the action raises; the plan ranks
	// actions by the index points those questions could still add.
	Improves []string `json:"improves"`
	When     Cond     `json:"when"`
	Action   Action   `json:"action"`
	Skills   []string `json:"skills"`
	Topics   []Text   `json:"topics"`
}

// Action is what the shopkeeper is advised to do.
type Action struct {
	Text   Text   `json:"text"`
	Why    Text   `json:"why"`
	Effort string `json:"effort"` // an ID of Rules.Efforts
	Cost   string `json:"cost"`   // an ID of Rules.Costs
	// Platform is true when the action involves a product or a platform:
	// then it lists at least two alternatives.
	Platform     bool          `json:"platform"`
	Alternatives []Alternative `json:"alternatives,omitempty"`
}

// Alternative is one way to do an action: a kind of product, a platform or
// a provider.
type Alternative struct {
	Name Text   `json:"name"`
	Kind string `json:"kind"` // public, non-profit, open-source or private
	Note *Text  `json:"note,omitempty"`
}

// Provider kinds.
const (
	KindPublic     = "public"
	KindNonProfit  = "non-profit"
	KindOpenSource = "open-source"
	KindPrivate    = "private"
)

// Cond is a condition, written as data. A node is either a combination —
// All (every one holds), Any (at least one holds) or Not — or a test on one
// subject: a question's points (or the options chosen, or whether it was
// answered), a dimension's score, the index or the level (-1 without one).
//
//	{"question": "listing", "below": 7}
//	{"all": [{"question": "website", "at_least": 4}, {"question": "website-updates", "below": 8}]}
//	{"question": "help", "chose": ["nobody", "dont-know"]}
//	{"dimension": "security", "below": 40}
//	{"level": true, "at_least": 2}
type Cond struct {
	All []Cond `json:"all,omitempty"`
	Any []Cond `json:"any,omitempty"`
	Not *Cond  `json:"not,omitempty"`

	Question  string `json:"question,omitempty"`
	Dimension string `json:"dimension,omitempty"`
	Index     bool   `json:"index,omitempty"`
	Level     bool   `json:"level,omitempty"`

	Below    *float64 `json:"below,omitempty"`
	AtLeast  *float64 `json:"at_least,omitempty"`
	Chose    []string `json:"chose,omitempty"`
	Answered *bool    `json:"answered,omitempty"`
}

// Limits on conditions, so that rules stay small and cheap to evaluate.
const (
	maxDepth = 5
	maxNodes = 64
)

// Eval reports whether the condition holds for a result. An unanswered
// question scores 0 points.
func (c *Cond) Eval(r *maturity.Result) bool {
	switch {
	case len(c.All) > 0:
		for i := range c.All {
			if !c.All[i].Eval(r) {
				return false
			}
		}
		return true
	case len(c.Any) > 0:
		for i := range c.Any {
			if c.Any[i].Eval(r) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Eval(r)
	}
	var v float64
	switch {
	case c.Question != "":
		p, answered := r.Points(c.Question)
		switch {
		case c.Answered != nil:
			return answered == *c.Answered
		case len(c.Chose) > 0:
			for _, o := range c.Chose {
				if r.Chose(c.Question, o) {
					return true
				}
			}
			return false
		}
		v = float64(p)
	case c.Dimension != "":
		v, _ = r.Score(c.Dimension)
	case c.Index:
		v = r.Index
	case c.Level:
		v = float64(r.Level)
	default:
		return false
	}
	if c.Below != nil {
		return v < *c.Below
	}
	return c.AtLeast != nil && v >= *c.AtLeast
}

// check validates a condition against the questionnaire and counts its nodes.
func (c *Cond) check(q *maturity.Questionnaire, depth int, nodes *int) error {
	*nodes++
	if depth > maxDepth || *nodes > maxNodes {
		return fmt.Errorf("condition deeper than %d or larger than %d nodes", maxDepth, maxNodes)
	}
	combos := count(len(c.All) > 0, len(c.Any) > 0, c.Not != nil)
	subjects := count(c.Question != "", c.Dimension != "", c.Index, c.Level)
	tests := count(c.Below != nil, c.AtLeast != nil, len(c.Chose) > 0, c.Answered != nil)
	if combos+subjects == 0 {
		return fmt.Errorf("empty condition")
	}
	if combos > 0 {
		if combos > 1 || subjects > 0 || tests > 0 {
			return fmt.Errorf("a condition is either all, any, not, or one test")
		}
		for _, list := range [][]Cond{c.All, c.Any} {
			for i := range list {
				if err := list[i].check(q, depth+1, nodes); err != nil {
					return err
				}
			}
		}
		if c.Not != nil {
			return c.Not.check(q, depth+1, nodes)
		}
		return nil
	}
	if subjects != 1 || tests != 1 {
		return fmt.Errorf("a test names one subject and one test")
	}
	lo, hi := 0.0, 0.0
	switch {
	case c.Question != "":
		x, _, ok := q.Question(c.Question)
		if !ok {
			return fmt.Errorf("unknown question %q", c.Question)
		}
		for _, o := range c.Chose {
			if _, ok := x.Option(o); !ok {
				return fmt.Errorf("question %s has no option %q", c.Question, o)
			}
		}
		lo, hi = 0, maturity.MaxPoints
	case c.Dimension != "":
		if _, ok := q.Dimension(c.Dimension); !ok {
			return fmt.Errorf("unknown dimension %q", c.Dimension)
		}
		lo, hi = 0, 100
	case c.Index:
		lo, hi = 0, 100
	case c.Level:
		lo, hi = -1, maturity.NumLevels
	}
	if (len(c.Chose) > 0 || c.Answered != nil) && c.Question == "" {
		return fmt.Errorf("chose and answered test a question")
	}
	for _, v := range []*float64{c.Below, c.AtLeast} {
		if v != nil && (*v < lo || *v > hi || *v != *v) {
			return fmt.Errorf("threshold %v out of %v–%v", *v, lo, hi)
		}
	}
	return nil
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
