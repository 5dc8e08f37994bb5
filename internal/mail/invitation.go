package mail

import (
	"html"
	"strings"
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
	t, err := c.InvitationTemplate(p.Lang, ss)
	if err != nil {
		return Message{}, err
	}
	return t.For(p), nil
}

// Placeholders stand for the invitee in an InvitationTemplate: letters and
// digits only, so no template context escapes them.
const (
	namePlaceholder  = "VITRINExNAMEx7d41"
	tokenPlaceholder = "VITRINExTOKENx8f0e"
)

// InvitationTemplate is an invitation rendered once for a language and a
// set of sessions; For personalises it. A campaign renders its templates
// once per batch instead of once per mail.
type InvitationTemplate struct {
	c                *Composer
	named, anonymous Message // with a first name ("Bonjour Anne,"), and without ("Bonjour,")
}

// InvitationTemplate renders the invitation to ss in lang.
func (c *Composer) InvitationTemplate(lang string, ss []sessions.Session) (*InvitationTemplate, error) {
	t := &InvitationTemplate{c: c}
	var err error
	if t.named, err = c.invitation(lang, namePlaceholder, ss); err != nil {
		return nil, err
	}
	if t.anonymous, err = c.invitation(lang, "", ss); err != nil {
		return nil, err
	}
	return t, nil
}

func (c *Composer) invitation(lang, name string, ss []sessions.Session) (Message, error) {
	d := InvitationData{FirstName: name, UnsubscribeURL: c.BaseURL + "/u/" + tokenPlaceholder}
	for _, s := range ss {
		d.Sessions = append(d.Sessions, InvitationSession{Title: s.Title, Town: s.Town, Venue: s.Venue, Address: s.Address,
			StartsAt: s.StartsAt, EndsAt: s.EndsAt, URL: c.BaseURL + "/sessions/" + itoa(s.ID)})
	}
	l := c.cat.For(lang)
	town, date := "", ""
	if len(ss) > 0 {
		town, date = ss[0].Town, l.ShortDate(ss[0].StartsAt)
	}
	m, err := c.Compose("invitation", l.Lang, "", d, "Town", town, "Date", date, "Count", len(ss))
	if err != nil {
		return m, err
	}
	unsub := "<" + d.UnsubscribeURL + ">"
	if c.UnsubscribeMail != "" {
		unsub += ", <mailto:" + c.UnsubscribeMail + "?subject=unsubscribe%20" + tokenPlaceholder + ">"
	}
	m.Headers = map[string]string{
		"List-Unsubscribe":      unsub,
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	return m, nil
}

// For returns the invitation for p: its name (escaped in the HTML part), its
// unsubscribe token, its address and its Message-ID.
func (t *InvitationTemplate) For(p Invitee) Message {
	m := t.anonymous
	if p.FirstName != "" {
		m = t.named
	}
	fill := func(s, name string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, namePlaceholder, name), tokenPlaceholder, p.Token)
	}
	m.Text = fill(m.Text, p.FirstName)
	m.HTML = fill(m.HTML, html.EscapeString(p.FirstName))
	m.Subject = fill(m.Subject, p.FirstName)
	headers := make(map[string]string, len(m.Headers))
	for k, v := range m.Headers {
		headers[k] = strings.ReplaceAll(v, tokenPlaceholder, p.Token)
	}
	m.Headers = headers
	m.To = p.Email
	if p.MessageID != "" {
		m.MessageID = p.MessageID + "@" + t.c.domain
	} else {
		m.MessageID = t.c.NewMessageID()
	}
	return m
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
