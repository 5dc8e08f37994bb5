package mail_test

import (
	"strings"
	"testing"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/sessions"
)

// An invitation rendered once and personalised per recipient: the name is
// escaped in the HTML part, the token lands in the link and the headers,
// and a contact without a first name gets a plain greeting.
func TestInvitationTemplate(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := mail.NewComposer(cat, "https://vitrine.example")
	if err != nil {
		t.Fatal(err)
	}
	c.UnsubscribeMail = "federation@example.org"
	start := time.Date(2027, 3, 17, 18, 0, 0, 0, time.UTC)
	ss := []sessions.Session{{ID: 7, Title: "Vendre en ligne", Town: "Châtelet", Venue: "Salle des fêtes", StartsAt: start, EndsAt: start.Add(2 * time.Hour)}}
	tmpl, err := c.InvitationTemplate("fr", ss)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("ab", 16)
	m := tmpl.For(mail.Invitee{Email: "lea@example.be", FirstName: "Léa <b>&", Token: tok, MessageID: "inv-1-abababab"})
	if m.To != "lea@example.be" || m.MessageID != "inv-1-abababab@vitrine.example" || !strings.Contains(m.Subject, "Châtelet") {
		t.Errorf("message %q %q %q", m.To, m.MessageID, m.Subject)
	}
	if !strings.Contains(m.Text, "Bonjour Léa <b>&,") || !strings.Contains(m.HTML, "Bonjour Léa &lt;b&gt;&amp;,") || strings.Contains(m.HTML, "<b>&") {
		t.Errorf("name: text %q\nhtml %q", m.Text, m.HTML)
	}
	link := "https://vitrine.example/u/" + tok
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.Text, "https://vitrine.example/sessions/7") {
		t.Errorf("links: %q", m.Text)
	}
	if got := m.Headers["List-Unsubscribe"]; got != "<"+link+">, <mailto:federation@example.org?subject=unsubscribe%20"+tok+">" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if strings.Contains(m.Text+m.HTML+m.Subject, "VITRINE") {
		t.Error("a placeholder is left")
	}
	anon := tmpl.For(mail.Invitee{Email: "x@example.be", Token: tok})
	if !strings.HasPrefix(anon.Text, "Bonjour,\n") || anon.MessageID == "" || anon.MessageID == m.MessageID {
		t.Errorf("without a name: %q (%s)", anon.Text[:20], anon.MessageID)
	}
	de, err := c.Invitation(mail.Invitee{Email: "jens@example.be", FirstName: "Jens", Lang: "de", Token: tok}, ss)
	if err != nil || !strings.HasPrefix(de.Text, "Guten Tag Jens,") {
		t.Errorf("German: %q %v", de.Text, err)
	}
}
