// Package skill is the taxonomy of digital skills a small shopkeeper may
// need. The personal plan names the skills its actions need and the training
// catalogue names the skills its modules teach, both by the stable IDs kept
// here. The list is embedded data, in French, German, Dutch and English.
// Standard library only.
package skill

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"vitrine/internal/maturity"
)

// Text is a short text in the four languages, as the questionnaire writes
// them; Langs and Lang are the questionnaire's too.
type Text = maturity.Text

// Langs are the languages every text exists in, French first.
var Langs = maturity.Langs

// Skill is one skill of the taxonomy.
type Skill struct {
	ID           string `json:"id"` // stable, kebab-case English
	Names        Text   `json:"name"`
	Descriptions Text   `json:"description"`
}

// Name returns the skill's name in lang.
func (s Skill) Name(lang string) string { return s.Names.In(lang) }

// Description returns the skill's description in lang.
func (s Skill) Description(lang string) string { return s.Descriptions.In(lang) }

//go:embed skills.json
var embedded []byte

type taxonomy struct {
	all  []Skill
	byID map[string]int
}

var load = sync.OnceValue(func() *taxonomy {
	all, err := Parse(embedded)
	if err != nil {
		panic(fmt.Sprintf("embedded skills: %v", err))
	}
	t := &taxonomy{all: all, byID: make(map[string]int, len(all))}
	for i, s := range all {
		t.byID[s.ID] = i
	}
	return t
})

// All returns every skill, in the order of the data file.
func All() []Skill { return append([]Skill(nil), load().all...) }

// ByID returns the skill with this ID.
func ByID(id string) (Skill, bool) {
	t := load()
	i, ok := t.byID[id]
	if !ok {
		return Skill{}, false
	}
	return t.all[i], true
}

// Exists reports whether id names a skill.
func Exists(id string) bool {
	_, ok := load().byID[id]
	return ok
}

// Parse decodes and checks a skills file: IDs are unique kebab-case words,
// every name and description exists in the four languages.
func Parse(data []byte) ([]Skill, error) {
	var f struct {
		Version int     `json:"version"`
		Skills  []Skill `json:"skills"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode skills: %w", err)
	}
	if len(f.Skills) == 0 {
		return nil, fmt.Errorf("skills: empty list")
	}
	seen := make(map[string]bool, len(f.Skills))
	for i, s := range f.Skills {
		switch {
		case !ValidID(s.ID):
			return nil, fmt.Errorf("skill %d: id %q is not kebab-case", i, s.ID)
		case seen[s.ID]:
			return nil, fmt.Errorf("skill %q: duplicate id", s.ID)
		case !s.Names.Complete():
			return nil, fmt.Errorf("skill %q: name missing in a language", s.ID)
		case !s.Descriptions.Complete():
			return nil, fmt.Errorf("skill %q: description missing in a language", s.ID)
		}
		seen[s.ID] = true
	}
	return f.Skills, nil
}

// ValidID reports whether id is a kebab-case identifier: lower-case ASCII
// letters and digits in words joined by single hyphens, at most 64 bytes.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '-' || id[len(id)-1] == '-' || strings.Contains(id, "--") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
