// Package invite holds the rules of invitation campaigns: who may be
// invited to which information sessions, the campaign's states, the pace at
// which its mails leave, and the unsubscribe token. Standard library, apperr
// and commune only: no I/O.
package invite

import (
	"slices"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
)

// Status is where a campaign stands.
type Status string

const (
	Draft     Status = "draft"     // built, not sent
	Sending   Status = "sending"   // its mails are leaving
	Paused    Status = "paused"    // no mail leaves until resumed
	Done      Status = "done"      // every recipient was sent to, failed or suppressed
	Cancelled Status = "cancelled" // stopped for good; pending mails never leave
)

// Action is what staff (or the sender) does to a campaign.
type Action string

const (
	Send   Action = "send"
	Pause  Action = "pause"
	Resume Action = "resume"
	Cancel Action = "cancel"
	Finish Action = "finish" // the sender found nothing left to send
)

// ErrTransition is an action the campaign's status does not allow.
var ErrTransition = apperr.New(apperr.Conflict, "invitation_state", "error.invitation.state")

// transitions is the single table of the status machine: action → the
// statuses it may start from, and where it leads.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	Send:   {[]Status{Draft}, Sending},
	Pause:  {[]Status{Sending}, Paused},
	Resume: {[]Status{Paused}, Sending},
	Cancel: {[]Status{Draft, Sending, Paused}, Cancelled},
	Finish: {[]Status{Sending}, Done},
}

// Next returns the status after action a from s, or ErrTransition.
func Next(s Status, a Action) (Status, error) {
	t, ok := transitions[a]
	if !ok || !slices.Contains(t.from, s) {
		return s, ErrTransition.With(map[string]any{"Status": string(s), "Action": string(a)})
	}
	return t.to, nil
}

// From lists the statuses action a may start from (for a conditional UPDATE).
func From(a Action) []Status { return slices.Clone(transitions[a].from) }

// Recipient statuses.
const (
	RecipientPending    = "pending"    // waiting to be sent
	RecipientSending    = "sending"    // claimed by a sender under a lease
	RecipientSent       = "sent"       // the SMTP server accepted it
	RecipientFailed     = "failed"     // refused for good, or too many temporary failures
	RecipientSuppressed = "suppressed" // unsubscribed or bounced before it left
)

// MaxRadiusKm bounds a campaign's radius: Wallonia is about 200 km wide.
const MaxRadiusKm = 200

// MaxSessions bounds the sessions one campaign invites to.
const MaxSessions = 20

// Criteria choose a campaign's recipients: the contacts of some communes,
// or those within RadiusKm of any chosen session's venue (its commune's
// centre). Contacts already registered to a chosen session, opted out or
// on the suppression list are never chosen.
type Criteria struct {
	SessionIDs []int64
	Communes   []string // NIS codes
	RadiusKm   float64
}

// Normalize sorts and deduplicates the lists.
func (c Criteria) Normalize() Criteria {
	c.SessionIDs = slices.Clone(c.SessionIDs)
	slices.Sort(c.SessionIDs)
	c.SessionIDs = slices.Compact(c.SessionIDs)
	var nis []string
	for _, n := range c.Communes {
		if n = strings.TrimSpace(n); n != "" {
			nis = append(nis, n)
		}
	}
	slices.Sort(nis)
	c.Communes = slices.Compact(nis)
	return c
}

// Validate checks the criteria's shape (whether the sessions and communes
// exist is the store's business). Errors name the fields session_ids,
// communes and radius_km.
func (c Criteria) Validate() error {
	var v apperr.Validation
	switch {
	case len(c.SessionIDs) == 0:
		v.Add("session_ids", "error.invitation.no_session", nil)
	case len(c.SessionIDs) > MaxSessions:
		v.Add("session_ids", "error.invitation.too_many_sessions", map[string]any{"Max": MaxSessions})
	}
	for _, id := range c.SessionIDs {
		if id <= 0 {
			v.Add("session_ids", "error.invitation.no_session", nil)
			break
		}
	}
	switch {
	case len(c.Communes) > 0 && c.RadiusKm != 0:
		v.Add("communes", "error.invitation.communes_or_radius", nil)
	case len(c.Communes) == 0 && c.RadiusKm == 0:
		v.Add("communes", "error.invitation.no_target", nil)
	case c.RadiusKm < 0 || c.RadiusKm > MaxRadiusKm || c.RadiusKm != c.RadiusKm:
		v.Add("radius_km", "error.invitation.radius", map[string]any{"Max": MaxRadiusKm})
	}
	for _, n := range c.Communes {
		if !validNIS(n) {
			v.Add("communes", "error.invitation.commune", map[string]any{"Value": n})
			break
		}
	}
	return v.Err()
}

// Point is a place on the map.
type Point struct{ Lat, Lon float64 }

// Within returns the NIS codes of the communes whose centre lies within km
// of any of the venues, sorted.
func Within(venues []Point, communes []commune.Commune, km float64) []string {
	var out []string
	for _, c := range communes {
		for _, p := range venues {
			if commune.DistanceKm(p.Lat, p.Lon, c.Latitude, c.Longitude) <= km {
				out = append(out, c.NIS)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// Progress counts a campaign's recipients by what became of them.
type Progress struct {
	Recipients int
	Sent       int
	Failed     int // refused or given up, including hard bounces
	Suppressed int // unsubscribed or bounced elsewhere before their turn
	Pending    int // not yet sent (including those being sent)
	Cancelled  int // never sent: the campaign was cancelled before their turn
}

// Percent is how much of the campaign is over, 0–100.
func (p Progress) Percent() int {
	if p.Recipients == 0 {
		return 100
	}
	return (p.Recipients - p.Pending) * 100 / p.Recipients
}

// Campaign is an invitation campaign.
type Campaign struct {
	ID         int64
	Status     Status
	Criteria   Criteria
	CreatedBy  int64
	Progress   Progress
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

func validNIS(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
