package outreach

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/person"
)

// Source is where a question for the facilitators came from.
type Source string

const (
	FromWeb          Source = "web"          // the form on the session's page, before it
	FromRegistration Source = "registration" // asked when registering
	FromAfter        Source = "after"        // asked after the session
	FromSocialMedia  Source = "social_media" // gathered by staff on the federation's page
	FromOther        Source = "other"        // any other channel, pasted by staff
)

// Sources lists the sources in the order shown to people.
var Sources = []Source{FromWeb, FromRegistration, FromAfter, FromSocialMedia, FromOther}

// ParseSource checks a source name.
func ParseSource(s string) (Source, error) {
	src := Source(strings.TrimSpace(s))
	if slices.Contains(Sources, src) {
		return src, nil
	}
	return "", apperr.Field("source", "error.question.source_unknown", map[string]any{"Value": s})
}

// PublicSource is the source of a question asked on the session's page:
// before the session starts, or after.
func PublicSource(startsAt, now time.Time) Source {
	if now.Before(startsAt) {
		return FromWeb
	}
	return FromAfter
}

// Limits on questions.
const (
	MaxQuestion = 2000
	MaxAnswer   = 4000
)

// Question is a question for the facilitators of a session.
type Question struct {
	ID         int64
	SessionID  int64
	Text       string
	Name       string // optional, never shown in public
	Email      string // optional, never shown in public
	Source     Source
	Answer     string
	AnsweredAt time.Time
	Published  bool
	CreatedAt  time.Time
}

// Answered reports whether the question has an answer.
func (q Question) Answered() bool { return q.Answer != "" }

// Normalize cleans a question.
func (q *Question) Normalize() {
	q.Text = person.CleanMultiline(q.Text)
	q.Name = person.CleanText(q.Name)
	q.Email = person.NormalizeEmail(q.Email)
}

// Validate checks a normalized question.
func (q Question) Validate() error {
	var v apperr.Validation
	if v.Check(q.Text != "", "text", "error.required") {
		v.Check(utf8.RuneCountInString(q.Text) <= MaxQuestion, "text", "error.too_long")
	}
	v.Check(utf8.RuneCountInString(q.Name) <= person.MaxName, "name", "error.too_long")
	if q.Email != "" {
		v.Check(person.ValidEmail(q.Email), "email", "error.email.invalid")
	}
	if !slices.Contains(Sources, q.Source) {
		v.Add("source", "error.question.source_unknown", map[string]any{"Value": string(q.Source)})
	}
	return v.Err()
}

// Answer is a facilitator's answer; Publish puts the question and its
// answer in the session's public FAQ.
type Answer struct {
	Text    string
	Publish bool
}

// Normalize cleans an answer.
func (a *Answer) Normalize() { a.Text = person.CleanMultiline(a.Text) }

// Validate checks a normalized answer: a question is published only with an
// answer.
func (a Answer) Validate() error {
	var v apperr.Validation
	if v.Check(a.Text != "", "text", "error.required") {
		v.Check(utf8.RuneCountInString(a.Text) <= MaxAnswer, "text", "error.too_long")
	}
	return v.Err()
}
