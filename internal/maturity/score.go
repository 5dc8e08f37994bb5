package maturity

import "fmt"

// DimensionScore is one dimension's score in a result.
type DimensionScore struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"` // 0–100, one decimal
	Band  int     `json:"band"`  // 0–5, from the questionnaire's bands
}

// Blocker kinds.
const (
	BlockRequirement = "requirement" // a rung of the ladder is not met
	BlockIndex       = "index"       // the overall index is below the next level's band
	BlockDimension   = "dimension"   // a capped dimension is too low
	BlockAnswers     = "answers"     // too few answers to give a level
)

// Blocker is one thing that keeps the shop from the next level.
type Blocker struct {
	Kind  string `json:"kind"`
	Level int    `json:"level"` // the level it is required for
	// ID is the requirement's ID (requirement) or the dimension's (dimension).
	ID        string         `json:"id,omitempty"`
	Questions []string       `json:"questions,omitempty"` // the questions that can meet it
	Need      float64        `json:"need,omitempty"`      // score or number of answers needed
	Have      float64        `json:"have,omitempty"`
	Key       string         `json:"key"` // message key, see MessageKeys
	Args      map[string]any `json:"args,omitempty"`
	// Text is, for a requirement, what the shop does once it is met, from
	// the questionnaire, in the result's language. The other kinds leave it
	// empty: the caller renders Key with Args through the translation
	// catalogue, writing the numbers the local way.
	Text string `json:"text"`
}

// Limits shows each of the three limits the level is the lowest of.
type Limits struct {
	Ladder    int            `json:"ladder"`     // highest level whose requirements, and all below, are met
	IndexBand int            `json:"index_band"` // band of the index
	Caps      map[string]int `json:"caps"`       // dimension ID → its band + plus
}

// Result is a scored diagnostic, ready to be sent as JSON.
type Result struct {
	Version string `json:"version"`
	Lang    string `json:"lang"`
	// Level is 0–5, or -1 when too few questions were answered (HasLevel false).
	Level            int              `json:"level"`
	HasLevel         bool             `json:"has_level"`
	LevelName        string           `json:"level_name,omitempty"`
	LevelDescription string           `json:"level_description,omitempty"`
	Index            float64          `json:"index"` // 0–100, one decimal
	Dimensions       []DimensionScore `json:"dimensions"`
	Blocking         []Blocker        `json:"blocking"`
	Limits           Limits           `json:"limits"`
	Questions        int              `json:"questions"` // in this version
	Answered         int              `json:"answered"`  // "don't know" counts as answered
	Missing          int              `json:"missing"`   // questions left unanswered

	q       *Questionnaire
	answers Answers
	points  []int8 // per question, in order; -1 when unanswered
	tenths  []int  // per dimension
	index   int    // tenths
}

// Score validates the answers and scores them: each answer 0–10 by its kind,
// each dimension the weighted mean of its questions (0–100), the index the
// weighted mean of the dimensions (0–100), and the level, the lowest of the
// ladder, the index band and the caps. An unanswered question counts as
// 0 points, like "don't know"; below MinAnsweredPct answered there is no
// level. Texts are in lang. The result keeps a reference to a: do not change
// the map afterwards.
func (q *Questionnaire) Score(a Answers, lang string) (*Result, error) {
	if err := q.Validate(a); err != nil {
		return nil, err
	}
	r := &Result{
		Version:   q.Version,
		Questions: len(q.questions),
		q:         q,
		answers:   a,
		points:    make([]int8, len(q.questions)),
		tenths:    make([]int, len(q.Dimensions)),
	}
	num := make([]int, len(q.Dimensions))
	den := make([]int, len(q.Dimensions))
	for i, ref := range q.questions {
		x := ref.q
		den[ref.dim] += x.Weight * MaxPoints
		opts, ok := a[x.ID]
		if !ok {
			r.points[i] = -1
			continue
		}
		r.Answered++
		p := points(x, opts)
		r.points[i] = int8(p)
		num[ref.dim] += x.Weight * p
	}
	r.Missing = len(q.questions) - r.Answered
	idxNum := 0
	for d := range q.Dimensions {
		r.tenths[d] = roundDiv(num[d]*1000, den[d])
		idxNum += q.Dimensions[d].Weight * r.tenths[d]
	}
	r.index = roundDiv(idxNum, q.dimWeight)
	r.level()
	r.localize(Lang(lang))
	return r, nil
}

// points scores one valid answer, 0–10.
func points(x *Question, opts []string) int {
	if x.Kind != Multiple {
		o, _ := x.Option(opts[0])
		return o.Points
	}
	sum := 0
	for _, id := range opts {
		o, _ := x.Option(id)
		sum += o.Points
	}
	return min(sum, MaxPoints)
}

// roundDiv is a/b rounded half up, for a ≥ 0 and b > 0.
func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }

// level sets the level, the limits and what blocks the next level.
func (r *Result) level() {
	q := r.q
	r.Limits.Ladder = 0
	for l := 1; l < NumLevels; l++ {
		if !r.levelMet(l) {
			break
		}
		r.Limits.Ladder = l
	}
	r.Limits.IndexBand = band(q.Bands, r.index)
	lvl := min(r.Limits.Ladder, r.Limits.IndexBand)
	r.Limits.Caps = make(map[string]int, len(q.Caps))
	for _, c := range q.Caps {
		limit := band(q.DimensionBands, r.tenths[q.dimByID[c.Dimension]]) + c.Plus
		r.Limits.Caps[c.Dimension] = limit
		lvl = min(lvl, limit)
	}

	if r.Answered*100 < q.MinAnsweredPct*len(q.questions) {
		r.Level, r.HasLevel = -1, false
		need := (q.MinAnsweredPct*len(q.questions)+99)/100 - r.Answered
		r.Blocking = []Blocker{{Kind: BlockAnswers, Level: 0, Need: float64(need), Have: float64(r.Answered),
			Key: KeyBlockAnswers, Args: map[string]any{"count": need}}}
		return
	}
	r.Level, r.HasLevel = lvl, true
	r.Blocking = []Blocker{}
	next := lvl + 1
	if next >= NumLevels {
		return
	}
	for l := 1; l <= next; l++ {
		for _, req := range q.Levels[l].Requires {
			if r.requirementMet(&req) {
				continue
			}
			b := Blocker{Kind: BlockRequirement, Level: l, ID: req.ID, Key: KeyBlockRequirement,
				Args: map[string]any{"level": l}}
			for _, c := range req.Any {
				b.Questions = append(b.Questions, c.Question)
			}
			r.Blocking = append(r.Blocking, b)
		}
	}
	if need := q.Bands[next]; r.index < need*10 {
		r.Blocking = append(r.Blocking, Blocker{Kind: BlockIndex, Level: next, Need: float64(need),
			Have: tenthsToFloat(r.index), Key: KeyBlockIndex})
	}
	for _, c := range q.Caps {
		if r.Limits.Caps[c.Dimension] >= next {
			continue
		}
		d := q.dimByID[c.Dimension]
		r.Blocking = append(r.Blocking, Blocker{Kind: BlockDimension, Level: next, ID: c.Dimension,
			Need: float64(q.DimensionBands[next-c.Plus]), Have: tenthsToFloat(r.tenths[d]), Key: KeyBlockDimension})
	}
}

func (r *Result) levelMet(l int) bool {
	for i := range r.q.Levels[l].Requires {
		if !r.requirementMet(&r.q.Levels[l].Requires[i]) {
			return false
		}
	}
	return true
}

func (r *Result) requirementMet(req *Requirement) bool {
	for _, c := range req.Any {
		if p, _ := r.Points(c.Question); p >= c.Min {
			return true
		}
	}
	return false
}

// localize fills the texts in lang.
func (r *Result) localize(lang string) {
	q := r.q
	r.Lang = lang
	r.LevelName, r.LevelDescription = "", ""
	if r.HasLevel {
		r.LevelName = q.Levels[r.Level].Name.In(lang)
		r.LevelDescription = q.Levels[r.Level].Description.In(lang)
	}
	r.Index = tenthsToFloat(r.index)
	r.Dimensions = make([]DimensionScore, len(q.Dimensions))
	for i, d := range q.Dimensions {
		r.Dimensions[i] = DimensionScore{ID: d.ID, Name: d.Name.In(lang), Score: tenthsToFloat(r.tenths[i]), Band: band(q.DimensionBands, r.tenths[i])}
	}
	for i := range r.Blocking {
		b := &r.Blocking[i]
		switch b.Kind {
		case BlockRequirement:
			b.Args = map[string]any{"level": b.Level, "level_name": q.Levels[b.Level].Name.In(lang)}
			b.Text = r.requirementText(b.ID, lang)
		case BlockIndex:
			b.Args = map[string]any{"level": b.Level, "level_name": q.Levels[b.Level].Name.In(lang), "need": b.Need, "have": b.Have}
		case BlockDimension:
			d, _ := q.Dimension(b.ID)
			b.Args = map[string]any{"level": b.Level, "level_name": q.Levels[b.Level].Name.In(lang),
				"dimension": d.Name.In(lang), "need": b.Need, "have": b.Have}
		}
	}
}

func (r *Result) requirementText(id, lang string) string {
	for _, l := range r.q.Levels {
		for _, req := range l.Requires {
			if req.ID == id {
				return req.Text.In(lang)
			}
		}
	}
	return id
}

// In returns a copy of the result with its texts in lang.
func (r *Result) In(lang string) *Result {
	c := *r
	c.Blocking = append([]Blocker(nil), r.Blocking...)
	c.localize(Lang(lang))
	return &c
}

func tenthsToFloat(t int) float64 { return float64(t) / 10 }

// Questionnaire returns the questionnaire the result was scored on.
func (r *Result) Questionnaire() *Questionnaire { return r.q }

// Answers returns the answers the result was scored from. Do not change them.
func (r *Result) Answers() Answers { return r.answers }

// Points returns a question's points (0–10) and whether it was answered.
// An unanswered or unknown question scores 0.
func (r *Result) Points(questionID string) (int, bool) {
	i, ok := r.q.byID[questionID]
	if !ok || r.points[i] < 0 {
		return 0, false
	}
	return int(r.points[i]), true
}

// Chose reports whether the answer to a question includes option.
func (r *Result) Chose(questionID, option string) bool {
	for _, o := range r.answers[questionID] {
		if o == option {
			return true
		}
	}
	return false
}

// Score returns a dimension's score (0–100).
func (r *Result) Score(dimensionID string) (float64, bool) {
	i, ok := r.q.dimByID[dimensionID]
	if !ok {
		return 0, false
	}
	return tenthsToFloat(r.tenths[i]), true
}

// String is a one-line summary, for logs and test failures.
func (r *Result) String() string {
	return fmt.Sprintf("%s level=%d index=%.1f answered=%d/%d", r.Version, r.Level, r.Index, r.Answered, r.Questions)
}
