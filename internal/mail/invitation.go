package mail

import (
	"time"

	"vitrine/internal/sessions"
)

// InvitationData is what an invitation shows.
type InvitationData struct {
	FirstName      string
	ShopName       string
	Sessions       []InvitationSession
	UnsubscribeURL string
}

// InvitationSession is one session an invitation proposes.
type InvitationSession struct {
	Title, Town, Venue, Address string
	StartsAt, EndsAt            time.Time
	URL                         string // the session's page, where one registers
}

// Invitee is the person an invitation is for.
type Invitee struct {
	Email, FirstName, ShopName, Lang string
	Token                            string // unsubscribe token
	MessageID                        string // stable for this invitation, so a resend is recognisable
}

// Invitation composes an invitation to sessions, in the invitee's language,
// with an unsubscribe link and the one-click List-Unsubscribe headers
// (RFC 8058).
func (c *Composer) Invitation(p Invitee, ss []sessions.Session) (Message, error) {
	d := InvitationData{FirstName: p.FirstName, ShopName: p.ShopName, UnsubscribeURL: c.BaseURL + "/u/" + p.Token}
	for _, s := range ss {
		d.Sessions = append(d.Sessions, InvitationSession{Title: s.Title, Town: s.Town, Venue: s.Venue, Address: s.Address,
			StartsAt: s.StartsAt, EndsAt: s.EndsAt, URL: c.BaseURL + "/sessions/" + itoa(s.ID)})
	}
	l := c.cat.For(p.Lang)
	town, date := "", ""
	if len(ss) > 0 {
		town, date = ss[0].Town, l.ShortDate(ss[0].StartsAt)
	}
	m, err := c.Compose("invitation", l.Lang, p.Email, d, "Town", town, "Date", date, "Count", len(ss))
	if err != nil {
		return m, err
	}
	if p.MessageID != "" {
		m.MessageID = p.MessageID + "@" + c.domain
	}
	unsub := "<" + d.UnsubscribeURL + ">"
	if c.UnsubscribeMail != "" {
		unsub += ", <mailto:" + c.UnsubscribeMail + "?subject=unsubscribe%20" + p.Token + ">"
	}
	m.Headers = map[string]string{
		"List-Unsubscribe":      unsub,
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	return m, nil
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
