package plan

import (
	"fmt"
	"slices"

	"vitrine/internal/maturity"
	"vitrine/internal/skill"
)

// Why an action is in the plan.
const (
	ReasonGate     = "gate"      // it meets a requirement of the next level, or lifts a capped dimension
	ReasonQuickWin = "quick_win" // small, free, and useful
	ReasonGap      = "gap"       // among the largest gaps, weight × points missing
)

// Plan is a shopkeeper's personal plan, ready to be sent as JSON.
type Plan struct {
	Version   string       `json:"version"`
	Lang      string       `json:"lang"`
	Actions   []PlanAction `json:"actions"`
	Skills    []SkillRef   `json:"skills"`
	Trainings *Choice      `json:"trainings,omitempty"` // filled by the caller with Choose
}

// PlanAction is one action of a plan, in one language.
type PlanAction struct {
	ID           string    `json:"id"`
	Reason       string    `json:"reason"`
	Level        int       `json:"level,omitempty"` // for a gate: the level it leads to
	Dimension    string    `json:"dimension"`
	Text         string    `json:"text"`
	Why          string    `json:"why"`
	Effort       string    `json:"effort"`
	EffortLabel  string    `json:"effort_label"`
	Cost         string    `json:"cost"`
	CostLabel    string    `json:"cost_label"`
	Alternatives []AltView `json:"alternatives,omitempty"`
	Skills       []string  `json:"skills"`
	Topics       []string  `json:"topics"`
	Gain         float64   `json:"gain"` // index points the improved questions could add
}

// AltView is an alternative in one language.
type AltView struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"` // "Entreprise privée" for a private one
	Private   bool   `json:"private"`
	Note      string `json:"note,omitempty"`
}

// SkillRef is a skill the plan needs.
type SkillRef struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// lookAhead is how many levels above the ladder a gate rule may serve.
const lookAhead = 2

// candidate is an applicable rule with its gain.
type candidate struct {
	rule   *Rule
	order  int
	gain   float64
	taken  bool
	reason string
	level  int
}

// Build makes the plan for a scored diagnostic, texts in lang: the actions
// that meet the next level's unmet requirements (one per requirement, at
// most MaxGates) or lift a capped dimension, then QuickWins quick and free
// actions, then the largest gaps, up to MaxActions in all; and the skills
// they need, merged. A rule that meets a requirement of level L waits until
// the ladder stands at L-2 or higher: a shop that cannot yet be found is not
// told to connect its till to a web shop.
func (rs *Rules) Build(r *maturity.Result, lang string) (*Plan, error) {
	if q := r.Questionnaire(); q == nil || q.Version != rs.QuestionnaireVersion {
		return nil, fmt.Errorf("plan rules %s are written for questionnaire %s, not %s", rs.Version, rs.QuestionnaireVersion, r.Version)
	}
	lang = maturity.Lang(lang)
	cands := make([]candidate, 0, len(rs.Rules))
	for i := range rs.Rules {
		rule := &rs.Rules[i]
		if lvl, ok := rs.gates[rule.Gate]; ok && lvl > r.Limits.Ladder+lookAhead {
			continue
		}
		if !rule.When.Eval(r) {
			continue
		}
		cands = append(cands, candidate{rule: rule, order: i, gain: rs.gain(rule, r)})
	}
	// Best gain first, then the order of the data file.
	slices.SortStableFunc(cands, func(a, b candidate) int {
		switch {
		case a.gain > b.gain:
			return -1
		case a.gain < b.gain:
			return 1
		}
		return 0
	})

	picked := make([]*candidate, 0, rs.MaxActions)
	take := func(c *candidate, reason string, level int) {
		c.taken, c.reason, c.level = true, reason, level
		picked = append(picked, c)
	}
	// 1. Gates: for each blocker of the next level, one applicable rule —
	// for a requirement, the easiest rule that meets it (least effort and
	// cost, then the best gain); for a capped dimension, the rule of that
	// dimension with the best gain.
	gates := 0
	for _, b := range r.Blocking {
		if gates >= rs.MaxGates {
			break
		}
		var best *candidate
		for i := range cands {
			c := &cands[i]
			switch {
			case c.taken:
			case b.Kind == maturity.BlockRequirement && c.rule.Gate == b.ID:
				if best == nil || rs.ease(c.rule) < rs.ease(best.rule) {
					best = c
				}
			case b.Kind == maturity.BlockDimension && c.rule.Dimension == b.ID && c.gain > 0:
				if best == nil {
					best = c
				}
			}
		}
		if best != nil {
			take(best, ReasonGate, b.Level)
			gates++
		}
	}
	// 2. Quick wins: quick and free, with something to gain.
	wins := 0
	for i := range cands {
		c := &cands[i]
		if wins >= rs.QuickWins || len(picked) >= rs.MaxActions {
			break
		}
		if !c.taken && c.gain > 0 && rs.efforts[c.rule.Action.Effort].Quick && c.rule.Action.Cost == "free" {
			take(c, ReasonQuickWin, 0)
			wins++
		}
	}
	// 3. The largest gaps.
	for i := range cands {
		c := &cands[i]
		if len(picked) >= rs.MaxActions {
			break
		}
		if !c.taken && c.gain > 0 {
			take(c, ReasonGap, 0)
		}
	}

	n := 0
	for _, c := range picked {
		n += len(c.rule.Skills)
	}
	p := &Plan{Version: rs.Version, Lang: lang, Actions: make([]PlanAction, 0, len(picked)), Skills: make([]SkillRef, 0, n)}
	for _, c := range picked {
		p.Actions = append(p.Actions, rs.view(c, lang))
		for _, id := range c.rule.Skills {
			if slices.ContainsFunc(p.Skills, func(s SkillRef) bool { return s.ID == id }) {
				continue
			}
			s, _ := skill.ByID(id)
			p.Skills = append(p.Skills, SkillRef{ID: id, Name: s.Name(lang), Description: s.Description(lang)})
		}
	}
	return p, nil
}

// ease ranks an action by effort and cost: the positions of its effort and
// cost in the data's lists, which go from least to most.
func (rs *Rules) ease(rule *Rule) int {
	return rs.rank[rule.Action.Effort] + rs.rank[rule.Action.Cost]
}

// gain is the index points the rule's questions could still add.
func (rs *Rules) gain(rule *Rule, r *maturity.Result) float64 {
	g := 0.0
	for _, id := range rule.Improves {
		p, _ := r.Points(id)
		g += rs.q.Gain(id, p)
	}
	return g
}

func (rs *Rules) view(c *candidate, lang string) PlanAction {
	a := &c.rule.Action
	v := PlanAction{
		ID: c.rule.ID, Reason: c.reason, Level: c.level, Dimension: c.rule.Dimension,
		Text: a.Text.In(lang), Why: a.Why.In(lang),
		Effort: a.Effort, EffortLabel: rs.efforts[a.Effort].Label.In(lang),
		Cost: a.Cost, CostLabel: rs.costs[a.Cost].Label.In(lang),
		Skills: c.rule.Skills, Gain: float64(int(c.gain*10+0.5)) / 10,
	}
	if len(a.Alternatives) > 0 {
		v.Alternatives = make([]AltView, 0, len(a.Alternatives))
	}
	for _, alt := range a.Alternatives {
		av := AltView{Name: alt.Name.In(lang), Kind: alt.Kind, KindLabel: rs.kinds[alt.Kind].Label.In(lang),
			Private: alt.Kind == KindPrivate}
		if alt.Note != nil {
			av.Note = alt.Note.In(lang)
		}
		v.Alternatives = append(v.Alternatives, av)
	}
	if len(c.rule.Topics) > 0 {
		v.Topics = make([]string, 0, len(c.rule.Topics))
	}
	for _, t := range c.rule.Topics {
		v.Topics = append(v.Topics, t.In(lang))
	}
	return v
}

// SkillIDs returns the IDs of the skills the plan needs, in order.
func (p *Plan) SkillIDs() []string {
	ids := make([]string, len(p.Skills))
	for i, s := range p.Skills {
		ids[i] = s.ID
	}
	return ids
}
