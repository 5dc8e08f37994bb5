package sessions

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/person"
)

// RegStatus is where a registration stands.
type RegStatus string

const (
	Confirmed  RegStatus = "confirmed"  // has a seat
	Waitlisted RegStatus = "waitlisted" // waits for a seat, in arrival order
	Withdrawn  RegStatus = "cancelled"  // cancelled by the person (or erased)
)

// Sectors are the kinds of shop a person may choose from, in display order.
var Sectors = []string{
	"food", "fashion", "home", "health_beauty", "culture_leisure",
	"hospitality", "services", "crafts", "other",
}

// ReminderBefore is how long before a session its reminder mail leaves.
const ReminderBefore = 48 * time.Hour

// Registration is one person's place (or place in line) at a session.
type Registration struct {
	ID             int64
	SessionID      int64
	FirstName      string
	LastName       string
	Email          string
	Phone          string
	ShopName       string
	Sector         string
	CommuneNIS     string
	Lang           string
	Status         RegStatus
	WaitlistPos    int    // 1 for the first in line; 0 unless waitlisted
	Token          string // private: the manage link
	CheckinCode    string // in the QR code, for the facilitator's phone
	ConsentContact bool
	ConsentAt      time.Time
	ConfirmedAt    time.Time
	CheckedInAt    time.Time
	CancelledAt    time.Time
	ErasedAt       time.Time
	CreatedAt      time.Time
}

// Active reports whether the registration still holds a seat or a place in line.
func (r Registration) Active() bool { return r.Status == Confirmed || r.Status == Waitlisted }

// RegistrationForm is what a person types to register.
type RegistrationForm struct {
	FirstName      string
	LastName       string
	Email          string
	Phone          string
	ShopName       string
	Sector         string
	Commune        string // NIS code, postal code or name
	ConsentContact bool
	Lang           string
}

// Normalize cleans what was typed.
func (f *RegistrationForm) Normalize() {
	f.FirstName = person.CleanText(f.FirstName)
	f.LastName = person.CleanText(f.LastName)
	f.Email = person.NormalizeEmail(person.CleanText(f.Email))
	f.Phone = person.CleanText(f.Phone)
	f.ShopName = person.CleanText(f.ShopName)
	f.Sector = person.CleanText(f.Sector)
	f.Commune = person.CleanText(f.Commune)
}

// Validate checks a form and resolves its commune with dir. It returns the
// registration to store (without session, status or tokens) or an Invalid
// error naming each wrong field.
func (f RegistrationForm) Validate(dir *commune.Directory) (Registration, error) {
	var v apperr.Validation
	name := func(field, value string) {
		switch {
		case value == "":
			v.Add(field, "error.required", nil)
		case utf8.RuneCountInString(value) > person.MaxName:
			v.Add(field, "error.too_long_max", map[string]any{"Max": person.MaxName})
		case !person.ValidName(value, person.MaxName):
			v.Add(field, "error.name.invalid", nil)
		}
	}
	name("first_name", f.FirstName)
	name("last_name", f.LastName)
	switch {
	case f.Email == "":
		v.Add("email", "error.required", nil)
	case !person.ValidEmail(f.Email):
		v.Add("email", "error.email.invalid", nil)
	}
	phone, ok := person.NormalizePhone(f.Phone)
	if !ok || utf8.RuneCountInString(f.Phone) > 40 {
		v.Add("phone", "error.phone.invalid", nil)
	}
	switch {
	case f.ShopName == "":
		v.Add("shop_name", "error.required", nil)
	case utf8.RuneCountInString(f.ShopName) > person.MaxShop:
		v.Add("shop_name", "error.too_long_max", map[string]any{"Max": person.MaxShop})
	}
	switch {
	case f.Sector == "":
		v.Add("sector", "error.required", nil)
	case !slices.Contains(Sectors, f.Sector):
		v.Add("sector", "error.sector.unknown", nil)
	}
	var nis string
	switch {
	case f.Commune == "":
		v.Add("commune_nis", "error.required", nil)
	case utf8.RuneCountInString(f.Commune) > 100:
		v.Add("commune_nis", "error.commune.unknown", nil)
	default:
		c, err := dir.Resolve(f.Commune)
		if err != nil {
			v.Add("commune_nis", "error.commune.unknown", nil)
		}
		nis = c.NIS
	}
	if err := v.Err(); err != nil {
		return Registration{}, err
	}
	return Registration{
		FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, Phone: phone,
		ShopName: f.ShopName, Sector: f.Sector, CommuneNIS: nis, Lang: f.Lang,
		ConsentContact: f.ConsentContact,
	}, nil
}

// NewToken returns a random, unguessable token for a private link.
func NewToken(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Token prefixes: a manage link and a check-in code are told apart at a glance.
const (
	ManagePrefix  = "vr_"
	CheckinPrefix = "vc_"
)

// Nearest returns up to n other open sessions, nearest to s first, for a
// person who finds s full.
func Nearest(s Session, others []Session, now time.Time, n int) []Session {
	var out []Session
	for _, o := range others {
		if o.ID != s.ID && o.Open(now) && !o.Full() {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Session) int {
		da := commune.DistanceKm(s.Latitude, s.Longitude, a.Latitude, a.Longitude)
		db := commune.DistanceKm(s.Latitude, s.Longitude, b.Latitude, b.Longitude)
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return a.StartsAt.Compare(b.StartsAt)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// AttendanceRate is the share of confirmed people who came, in percent.
func AttendanceRate(confirmed, checkedIn int) int {
	if confirmed <= 0 {
		return 0
	}
	return checkedIn * 100 / confirmed
}
