package training

import (
	"strings"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/person"
	"vitrine/internal/skill"
)

// Format says how a module is given.
type Format string

const (
	InPerson Format = "in_person"
	Online   Format = "online"
)

// Valid reports whether f is a known format.
func (f Format) Valid() bool { return f == InPerson || f == Online }

// The maturity levels of the diagnostic, 0 (offline) to 5 (integrated).
const (
	MinLevel = 0
	MaxLevel = 5
)

// Limits on a module.
const (
	MaxTitle       = 200
	MaxDescription = 4000
	MaxCode        = 64
	MaxSkills      = 12
	MaxMinutes     = 200 * 60 // a long course, not a degree
)

// Module is a training a provider offers: what it teaches, how long it
// lasts, for which maturity levels, and what it costs one participant.
type Module struct {
	ID              int64
	ProviderID      int64
	Code            string // the provider's own stable reference, for imports
	Title           string
	Description     string
	Skills          []string // skill IDs (package skill)
	Format          Format
	Minutes         int // the whole module, all days together
	LevelMin        int
	LevelMax        int
	VoucherEligible bool
	Price           funding.Cents // for one participant, the whole module
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Filled when read with its provider.
	ProviderSlug string
	ProviderName string
	ProviderKind ProviderKind
}

// Hours returns the duration in hours (3.5 for 210 minutes).
func (m Module) Hours() float64 { return float64(m.Minutes) / 60 }

// Suits reports whether the module suits a shop at level.
func (m Module) Suits(level int) bool { return level >= m.LevelMin && level <= m.LevelMax }

// Teaches reports whether the module teaches the skill.
func (m Module) Teaches(id string) bool {
	for _, s := range m.Skills {
		if s == id {
			return true
		}
	}
	return false
}

// Private reports whether the module's provider is a private company, which
// every page must say.
func (m Module) Private() bool { return m.ProviderKind.Private() }

// SameAs reports whether o describes the module as m does (ids, code,
// provider and dates aside).
func (m Module) SameAs(o Module) bool {
	return m.Title == o.Title && m.Description == o.Description && strings.Join(m.Skills, " ") == strings.Join(o.Skills, " ") &&
		m.Format == o.Format && m.Minutes == o.Minutes && m.LevelMin == o.LevelMin && m.LevelMax == o.LevelMax &&
		m.VoucherEligible == o.VoucherEligible && m.Price == o.Price
}

// Normalize cleans the text fields and the skill list (trimmed, lower-case,
// duplicates dropped, order kept).
func (m *Module) Normalize() {
	m.Code = strings.ToLower(person.CleanText(m.Code))
	m.Title = person.CleanText(m.Title)
	m.Description = person.CleanMultiline(m.Description)
	seen := map[string]bool{}
	var skills []string
	for _, s := range m.Skills {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			skills = append(skills, s)
		}
	}
	m.Skills = skills
}

// Validate checks a module before it is stored. Field names are those of
// the API.
func (m Module) Validate() error {
	var v apperr.Validation
	if m.Code != "" {
		v.Check(skill.ValidID(m.Code) && len(m.Code) <= MaxCode, "code", "training.module.code_invalid")
	}
	if v.Check(m.Title != "", "title", "error.required") {
		v.Check(utf8.RuneCountInString(m.Title) <= MaxTitle, "title", "error.too_long")
	}
	v.Check(utf8.RuneCountInString(m.Description) <= MaxDescription, "description", "error.too_long")
	if v.Check(len(m.Skills) > 0, "skills", "training.module.skills_required") {
		v.Check(len(m.Skills) <= MaxSkills, "skills", "training.module.skills_too_many")
		for _, s := range m.Skills {
			if !skill.Exists(s) {
				v.Add("skills", "training.module.skill_unknown", map[string]any{"Value": s})
				break
			}
		}
	}
	v.Check(m.Format.Valid(), "format", "training.module.format_invalid")
	v.Check(m.Minutes >= 30 && m.Minutes <= MaxMinutes && m.Minutes%15 == 0, "hours", "training.module.hours_invalid")
	v.Check(m.LevelMin >= MinLevel && m.LevelMin <= MaxLevel, "level_min", "training.module.level_invalid")
	if v.Check(m.LevelMax >= MinLevel && m.LevelMax <= MaxLevel, "level_max", "training.module.level_invalid") {
		v.Check(m.LevelMax >= m.LevelMin, "level_max", "training.module.level_order")
	}
	v.Check(m.Price >= 0 && m.Price <= funding.Euros(100_000), "price_eur", "training.module.price_invalid")
	return v.Err()
}

// ParseHours reads a duration typed as hours: "3", "3,5", "3.5", "3h30",
// "3 h 30". It returns minutes, or false.
func ParseHours(s string) (int, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" {
		return 0, false
	}
	if h, m, ok := strings.Cut(s, "h"); ok {
		hh, ok1 := digits(h)
		mm := 0
		ok2 := true
		if m != "" {
			mm, ok2 = digits(m)
		}
		if !ok1 || !ok2 || mm >= 60 || len(m) == 1 {
			return 0, false
		}
		return hh*60 + mm, hh*60+mm > 0
	}
	whole, frac, hasSep := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	hh, ok := digits(whole)
	if !ok || (hasSep && frac == "") || len(frac) > 2 {
		return 0, false
	}
	mins := hh * 60
	if frac != "" {
		f, ok := digits(frac)
		if !ok {
			return 0, false
		}
		if len(frac) == 1 {
			f *= 10
		}
		// Hundredths of an hour to minutes, exact only for whole minutes.
		if f*60%100 != 0 {
			return 0, false
		}
		mins += f * 60 / 100
	}
	return mins, mins > 0
}

func digits(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
