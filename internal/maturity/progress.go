package maturity

import (
	"fmt"
	"slices"

	"vitrine/internal/apperr"
)

// ErrNotComparable is returned when two diagnostics share no question.
var ErrNotComparable = apperr.New(apperr.Invalid, "diagnostics_not_comparable", KeyNotComparable)

// DimensionChange is a dimension's score then and now.
type DimensionChange struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	From   float64 `json:"from"`
	To     float64 `json:"to"`
	Change float64 `json:"change"`
}

// Progress is the change between a first diagnostic and a later one.
type Progress struct {
	FromVersion string `json:"from_version"`
	ToVersion   string `json:"to_version"`
	SameVersion bool   `json:"same_version"`
	// SharedQuestions is how many questions the index and dimensions are
	// compared on: all of them on the same version, else those both versions
	// ask in the same way (same ID, dimension, kind and options).
	SharedQuestions int `json:"shared_questions"`
	// The levels are each diagnostic's own level (-1 when it has none);
	// LevelChange is meaningful only when HasLevelChange.
	LevelFrom      int               `json:"level_from"`
	LevelTo        int               `json:"level_to"`
	LevelChange    int               `json:"level_change"`
	HasLevelChange bool              `json:"has_level_change"`
	IndexFrom      float64           `json:"index_from"`
	IndexTo        float64           `json:"index_to"`
	IndexChange    float64           `json:"index_change"`
	Dimensions     []DimensionChange `json:"dimensions"`
}

// Compare measures progress from answers a (on questionnaire qa) to later
// answers b (on qb), with names in lang. The level is each diagnostic's own:
// the six levels mean the same in every version. The index and dimensions
// are compared on the same version, or else re-scored, both of them, on the
// questions the two versions share, with the later version's points.
func Compare(qa *Questionnaire, a Answers, qb *Questionnaire, b Answers, lang string) (*Progress, error) {
	ra, err := qa.Score(a, lang)
	if err != nil {
		return nil, fmt.Errorf("compare, first diagnostic: %w", err)
	}
	rb, err := qb.Score(b, lang)
	if err != nil {
		return nil, fmt.Errorf("compare, later diagnostic: %w", err)
	}
	p := &Progress{
		FromVersion: qa.Version, ToVersion: qb.Version, SameVersion: qa.Version == qb.Version,
		LevelFrom: ra.Level, LevelTo: rb.Level, HasLevelChange: ra.HasLevel && rb.HasLevel,
	}
	if p.HasLevelChange {
		p.LevelChange = rb.Level - ra.Level
	}
	if p.SameVersion {
		p.SharedQuestions = qb.NumQuestions()
	} else {
		shared := SharedQuestions(qa, qb)
		if len(shared) == 0 {
			return nil, fmt.Errorf("compare %s with %s: %w", qa.Version, qb.Version, ErrNotComparable)
		}
		sub, err := qb.restrict(shared)
		if err != nil {
			return nil, fmt.Errorf("compare %s with %s: %w", qa.Version, qb.Version, err)
		}
		p.SharedQuestions = len(shared)
		if ra, err = sub.Score(only(a, shared), lang); err != nil {
			return nil, fmt.Errorf("compare, first diagnostic on shared questions: %w", err)
		}
		if rb, err = sub.Score(only(b, shared), lang); err != nil {
			return nil, fmt.Errorf("compare, later diagnostic on shared questions: %w", err)
		}
	}
	p.IndexFrom, p.IndexTo = ra.Index, rb.Index
	p.IndexChange = tenthsToFloat(rb.index - ra.index)
	for i, d := range rb.Dimensions {
		p.Dimensions = append(p.Dimensions, DimensionChange{ID: d.ID, Name: d.Name,
			From: ra.Dimensions[i].Score, To: d.Score, Change: tenthsToFloat(rb.tenths[i] - ra.tenths[i])})
	}
	return p, nil
}

// SharedQuestions lists, in qb's order, the IDs of the questions qa and qb
// ask in the same way: same ID, dimension, kind and option IDs.
func SharedQuestions(qa, qb *Questionnaire) []string {
	var ids []string
	for _, rb := range qb.questions {
		i, ok := qa.byID[rb.q.ID]
		if !ok {
			continue
		}
		ra := qa.questions[i]
		if qa.Dimensions[ra.dim].ID != qb.Dimensions[rb.dim].ID || ra.q.Kind != rb.q.Kind ||
			!sameOptions(ra.q, rb.q) {
			continue
		}
		ids = append(ids, rb.q.ID)
	}
	return ids
}

func sameOptions(a, b *Question) bool {
	if len(a.Options) != len(b.Options) {
		return false
	}
	ids := func(x *Question) []string {
		s := make([]string, len(x.Options))
		for i, o := range x.Options {
			s[i] = o.ID
		}
		slices.Sort(s)
		return s
	}
	return slices.Equal(ids(a), ids(b))
}

// restrict returns a copy of q that keeps only the given questions and the
// dimensions that still have some. Its levels keep no requirement on a
// dropped question; it is meant for comparing indexes, not levels.
func (q *Questionnaire) restrict(ids []string) (*Questionnaire, error) {
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	sub := &Questionnaire{Version: q.Version, MinAnsweredPct: q.MinAnsweredPct, Bands: q.Bands, DimensionBands: q.DimensionBands}
	for _, d := range q.Dimensions {
		nd := d
		nd.Questions = nil
		for _, x := range d.Questions {
			if keep[x.ID] {
				nd.Questions = append(nd.Questions, x)
			}
		}
		if len(nd.Questions) > 0 {
			sub.Dimensions = append(sub.Dimensions, nd)
		}
	}
	for _, c := range q.Caps {
		if slices.ContainsFunc(sub.Dimensions, func(d Dimension) bool { return d.ID == c.Dimension }) {
			sub.Caps = append(sub.Caps, c)
		}
	}
	for _, l := range q.Levels {
		nl := l
		nl.Requires = nil
		for _, r := range l.Requires {
			nr := r
			nr.Any = nil
			for _, c := range r.Any {
				if keep[c.Question] {
					nr.Any = append(nr.Any, c)
				}
			}
			if len(nr.Any) > 0 {
				nl.Requires = append(nl.Requires, nr)
			}
		}
		sub.Levels = append(sub.Levels, nl)
	}
	if err := sub.index(); err != nil {
		return nil, err
	}
	return sub, nil
}

// only returns the answers to the given questions.
func only(a Answers, ids []string) Answers {
	out := make(Answers, len(ids))
	for _, id := range ids {
		if v, ok := a[id]; ok {
			out[id] = v
		}
	}
	return out
}
