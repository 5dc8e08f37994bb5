package mail

import (
	"bytes"
	htmltemplate "html/template"
	"maps"
	"strings"
	"sync"
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
//
// A burst of registrations for one session gets the same mail but for the
// first name and the token in the links, so the templates run once per
// session, language and kind (see regMemo) and each mail is that one with
// the person's name and token put in.
func (c *Composer) RegistrationMail(kind string, r sessions.Registration, s sessions.Session) (Message, error) {
	l := c.cat.For(r.Lang)
	key := regKey{kind: kind, lang: l.Lang, base: c.BaseURL, d: RegistrationData{
		Title: s.Title, Town: s.Town, Venue: s.Venue, Address: s.Address,
		StartsAt: s.StartsAt, EndsAt: s.EndsAt, Status: string(r.Status), Position: r.WaitlistPos,
	}}
	m, ok := c.regs.get(key)
	if !ok {
		d := key.d
		d.FirstName = nameMark
		base := c.BaseURL + "/registrations/" + tokenMark
		d.ManageURL, d.CalendarURL, d.QRURL = base, base+"/calendar.ics", base+"/qr.png"
		var err error
		if m, err = c.Compose(kind, l.Lang, "", d, "Town", s.Town, "Date", l.ShortDate(s.StartsAt)); err != nil {
			return Message{}, err
		}
		c.regs.put(key, m, regMemoSize)
	}
	m.Headers = maps.Clone(m.Headers) // the memo's own stays as it is
	m.MessageID = c.NewMessageID()
	m.To = r.Email
	m.Text = strings.NewReplacer(nameMark, r.FirstName, tokenMark, r.Token).Replace(m.Text)
	if m.HTML != "" {
		var name bytes.Buffer
		if err := htmlText.Execute(&name, r.FirstName); err != nil {
			return Message{}, err
		}
		m.HTML = strings.NewReplacer(nameMark, name.String(), tokenMark, r.Token).Replace(m.HTML)
	}
	return m, nil
}

// The marks a memoized mail holds in place of the person's first name and
// token. They are letters only, so no escaping changes them, in a text
// node or in a URL; a token (base64url) needs no escaping either, and the
// name is escaped as the templates escape it, in a text node.
const (
	nameMark  = "VitrineFirstNameMark"
	tokenMark = "VitrineTokenMark"
)

// htmlText escapes a string as the HTML templates escape text.
var htmlText = htmltemplate.Must(htmltemplate.New("").Parse("{{.}}"))

// regKey is what a registration mail depends on, but for the person.
type regKey struct {
	kind, lang, base string
	d                RegistrationData
}

// memo keeps the last values computed for a bounded number of keys, safe
// for concurrent use: when full, it starts again empty, so keys no longer
// asked for (a session changed) go.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (r *memo[K, V]) get(k K) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[k]
	return v, ok
}

func (r *memo[K, V]) put(k K, v V, size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= size {
		r.m = make(map[K]V)
	}
	r.m[k] = v
}

// regMemo keeps the last composed registration mails, with the marks in
// place of the person, at most regMemoSize.
type regMemo = memo[regKey, Message]

const regMemoSize = 512
