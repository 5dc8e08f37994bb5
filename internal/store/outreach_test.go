package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/contact"
	"vitrine/internal/mail"
	"vitrine/internal/outreach"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

func stagePtr(s outreach.Stage) *outreach.Stage { return &s }

func TestOutreachChangesAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		by := store.Actor{Name: "consultant@example.org"}
		e, err := st.Outreach.Get(ctx, "56078")
		if err != nil || e.Outreach.Stage != outreach.NotContacted || e.Commune.Name != "Thuin" || e.Outreach.Phase != 1 {
			t.Fatalf("untouched commune: %+v %v", e, err)
		}
		next := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
		text := "Appeler l’échevine"
		e, err = st.Outreach.Change(ctx, "56078", outreach.Change{
			Stage: stagePtr(outreach.LetterSent), NextActionAt: &next, NextAction: &text,
			Note: "Lettre envoyée au collège.", SetIssues: true, Issues: []string{"Tourisme", "marché"},
		}, by, now)
		if err != nil {
			t.Fatal(err)
		}
		o := e.Outreach
		if o.Stage != outreach.LetterSent || !o.NextActionAt.Equal(next) || o.NextAction != text ||
			strings.Join(o.Issues, ",") != "tourisme,marché" || !strings.Contains(o.Notes, "consultant@example.org\nLettre envoyée") {
			t.Fatalf("after change: %+v", o)
		}
		hist, err := st.Outreach.History(ctx, "56078", 0)
		if err != nil || len(hist) != 5 {
			t.Fatalf("history: %d entries, %v", len(hist), err)
		}
		byField := map[string]outreach.HistoryEntry{}
		for _, h := range hist {
			byField[h.Field] = h
			if h.Actor != "consultant@example.org" || !h.At.Equal(now) {
				t.Errorf("history entry %+v", h)
			}
		}
		if h := byField["stage"]; h.Old != "not_contacted" || h.New != "letter_sent" {
			t.Errorf("stage history %+v", h)
		}
		if h := byField["next_action_at"]; h.New != "2027-01-15T08:00:00Z" {
			t.Errorf("date history %+v", h)
		}

		// The same change again records nothing.
		if _, err := st.Outreach.Change(ctx, "56078", outreach.Change{Stage: stagePtr(outreach.LetterSent)}, by, now); err != nil {
			t.Fatal(err)
		}
		if hist, _ := st.Outreach.History(ctx, "56078", 0); len(hist) != 5 {
			t.Errorf("a change that changes nothing wrote history: %d", len(hist))
		}
		// Clearing the next action.
		e, _ = st.Outreach.Change(ctx, "56078", outreach.Change{NextActionAt: &time.Time{}}, by, now)
		if !e.Outreach.NextActionAt.IsZero() {
			t.Errorf("next action not cleared: %v", e.Outreach.NextActionAt)
		}
		// Wrong input changes nothing.
		if _, err := st.Outreach.Change(ctx, "56078", outreach.Change{Stage: stagePtr("signed")}, by, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("unknown stage: %v", err)
		}
		if _, err := st.Outreach.Change(ctx, "99999", outreach.Change{Stage: stagePtr(outreach.Met)}, by, now); !errors.Is(err, store.ErrCommuneNotFound) {
			t.Errorf("unknown commune: %v", err)
		}

		// The history cannot be rewritten.
		if _, err := st.DB.Writer().Exec("UPDATE outreach_history SET actor = 'someone else'"); err == nil {
			t.Error("the history can be updated")
		}
		if _, err := st.DB.Writer().Exec("DELETE FROM outreach_history"); err == nil {
			t.Error("the history can be deleted")
		}
	})
}

func TestPipelineFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		by := store.Actor{Name: "c@example.org"}
		past, future := now.Add(-48*time.Hour), now.Add(48*time.Hour)
		st.Outreach.Change(ctx, "52012", outreach.Change{Stage: stagePtr(outreach.Met), NextActionAt: &past}, by, now)
		st.Outreach.Change(ctx, "56078", outreach.Change{Stage: stagePtr(outreach.Met), NextActionAt: &future}, by, now)
		all, err := st.Outreach.List(ctx, store.PipelineFilter{})
		if err != nil || len(all) != 261 {
			t.Fatalf("pipeline: %d, %v", len(all), err)
		}
		if all[0].Commune.Name != "Aiseau-Presles" {
			t.Errorf("first commune %q: want the list sorted by name", all[0].Commune.Name)
		}
		names := func(f store.PipelineFilter) string {
			list, err := st.Outreach.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.Commune.Name)
			}
			return strings.Join(out, ",")
		}
		if got := names(store.PipelineFilter{Stage: outreach.Met}); got != "Châtelet,Thuin" {
			t.Errorf("stage met: %s", got)
		}
		if got := names(store.PipelineFilter{DueBefore: now}); got != "Châtelet" {
			t.Errorf("due: %s", got)
		}
		if got := names(store.PipelineFilter{Stage: outreach.Met, Province: "Hainaut", Phase: 1}); got != "Châtelet,Thuin" {
			t.Errorf("province and phase: %s", got)
		}
		if list, _ := st.Outreach.List(ctx, store.PipelineFilter{Province: "Namur", Phase: 2}); len(list) == 0 || list[0].Commune.Province != "Namur" || list[0].Commune.Phase != 2 {
			t.Errorf("Namur phase 2: %d", len(list))
		}
	})
}

func TestCommuneContactsAndRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		by := store.Actor{Name: "c@example.org"}
		c, err := st.Outreach.AddContact(ctx, outreach.CommuneContact{NIS: "56078", Name: "Anne Dupont", Role: outreach.AldermanCommerce, Email: "anne@thuin.be", Phone: "071 55 94 11"}, by, now)
		if err != nil || c.ID == 0 || c.Phone != "+3271559411" {
			t.Fatalf("add contact: %+v %v", c, err)
		}
		if _, err := st.Outreach.AddContact(ctx, outreach.CommuneContact{NIS: "56078", Name: "", Role: "mayor"}, by, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("bad contact: %v", err)
		}
		if err := st.Outreach.RemoveContact(ctx, "52012", c.ID, by, now); !errors.Is(err, store.ErrCommuneContactNotFound) {
			t.Errorf("remove from the wrong commune: %v", err)
		}
		if err := st.Outreach.RemoveContact(ctx, "56078", c.ID, by, now); err != nil {
			t.Fatal(err)
		}
		if list, _ := st.Outreach.Contacts(ctx, "56078"); len(list) != 0 {
			t.Errorf("contacts after removal: %v", list)
		}

		// A commune comes forward: request, contact, stage, history and mails together.
		notify := func(r outreach.Request, c commune.Commune) ([]mail.Message, error) {
			return []mail.Message{{Kind: "commune_request", MessageID: fmt.Sprint("m1-", r.ID, "@test"), To: "admin@example.org", Subject: "Demande de " + c.Name, Text: r.Message}}, nil
		}
		r, err := st.Outreach.Request(ctx, outreach.Request{NIS: "56078", Name: "Marie Lambert", Role: outreach.LocalDevelopmentAgency, Email: "marie@adl-thuin.be", Message: "Nous aimerions une séance."}, notify, now)
		if err != nil || r.ID == 0 {
			t.Fatalf("request: %+v %v", r, err)
		}
		e, _ := st.Outreach.Get(ctx, "56078")
		if e.Outreach.Stage != outreach.Contacted {
			t.Errorf("stage after the request: %s", e.Outreach.Stage)
		}
		contacts, _ := st.Outreach.Contacts(ctx, "56078")
		if len(contacts) != 1 || contacts[0].Email != "marie@adl-thuin.be" || contacts[0].Role != outreach.LocalDevelopmentAgency {
			t.Errorf("contacts after the request: %+v", contacts)
		}
		hist, _ := st.Outreach.History(ctx, "56078", 3)
		if len(hist) != 3 || hist[0].Field != "contact_added" || hist[1].Field != "stage" || hist[2].Field != "request" || !strings.Contains(hist[2].Actor, "Marie Lambert") {
			t.Errorf("history after the request: %+v", hist)
		}
		mails, _ := st.Outbox.List(ctx, store.OutboxFilter{Kind: "commune_request"})
		if len(mails) != 1 || mails[0].Message.RefID != r.ID || mails[0].Message.To != "admin@example.org" {
			t.Errorf("outbox: %+v", mails)
		}
		// A commune further on keeps its stage.
		st.Outreach.Change(ctx, "52012", outreach.Change{Stage: stagePtr(outreach.SessionPlanned)}, by, now)
		if _, err := st.Outreach.Request(ctx, outreach.Request{NIS: "52012", Name: "Paul", Role: outreach.OtherRole, Email: "paul@chatelet.be"}, notify, now); err != nil {
			t.Fatal(err)
		}
		if e, _ := st.Outreach.Get(ctx, "52012"); e.Outreach.Stage != outreach.SessionPlanned {
			t.Errorf("a request moved a commune back to %s", e.Outreach.Stage)
		}
		// An unknown commune is the field's fault, and nothing is written.
		_, err = st.Outreach.Request(ctx, outreach.Request{NIS: "12345", Name: "X", Role: outreach.OtherRole, Email: "x@example.org"}, notify, now)
		if e, ok := apperr.As(err); !ok || len(e.Fields) == 0 || e.Fields[0].Field != "commune_nis" {
			t.Errorf("unknown commune: %v", err)
		}
		// A failing notification writes nothing.
		failing := func(outreach.Request, commune.Commune) ([]mail.Message, error) { return nil, errors.New("no template") }
		if _, err := st.Outreach.Request(ctx, outreach.Request{NIS: "57003", Name: "Y", Role: outreach.OtherRole, Email: "y@antoing.be"}, failing, now); err == nil {
			t.Fatal("request with a failing notification succeeded")
		}
		if e, _ := st.Outreach.Get(ctx, "57003"); e.Outreach.Stage != outreach.NotContacted {
			t.Error("half a request was written")
		}
		if reqs, _ := st.Outreach.Requests(ctx, 10); len(reqs) != 2 {
			t.Errorf("%d requests", len(reqs))
		}
	})
}

// contactsFile builds a contacts file of n good lines.
func contactsFile(n int, extra string) []byte {
	var b strings.Builder
	b.WriteString("email;first_name;last_name;shop_name;commune;legal_basis\n")
	for i := range n {
		fmt.Fprintf(&b, "shop%d@example.be;Prénom%d;Nom;Commerce %d;Châtelet;contract\n", i, i, i)
	}
	b.WriteString(extra)
	return []byte(b.String())
}

func TestContactImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := func() time.Time { return now }
		by := store.Actor{Name: "federation@example.org"}
		// Known addresses are looked up 500 at a time: 1,200 lines take three.
		defer store.SetKeyChunk(500)()
		imp, err := st.Contacts.Import(ctx, contactsFile(1200, ""), by, "members.csv", nil, clock)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != store.ImportDone || imp.Added != 1200 || imp.Lines != 1200 || imp.Updated+imp.Unchanged+imp.Rejected != 0 {
			t.Fatalf("first import: %+v", imp)
		}
		// The same file again adds nothing.
		imp, err = st.Contacts.Import(ctx, contactsFile(1200, ""), by, "members.csv", nil, clock)
		if err != nil || imp.Added != 0 || imp.Updated != 0 || imp.Unchanged != 1200 {
			t.Fatalf("second import: %+v %v", imp, err)
		}
		// An opt-out stays through a new file; changed details are updated,
		// empty cells keep what was known.
		c, _ := st.Contacts.ByEmail(ctx, "SHOP7@example.be")
		if _, err := st.Contacts.OptOut(ctx, c.ID, now); err != nil {
			t.Fatal(err)
		}
		changed := []byte("courriel;prénom;commerce;téléphone;base légale\nshop7@example.be;Zoé;;0470 12 34 56;consentement\nnew@example.be;;;;consent\nshop8@example.be;Prénom8;Commerce 8;;contract\n")
		imp, err = st.Contacts.Import(ctx, changed, by, "update.csv", nil, clock)
		if err != nil || imp.Added != 1 || imp.Updated != 1 || imp.Unchanged != 1 {
			t.Fatalf("update import: %+v %v", imp, err)
		}
		c, _ = st.Contacts.Get(ctx, c.ID)
		if !c.OptedOut() || c.FirstName != "Zoé" || c.ShopName != "Commerce 7" || c.Phone != "+32470123456" || c.LegalBasis != contact.Consent || c.CommuneNIS != "52012" || c.ImportID != imp.ID {
			t.Errorf("updated contact: %+v", c)
		}
		n, _ := st.Contacts.Counts(ctx, store.ContactFilter{})
		if n.Total != 1201 || n.OptedOut != 1 {
			t.Errorf("counts %+v", n)
		}

		// One bad line: nothing is written, every reason is reported.
		bad := contactsFile(10, "x@;A;B;C;Châtelet;contract\nok@example.be;A;B;C;Atlantis;contract\n")
		imp, err = st.Contacts.Import(ctx, bad, by, "bad.csv", nil, clock)
		if err != nil || imp.Status != store.ImportRejected || imp.Rejected != 2 || len(imp.Bad) != 2 || imp.Bad[0].Line != 12 || imp.Bad[1].Line != 13 {
			t.Fatalf("bad import: %+v %v", imp, err)
		}
		if n2, _ := st.Contacts.Counts(ctx, store.ContactFilter{}); n2 != n {
			t.Errorf("a rejected file changed the address book: %+v → %+v", n, n2)
		}
		stored, err := st.Contacts.GetImport(ctx, imp.ID)
		if err != nil || stored.Status != store.ImportRejected || len(stored.Bad) != 2 || stored.Bad[1].Key != "import.contact.commune_unknown" || stored.FileName != "bad.csv" || stored.Actor != by.Name {
			t.Errorf("stored import: %+v %v", stored, err)
		}
		// A file without the needed columns fails as a whole.
		_, err = st.Contacts.Import(ctx, []byte("name;phone\nA;0470\n"), by, "wrong.csv", nil, clock)
		if !errors.Is(err, contact.ErrColumnMissing) {
			t.Errorf("missing columns: %v", err)
		}
		list, _ := st.Contacts.Imports(ctx, 10)
		if len(list) != 5 || list[0].Status != store.ImportFailed || list[0].FinishedAt.IsZero() {
			t.Errorf("imports: %+v", list)
		}

		// Search, erase.
		found, _ := st.Contacts.List(ctx, store.ContactFilter{Query: "Commerce 1199", Limit: 10})
		if len(found) != 1 || found[0].Email != "shop1199@example.be" {
			t.Errorf("search: %+v", found)
		}
		if found, _ := st.Contacts.List(ctx, store.ContactFilter{Query: "100%_"}); len(found) != 0 {
			t.Errorf("LIKE wildcards not escaped: %d found", len(found))
		}
		if err := st.Contacts.Erase(ctx, 999999); !errors.Is(err, store.ErrContactNotFound) {
			t.Errorf("erase unknown: %v", err)
		}
		c12, _ := st.Contacts.ByEmail(ctx, "shop12@example.be")
		if err := st.Contacts.Erase(ctx, c12.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Contacts.ByEmail(ctx, "shop12@example.be"); !errors.Is(err, store.ErrContactNotFound) {
			t.Errorf("erased contact still there: %v", err)
		}
	})
}

func TestQuestions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Atelier", CommuneNIS: "52012", Venue: "Salle",
			StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 30}, now)
		if err != nil {
			t.Fatal(err)
		}
		q, err := st.Questions.Add(ctx, outreach.Question{SessionID: s.ID, Text: " Faut-il un site web ? ", Source: outreach.FromWeb}, 0, now)
		if err != nil || q.ID == 0 || q.Text != "Faut-il un site web ?" {
			t.Fatalf("add: %+v %v", q, err)
		}
		if _, err := st.Questions.Add(ctx, outreach.Question{SessionID: 9999, Text: "?", Source: outreach.FromWeb}, 0, now); !errors.Is(err, store.ErrSessionNotFound) {
			t.Errorf("unknown session: %v", err)
		}
		if _, err := st.Questions.Add(ctx, outreach.Question{SessionID: s.ID, Text: "", Source: outreach.FromWeb}, 0, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("empty question: %v", err)
		}
		st.Questions.Add(ctx, outreach.Question{SessionID: s.ID, Text: "Et Instagram ?", Source: outreach.FromSocialMedia}, 0, now)
		if pub, _ := st.Questions.List(ctx, store.QuestionFilter{SessionID: s.ID, PublishedOnly: true}); len(pub) != 0 {
			t.Errorf("published before any answer: %v", pub)
		}
		a, err := st.Questions.Answer(ctx, q.ID, outreach.Answer{Text: "Non : une fiche Google suffit pour commencer.", Publish: true}, 0, now)
		if err != nil || !a.Published || a.AnsweredAt.IsZero() {
			t.Fatalf("answer: %+v %v", a, err)
		}
		if _, err := st.Questions.Answer(ctx, 9999, outreach.Answer{Text: "x"}, 0, now); !errors.Is(err, store.ErrQuestionNotFound) {
			t.Errorf("answer unknown: %v", err)
		}
		pub, _ := st.Questions.List(ctx, store.QuestionFilter{SessionID: s.ID, PublishedOnly: true})
		if len(pub) != 1 || pub[0].ID != q.ID {
			t.Errorf("FAQ: %+v", pub)
		}
		counts, _ := st.Questions.CountsBySession(ctx)
		if c := counts[s.ID]; c.Total != 2 || c.Unanswered != 1 || c.Published != 1 {
			t.Errorf("counts %+v", c)
		}
		// A cancelled session takes no more questions.
		st.DB.Writer().Exec("UPDATE info_sessions SET status = 'cancelled' WHERE id = $1", s.ID)
		if _, err := st.Questions.Add(ctx, outreach.Question{SessionID: s.ID, Text: "?", Source: outreach.FromWeb}, 0, now); !errors.Is(err, store.ErrSessionCancelled) {
			t.Errorf("cancelled session: %v", err)
		}
	})
}
