// Package outreach is the domain of the campaign's outreach to communes: the
// stages of the pipeline, the people to talk to in each commune, the local
// issues as tags, the changes a consultant makes, and a commune that comes
// forward on its own. It also holds the questions shopkeepers ask the
// facilitators (questions.go). Standard library, apperr and person only.
package outreach

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/person"
)

// Stage is where a commune stands in the pipeline.
type Stage string

const (
	NotContacted   Stage = "not_contacted"
	LetterSent     Stage = "letter_sent"
	Contacted      Stage = "contacted"
	MeetingPlanned Stage = "meeting_planned"
	Met            Stage = "met"
	Interested     Stage = "interested"
	SessionPlanned Stage = "session_planned"
	SessionHeld    Stage = "session_held"
	Declined       Stage = "declined"
)

// Stages lists the stages in the order of the pipeline; Declined is last.
var Stages = []Stage{NotContacted, LetterSent, Contacted, MeetingPlanned, Met, Interested, SessionPlanned, SessionHeld, Declined}

// ParseStage checks a stage name. An unknown stage is an Invalid error on
// the field "stage".
func ParseStage(s string) (Stage, error) {
	st := Stage(strings.TrimSpace(s))
	if slices.Contains(Stages, st) {
		return st, nil
	}
	return "", apperr.Field("stage", "error.outreach.stage_unknown", map[string]any{"Value": s, "Allowed": stageList()})
}

func stageList() string {
	names := make([]string, len(Stages))
	for i, s := range Stages {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Rank is the stage's position in the pipeline (0 for NotContacted).
func (s Stage) Rank() int { return slices.Index(Stages, s) }

// AtLeastContacted returns the stage a commune is in once it has spoken
// with the programme: Contacted when it stood before that or had declined
// (a commune that comes forward has changed its mind), its own stage
// otherwise.
func (s Stage) AtLeastContacted() Stage {
	if s == Declined || s.Rank() < Contacted.Rank() {
		return Contacted
	}
	return s
}

// ContactRole is what a commune contact does.
type ContactRole string

const (
	AldermanCommerce       ContactRole = "alderman_commerce"        // échevin·e du commerce
	ShopkeepersAssociation ContactRole = "shopkeepers_association"  // association de commerçants
	LocalDevelopmentAgency ContactRole = "local_development_agency" // agence de développement local
	OtherRole              ContactRole = "other"
)

// ContactRoles lists the roles in the order shown to people.
var ContactRoles = []ContactRole{AldermanCommerce, ShopkeepersAssociation, LocalDevelopmentAgency, OtherRole}

// ParseContactRole checks a role name; field names the input for the error.
func ParseContactRole(s, field string) (ContactRole, error) {
	r := ContactRole(strings.TrimSpace(s))
	if slices.Contains(ContactRoles, r) {
		return r, nil
	}
	return "", apperr.Field(field, "error.outreach.role_unknown", map[string]any{"Value": s})
}

// Outreach is a commune's place in the pipeline.
type Outreach struct {
	NIS          string
	Phase        int
	Stage        Stage
	NextActionAt time.Time // zero: none
	NextAction   string
	Notes        string
	Issues       []string
	UpdatedAt    time.Time // zero: never touched
}

// DueBy reports whether the next action falls before t (the end of the day
// the caller looks at).
func (o Outreach) DueBy(t time.Time) bool {
	return !o.NextActionAt.IsZero() && o.NextActionAt.Before(t)
}

// Limits on what a consultant types.
const (
	MaxNextAction = 300
	MaxNotes      = 20000
	MaxNote       = 4000
	MaxTag        = 40
	MaxTags       = 12
	MaxMessage    = 4000
	MaxRoleText   = 100
)

// KnownIssues are the local issues offered as tags; others may be typed.
var KnownIssues = []string{
	"tourism", "retail_parks", "empty_shops", "town_centre_works", "parking", "online_competition",
	"cross_border", "students", "seasonal", "rural", "markets", "ageing_owners",
}

// NormalizeTag turns what a person typed into a tag: lower case, words
// joined by hyphens, letters, digits, hyphens and underscores only.
func NormalizeTag(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '-' || unicode.IsSpace(r) || r == '/' || r == '\'' || r == '’':
			dash = true
		}
	}
	return b.String()
}

// NormalizeTags cleans a list of tags (each may hold several, separated by
// commas or semicolons), drops empty and repeated ones, and checks their
// number and length.
func NormalizeTags(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
			t := NormalizeTag(part)
			if t == "" || slices.Contains(out, t) {
				continue
			}
			if utf8.RuneCountInString(t) > MaxTag {
				return nil, apperr.Field("issues", "error.outreach.tag_too_long", map[string]any{"Value": t, "Max": MaxTag})
			}
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, apperr.Field("issues", "error.outreach.too_many_tags", map[string]any{"Max": MaxTags})
	}
	return out, nil
}

// Change is what a consultant changes in a commune's outreach; nil fields
// stay as they are.
type Change struct {
	Stage        *Stage
	NextActionAt *time.Time // the zero time clears the next action
	NextAction   *string
	Note         string   // added to the notes, dated and signed
	Notes        *string  // replaces the notes
	Issues       []string // with SetIssues: replaces the tags
	SetIssues    bool
}

// Empty reports whether the change changes nothing.
func (c Change) Empty() bool {
	return c.Stage == nil && c.NextActionAt == nil && c.NextAction == nil && c.Note == "" && c.Notes == nil && !c.SetIssues
}

// Normalize cleans the text of a change and its tags.
func (c *Change) Normalize() error {
	if c.NextAction != nil {
		s := person.CleanText(*c.NextAction)
		c.NextAction = &s
	}
	c.Note = person.CleanMultiline(c.Note)
	if c.Notes != nil {
		s := person.CleanMultiline(*c.Notes)
		c.Notes = &s
	}
	if c.SetIssues {
		tags, err := NormalizeTags(c.Issues)
		if err != nil {
			return err
		}
		c.Issues = tags
		if c.Issues == nil {
			c.Issues = []string{}
		}
	}
	return nil
}

// Validate checks a normalized change.
func (c Change) Validate() error {
	var v apperr.Validation
	if c.Stage != nil && !slices.Contains(Stages, *c.Stage) {
		v.Add("stage", "error.outreach.stage_unknown", map[string]any{"Value": string(*c.Stage), "Allowed": stageList()})
	}
	if c.NextAction != nil {
		v.Check(utf8.RuneCountInString(*c.NextAction) <= MaxNextAction, "next_action", "error.too_long")
	}
	if c.NextActionAt != nil && !c.NextActionAt.IsZero() {
		y := c.NextActionAt.Year()
		v.Check(y >= 2000 && y <= 2100, "next_action_at", "error.outreach.date_invalid")
	}
	v.Check(utf8.RuneCountInString(c.Note) <= MaxNote, "note", "error.too_long")
	if c.Notes != nil {
		v.Check(utf8.RuneCountInString(*c.Notes) <= MaxNotes, "notes", "error.too_long")
	}
	return v.Err()
}

// ParseDate reads a next-action date as a person or a script writes it: a
// day ("2027-01-15", taken at 9:00 in loc) or an RFC 3339 time. An empty
// string is the zero time (no next action).
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.Add(9 * time.Hour), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Field("next_action_at", "error.outreach.date_invalid", map[string]any{"Value": s})
}

// CommuneContact is a person to talk to in a commune.
type CommuneContact struct {
	ID        int64
	NIS       string
	Name      string
	Role      ContactRole
	Email     string
	Phone     string
	CreatedAt time.Time
}

// Normalize cleans a contact's fields; the phone number takes its +32 form
// when it is one.
func (c *CommuneContact) Normalize() {
	c.Name = person.CleanText(c.Name)
	c.Email = person.NormalizeEmail(c.Email)
	if p, ok := person.NormalizePhone(c.Phone); ok {
		c.Phone = p
	} else {
		c.Phone = strings.TrimSpace(c.Phone)
	}
}

// Validate checks a normalized contact: a name, a known role, and an
// address or a phone number that are valid when given.
func (c CommuneContact) Validate() error {
	var v apperr.Validation
	v.Check(person.ValidName(c.Name, person.MaxName), "name", "error.required")
	if !slices.Contains(ContactRoles, c.Role) {
		v.Add("role", "error.outreach.role_unknown", map[string]any{"Value": string(c.Role)})
	}
	if c.Email != "" {
		v.Check(person.ValidEmail(c.Email), "email", "error.email.invalid")
	}
	if c.Phone != "" {
		_, ok := person.NormalizePhone(c.Phone)
		v.Check(ok, "phone", "error.phone.invalid")
	}
	return v.Err()
}

// Request is a commune coming forward on its own through the public form.
type Request struct {
	ID        int64
	NIS       string
	Name      string
	Role      ContactRole
	Email     string
	Message   string
	CreatedAt time.Time
}

// Normalize cleans a request.
func (r *Request) Normalize() {
	r.NIS = strings.TrimSpace(r.NIS)
	r.Name = person.CleanText(r.Name)
	r.Email = person.NormalizeEmail(r.Email)
	r.Message = person.CleanMultiline(r.Message)
}

// Validate checks a normalized request (the commune itself is checked
// against the database).
func (r Request) Validate() error {
	var v apperr.Validation
	v.Check(r.NIS != "", "commune_nis", "error.required")
	v.Check(person.ValidName(r.Name, person.MaxName), "name", "error.required")
	if !slices.Contains(ContactRoles, r.Role) {
		v.Add("role", "error.outreach.role_unknown", map[string]any{"Value": string(r.Role)})
	}
	if v.Check(r.Email != "", "email", "error.required") {
		v.Check(person.ValidEmail(r.Email), "email", "error.email.invalid")
	}
	v.Check(utf8.RuneCountInString(r.Message) <= MaxMessage, "message", "error.too_long")
	return v.Err()
}

// Contact returns the person who wrote the request as a commune contact.
func (r Request) Contact() CommuneContact {
	return CommuneContact{NIS: r.NIS, Name: r.Name, Role: r.Role, Email: r.Email}
}

// HistoryEntry is one change to a commune's outreach.
type HistoryEntry struct {
	ID    int64
	NIS   string
	At    time.Time
	Actor string // who: a staff address, or the public form and the person's name
	Field string // what: stage, next_action, notes, issues, contact, request…
	Old   string
	New   string
}

// Fields of the history.
const (
	FieldStage        = "stage"
	FieldNextActionAt = "next_action_at"
	FieldNextAction   = "next_action"
	FieldNote         = "note"
	FieldNotes        = "notes"
	FieldIssues       = "issues"
	FieldContactAdded = "contact_added"
	FieldContactGone  = "contact_removed"
	FieldRequest      = "request"
)
