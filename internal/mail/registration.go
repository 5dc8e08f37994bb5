package mail

import (
	"time"

	"vitrine/internal/sessions"
)

// RegistrationData is what the registration mails show.
type RegistrationData struct {
	FirstName   string
	Title       string
	Town        string
	Venue       string
	Address     string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      string
	Position    int
	ManageURL   string
	CalendarURL string
	QRURL       string
}

// RegistrationMail composes a mail about a registration (kind is the
// template's name: registration_confirmed, registration_waitlisted,
// registration_promoted, registration_reminder) in the person's language.
func (c *Composer) RegistrationMail(kind string, r sessions.Registration, s sessions.Session) (Message, error) {
	base := c.BaseURL + "/registrations/" + r.Token
	d := RegistrationData{
		FirstName: r.FirstName, Title: s.Title, Town: s.Town, Venue: s.Venue, Address: s.Address,
		StartsAt: s.StartsAt, EndsAt: s.EndsAt, Status: string(r.Status), Position: r.WaitlistPos,
		ManageURL: base, CalendarURL: base + "/calendar.ics", QRURL: base + "/qr.png",
	}
	l := c.cat.For(r.Lang)
	return c.Compose(kind, l.Lang, r.Email, d, "Town", s.Town, "Date", l.ShortDate(s.StartsAt))
}
