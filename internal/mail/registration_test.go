package mail

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/sessions"
)

// A registration mail put together from the memo is the mail the templates
// write for that person, whatever the name holds, in every language and
// kind, the first time (composed) and the next (from the memo).
func TestRegistrationMailMemo(t *testing.T) {
	c, err := NewComposer(i18n.MustLoad(), "https://vitrine.example/")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	s := sessions.Session{Title: "Vendre en ligne <pas à pas>", Town: "Châtelet", Venue: "Salle \"Le Quai\"", Address: "Rue A & B 1",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour)}
	names := []string{"Léa", "Jean-Luc", `O'Brien <b>&amp; "x"+y`, "Zoë\x00"}
	kinds := []string{"registration_confirmed", "registration_waitlisted", "registration_promoted", "registration_reminder"}
	for _, lang := range i18n.Langs {
		for _, kind := range kinds {
			for round := range 2 {
				for i, name := range names {
					r := sessions.Registration{FirstName: name, Email: "p@example.be", Lang: lang,
						Token: sessions.NewToken(sessions.ManagePrefix), Status: sessions.Confirmed}
					if kind == "registration_waitlisted" {
						r.Status, r.WaitlistPos = sessions.Waitlisted, i+1
					}
					got, err := c.RegistrationMail(kind, r, s)
					if err != nil {
						t.Fatal(err)
					}
					want := composeDirect(t, c, kind, r, s)
					if got.MessageID == "" || got.MessageID == want.MessageID {
						t.Errorf("%s %s: Message-ID %q", lang, kind, got.MessageID)
					}
					got.MessageID, want.MessageID = "", ""
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %s round %d, name %q:\ngot  %+v\nwant %+v", lang, kind, round, name, got, want)
					}
					if !strings.Contains(got.Text, r.Token) || strings.Contains(got.Text+got.HTML, "Mark") {
						t.Errorf("%s %s: the token or a mark:\n%s", lang, kind, got.Text)
					}
				}
			}
		}
	}
	if n := len(c.regs.m); n != len(i18n.Langs)*(len(kinds)+len(names)-1) {
		t.Errorf("%d mails memoized", n)
	}
}

// composeDirect runs the templates with the person's own data.
func composeDirect(t *testing.T, c *Composer, kind string, r sessions.Registration, s sessions.Session) Message {
	t.Helper()
	base := c.BaseURL + "/registrations/" + r.Token
	d := RegistrationData{
		FirstName: r.FirstName, Title: s.Title, Town: s.Town, Venue: s.Venue, Address: s.Address,
		StartsAt: s.StartsAt, EndsAt: s.EndsAt, Status: string(r.Status), Position: r.WaitlistPos,
		ManageURL: base, CalendarURL: base + "/calendar.ics", QRURL: base + "/qr.png",
	}
	l := c.cat.For(r.Lang)
	m, err := c.Compose(kind, l.Lang, r.Email, d, "Town", s.Town, "Date", l.ShortDate(s.StartsAt))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
