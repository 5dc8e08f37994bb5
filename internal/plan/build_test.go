package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"vitrine/internal/maturity"
	"vitrine/internal/skill"
)

// referenceBuild and referenceView are Build and view as first written:
// what they must still give.
func (rs *Rules) referenceBuild(r *maturity.Result, lang string) (*Plan, error) {
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
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].gain > cands[j].gain })

	var picked []*candidate
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

	p := &Plan{Version: rs.Version, Lang: lang, Actions: make([]PlanAction, 0, len(picked)), Skills: []SkillRef{}}
	seen := map[string]bool{}
	for _, c := range picked {
		p.Actions = append(p.Actions, rs.referenceView(c, lang))
		for _, id := range c.rule.Skills {
			if seen[id] {
				continue
			}
			seen[id] = true
			s, _ := skill.ByID(id)
			p.Skills = append(p.Skills, SkillRef{ID: id, Name: s.Name(lang), Description: s.Description(lang)})
		}
	}
	return p, nil
}

func (rs *Rules) referenceView(c *candidate, lang string) PlanAction {
	a := &c.rule.Action
	v := PlanAction{
		ID: c.rule.ID, Reason: c.reason, Level: c.level, Dimension: c.rule.Dimension,
		Text: a.Text.In(lang), Why: a.Why.In(lang),
		Effort: a.Effort, EffortLabel: rs.efforts[a.Effort].Label.In(lang),
		Cost: a.Cost, CostLabel: rs.costs[a.Cost].Label.In(lang),
		Skills: c.rule.Skills, Gain: float64(int(c.gain*10+0.5)) / 10,
	}
	for _, alt := range a.Alternatives {
		av := AltView{Name: alt.Name.In(lang), Kind: alt.Kind, KindLabel: rs.kinds[alt.Kind].Label.In(lang),
			Private: alt.Kind == KindPrivate}
		if alt.Note != nil {
			av.Note = alt.Note.In(lang)
		}
		v.Alternatives = append(v.Alternatives, av)
	}
	for _, t := range c.rule.Topics {
		v.Topics = append(v.Topics, t.In(lang))
	}
	return v
}

// Build gives what referenceBuild gives, field for field, on random
// answers (sparse and full) in every language.
func TestBuildAsReference(t *testing.T) {
	rs := Current()
	q := maturity.Current()
	rng := rand.New(rand.NewPCG(51, 52))
	for i := range 2000 {
		a := randomAnswers(rng, q, []float64{0.6, 0.8, 0.95, 1}[i%4])
		lang := []string{"fr", "de", "nl", "en", "xx"}[i%5]
		r, err := q.Score(a, lang)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rs.Build(r, lang)
		if err != nil {
			t.Fatal(err)
		}
		want, err := rs.referenceBuild(r, lang)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("answers %v in %s:\ngot  %+v\nwant %+v", a, lang, got, want)
		}
	}
}
