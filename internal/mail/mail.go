// Package mail composes Vitrine's mails from translated templates (plain text
// and HTML) and hands them to an SMTP server. Mails are never sent from a
// request: they are written to the outbox with the change that causes them,
// and a worker delivers them (see package jobs).
package mail

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"vitrine/internal/i18n"
)

// Message is one mail, ready to send.
type Message struct {
	Kind      string // what the mail is for: "signin", "registration_confirmed"…
	MessageID string // stable across retries, so a receiver can spot a duplicate
	To        string
	Subject   string
	Text      string
	HTML      string
	Headers   map[string]string // extra headers (List-Unsubscribe…)
	RefType   string            // the row the mail is about, for cancelling and audits
	RefID     int64
	BatchID   int64 // an invitation campaign, for pacing and progress
}

//go:embed templates
var templateFS embed.FS

// Composer renders mails from the embedded templates:
// templates/NAME.txt (required) and templates/NAME.html (optional), and the
// subject from the catalogue key "mail.NAME.subject".
type Composer struct {
	cat     *i18n.Catalog
	text    *texttemplate.Template
	html    *htmltemplate.Template
	domain  string // for Message-IDs
	BaseURL string
	regs    regMemo    // registration mails, composed once per session
	results resultMemo // diagnostic result mails, composed once per language and level
	// UnsubscribeMail, when set, is offered in invitations' List-Unsubscribe
	// header beside the link (a mailbox someone reads: the sender's).
	UnsubscribeMail string
}

// NewComposer parses the mail templates.
func NewComposer(cat *i18n.Catalog, baseURL string) (*Composer, error) {
	c := &Composer{cat: cat, BaseURL: strings.TrimRight(baseURL, "/"), domain: hostOf(baseURL)}
	var err error
	if c.text, err = texttemplate.New("").ParseFS(templateFS, "templates/*.txt"); err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	if c.html, err = htmltemplate.New("").ParseFS(templateFS, "templates/*.html"); err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	return c, nil
}

// View is what every mail template receives: the localizer, the site's
// address, and the mail's own data.
type View struct {
	L       *i18n.Localizer
	BaseURL string
	Data    any
}

// T translates a key.
func (v View) T(key string, args ...any) string { return v.L.T(key, args...) }

// Compose renders mail name in lang for to, with data for the templates.
// subjectArgs fill the subject line.
func (c *Composer) Compose(name, lang, to string, data any, subjectArgs ...any) (Message, error) {
	l := c.cat.For(lang)
	v := View{L: l, BaseURL: c.BaseURL, Data: data}
	var text, html bytes.Buffer
	if err := c.text.ExecuteTemplate(&text, name+".txt", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", name, err)
	}
	if c.html.Lookup(name+".html") != nil {
		if err := c.html.ExecuteTemplate(&html, name+".html", v); err != nil {
			return Message{}, fmt.Errorf("mail %s: %w", name, err)
		}
	}
	return Message{
		Kind:      name,
		MessageID: c.NewMessageID(),
		To:        to,
		Subject:   l.T("mail."+name+".subject", subjectArgs...),
		Text:      text.String(),
		HTML:      html.String(),
	}, nil
}

// Domain is the site's host name, as Message-IDs and calendar UIDs use it.
func (c *Composer) Domain() string { return c.domain }

// NewMessageID returns a unique Message-ID value (without angle brackets):
// the milliseconds of now in 6 bytes, then 10 random bytes, in hex. Starting
// with the time, new IDs land at the end of the outbox's unique index, one
// page a commit, not one random page a mail.
func (c *Composer) NewMessageID() string {
	var b [16]byte
	ms := uint64(max(time.Now().UnixMilli(), 0))
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	rand.Read(b[6:])
	return hex.EncodeToString(b[:]) + "@" + c.domain
}

func hostOf(baseURL string) string {
	s := baseURL
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, ":/"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "vitrine.invalid"
	}
	return s
}
