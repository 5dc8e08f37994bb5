package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/outreach"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// The communes pipeline: a board by stage, the actions due, a map, a page
// per commune, and the public form where a commune comes forward.

// actor names the signed-in account for the history.
func actor(r *http.Request) store.Actor {
	u, _ := userFrom(r.Context())
	return store.Actor{UserID: u.ID, Name: u.Email}
}

// pipelineQuery is the filter of the pipeline pages, from the query string.
type pipelineQuery struct {
	Province string
	Phase    int
}

func readPipelineQuery(r *http.Request) pipelineQuery {
	q := r.URL.Query()
	p := pipelineQuery{Province: q.Get("province")}
	if n, err := strconv.Atoi(q.Get("phase")); err == nil && (n == 1 || n == 2) {
		p.Phase = n
	}
	return p
}

// Encode is the filter as a query string ("" when none), for links.
func (p pipelineQuery) Encode() string {
	v := url.Values{}
	if p.Province != "" {
		v.Set("province", p.Province)
	}
	if p.Phase != 0 {
		v.Set("phase", strconv.Itoa(p.Phase))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// pipelineView is what the board, the due list and the map share.
type pipelineView struct {
	Page
	Filter    pipelineQuery
	Provinces []string
	Stages    []outreach.Stage
	Section   string // board, due or map
	Count     int
}

func (s *Server) pipelineBase(r *http.Request, section, titleKey string) (pipelineView, error) {
	v := pipelineView{Page: s.page(r, ""), Filter: readPipelineQuery(r), Stages: outreach.Stages, Section: section}
	v.Title = v.T(titleKey)
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return v, err
	}
	for _, c := range dir.All() {
		if !slices.Contains(v.Provinces, c.Province) {
			v.Provinces = append(v.Provinces, c.Province)
		}
	}
	slices.Sort(v.Provinces)
	return v, nil
}

// StageName is a stage's name in the page's language.
func (p Page) StageName(st outreach.Stage) string { return p.T("outreach.stage." + string(st)) }

// RoleName is a commune contact's role in the page's language.
func (p Page) RoleName(r outreach.ContactRole) string { return p.T("outreach.role." + string(r)) }

// IssueName is a tag's name: translated when it is one of the known issues.
func (p Page) IssueName(tag string) string {
	if slices.Contains(outreach.KnownIssues, tag) {
		return p.T("outreach.issue." + tag)
	}
	return tag
}

// Day formats a date shortly in the page's language ("" for none).
func (p Page) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.L.ShortDate(t)
}

// When formats a moment in the page's language.
func (p Page) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.L.DateTime(t)
}

type boardColumn struct {
	Stage   outreach.Stage
	Entries []store.PipelineEntry
	Open    bool // shown unfolded
}

type boardView struct {
	pipelineView
	Columns  []boardColumn
	Requests []outreach.Request
	DueCount int
}

func (s *Server) outreachBoard(w http.ResponseWriter, r *http.Request) error {
	base, err := s.pipelineBase(r, "board", "outreach.board.title")
	if err != nil {
		return err
	}
	list, err := s.st.Outreach.List(r.Context(), store.PipelineFilter{Province: base.Filter.Province, Phase: base.Filter.Phase})
	if err != nil {
		return err
	}
	v := boardView{pipelineView: base}
	byStage := map[outreach.Stage][]store.PipelineEntry{}
	due := endOfToday(s.now())
	for _, e := range list {
		byStage[e.Outreach.Stage] = append(byStage[e.Outreach.Stage], e)
		if e.Outreach.DueBy(due) {
			v.DueCount++
		}
	}
	for _, st := range outreach.Stages {
		v.Columns = append(v.Columns, boardColumn{Stage: st, Entries: byStage[st], Open: len(byStage[st]) <= 25})
	}
	v.Count = len(list)
	if v.Requests, err = s.st.Outreach.Requests(r.Context(), 5); err != nil {
		return err
	}
	return s.render(w, r, "outreach_board", v)
}

// endOfToday is the start of tomorrow in Brussels: an action dated today is due.
func endOfToday(now time.Time) time.Time {
	t := now.In(i18n.Brussels)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, i18n.Brussels)
}

type dueView struct {
	pipelineView
	Entries []store.PipelineEntry
	Now     time.Time
}

func (s *Server) outreachDue(w http.ResponseWriter, r *http.Request) error {
	base, err := s.pipelineBase(r, "due", "outreach.due.title")
	if err != nil {
		return err
	}
	list, err := s.st.Outreach.List(r.Context(), store.PipelineFilter{Province: base.Filter.Province, Phase: base.Filter.Phase, DueBefore: endOfToday(s.now())})
	if err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b store.PipelineEntry) int { return a.Outreach.NextActionAt.Compare(b.Outreach.NextActionAt) })
	v := dueView{pipelineView: base, Entries: list, Now: s.now()}
	v.Count = len(list)
	return s.render(w, r, "outreach_due", v)
}

// Overdue reports whether an action's day has passed.
func (v dueView) Overdue(e store.PipelineEntry) bool {
	t := v.Now.In(i18n.Brussels)
	return e.Outreach.NextActionAt.Before(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, i18n.Brussels))
}

// The pipeline map is drawn on the server as SVG: each commune a dot at its centre,
// coloured by stage, linked to its page. No tiles, no script.
const (
	mapWidth  = 640.0
	mapMargin = 12.0
)

type pipelineDot struct {
	NIS, Name string
	Stage     outreach.Stage
	X, Y, R   float64
}

type pipelineMapView struct {
	pipelineView
	Width, Height float64
	Points        []pipelineDot
	Legend        []stageCount
	Groups        []boardColumn // the list fallback, by stage
}

type stageCount struct {
	Stage outreach.Stage
	Count int
}

func (s *Server) outreachMap(w http.ResponseWriter, r *http.Request) error {
	base, err := s.pipelineBase(r, "map", "outreach.map.title")
	if err != nil {
		return err
	}
	all, err := s.st.Outreach.List(r.Context(), store.PipelineFilter{})
	if err != nil {
		return err
	}
	v := pipelineMapView{pipelineView: base}
	// The frame is Wallonia's, whatever the filter, so the dots keep their place.
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for _, e := range all {
		c := e.Commune
		minLat, maxLat = math.Min(minLat, c.Latitude), math.Max(maxLat, c.Latitude)
		minLon, maxLon = math.Min(minLon, c.Longitude), math.Max(maxLon, c.Longitude)
	}
	// An equirectangular projection, scaled for the latitude: at this size
	// Wallonia looks as it does on any map.
	kx := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	scale := (mapWidth - 2*mapMargin) / ((maxLon - minLon) * kx)
	v.Width = mapWidth
	v.Height = math.Round((maxLat-minLat)*scale + 2*mapMargin)
	counts := map[outreach.Stage]int{}
	byStage := map[outreach.Stage][]store.PipelineEntry{}
	for _, e := range all {
		c := e.Commune
		if base.Filter.Province != "" && c.Province != base.Filter.Province || base.Filter.Phase != 0 && c.Phase != base.Filter.Phase {
			continue
		}
		r := 4.0
		if c.IsCity {
			r = 6
		}
		v.Points = append(v.Points, pipelineDot{NIS: c.NIS, Name: c.Name, Stage: e.Outreach.Stage, R: r,
			X: math.Round((mapMargin+(c.Longitude-minLon)*kx*scale)*10) / 10,
			Y: math.Round((mapMargin+(maxLat-c.Latitude)*scale)*10) / 10})
		counts[e.Outreach.Stage]++
		byStage[e.Outreach.Stage] = append(byStage[e.Outreach.Stage], e)
	}
	// Dots further on in the pipeline are drawn last, on top.
	slices.SortStableFunc(v.Points, func(a, b pipelineDot) int { return a.Stage.Rank() - b.Stage.Rank() })
	for _, st := range outreach.Stages {
		v.Legend = append(v.Legend, stageCount{Stage: st, Count: counts[st]})
		if len(byStage[st]) > 0 {
			v.Groups = append(v.Groups, boardColumn{Stage: st, Entries: byStage[st]})
		}
	}
	v.Count = len(v.Points)
	return s.render(w, r, "outreach_map", v)
}

// communeOutreachView is a commune's page in the pipeline.
type communeOutreachView struct {
	Page
	Entry         store.PipelineEntry
	Contacts      []outreach.CommuneContact
	History       []outreach.HistoryEntry
	Stages        []outreach.Stage
	Roles         []outreach.ContactRole
	Known         []string
	Form          outreachForm
	Contact       contactForm
	Errors        map[string]string
	ContactErrors map[string]string
}

// outreachForm is what the change form holds, as typed.
type outreachForm struct {
	Stage        string
	NextActionAt string // 2006-01-02
	NextAction   string
	Issues       []string // known issues ticked
	OtherIssues  string
	Note         string
}

type contactForm struct {
	Name, Role, Email, Phone string
}

// HasIssue reports whether the form ticks a known issue.
func (f outreachForm) HasIssue(tag string) bool { return slices.Contains(f.Issues, tag) }

func formFromOutreach(o outreach.Outreach) outreachForm {
	f := outreachForm{Stage: string(o.Stage), NextAction: o.NextAction}
	if !o.NextActionAt.IsZero() {
		f.NextActionAt = o.NextActionAt.In(i18n.Brussels).Format("2006-01-02")
	}
	var other []string
	for _, t := range o.Issues {
		if slices.Contains(outreach.KnownIssues, t) {
			f.Issues = append(f.Issues, t)
		} else {
			other = append(other, t)
		}
	}
	f.OtherIssues = strings.Join(other, ", ")
	return f
}

func (s *Server) communeOutreachView(r *http.Request, nis string) (communeOutreachView, error) {
	v := communeOutreachView{Page: s.page(r, ""), Stages: outreach.Stages, Roles: outreach.ContactRoles, Known: outreach.KnownIssues}
	var err error
	if v.Entry, err = s.st.Outreach.Get(r.Context(), nis); err != nil {
		return v, err
	}
	if v.Contacts, err = s.st.Outreach.Contacts(r.Context(), nis); err != nil {
		return v, err
	}
	if v.History, err = s.st.Outreach.History(r.Context(), nis, 200); err != nil {
		return v, err
	}
	v.Title = v.Entry.Commune.LocalName(v.Lang)
	v.Form = formFromOutreach(v.Entry.Outreach)
	return v, nil
}

func (s *Server) communeOutreachPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.communeOutreachView(r, r.PathValue("nis"))
	if err != nil {
		return err
	}
	return s.render(w, r, "outreach_commune", v)
}

// communeOutreachChange applies the commune page's form.
func (s *Server) communeOutreachChange(w http.ResponseWriter, r *http.Request) error {
	nis := r.PathValue("nis")
	form := outreachForm{
		Stage: r.FormValue("stage"), NextActionAt: r.FormValue("next_action_at"), NextAction: r.FormValue("next_action"),
		Issues: r.Form["issues"], OtherIssues: r.FormValue("other_issues"), Note: r.FormValue("note"),
	}
	change, err := changeFromForm(form)
	if err == nil {
		_, err = s.st.Outreach.Change(r.Context(), nis, change, actor(r), s.now())
	}
	if err != nil {
		errs, ok := fieldErrors(s.localizer(r), err)
		if !ok {
			return err
		}
		v, verr := s.communeOutreachView(r, nis)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors = form, errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "outreach_commune", v)
	}
	s.flash(r, "outreach.saved")
	http.Redirect(w, r, "/staff/outreach/"+nis, http.StatusSeeOther)
	return nil
}

func changeFromForm(f outreachForm) (outreach.Change, error) {
	var v apperr.Validation
	c := outreach.Change{NextAction: &f.NextAction, Note: f.Note, SetIssues: true,
		Issues: append(append([]string{}, f.Issues...), f.OtherIssues)}
	if st, err := outreach.ParseStage(f.Stage); err != nil {
		v.Add("stage", "error.outreach.stage_unknown", map[string]any{"Value": f.Stage})
	} else {
		c.Stage = &st
	}
	if t, err := outreach.ParseDate(f.NextActionAt, i18n.Brussels); err != nil {
		v.Add("next_action_at", "error.outreach.date_invalid", nil)
	} else {
		c.NextActionAt = &t
	}
	return c, v.Err()
}

// flash leaves a message for the next page.
func (s *Server) flash(r *http.Request, key string, args ...any) {
	if hasSession(r.Context()) {
		s.sessions.Put(r.Context(), "flash", s.localizer(r).T(key, args...))
	}
}

func (s *Server) communeContactAdd(w http.ResponseWriter, r *http.Request) error {
	nis := r.PathValue("nis")
	f := contactForm{Name: r.FormValue("name"), Role: r.FormValue("role"), Email: r.FormValue("email"), Phone: r.FormValue("phone")}
	_, err := s.st.Outreach.AddContact(r.Context(), outreach.CommuneContact{NIS: nis, Name: f.Name, Role: outreach.ContactRole(f.Role), Email: f.Email, Phone: f.Phone}, actor(r), s.now())
	if err != nil {
		errs, ok := fieldErrors(s.localizer(r), err)
		if !ok {
			return err
		}
		v, verr := s.communeOutreachView(r, nis)
		if verr != nil {
			return verr
		}
		v.Contact, v.ContactErrors = f, prefixKeys(errs, "contact_")
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "outreach_commune", v)
	}
	s.flash(r, "outreach.contact_added")
	http.Redirect(w, r, "/staff/outreach/"+nis+"#contacts", http.StatusSeeOther)
	return nil
}

// prefixKeys renames the fields of a form's errors, so two forms on one
// page keep distinct ids.
func prefixKeys(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

func (s *Server) communeContactRemove(w http.ResponseWriter, r *http.Request) error {
	nis := r.PathValue("nis")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.st.Outreach.RemoveContact(r.Context(), nis, id, actor(r), s.now()); err != nil {
		return err
	}
	s.flash(r, "outreach.contact_removed")
	http.Redirect(w, r, "/staff/outreach/"+nis+"#contacts", http.StatusSeeOther)
	return nil
}

// The public form: a commune comes forward on its own.

type communeJoinView struct {
	Page
	Communes []commune.Commune
	Roles    []outreach.ContactRole
	Form     outreach.Request
	Errors   map[string]string
	Done     bool
}

func (s *Server) communeJoinView(r *http.Request) (communeJoinView, error) {
	v := communeJoinView{Page: s.page(r, ""), Roles: outreach.ContactRoles}
	v.Title = v.T("join.title")
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return v, err
	}
	v.Communes = dir.All()
	return v, nil
}

func (s *Server) communeJoinForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.communeJoinView(r)
	if err != nil {
		return err
	}
	v.Form.NIS = r.URL.Query().Get("commune")
	return s.render(w, r, "commune_join", v)
}

func (s *Server) communeJoinPost(w http.ResponseWriter, r *http.Request) error {
	v, err := s.communeJoinView(r)
	if err != nil {
		return err
	}
	v.Form = outreach.Request{NIS: r.FormValue("commune_nis"), Name: r.FormValue("name"), Role: outreach.ContactRole(r.FormValue("role")),
		Email: r.FormValue("email"), Message: r.FormValue("message")}
	if _, err := s.communeRequest(r, v.Form); err != nil {
		errs, ok := fieldErrors(v.L, err)
		if !ok {
			return err
		}
		v.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commune_join", v)
	}
	v.Done = true
	return s.render(w, r, "commune_join", v)
}

// communeRequest records a commune's request and tells every admin, through
// the outbox, in the same transaction.
func (s *Server) communeRequest(r *http.Request, req outreach.Request) (outreach.Request, error) {
	users, err := s.st.Users.List(r.Context())
	if err != nil {
		return req, err
	}
	notify := func(req outreach.Request, c commune.Commune) ([]mail.Message, error) {
		var out []mail.Message
		for _, u := range users {
			if u.Role != staff.Admin || !u.DisabledAt.IsZero() {
				continue
			}
			l := s.cat.For("fr")
			m, err := s.mailer.Composer.Compose("commune_request", "fr", u.Email, map[string]any{
				"Commune": c.Name, "Name": req.Name, "Role": l.T("outreach.role." + string(req.Role)), "Email": req.Email,
				"Message": req.Message, "Link": s.absURL("/staff/outreach/" + c.NIS),
			}, "Commune", c.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
	req, err = s.st.Outreach.Request(r.Context(), req, notify, s.now())
	if err == nil {
		s.kick()
	}
	return req, err
}

// The API.

// apiOutreach is a commune's place in the pipeline in the API.
type apiOutreach struct {
	NIS          string               `json:"nis_code"`
	Name         string               `json:"name"`
	Province     string               `json:"province"`
	Phase        int                  `json:"phase"`
	Stage        outreach.Stage       `json:"stage"`
	NextActionAt *string              `json:"next_action_at"`
	NextAction   string               `json:"next_action"`
	Notes        string               `json:"notes"`
	Issues       []string             `json:"issues"`
	UpdatedAt    *string              `json:"updated_at"`
	Contacts     *[]apiCommuneContact `json:"contacts,omitempty"` // on one commune only
	History      *[]apiHistory        `json:"history,omitempty"`
}

type apiCommuneContact struct {
	ID    int64                `json:"id"`
	Name  string               `json:"name"`
	Role  outreach.ContactRole `json:"role"`
	Email string               `json:"email"`
	Phone string               `json:"phone"`
}

type apiHistory struct {
	At    string `json:"at"`
	Actor string `json:"actor"`
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func toAPIOutreach(e store.PipelineEntry) apiOutreach {
	o := e.Outreach
	out := apiOutreach{NIS: e.Commune.NIS, Name: e.Commune.Name, Province: e.Commune.Province, Phase: e.Commune.Phase,
		Stage: o.Stage, NextActionAt: optTime(o.NextActionAt), NextAction: o.NextAction, Notes: o.Notes,
		Issues: o.Issues, UpdatedAt: optTime(o.UpdatedAt)}
	if out.Issues == nil {
		out.Issues = []string{}
	}
	return out
}

func (s *Server) apiCommuneOutreach(w http.ResponseWriter, r *http.Request) error {
	return s.writeCommuneOutreach(w, r, r.PathValue("nis"), http.StatusOK)
}

func (s *Server) writeCommuneOutreach(w http.ResponseWriter, r *http.Request, nis string, status int) error {
	v, err := s.communeOutreachView(r, nis)
	if err != nil {
		return err
	}
	out := toAPIOutreach(v.Entry)
	contacts, history := []apiCommuneContact{}, []apiHistory{}
	for _, c := range v.Contacts {
		contacts = append(contacts, apiCommuneContact{ID: c.ID, Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone})
	}
	for _, h := range v.History {
		history = append(history, apiHistory{At: rfc3339(h.At), Actor: h.Actor, Field: h.Field, Old: h.Old, New: h.New})
	}
	out.Contacts, out.History = &contacts, &history
	return writeJSON(w, status, out)
}

// outreachPatch is the body of PATCH /api/v1/communes/{nis}/outreach.
type outreachPatch struct {
	Stage        *string         `json:"stage"`
	NextActionAt json.RawMessage `json:"next_action_at"` // a date, an RFC 3339 time, or null to clear
	NextAction   *string         `json:"next_action"`
	Note         string          `json:"note"`  // added to the notes
	Notes        *string         `json:"notes"` // replaces the notes
	Issues       *[]string       `json:"issues"`
}

func (s *Server) apiCommuneOutreachPatch(w http.ResponseWriter, r *http.Request) error {
	var in outreachPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var v apperr.Validation
	c := outreach.Change{NextAction: in.NextAction, Note: in.Note, Notes: in.Notes}
	if in.Stage != nil {
		st, err := outreach.ParseStage(*in.Stage)
		if err != nil {
			return err
		}
		c.Stage = &st
	}
	if len(in.NextActionAt) > 0 {
		var raw *string
		if err := json.Unmarshal(in.NextActionAt, &raw); err != nil {
			v.Add("next_action_at", "error.outreach.date_invalid", nil)
		} else {
			t := time.Time{}
			if raw != nil {
				if t, err = outreach.ParseDate(*raw, i18n.Brussels); err != nil {
					return err
				}
			}
			c.NextActionAt = &t
		}
	}
	if in.Issues != nil {
		c.Issues, c.SetIssues = *in.Issues, true
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := s.st.Outreach.Change(r.Context(), r.PathValue("nis"), c, actor(r), s.now()); err != nil {
		return err
	}
	return s.writeCommuneOutreach(w, r, r.PathValue("nis"), http.StatusOK)
}

func (s *Server) apiOutreachList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.PipelineFilter{Province: q.Get("province")}
	if p := q.Get("phase"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 2 {
			return apperr.Field("phase", "error.phase.invalid", nil)
		}
		f.Phase = n
	}
	if st := q.Get("stage"); st != "" {
		stage, err := outreach.ParseStage(st)
		if err != nil {
			return err
		}
		f.Stage = stage
	}
	if q.Get("due") == "true" {
		f.DueBefore = endOfToday(s.now())
	}
	list, err := s.st.Outreach.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiOutreach, 0, len(list))
	for _, e := range list {
		out = append(out, toAPIOutreach(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

type apiContactIn struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

func (s *Server) apiCommuneContactAdd(w http.ResponseWriter, r *http.Request) error {
	var in apiContactIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.st.Outreach.AddContact(r.Context(), outreach.CommuneContact{NIS: r.PathValue("nis"), Name: in.Name,
		Role: outreach.ContactRole(in.Role), Email: in.Email, Phone: in.Phone}, actor(r), s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiCommuneContact{ID: c.ID, Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone})
}

func (s *Server) apiCommuneContactRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrCommuneContactNotFound
	}
	if err := s.st.Outreach.RemoveContact(r.Context(), r.PathValue("nis"), id, actor(r), s.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiRequestIn struct {
	CommuneNIS string `json:"commune_nis"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Email      string `json:"email"`
	Message    string `json:"message"`
}

func (s *Server) apiCommuneRequest(w http.ResponseWriter, r *http.Request) error {
	var in apiRequestIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	req, err := s.communeRequest(r, outreach.Request{NIS: in.CommuneNIS, Name: in.Name, Role: outreach.ContactRole(in.Role), Email: in.Email, Message: in.Message})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": req.ID, "commune_nis": req.NIS, "created_at": rfc3339(req.CreatedAt)})
}

// HistoryLine says what a history entry changed, in the page's language.
func (v communeOutreachView) HistoryLine(h outreach.HistoryEntry) string {
	switch h.Field {
	case outreach.FieldStage:
		return v.T("outreach.history.stage", "Old", v.StageName(outreach.Stage(h.Old)), "New", v.StageName(outreach.Stage(h.New)))
	case outreach.FieldNextActionAt:
		t, err := time.Parse(time.RFC3339, h.New)
		if err != nil {
			return v.T("outreach.history.next_action_at_cleared")
		}
		return v.T("outreach.history.next_action_at", "Date", v.Day(t))
	case outreach.FieldNextAction:
		return v.T("outreach.history.next_action", "Value", h.New)
	case outreach.FieldNote:
		return v.T("outreach.history.note", "Value", h.New)
	case outreach.FieldNotes:
		return v.T("outreach.history.notes")
	case outreach.FieldIssues:
		var names []string
		for _, t := range strings.Fields(h.New) {
			names = append(names, v.IssueName(t))
		}
		if len(names) == 0 {
			return v.T("outreach.history.issues_cleared")
		}
		return v.T("outreach.history.issues", "Value", strings.Join(names, ", "))
	case outreach.FieldContactAdded:
		return v.T("outreach.history.contact_added", "Value", h.New)
	case outreach.FieldContactGone:
		return v.T("outreach.history.contact_removed", "Value", h.Old)
	case outreach.FieldRequest:
		return v.T("outreach.history.request", "Value", h.New)
	}
	return h.Field + ": " + h.New
}
