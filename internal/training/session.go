package training

import (
	"strconv"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
)

// SessionStatus says whether a training session takes place.
type SessionStatus string

const (
	Scheduled SessionStatus = "scheduled"
	Cancelled SessionStatus = "cancelled"
)

// Limits on a training session.
const (
	MaxCapacity = 1000
	MaxDays     = 30
	MaxDayLen   = 10 * time.Hour
)

// Day is one day (or half-day) of a training session.
type Day struct {
	Start time.Time
	End   time.Time
}

// Minutes is the day's training time.
func (d Day) Minutes() int { return int(d.End.Sub(d.Start) / time.Minute) }

// Session is one dated run of a module: at one of the provider's sites, or
// online, with a number of seats.
type Session struct {
	ID         int64
	ModuleID   int64
	Code       string // the provider's reference, for imports; unique per module
	SiteID     int64  // 0 for an online session
	Days       []Day
	Capacity   int
	Confirmed  int
	Waitlisted int
	Status     SessionStatus
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// The site, when in person.
	SiteName   string
	CommuneNIS string
	Town       string
	Address    string
	Latitude   float64
	Longitude  float64
}

// Online reports whether the session happens online.
func (s Session) Online() bool { return s.SiteID == 0 }

// StartsAt is the start of the first day.
func (s Session) StartsAt() time.Time {
	if len(s.Days) == 0 {
		return time.Time{}
	}
	return s.Days[0].Start
}

// EndsAt is the end of the last day.
func (s Session) EndsAt() time.Time {
	if len(s.Days) == 0 {
		return time.Time{}
	}
	return s.Days[len(s.Days)-1].End
}

// Minutes is the training time of all days together.
func (s Session) Minutes() int {
	n := 0
	for _, d := range s.Days {
		n += d.Minutes()
	}
	return n
}

// SeatsLeft is the number of free seats.
func (s Session) SeatsLeft() int { return max(0, s.Capacity-s.Confirmed) }

// Open reports whether people may still enrol at now.
func (s Session) Open(now time.Time) bool { return s.Status == Scheduled && now.Before(s.StartsAt()) }

// Started reports whether the first day has begun at now (attendance can
// then be recorded).
func (s Session) Started(now time.Time) bool { return !now.Before(s.StartsAt()) }

// DistanceKm is the distance from a point to the session: 0 online.
func (s Session) DistanceKm(dist func(lat, lon float64) float64) float64 {
	if s.Online() {
		return 0
	}
	return dist(s.Latitude, s.Longitude)
}

// VoucherTraining describes the session for the voucher rules: its days, and
// the module's price and eligibility. loc is the time zone whose calendar
// days count (Europe/Brussels).
func (s Session) VoucherTraining(m Module, loc *time.Location) funding.Training {
	t := funding.Training{Price: m.Price, VoucherEligible: m.VoucherEligible}
	for _, d := range s.Days {
		t.Days = append(t.Days, funding.TrainingDay{Date: d.Start.In(loc), Minutes: d.Minutes()})
	}
	return t
}

// VoucherYear is the calendar year whose allowance and budget the
// session's vouchers count against: the year of its first day.
func (s Session) VoucherYear(loc *time.Location) int { return s.StartsAt().In(loc).Year() }

// ValidateFor checks a session of module m: days in order, each within one
// calendar day of loc and no longer than MaxDayLen, all together as long
// as the module; a site for an in-person module and none online; a
// capacity; a new session starts after now.
func (s Session) ValidateFor(m Module, now time.Time, loc *time.Location, isNew bool) error {
	var v apperr.Validation
	if v.Check(len(s.Days) > 0, "days", "training.session.days_required") &&
		v.Check(len(s.Days) <= MaxDays, "days", "training.session.days_too_many") {
		for i, d := range s.Days {
			f := "days[" + strconv.Itoa(i) + "]"
			if !v.Check(!d.Start.IsZero() && !d.End.IsZero(), f, "training.session.day_required") {
				continue
			}
			if !v.Check(d.End.After(d.Start) && d.End.Sub(d.Start) <= MaxDayLen, f, "training.session.day_invalid") {
				continue
			}
			y1, m1, d1 := d.Start.In(loc).Date()
			y2, m2, d2 := d.End.Add(-time.Nanosecond).In(loc).Date()
			if !v.Check(y1 == y2 && m1 == m2 && d1 == d2, f, "training.session.day_invalid") {
				continue
			}
			if i > 0 && !s.Days[i-1].End.IsZero() {
				v.Check(!d.Start.Before(s.Days[i-1].End), f, "training.session.days_order")
			}
		}
		if !v.Has("days") && len(s.Days) > 0 {
			if isNew {
				v.Check(s.Days[0].Start.After(now), "days[0]", "training.session.in_past")
			}
			if got := s.Minutes(); !v.Has("days[0]") && got != m.Minutes {
				v.Add("days", "training.session.hours_mismatch", map[string]any{"Hours": hoursText(got), "Module": hoursText(m.Minutes)})
			}
		}
	}
	switch m.Format {
	case Online:
		v.Check(s.SiteID == 0, "site", "training.session.online_no_site")
	default:
		v.Check(s.SiteID != 0, "site", "training.session.site_required")
	}
	v.Check(s.Capacity >= 1 && s.Capacity <= MaxCapacity, "capacity", "training.session.capacity_range")
	return v.Err()
}

// hoursText writes minutes as hours for messages: "3", "3.5", "2.25".
func hoursText(minutes int) string {
	return funding.BasisPoints(minutes * 100 / 60).Percent()
}
