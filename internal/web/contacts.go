package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/contact"
	"vitrine/internal/csvin"
	"vitrine/internal/i18n"
	"vitrine/internal/store"
)

// The shopkeepers' address book: a partner imports its members' file, from
// the page or the API, and may export, opt out or erase a contact.

var errNotCSV = apperr.New(apperr.Invalid, "not_csv", "error.contact.not_csv")

// importState is the progress of an import running in the background.
type importState struct {
	phase       atomic.Value // store.ImportPhase
	done, total atomic.Int64
}

// importTracker follows this instance's background imports, for the
// progress page. (Another instance behind a load balancer shows the
// import's row, without the live counts.)
type importTracker struct {
	mu      sync.Mutex
	running map[int64]*importState
	wg      sync.WaitGroup
}

func (t *importTracker) start(id int64) *importState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running == nil {
		t.running = map[int64]*importState{}
	}
	st := &importState{}
	st.phase.Store(store.PhaseChecking)
	t.running[id] = st
	return st
}

func (t *importTracker) get(id int64) (*importState, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.running[id]
	return st, ok
}

func (t *importTracker) end(id int64) {
	t.mu.Lock()
	delete(t.running, id)
	t.mu.Unlock()
}

func (st *importState) progress(phase store.ImportPhase, done, total int) {
	st.phase.Store(phase)
	st.done.Store(int64(done))
	st.total.Store(int64(total))
}

// WaitImports waits for the background imports to end (shutdown, tests).
func (s *Server) WaitImports() { s.imports.wg.Wait() }

type contactsView struct {
	Page
	Counts   store.ContactCounts
	Imports  []store.Import
	Query    string
	Contacts []contact.Contact
	More     bool
	Bases    []contact.LegalBasis
}

const contactsPageSize = 50

func (s *Server) contactsPage(w http.ResponseWriter, r *http.Request) error {
	v := contactsView{Page: s.page(r, ""), Query: strings.TrimSpace(r.URL.Query().Get("q")), Bases: contact.LegalBases}
	v.Title = v.T("contacts.title")
	var err error
	if v.Counts, err = s.st.Contacts.Counts(r.Context(), store.ContactFilter{}); err != nil {
		return err
	}
	if v.Imports, err = s.st.Contacts.Imports(r.Context(), 10); err != nil {
		return err
	}
	list, err := s.st.Contacts.List(r.Context(), store.ContactFilter{Query: v.Query, Limit: contactsPageSize + 1})
	if err != nil {
		return err
	}
	if len(list) > contactsPageSize {
		list, v.More = list[:contactsPageSize], true
	}
	v.Contacts = list
	return s.render(w, r, "contacts", v)
}

// ImportStatus is an import's status in the page's language.
func (p Page) ImportStatus(imp store.Import) string { return p.T("contacts.status." + imp.Status) }

// LineReason is a rejected line in plain words: "ligne 42 : …".
func (p Page) LineReason(b csvin.LineError) string {
	return p.T("contacts.line", "Line", b.Line, "Reason", p.T(b.Key, b.Args))
}

// BasisName is a legal basis in the page's language.
func (p Page) BasisName(b contact.LegalBasis) string { return p.T("contacts.basis." + string(b)) }

// contactsImportPost takes the uploaded file: a small one is imported within
// the request and its summary shown at once; a larger one runs in the
// background while the import's page shows its progress.
func (s *Server) contactsImportPost(w http.ResponseWriter, r *http.Request) error {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.flash(r, "contacts.no_file")
		http.Redirect(w, r, "/staff/contacts", http.StatusSeeOther)
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	name := filepath.Base(hdr.Filename)
	id, err := s.st.Contacts.StartImport(r.Context(), actor(r), name, s.now())
	if err != nil {
		return err
	}
	if int64(len(data)) <= s.cfg.ImportInline {
		if _, err := s.st.Contacts.RunImport(r.Context(), id, data, nil, s.now); err != nil && apperr.KindOf(err) == apperr.Internal {
			return err
		}
		http.Redirect(w, r, "/staff/contacts/imports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	st := s.imports.start(id)
	s.imports.wg.Add(1)
	go func() {
		defer s.imports.wg.Done()
		defer s.imports.end(id)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Minute)
		defer cancel()
		if _, err := s.st.Contacts.RunImport(ctx, id, data, st.progress, s.now); err != nil && apperr.KindOf(err) == apperr.Internal {
			s.log.Error("contacts import", "import", id, "err", err)
		}
	}()
	http.Redirect(w, r, "/staff/contacts/imports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type importView struct {
	Page
	Import  store.Import
	Running bool
	Phase   store.ImportPhase
	Done    int64
	Total   int64
	Hidden  int // rejected lines not kept with the import
}

// Refresh is the head of a page that reloads itself while an import runs.
func (v importView) Refresh() bool { return v.Running }

func (s *Server) contactImportPage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrImportNotFound
	}
	imp, err := s.st.Contacts.GetImport(r.Context(), id)
	if err != nil {
		return err
	}
	v := importView{Page: s.page(r, ""), Import: imp}
	v.Title = v.T("contacts.import_title", "Name", imp.FileName)
	if imp.Status == store.ImportRunning {
		v.Running = true
		if st, ok := s.imports.get(id); ok {
			v.Phase, _ = st.phase.Load().(store.ImportPhase)
			v.Done, v.Total = st.done.Load(), st.total.Load()
		}
	}
	v.Hidden = imp.Rejected - len(imp.Bad)
	status := http.StatusOK
	if imp.Status == store.ImportRejected || imp.Status == store.ImportFailed {
		status = http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "contact_import", v)
}

// contactsExport writes the address book as CSV: UTF-8 with a byte-order
// mark and semicolons, as spreadsheets in Belgium expect, every cell
// guarded against formula injection.
func (s *Server) contactsExport(w http.ResponseWriter, r *http.Request) error {
	f := store.ContactFilter{Query: r.URL.Query().Get("q"), CommuneNIS: r.URL.Query().Get("commune")}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\xef\xbb\xbf"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write([]string{"email", "first_name", "last_name", "shop_name", "sector", "commune_nis", "commune", "phone", "legal_basis", "opted_out_at", "created_at", "updated_at"})
	err = s.st.Contacts.Each(r.Context(), f, func(c contact.Contact) error {
		town := ""
		if cm, ok := dir.ByNIS(c.CommuneNIS); ok {
			town = cm.Name
		}
		opted := ""
		if c.OptedOut() {
			opted = rfc3339(c.OptedOutAt)
		}
		row := []string{c.Email, c.FirstName, c.LastName, c.ShopName, c.Sector, c.CommuneNIS, town, c.Phone,
			string(c.LegalBasis), opted, rfc3339(c.CreatedAt), rfc3339(c.UpdatedAt)}
		for i := range row {
			row[i] = csvin.SafeCell(row[i])
		}
		return cw.Write(row)
	})
	cw.Flush()
	if err != nil {
		// The header is gone: all that can be done is to stop the download.
		s.log.Error("contacts export", "err", err)
		panic(http.ErrAbortHandler)
	}
	return cw.Error()
}

func contactID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, store.ErrContactNotFound
	}
	return id, nil
}

func (s *Server) contactOptOutPost(w http.ResponseWriter, r *http.Request) error {
	id, err := contactID(r)
	if err != nil {
		return err
	}
	c, err := s.st.Contacts.OptOut(r.Context(), id, s.now())
	if err != nil {
		return err
	}
	s.flash(r, "contacts.opted_out", "Email", c.Email)
	http.Redirect(w, r, "/staff/contacts?q="+c.Email, http.StatusSeeOther)
	return nil
}

func (s *Server) contactErasePost(w http.ResponseWriter, r *http.Request) error {
	id, err := contactID(r)
	if err != nil {
		return err
	}
	if err := s.st.Contacts.Erase(r.Context(), id); err != nil {
		return err
	}
	s.flash(r, "contacts.erased")
	http.Redirect(w, r, "/staff/contacts", http.StatusSeeOther)
	return nil
}

// The API.

type apiImport struct {
	ID            int64           `json:"id"`
	Status        string          `json:"status"`
	FileName      string          `json:"file_name"`
	Lines         int             `json:"lines"`
	Added         int             `json:"added"`
	Updated       int             `json:"updated"`
	Unchanged     int             `json:"unchanged"`
	Rejected      int             `json:"rejected"`
	RejectedLines []apiLineReason `json:"rejected_lines"`
	CreatedAt     string          `json:"created_at"`
	FinishedAt    *string         `json:"finished_at"`
}

type apiLineReason struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func toAPIImport(l *i18n.Localizer, imp store.Import) apiImport {
	out := apiImport{ID: imp.ID, Status: imp.Status, FileName: imp.FileName, Lines: imp.Lines, Added: imp.Added, Updated: imp.Updated,
		Unchanged: imp.Unchanged, Rejected: imp.Rejected, RejectedLines: []apiLineReason{},
		CreatedAt: rfc3339(imp.CreatedAt), FinishedAt: optTime(imp.FinishedAt)}
	for _, b := range imp.Bad {
		out.RejectedLines = append(out.RejectedLines, apiLineReason{Line: b.Line, Field: b.Field, Message: l.T("contacts.line", "Line", b.Line, "Reason", l.T(b.Key, b.Args))})
	}
	return out
}

// apiContactsImport imports the CSV body. A file with rejected lines is a
// 422 problem whose errors name each line, with the import's summary as
// extension members; nothing is written then.
func (s *Server) apiContactsImport(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/csv" && mt != "application/csv" && mt != "text/plain" {
		return errNotCSV
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("file_name")
	if name == "" {
		name = "api.csv"
	}
	imp, err := s.st.Contacts.Import(r.Context(), data, actor(r), filepath.Base(name), nil, s.now)
	if err != nil {
		return err
	}
	l := s.localizer(r)
	out := toAPIImport(l, imp)
	if imp.Status != store.ImportRejected {
		return writeJSON(w, http.StatusCreated, out)
	}
	p := importProblem{problem: problem{Type: "/problems/lines_rejected", Title: l.T("error.title.invalid"),
		Status: http.StatusUnprocessableEntity, Detail: l.N("contacts.rejected_detail", imp.Rejected), Code: "lines_rejected"},
		ImportID: out.ID, ImportStatus: out.Status, Lines: out.Lines, Rejected: out.Rejected, RejectedLines: out.RejectedLines}
	for _, b := range out.RejectedLines {
		p.Errors = append(p.Errors, problemField{Field: b.Field, Message: b.Message})
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnprocessableEntity)
	w.Write(append(b, '\n'))
	return nil
}

// importProblem is the problem document of a file with rejected lines: the
// errors name each line, and the import's summary comes along.
type importProblem struct {
	problem
	ImportID      int64           `json:"import_id"`
	ImportStatus  string          `json:"import_status"`
	Lines         int             `json:"lines"`
	Added         int             `json:"added"`
	Updated       int             `json:"updated"`
	Rejected      int             `json:"rejected"`
	RejectedLines []apiLineReason `json:"rejected_lines"`
}

func (s *Server) apiContactImport(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrImportNotFound
	}
	imp, err := s.st.Contacts.GetImport(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIImport(s.localizer(r), imp))
}

type apiContact struct {
	ID         int64              `json:"id"`
	Email      string             `json:"email"`
	FirstName  string             `json:"first_name"`
	LastName   string             `json:"last_name"`
	ShopName   string             `json:"shop_name"`
	Sector     string             `json:"sector"`
	CommuneNIS string             `json:"commune_nis"`
	Phone      string             `json:"phone"`
	LegalBasis contact.LegalBasis `json:"legal_basis"`
	OptedOutAt *string            `json:"opted_out_at"`
	CreatedAt  string             `json:"created_at"`
	UpdatedAt  string             `json:"updated_at"`
}

func toAPIContact(c contact.Contact) apiContact {
	return apiContact{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, ShopName: c.ShopName,
		Sector: c.Sector, CommuneNIS: c.CommuneNIS, Phone: c.Phone, LegalBasis: c.LegalBasis,
		OptedOutAt: optTime(c.OptedOutAt), CreatedAt: rfc3339(c.CreatedAt), UpdatedAt: rfc3339(c.UpdatedAt)}
}

// apiContacts lists the address book: JSON by pages (?limit=, ?offset=),
// or the whole of it as CSV with Accept: text/csv.
func (s *Server) apiContacts(w http.ResponseWriter, r *http.Request) error {
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		return s.contactsExport(w, r)
	}
	q := r.URL.Query()
	f := store.ContactFilter{Query: q.Get("q"), CommuneNIS: q.Get("commune"), Limit: 100}
	var v apperr.Validation
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if v.Check(err == nil && n >= 1 && n <= 1000, "limit", "error.contact.limit") {
			f.Limit = n
		}
	}
	if o := q.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if v.Check(err == nil && n >= 0, "offset", "error.contact.offset") {
			f.Offset = n
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	list, err := s.st.Contacts.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiContact, 0, len(list))
	for _, c := range list {
		out = append(out, toAPIContact(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiContactOptOut(w http.ResponseWriter, r *http.Request) error {
	id, err := contactID(r)
	if err != nil {
		return err
	}
	c, err := s.st.Contacts.OptOut(r.Context(), id, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIContact(c))
}

func (s *Server) apiContactErase(w http.ResponseWriter, r *http.Request) error {
	id, err := contactID(r)
	if err != nil {
		return err
	}
	if err := s.st.Contacts.Erase(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
