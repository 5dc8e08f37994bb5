package maturity

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed questionnaire/*.json
var files embed.FS

// CurrentVersion is the questionnaire version new diagnostics use.
const CurrentVersion = "v1"

var versions = sync.OnceValues(func() (map[string]*Questionnaire, error) {
	entries, err := files.ReadDir("questionnaire")
	if err != nil {
		return nil, fmt.Errorf("read embedded questionnaires: %w", err)
	}
	all := make(map[string]*Questionnaire, len(entries))
	for _, e := range entries {
		data, err := files.ReadFile(path.Join("questionnaire", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		q, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("questionnaire %s: %w", e.Name(), err)
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); q.Version != want {
			return nil, fmt.Errorf("questionnaire %s: version %q does not match the file name", e.Name(), q.Version)
		}
		all[q.Version] = q
	}
	if all[CurrentVersion] == nil {
		return nil, fmt.Errorf("no questionnaire %s", CurrentVersion)
	}
	return all, nil
})

// ErrUnknownVersion is returned for a questionnaire version that does not exist.
var ErrUnknownVersion = errors.New("unknown questionnaire version")

// Version returns an embedded questionnaire by version ("v1").
func Version(v string) (*Questionnaire, error) {
	all, err := versions()
	if err != nil {
		return nil, err
	}
	q, ok := all[v]
	if !ok {
		return nil, fmt.Errorf("questionnaire %q: %w", v, ErrUnknownVersion)
	}
	return q, nil
}

// Versions lists the embedded questionnaire versions, oldest first.
func Versions() []string {
	all, err := versions()
	if err != nil {
		panic(err)
	}
	vs := make([]string, 0, len(all))
	for v := range all {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		if len(vs[i]) != len(vs[j]) {
			return len(vs[i]) < len(vs[j])
		}
		return vs[i] < vs[j]
	})
	return vs
}

// Current returns the questionnaire new diagnostics use. The embedded data
// is checked by the package's tests; it panics if that data is broken.
func Current() *Questionnaire {
	q, err := Version(CurrentVersion)
	if err != nil {
		panic(err)
	}
	return q
}

// Parse decodes a questionnaire and checks it: IDs, weights, points by kind,
// every text in four languages, six levels whose requirements name existing
// questions, bands and caps.
func Parse(data []byte) (*Questionnaire, error) {
	var q Questionnaire
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("decode questionnaire: %w", err)
	}
	if err := q.index(); err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("questionnaire %s: %w", q.Version, err)
	}
	return &q, nil
}

// index builds the lookup tables.
func (q *Questionnaire) index() error {
	q.byID = make(map[string]int)
	q.dimByID = make(map[string]int, len(q.Dimensions))
	q.questions = q.questions[:0]
	q.dimWeight = 0
	for di := range q.Dimensions {
		d := &q.Dimensions[di]
		if _, dup := q.dimByID[d.ID]; dup {
			return fmt.Errorf("dimension %q: duplicate id", d.ID)
		}
		q.dimByID[d.ID] = di
		q.dimWeight += d.Weight
		for qi := range d.Questions {
			x := &d.Questions[qi]
			if _, dup := q.byID[x.ID]; dup {
				return fmt.Errorf("question %q: duplicate id", x.ID)
			}
			q.byID[x.ID] = len(q.questions)
			q.questions = append(q.questions, qref{q: x, dim: di})
		}
	}
	return nil
}

func (q *Questionnaire) check() error {
	if !validID(q.Version) {
		return fmt.Errorf("version %q is not a valid id", q.Version)
	}
	if q.MinAnsweredPct < 1 || q.MinAnsweredPct > 100 {
		return fmt.Errorf("min_answered_pct %d is not in 1–100", q.MinAnsweredPct)
	}
	if err := checkBands(q.Bands); err != nil {
		return fmt.Errorf("bands: %w", err)
	}
	if err := checkBands(q.DimensionBands); err != nil {
		return fmt.Errorf("dimension_bands: %w", err)
	}
	if len(q.Dimensions) == 0 {
		return errors.New("no dimensions")
	}
	for _, d := range q.Dimensions {
		if err := checkDimension(&d); err != nil {
			return err
		}
	}
	for _, c := range q.Caps {
		if _, ok := q.dimByID[c.Dimension]; !ok {
			return fmt.Errorf("cap: unknown dimension %q", c.Dimension)
		}
		if c.Plus < 0 || c.Plus >= NumLevels {
			return fmt.Errorf("cap on %s: plus %d is not in 0–5", c.Dimension, c.Plus)
		}
	}
	if len(q.Levels) != NumLevels {
		return fmt.Errorf("want %d levels, have %d", NumLevels, len(q.Levels))
	}
	reqIDs := map[string]bool{}
	for i, l := range q.Levels {
		if l.Level != i {
			return fmt.Errorf("level %d listed in position %d", l.Level, i)
		}
		if !l.Name.Complete() || !l.Description.Complete() {
			return fmt.Errorf("level %d: name or description missing in a language", i)
		}
		if i == 0 && len(l.Requires) > 0 {
			return errors.New("level 0 cannot require anything")
		}
		if i > 0 && len(l.Requires) == 0 {
			return fmt.Errorf("level %d requires nothing", i)
		}
		for _, r := range l.Requires {
			if !validID(r.ID) || reqIDs[r.ID] {
				return fmt.Errorf("level %d: requirement id %q is invalid or repeated", i, r.ID)
			}
			reqIDs[r.ID] = true
			if !r.Text.Complete() {
				return fmt.Errorf("requirement %s: text missing in a language", r.ID)
			}
			if len(r.Any) == 0 {
				return fmt.Errorf("requirement %s: no condition", r.ID)
			}
			for _, c := range r.Any {
				if _, ok := q.byID[c.Question]; !ok {
					return fmt.Errorf("requirement %s: unknown question %q", r.ID, c.Question)
				}
				if c.Min < 1 || c.Min > MaxPoints {
					return fmt.Errorf("requirement %s: min %d is not in 1–%d", r.ID, c.Min, MaxPoints)
				}
			}
		}
	}
	return nil
}

func checkBands(b []int) error {
	if len(b) != NumLevels || b[0] != 0 {
		return fmt.Errorf("want %d lowest scores starting at 0", NumLevels)
	}
	for i := 1; i < len(b); i++ {
		if b[i] < b[i-1] || b[i] > 100 {
			return fmt.Errorf("%v must rise from 0 to at most 100", b)
		}
	}
	return nil
}

func checkDimension(d *Dimension) error {
	if !validID(d.ID) {
		return fmt.Errorf("dimension id %q is not valid", d.ID)
	}
	if d.Weight < 1 || d.Weight > 10 {
		return fmt.Errorf("dimension %s: weight %d is not in 1–10", d.ID, d.Weight)
	}
	if !d.Name.Complete() || !d.Description.Complete() {
		return fmt.Errorf("dimension %s: name or description missing in a language", d.ID)
	}
	if len(d.Questions) == 0 {
		return fmt.Errorf("dimension %s has no questions", d.ID)
	}
	for i := range d.Questions {
		if err := checkQuestion(&d.Questions[i]); err != nil {
			return fmt.Errorf("dimension %s: %w", d.ID, err)
		}
	}
	return nil
}

func checkQuestion(x *Question) error {
	if !validID(x.ID) {
		return fmt.Errorf("question id %q is not valid", x.ID)
	}
	if x.Weight < 1 || x.Weight > 10 {
		return fmt.Errorf("question %s: weight %d is not in 1–10", x.ID, x.Weight)
	}
	if !x.Text.Complete() || (x.Help != nil && !x.Help.Complete()) {
		return fmt.Errorf("question %s: text missing in a language", x.ID)
	}
	seen := map[string]bool{}
	dontKnow, best, sum, prev := 0, 0, 0, -1
	for _, o := range x.Options {
		if !validID(o.ID) || seen[o.ID] {
			return fmt.Errorf("question %s: option id %q is invalid or repeated", x.ID, o.ID)
		}
		seen[o.ID] = true
		if !o.Label.Complete() {
			return fmt.Errorf("question %s: option %s label missing in a language", x.ID, o.ID)
		}
		if o.Points < 0 || o.Points > MaxPoints {
			return fmt.Errorf("question %s: option %s has %d points, not 0–%d", x.ID, o.ID, o.Points, MaxPoints)
		}
		if o.DontKnow {
			dontKnow++
			if o.ID != DontKnowID || o.Points != 0 {
				return fmt.Errorf("question %s: the don't-know option must be %q with 0 points", x.ID, DontKnowID)
			}
			continue
		}
		if o.ID == DontKnowID {
			return fmt.Errorf("question %s: option %q must be marked dont_know", x.ID, DontKnowID)
		}
		if o.Exclusive && (x.Kind != Multiple || o.Points != 0) {
			return fmt.Errorf("question %s: only a 0-point option of a multiple-choice question can be exclusive", x.ID)
		}
		if x.Kind == Frequency && o.Points < prev {
			return fmt.Errorf("question %s: frequency options must be listed from fewest to most points", x.ID)
		}
		prev = o.Points
		best = max(best, o.Points)
		if !o.Exclusive {
			sum += o.Points
		}
	}
	if dontKnow != 1 {
		return fmt.Errorf("question %s: want exactly one don't-know option, have %d", x.ID, dontKnow)
	}
	if len(x.Options) < 3 {
		return fmt.Errorf("question %s: want at least two options besides don't know", x.ID)
	}
	switch x.Kind {
	case Single, Frequency:
		if best != MaxPoints {
			return fmt.Errorf("question %s: its best option must score %d", x.ID, MaxPoints)
		}
	case Multiple:
		for _, o := range x.Options {
			if !o.Exclusive && !o.DontKnow && o.Points == 0 {
				return fmt.Errorf("question %s: option %s scores nothing; mark it exclusive", x.ID, o.ID)
			}
		}
		if sum < MaxPoints {
			return fmt.Errorf("question %s: all options together score %d, less than %d", x.ID, sum, MaxPoints)
		}
	case YesPartlyNo:
		if len(x.Options) != 4 {
			return fmt.Errorf("question %s: yes_partly_no wants yes, partly, no and %s", x.ID, DontKnowID)
		}
		yes, okY := x.Option("yes")
		partly, okP := x.Option("partly")
		no, okN := x.Option("no")
		if !okY || !okP || !okN || yes.Points != MaxPoints || no.Points != 0 || partly.Points < 1 || partly.Points >= MaxPoints {
			return fmt.Errorf("question %s: yes_partly_no wants yes=%d, 0<partly<%d, no=0", x.ID, MaxPoints, MaxPoints)
		}
	default:
		return fmt.Errorf("question %s: unknown kind %q", x.ID, x.Kind)
	}
	return nil
}

// validID reports whether s is a kebab-case identifier of at most 64 bytes.
func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
