package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"vitrine/internal/staff"
	"vitrine/internal/store"
)

const goodContacts = "courriel;prénom;nom;commerce;commune;téléphone;base légale\r\n" +
	"anne@boulangerie.be;Anne;Dupont;Boulangerie Dupont;Châtelet;071 24 32 11;contrat\r\n" +
	"luc@cafe.be;Luc;Martin;\"=HYPERLINK(\"\"http://evil.example\"\")\";6200;;consentement\r\n" +
	"zoe@fleurs.be;Zoé;Lefèvre;Fleurs Zoé;56078;;intérêt légitime\r\n"

const badContacts = "email;legal_basis;commune\nok@example.be;consent;Namur\nx@;consent;Namur\nno@example.be;;Namur\nfar@example.be;consent;Paris\n"

// csvPost sends a CSV body to the import API.
func (e *testEnv) csvPost(token, body string) (int, []byte) {
	e.t.Helper()
	resp := e.do("POST", "/api/v1/contacts/import?file_name=members.csv", strings.NewReader(body), "Content-Type", "text/csv; charset=utf-8", "Authorization", "Bearer "+token)
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// upload posts a file through the import page's form.
func (e *testEnv) upload(c *http.Client, name, content string) *http.Response {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("file", name)
	f.Write([]byte(content))
	w.Close()
	return e.doWith(c, "POST", "/staff/contacts/import", &b, "Content-Type", w.FormDataContentType())
}

func TestContactsImportAPI(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		_, tok := e.staffUser(staff.Partner, "federation@example.org")
		_, consultant := e.staffUser(staff.Consultant, "c@example.org")
		var sum struct {
			ID                                         int64
			Status                                     string
			Lines, Added, Updated, Unchanged, Rejected int
			RejectedLines                              []any `json:"rejected_lines"`
		}
		decode := func(raw []byte) {
			sum.ID, sum.Added, sum.Unchanged = 0, 0, 0
			if err := json.Unmarshal(raw, &sum); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
		}
		status, raw := e.csvPost(tok, goodContacts)
		decode(raw)
		if status != 201 || sum.Status != "done" || sum.Lines != 3 || sum.Added != 3 || sum.RejectedLines == nil {
			t.Fatalf("import: %d %s", status, raw)
		}
		// Twice adds nothing.
		status, raw = e.csvPost(tok, goodContacts)
		decode(raw)
		if status != 201 || sum.Added != 0 || sum.Unchanged != 3 {
			t.Errorf("second import: %d %s", status, raw)
		}
		// Bad lines: a 422 problem naming each line, nothing written.
		status, raw = e.csvPost(tok, badContacts)
		if status != 422 {
			t.Fatalf("bad import: %d %s", status, raw)
		}
		var p struct {
			Code          string
			Rejected      int
			ImportID      int64 `json:"import_id"`
			Errors        []struct{ Field, Message string }
			RejectedLines []struct {
				Line    int
				Message string
			} `json:"rejected_lines"`
		}
		json.Unmarshal(raw, &p)
		if p.Code != "lines_rejected" || p.Rejected != 3 || len(p.Errors) != 3 || p.Errors[0].Field != "email" || p.Errors[1].Field != "legal_basis" || p.Errors[2].Field != "commune" {
			t.Errorf("problem: %s", raw)
		}
		if p.RejectedLines[0].Line != 3 || p.RejectedLines[0].Message != `ligne 3 : l’adresse e-mail « x@ » n’est pas valable` {
			t.Errorf("first rejected line: %+v", p.RejectedLines[0])
		}
		if _, err := e.st.Contacts.ByEmail(context.Background(), "ok@example.be"); err == nil {
			t.Error("a rejected file wrote a line")
		}
		// In English, the contract's wording.
		resp := e.do("POST", "/api/v1/contacts/import?lang=en", strings.NewReader(badContacts), "Content-Type", "text/csv", "Authorization", "Bearer "+tok)
		if raw := body(t, resp); !strings.Contains(raw, `line 3: email \"x@\" is not a valid address`) {
			t.Errorf("English problem: %s", raw)
		}
		// The import's record.
		var rec struct {
			Status   string
			Rejected int
		}
		if status, raw := e.api("GET", "/api/v1/contacts/imports/"+itoa(p.ImportID), tok, nil, &rec); status != 200 || rec.Status != "rejected" || rec.Rejected != 3 {
			t.Errorf("import record: %d %s", status, raw)
		}
		tests := []struct {
			name, ctype, body string
			status            int
		}{
			{"not CSV", "application/json", `{"email":"a@b.be"}`, 422},
			{"empty", "text/csv", "", 422},
			{"no email column", "text/csv", "name;phone\nA;0470\n", 422},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := e.do("POST", "/api/v1/contacts/import", strings.NewReader(tt.body), "Content-Type", tt.ctype, "Authorization", "Bearer "+tok)
				if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			})
		}
		if status, _ := e.csvPost(consultant, goodContacts); status != 403 {
			t.Errorf("consultant import: %d", status)
		}
		if status, _ := e.csvPost("", goodContacts); status != 401 {
			t.Errorf("anonymous import: %d", status)
		}

		// List, export guarded against formulas, opt out, erase.
		var list []struct {
			ID         int64
			Email      string
			ShopName   string  `json:"shop_name"`
			CommuneNIS string  `json:"commune_nis"`
			OptedOutAt *string `json:"opted_out_at"`
		}
		if status, raw := e.api("GET", "/api/v1/contacts?q=luc", tok, nil, &list); status != 200 || len(list) != 1 || list[0].CommuneNIS != "52012" {
			t.Fatalf("list: %d %s", status, raw)
		}
		if status, raw := e.api("GET", "/api/v1/contacts?limit=0", tok, nil, nil); status != 422 || problemFields(t, raw)[0] != "limit" {
			t.Errorf("limit 0: %d", status)
		}
		resp = e.do("GET", "/api/v1/contacts", nil, "Accept", "text/csv", "Authorization", "Bearer "+tok)
		export := body(t, resp)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(export, "\xef\xbb\xbf") {
			t.Fatalf("export: %s %q", resp.Header.Get("Content-Type"), export[:20])
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(export, "\xef\xbb\xbf")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("export rows: %v %v", rows, err)
		}
		for _, row := range rows[1:] {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("unguarded cell %q", cell)
				}
			}
		}
		if !strings.Contains(export, `'=HYPERLINK(`) || !strings.Contains(export, "'+3271243211") {
			t.Errorf("guarded cells missing:\n%s", export)
		}
		// The export imports back unchanged.
		status, raw = e.csvPost(tok, export)
		decode(raw)
		if status != 201 || sum.Unchanged != 3 || sum.Added+sum.Updated != 0 {
			t.Errorf("export imported back: %d %s", status, raw)
		}
		var one struct {
			OptedOutAt *string `json:"opted_out_at"`
		}
		if status, raw := e.api("POST", "/api/v1/contacts/"+itoa(list[0].ID)+"/opt-out", tok, nil, &one); status != 200 || one.OptedOutAt == nil {
			t.Errorf("opt out: %d %s", status, raw)
		}
		if status, _ := e.api("DELETE", "/api/v1/contacts/"+itoa(list[0].ID), tok, nil, nil); status != 204 {
			t.Errorf("erase: %d", status)
		}
		if status, _ := e.api("DELETE", "/api/v1/contacts/"+itoa(list[0].ID), tok, nil, nil); status != 404 {
			t.Errorf("erase again: %d", status)
		}
	})
}

func TestContactsPage(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		e.signIn(c, staff.Partner, "federation@example.org")
		page := body(t, e.doWith(c, "GET", "/staff/contacts", nil))
		checkPage(t, page)
		if !strings.Contains(page, `enctype="multipart/form-data"`) {
			t.Error("no upload form")
		}
		// A small file is imported at once; the summary page says what happened.
		resp := e.upload(c, "membres.csv", goodContacts)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", resp.StatusCode, body(t, resp))
		}
		loc := resp.Header.Get("Location")
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		if !strings.Contains(page, "3 contacts ajoutés") || strings.Contains(page, `http-equiv="refresh"`) {
			t.Errorf("summary page:\n%s", page)
		}
		// A bad file: every line named, nothing written.
		resp = e.upload(c, "bad.csv", badContacts)
		resp = e.doWith(c, "GET", resp.Header.Get("Location"), nil)
		page = body(t, resp)
		checkPage(t, page)
		if resp.StatusCode != 422 || !strings.Contains(page, "3 lignes refusées") || !strings.Contains(page, "ligne 5 : la commune « Paris » n’est pas une commune wallonne") {
			t.Errorf("rejected page: %d", resp.StatusCode)
		}
		// The address book lists, searches and exports.
		page = body(t, e.doWith(c, "GET", "/staff/contacts?q=zoe", nil))
		checkPage(t, page)
		if !strings.Contains(page, "zoe@fleurs.be") || strings.Contains(page, "anne@boulangerie.be") {
			t.Error("search")
		}
		resp = e.doWith(c, "GET", "/staff/contacts.csv", nil)
		if export := body(t, resp); !strings.Contains(export, "anne@boulangerie.be") || resp.Header.Get("Content-Disposition") == "" {
			t.Error("export")
		}
		// Opt out from the page, then erase.
		zoe, _ := e.st.Contacts.ByEmail(context.Background(), "zoe@fleurs.be")
		if resp := e.form(c, "/staff/contacts/"+itoa(zoe.ID)+"/opt-out", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("opt out: %d", resp.StatusCode)
		}
		if zoe, _ = e.st.Contacts.Get(context.Background(), zoe.ID); !zoe.OptedOut() {
			t.Error("not opted out")
		}
		if resp := e.form(c, "/staff/contacts/"+itoa(zoe.ID)+"/erase", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("erase: %d", resp.StatusCode)
		}
		// A consultant may not.
		k := e.browser()
		e.signIn(k, staff.Consultant, "c@example.org")
		if resp := e.doWith(k, "GET", "/staff/contacts", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("consultant: %d", resp.StatusCode)
		}
	})
}

// A file over the inline size runs in the background; its page refreshes
// itself and shows the progress until the summary.
func TestContactsImportInBackground(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		c := e.browser()
		u := e.signIn(c, staff.Admin, "admin@example.org")
		// A running import's page reloads itself.
		id, err := e.st.Contacts.StartImport(context.Background(), store.Actor{UserID: u.ID, Name: u.Email}, "waiting.csv", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, e.doWith(c, "GET", "/staff/contacts/imports/"+itoa(id), nil))
		checkPage(t, page)
		if !strings.Contains(page, `<meta http-equiv="refresh" content="1">`) {
			t.Error("a running import's page does not refresh")
		}
		var b strings.Builder
		b.WriteString("email;legal_basis;commune\n")
		for i := range 3000 {
			fmt.Fprintf(&b, "shop%d@example.be;contrat;Namur\n", i)
		}
		resp := e.upload(c, "big.csv", b.String())
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/staff/contacts/imports/\d+$`).MatchString(loc) {
			t.Fatalf("upload: %d %q", resp.StatusCode, loc)
		}
		e.srv.WaitImports()
		page = body(t, e.doWith(c, "GET", loc, nil))
		checkPage(t, page)
		if !strings.Contains(page, "3000 contacts ajoutés") && !strings.Contains(page, "3\u202f000 contacts ajoutés") {
			t.Errorf("background import summary:\n%s", page)
		}
		n, _ := e.st.Contacts.Counts(context.Background(), store.ContactFilter{})
		if n.Total != 3000 {
			t.Errorf("%d contacts", n.Total)
		}
	}, func(c *Config) { c.ImportInline = 1024 })
}
