// Package maturity holds the digital-maturity diagnostic: the versioned
// questionnaire (embedded data, in French, German, Dutch and English), the
// validation of a shopkeeper's answers, the scoring of each answer, dimension
// and the overall index, the level from 0 ("Hors ligne") to 5 ("Commerce
// connecté intégré"), what blocks the next level, and the progress between
// two diagnostics.
//
// The method is public: every option carries its points (0–10), every
// question and dimension its weight, every level its required answers.
// Scores are computed in integer tenths, so the same answers always give the
// same figures. Standard library and apperr only.
//
// Data, embedded: questionnaire/vN.json, one file per version, never
// edited once diagnostics use it (a changed question gets a new ID, so that
// progress compares like with like). The texts of MessageKeys live in the
// translation catalogue (internal/i18n/source/diagnostic.tsv).
package maturity

import "strings"

// Langs are the languages every text exists in, French first.
var Langs = []string{"fr", "de", "nl", "en"}

// Lang returns the supported language closest to s ("nl-BE" → "nl"), or "fr".
func Lang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "de", "nl", "en":
		return s
	}
	return "fr"
}

// Text is a short user-facing text in the four languages.
type Text struct {
	FR string `json:"fr"`
	DE string `json:"de"`
	NL string `json:"nl"`
	EN string `json:"en"`
}

// In returns the text in lang, falling back to French.
func (t Text) In(lang string) string {
	switch Lang(lang) {
	case "de":
		return t.DE
	case "nl":
		return t.NL
	case "en":
		return t.EN
	}
	return t.FR
}

// Complete reports whether the text exists in every language.
func (t Text) Complete() bool {
	return strings.TrimSpace(t.FR) != "" && strings.TrimSpace(t.DE) != "" &&
		strings.TrimSpace(t.NL) != "" && strings.TrimSpace(t.EN) != ""
}

// Kind is how a question is answered and scored.
type Kind string

const (
	// Single is one option among several; it scores the option's points.
	Single Kind = "single"
	// Multiple is any number of options; it scores the sum of their points,
	// capped at 10. An exclusive option ("none", "don't know") stands alone.
	Multiple Kind = "multiple"
	// Frequency is one option on a scale from "never" to "often", listed in
	// order of points; it scores the option's points.
	Frequency Kind = "frequency"
	// YesPartlyNo is yes (10), partly (between), no (0) or don't know (0).
	YesPartlyNo Kind = "yes_partly_no"
)

// MaxPoints is what the best answer to any question scores.
const MaxPoints = 10

// DontKnowID is the ID of every question's "don't know" option.
const DontKnowID = "dont-know"

// Option is one possible answer to a question.
type Option struct {
	ID       string `json:"id"`
	Label    Text   `json:"label"`
	Points   int    `json:"points"`              // 0–10
	DontKnow bool   `json:"dont_know,omitempty"` // answered, without knowing: 0 points
	// Exclusive options ("none of these", "don't know") cannot be combined
	// with others in a multiple-choice answer.
	Exclusive bool `json:"exclusive,omitempty"`
}

// Question is one question of the questionnaire.
type Question struct {
	ID      string   `json:"id"`
	Kind    Kind     `json:"kind"`
	Weight  int      `json:"weight"` // within its dimension, 1–10
	Text    Text     `json:"text"`
	Help    *Text    `json:"help,omitempty"` // a short example or explanation
	Options []Option `json:"options"`
}

// Option returns the option with this ID.
func (q *Question) Option(id string) (*Option, bool) {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return &q.Options[i], true
		}
	}
	return nil, false
}

// Dimension is one of the six axes of digital maturity.
type Dimension struct {
	ID          string     `json:"id"`
	Weight      int        `json:"weight"` // in the index, 1–10
	Name        Text       `json:"name"`
	Description Text       `json:"description"`
	Questions   []Question `json:"questions"`
}

// Condition is met when question Question scores at least Min points.
type Condition struct {
	Question string `json:"question"`
	Min      int    `json:"min"`
}

// Requirement is one rung of the ladder: it is met when any of its
// conditions is met. Conditions only ever ask for "at least so many points",
// so a better answer can never undo a met requirement.
type Requirement struct {
	ID   string      `json:"id"`
	Text Text        `json:"text"` // what the shop does once it is met
	Any  []Condition `json:"any"`
}

// Level is one of the six levels, with what it requires on top of the
// levels below.
type Level struct {
	Level       int           `json:"level"`
	Name        Text          `json:"name"`
	Description Text          `json:"description"`
	Requires    []Requirement `json:"requires,omitempty"`
}

// Cap keeps the level at most Plus above the band of a dimension's score,
// so that, for example, a web shop nobody can find is not a level-4 shop.
type Cap struct {
	Dimension string `json:"dimension"`
	Plus      int    `json:"plus"`
}

// Questionnaire is one version of the diagnostic. It is built by Parse and
// never changes afterwards; share it freely between goroutines.
type Questionnaire struct {
	Version string `json:"version"`
	// MinAnsweredPct is the share of questions, in percent, that must be
	// answered ("don't know" counts) before a level is given.
	MinAnsweredPct int `json:"min_answered_pct"`
	// Bands are the lowest index (0–100) of bands 0 to 5: the level is at
	// most the index band.
	Bands []int `json:"bands"`
	// DimensionBands are the lowest dimension scores of bands 0 to 5; a
	// capped dimension keeps the level at most its band plus the cap's Plus.
	DimensionBands []int       `json:"dimension_bands"`
	Caps           []Cap       `json:"caps"`
	Levels         []Level     `json:"levels"`
	Dimensions     []Dimension `json:"dimensions"`

	questions []qref         // every question, in order
	byID      map[string]int // question ID → index in questions
	dimByID   map[string]int
	dimWeight int // sum of the dimensions' weights
}

type qref struct {
	q   *Question
	dim int
}

// NumLevels is the number of levels, 0 to 5.
const NumLevels = 6

// Question returns the question with this ID and the ID of its dimension.
func (q *Questionnaire) Question(id string) (*Question, string, bool) {
	i, ok := q.byID[id]
	if !ok {
		return nil, "", false
	}
	r := q.questions[i]
	return r.q, q.Dimensions[r.dim].ID, true
}

// Dimension returns the dimension with this ID.
func (q *Questionnaire) Dimension(id string) (*Dimension, bool) {
	i, ok := q.dimByID[id]
	if !ok {
		return nil, false
	}
	return &q.Dimensions[i], true
}

// NumQuestions is the number of questions.
func (q *Questionnaire) NumQuestions() int { return len(q.questions) }

// QuestionIDs returns every question's ID, in order.
func (q *Questionnaire) QuestionIDs() []string {
	ids := make([]string, len(q.questions))
	for i, r := range q.questions {
		ids[i] = r.q.ID
	}
	return ids
}

// Gain is how many index points (0–100) the question would add if its
// answer went from points to the best answer: its weight share in its
// dimension times its dimension's weight share in the index, times the gap.
// The plan ranks its actions by it.
func (q *Questionnaire) Gain(questionID string, points int) float64 {
	i, ok := q.byID[questionID]
	if !ok || points >= MaxPoints {
		return 0
	}
	if points < 0 {
		points = 0
	}
	r := q.questions[i]
	d := &q.Dimensions[r.dim]
	sum := 0
	for _, x := range d.Questions {
		sum += x.Weight
	}
	return float64(r.q.Weight) / float64(sum) * float64(d.Weight) / float64(q.dimWeight) *
		float64(MaxPoints-points) * 100 / MaxPoints
}

// band returns the band (0–5) of a score in tenths.
func band(bands []int, tenths int) int {
	b := 0
	for i, min := range bands {
		if tenths >= min*10 {
			b = i
		}
	}
	return b
}
