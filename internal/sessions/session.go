// Package sessions is the domain of the free information sessions (discovery
// workshops): the agenda, registrations with capacity and a waiting list, and
// check-in. Standard library and apperr only.
package sessions

import (
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/person"
)

// Status of a session.
type Status string

const (
	Scheduled Status = "scheduled"
	Cancelled Status = "cancelled"
)

// Session is one information session.
type Session struct {
	ID         int64
	Title      string
	CommuneNIS string
	Town       string // the commune's name, for display
	Venue      string
	Address    string
	StartsAt   time.Time
	EndsAt     time.Time
	Capacity   int
	Confirmed  int
	Waitlisted int
	Notes      string // local context, for facilitators only
	Status     Status
	Latitude   float64 // of the commune centre, for maps and distances
	Longitude  float64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SeatsLeft is the number of seats still free.
func (s Session) SeatsLeft() int { return max(0, s.Capacity-s.Confirmed) }

// Full reports whether every seat is taken.
func (s Session) Full() bool { return s.Confirmed >= s.Capacity }

// Open reports whether people may still register at now.
func (s Session) Open(now time.Time) bool { return s.Status == Scheduled && now.Before(s.StartsAt) }

// Limits for a session.
const (
	MaxTitle    = 200
	MaxVenue    = 200
	MaxAddress  = 300
	MaxNotes    = 4000
	MaxCapacity = 10000
	MaxDuration = 12 * time.Hour
)

// Draft is what a facilitator types to create or change a session.
type Draft struct {
	Title      string
	CommuneNIS string
	Venue      string
	Address    string
	StartsAt   time.Time
	EndsAt     time.Time
	Capacity   int
	Notes      string
}

// Normalize cleans the text fields.
func (d *Draft) Normalize() {
	d.Title = person.CleanText(d.Title)
	d.Venue = person.CleanText(d.Venue)
	d.Address = person.CleanText(d.Address)
	d.Notes = person.CleanMultiline(d.Notes)
}

// Validate checks a draft; a new session must start in the future.
func (d Draft) Validate(now time.Time, isNew bool) error {
	var v apperr.Validation
	v.Check(d.Title != "", "title", "error.required")
	v.Check(utf8.RuneCountInString(d.Title) <= MaxTitle, "title", "error.too_long")
	v.Check(d.CommuneNIS != "", "commune_nis", "error.required")
	v.Check(d.Venue != "", "venue", "error.required")
	v.Check(utf8.RuneCountInString(d.Venue) <= MaxVenue, "venue", "error.too_long")
	v.Check(utf8.RuneCountInString(d.Address) <= MaxAddress, "address", "error.too_long")
	v.Check(utf8.RuneCountInString(d.Notes) <= MaxNotes, "notes", "error.too_long")
	if v.Check(!d.StartsAt.IsZero(), "starts_at", "error.required") && isNew {
		v.Check(d.StartsAt.After(now), "starts_at", "error.session.in_past")
	}
	if v.Check(!d.EndsAt.IsZero(), "ends_at", "error.required") && !d.StartsAt.IsZero() {
		if v.Check(d.EndsAt.After(d.StartsAt), "ends_at", "error.session.ends_before_start") {
			v.Check(d.EndsAt.Sub(d.StartsAt) <= MaxDuration, "ends_at", "error.session.too_long")
		}
	}
	v.Check(d.Capacity >= 1 && d.Capacity <= MaxCapacity, "capacity", "error.session.capacity_range")
	return v.Err()
}
