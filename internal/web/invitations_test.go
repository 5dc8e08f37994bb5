package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vitrine/internal/mailtest"
	"vitrine/internal/sessions"
	"vitrine/internal/staff"
)

const inviteContacts = "courriel;prénom;nom;commerce;commune;base légale\n" +
	"anne@boulangerie.be;Anne;Dupont;Boulangerie Dupont;Châtelet;contrat\n" +
	"luc@cafe.be;Luc;Martin;Café Luc;6200;consentement\n" +
	"zoe@fleurs.be;Zoé;Lefèvre;Fleurs Zoé;56078;intérêt légitime\n" +
	"jens@laden.be;Jens;Kohl;Laden Jens;Eupen;contrat\n"

// inviteSetup imports the contacts and creates an upcoming session in
// Châtelet; it returns the partner's token and the session.
func (e *testEnv) inviteSetup(venue string) (string, sessions.Session) {
	e.t.Helper()
	_, tok := e.staffUser(staff.Partner, "federation@example.org")
	if code, raw := e.csvPost(tok, inviteContacts); code != http.StatusCreated && code != http.StatusOK {
		e.t.Fatalf("import: %d %s", code, raw)
	}
	return tok, e.inviteSession(venue, 48*time.Hour)
}

func (e *testEnv) inviteSession(venue string, in time.Duration) sessions.Session {
	e.t.Helper()
	s, err := e.st.Sessions.Create(context.Background(), sessions.Draft{Title: "Vendre en ligne", CommuneNIS: "52012", Venue: venue,
		StartsAt: testStart.Add(in), EndsAt: testStart.Add(in + 2*time.Hour), Capacity: 40}, testStart)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

type invitationJSON struct {
	ID                                                       int64
	Status                                                   string
	Recipients, Sent, Failed, Pending, Suppressed, Cancelled int
}

var unsubscribeLink = regexp.MustCompile(`/u/([0-9a-f]{32})`)

func TestInvitationsAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		tok, s := e.inviteSetup("Salle des fêtes")
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		in := map[string]any{"session_ids": []int64{s.ID}, "communes": []string{"52012"}}

		if code, _ := e.api("POST", "/api/v1/invitations", "", in, nil); code != http.StatusUnauthorized {
			t.Errorf("no token: %d", code)
		}
		if code, _ := e.api("POST", "/api/v1/invitations", consultant, in, nil); code != http.StatusForbidden {
			t.Errorf("consultant: %d", code)
		}
		for _, bad := range []struct {
			name  string
			body  any
			field string
		}{
			{"no session", map[string]any{"session_ids": []int64{}, "communes": []string{"52012"}}, "session_ids"},
			{"both", map[string]any{"session_ids": []int64{s.ID}, "communes": []string{"52012"}, "radius_km": 5}, "communes"},
			{"unknown session", map[string]any{"session_ids": []int64{s.ID + 100}, "radius_km": 5}, "session_ids"},
			{"radius", map[string]any{"session_ids": []int64{s.ID}, "radius_km": 900}, "radius_km"},
		} {
			code, raw := e.api("POST", "/api/v1/invitations", tok, bad.body, nil)
			var p struct {
				Status int
				Errors []struct{ Field, Message string }
			}
			json.Unmarshal(raw, &p)
			if code != http.StatusUnprocessableEntity || p.Status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != bad.field || p.Errors[0].Message == "" {
				t.Errorf("%s: %d %s", bad.name, code, raw)
			}
		}

		var created invitationJSON
		if code, raw := e.api("POST", "/api/v1/invitations", tok, in, &created); code != http.StatusCreated || created.Recipients != 2 || created.ID == 0 {
			t.Fatalf("create: %d %s", code, raw)
		}
		var got invitationJSON
		path := fmt.Sprintf("/api/v1/invitations/%d", created.ID)
		if code, raw := e.api("GET", path, tok, nil, &got); code != 200 || got.Status != "sending" || got.Pending != 2 || got.Sent != 0 {
			t.Fatalf("progress before sending: %d %s", code, raw)
		}
		if code, _ := e.api("GET", "/api/v1/invitations/999999", tok, nil, nil); code != http.StatusNotFound {
			t.Errorf("unknown campaign: %d", code)
		}

		e.sendInvitations()
		if code, raw := e.api("GET", path, tok, nil, &got); code != 200 || got.Status != "done" || got.Sent != 2 || got.Pending != 0 || got.Failed != 0 {
			t.Fatalf("progress after sending: %d %s", code, raw)
		}
		anne := e.smtp.To("anne@boulangerie.be")
		luc := e.smtp.To("luc@cafe.be")
		if len(anne) != 1 || len(luc) != 1 || len(e.smtp.To("zoe@fleurs.be")) != 0 {
			t.Fatalf("mails: anne %d, luc %d", len(anne), len(luc))
		}
		m := anne[0]
		if !strings.Contains(m.Subject, "Châtelet") || !strings.Contains(m.Text, "Bonjour Anne") ||
			!strings.Contains(m.Text, fmt.Sprintf("/sessions/%d", s.ID)) || !strings.Contains(m.HTML, "Salle des fêtes") {
			t.Errorf("mail: %q\n%s", m.Subject, m.Text)
		}
		lu := m.Header.Get("List-Unsubscribe")
		link := unsubscribeLink.FindStringSubmatch(m.Text)
		if link == nil || !strings.Contains(lu, "<"+e.ts.URL+"/u/"+link[1]+">") || !strings.Contains(lu, "<mailto:") ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("unsubscribe headers %q / %q, link %v", lu, m.Header.Get("List-Unsubscribe-Post"), link)
		}
		if m.MessageID == "" || m.MessageID == luc[0].MessageID {
			t.Errorf("Message-IDs %q and %q", m.MessageID, luc[0].MessageID)
		}

		// The confirmation page, then the one-click POST a mail client
		// sends from elsewhere; other routes still refuse cross-site posts.
		resp := e.do("GET", "/u/"+link[1], nil)
		page := body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(page, "anne@boulangerie.be") || !strings.Contains(page, `action="/u/`+link[1]+`"`) {
			t.Fatalf("unsubscribe page %d: %s", resp.StatusCode, page)
		}
		checkPage(t, page)
		if reason, ok, _ := e.st.Invitations.Suppressed(context.Background(), "anne@boulangerie.be"); ok {
			t.Fatalf("the GET unsubscribed already (%s)", reason)
		}
		resp = e.do("POST", "/u/"+link[1], strings.NewReader("List-Unsubscribe=One-Click"),
			"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Origin", "https://mail.example")
		if page := body(t, resp); resp.StatusCode != 200 || !strings.Contains(page, `id="unsubscribed"`) {
			t.Fatalf("one-click unsubscribe %d: %s", resp.StatusCode, page)
		}
		if reason, ok, _ := e.st.Invitations.Suppressed(context.Background(), "anne@boulangerie.be"); !ok || reason != "unsubscribed" {
			t.Fatal("not unsubscribed")
		}
		resp = e.do("POST", "/sign-in", strings.NewReader("email=x@example.org"),
			"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Origin", "https://mail.example")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in post: %d, want 403", resp.StatusCode)
		}
		for _, bad := range []string{"/u/" + strings.Repeat("0", 32), "/u/nope"} {
			if resp := e.do("POST", bad, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", bad, resp.StatusCode)
			}
		}

		// A later campaign leaves Anne out; it can be paused and resumed.
		s2 := e.inviteSession("Maison communale", 96*time.Hour)
		var second invitationJSON
		if code, raw := e.api("POST", "/api/v1/invitations", tok, map[string]any{"session_ids": []int64{s2.ID}, "radius_km": 3}, &second); code != 201 || second.Recipients != 1 {
			t.Fatalf("second campaign: %d %s", code, raw)
		}
		path2 := fmt.Sprintf("/api/v1/invitations/%d", second.ID)
		if code, raw := e.api("POST", path2+"/pause", tok, nil, &got); code != 200 || got.Status != "paused" {
			t.Fatalf("pause: %d %s", code, raw)
		}
		if code, _ := e.api("POST", path2+"/pause", tok, nil, nil); code != http.StatusConflict {
			t.Errorf("second pause: %d", code)
		}
		e.sendInvitations()
		if len(e.smtp.To("luc@cafe.be")) != 1 {
			t.Fatal("a paused campaign sent")
		}
		if code, raw := e.api("POST", path2+"/resume", tok, nil, &got); code != 200 || got.Status != "sending" {
			t.Fatalf("resume: %d %s", code, raw)
		}
		e.sendInvitations()
		if len(e.smtp.To("luc@cafe.be")) != 2 || len(e.smtp.To("anne@boulangerie.be")) != 1 {
			t.Fatalf("second campaign mailed luc %d times, anne %d times", len(e.smtp.To("luc@cafe.be")), len(e.smtp.To("anne@boulangerie.be")))
		}

		// A cancelled campaign sends nothing, and stays cancelled.
		s3 := e.inviteSession("Halle", 120*time.Hour)
		var third invitationJSON
		if code, raw := e.api("POST", "/api/v1/invitations", tok, map[string]any{"session_ids": []int64{s3.ID}, "communes": []string{"52012"}}, &third); code != 201 || third.Recipients != 1 {
			t.Fatalf("third campaign: %d %s", code, raw)
		}
		path3 := fmt.Sprintf("/api/v1/invitations/%d", third.ID)
		if code, raw := e.api("POST", path3+"/cancel", tok, nil, &got); code != 200 || got.Status != "cancelled" || got.Pending != 0 || got.Cancelled != 1 {
			t.Fatalf("cancel: %d %s", code, raw)
		}
		if code, _ := e.api("POST", path3+"/resume", tok, nil, nil); code != http.StatusConflict {
			t.Errorf("resume after cancel: %d", code)
		}
		if code, _ := e.api("POST", path3+"/explode", tok, nil, nil); code != http.StatusNotFound {
			t.Errorf("unknown action: %d", code)
		}
		e.sendInvitations()
		if len(e.smtp.To("luc@cafe.be")) != 2 {
			t.Fatal("a cancelled campaign sent")
		}
	})
}

// Temporary refusals come back later; a hard bounce suppresses the address.
func TestInvitationsRetryAndBounce(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		tok, s := e.inviteSetup("Salle")
		e.smtp.Refuse(func(to string) error {
			switch to {
			case "anne@boulangerie.be":
				return mailtest.Permanent
			case "luc@cafe.be":
				return mailtest.Temporary
			}
			return nil
		})
		var c invitationJSON
		if code, raw := e.api("POST", "/api/v1/invitations", tok, map[string]any{"session_ids": []int64{s.ID}, "communes": []string{"52012", "56078"}}, &c); code != 201 || c.Recipients != 3 {
			t.Fatalf("create: %d %s", code, raw)
		}
		e.sendInvitations()
		path := fmt.Sprintf("/api/v1/invitations/%d", c.ID)
		e.api("GET", path, tok, nil, &c)
		if c.Sent != 1 || c.Failed != 1 || c.Pending != 1 || c.Status != "sending" {
			t.Fatalf("after the first round: %+v", c)
		}
		if reason, ok, _ := e.st.Invitations.Suppressed(context.Background(), "anne@boulangerie.be"); !ok || reason != "bounced" {
			t.Fatalf("bounce not suppressed: %q", reason)
		}
		e.smtp.Refuse(nil)
		e.clock.Add(time.Hour)
		e.sendInvitations()
		e.api("GET", path, tok, nil, &c)
		if c.Sent != 2 || c.Failed != 1 || c.Pending != 0 || c.Status != "done" {
			t.Fatalf("after the retry: %+v", c)
		}
		if len(e.smtp.To("luc@cafe.be")) != 1 {
			t.Fatal("luc's invitation did not arrive once")
		}
	})
}

func TestInvitationsPages(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, s := e.inviteSetup("Salle des fêtes")
		c := e.browser()
		e.signIn(c, staff.Partner, "partner@example.org")
		home := body(t, e.doWith(c, "GET", "/staff", nil))
		if !strings.Contains(home, `href="/staff/invitations"`) {
			t.Fatal("no link to the campaigns on the staff home page")
		}
		resp := e.doWith(c, "GET", "/staff/invitations", nil)
		page := body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(page, fmt.Sprintf(`value="%d"`, s.ID)) {
			t.Fatalf("campaigns page %d", resp.StatusCode)
		}
		checkPage(t, page)

		resp = e.form(c, "/staff/invitations", url.Values{"communes": {"52012"}, "radius_km": {"abc"}})
		page = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Le rayon doit être") || !strings.Contains(page, `value="52012" selected`) {
			t.Fatalf("bad form: %d\n%s", resp.StatusCode, page)
		}
		checkPage(t, page)
		resp = e.form(c, "/staff/invitations", url.Values{"communes": {"52012"}})
		if page = body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Choisissez au moins une séance") {
			t.Fatalf("no session: %d", resp.StatusCode)
		}

		resp = e.form(c, "/staff/invitations", url.Values{"session_ids": {fmt.Sprint(s.ID)}, "communes": {"52012", "63023"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/invitations/") {
			t.Fatalf("create: %d %q", resp.StatusCode, loc)
		}
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		if !strings.Contains(page, "3 commerçants recevront cette invitation.") || !strings.Contains(page, "Invitation : séance gratuite") ||
			!strings.Contains(page, "/u/") || !strings.Contains(page, "Brouillon") {
			t.Fatalf("preview:\n%s", page)
		}
		if len(e.smtp.Mails()) != 1 { // the sign-in link only
			t.Fatal("the preview sent mail")
		}
		for range 2 { // a double click sends once
			if resp := e.form(c, loc+"/send", nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("send: %d", resp.StatusCode)
			}
		}
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		if !strings.Contains(page, "Envoi en cours") || !strings.Contains(page, `http-equiv="refresh"`) || !strings.Contains(page, `id="count-pending">3<`) {
			t.Fatalf("progress page:\n%s", page)
		}
		e.sendInvitations()
		page = body(t, e.doWith(c, "GET", loc, nil))
		if !strings.Contains(page, "Terminée") || !strings.Contains(page, `id="count-sent">3<`) || strings.Contains(page, `http-equiv="refresh"`) {
			t.Fatalf("done page:\n%s", page)
		}
		// Jens lives in Eupen: his invitation is in German.
		if m := e.smtp.To("jens@laden.be"); len(m) != 1 || !strings.Contains(m[0].Text, "Guten Tag Jens") {
			t.Fatalf("German invitation: %+v", m)
		}
		list := body(t, e.doWith(c, "GET", "/staff/invitations", nil))
		if !strings.Contains(list, loc) {
			t.Fatal("the campaign is not listed")
		}
		if resp := e.doWith(c, "GET", "/staff/invitations/999999", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown campaign page: %d", resp.StatusCode)
		}
		// Consultants have no access.
		c2 := e.browser()
		e.signIn(c2, staff.Consultant, "consultant@example.org")
		if resp := e.doWith(c2, "GET", "/staff/invitations", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("consultant: %d", resp.StatusCode)
		}
	})
}

// Without an SMTP server a campaign waits, and its page says why instead
// of refreshing forever.
func TestInvitationWaitsWithoutMailServer(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		tok, s := e.inviteSetup("Salle des fêtes")
		var c invitationJSON
		if code, raw := e.api("POST", "/api/v1/invitations", tok, map[string]any{"session_ids": []int64{s.ID}, "communes": []string{"52012"}}, &c); code != 201 {
			t.Fatalf("campaign: %d %s", code, raw)
		}
		client := e.browser()
		e.signIn(client, staff.Admin, "admin@example.org")
		page := e.page(client, fmt.Sprintf("/staff/invitations/%d", c.ID))
		if strings.Contains(page, `id="mail-off"`) || !strings.Contains(page, `http-equiv="refresh"`) {
			t.Error("with a mail server, the page refreshes and has no notice")
		}
		e.srv.cfg.MailOff = true
		page = e.page(client, fmt.Sprintf("/staff/invitations/%d", c.ID))
		if !strings.Contains(page, `id="mail-off"`) || !strings.Contains(page, "VITRINE_SMTP_URL") || strings.Contains(page, `http-equiv="refresh"`) {
			t.Error("without a mail server, the page does not say the campaign waits")
		}
	})
}
