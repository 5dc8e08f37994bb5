package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/csvin"
	"vitrine/internal/i18n"
	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// Facilitators' side of the information sessions: create and edit sessions,
// attendee lists (page, JSON, CSV), check-in, and the outbox for admins.

// apiSessionIn is a session as staff send it; a PATCH sends only what changes.
type apiSessionIn struct {
	Title      *string `json:"title"`
	CommuneNIS *string `json:"commune_nis"`
	Venue      *string `json:"venue"`
	Address    *string `json:"address"`
	StartsAt   *string `json:"starts_at"`
	EndsAt     *string `json:"ends_at"`
	Capacity   *int    `json:"capacity"`
	Notes      *string `json:"notes"`
}

// apply overlays the fields sent on d.
func (in apiSessionIn) apply(d *sessions.Draft) error {
	var v apperr.Validation
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&d.Title, in.Title)
	set(&d.CommuneNIS, in.CommuneNIS)
	set(&d.Venue, in.Venue)
	set(&d.Address, in.Address)
	set(&d.Notes, in.Notes)
	if in.Capacity != nil {
		d.Capacity = *in.Capacity
	}
	parse := func(field string, src *string, dst *time.Time) {
		if src == nil {
			return
		}
		t, err := time.Parse(time.RFC3339, *src)
		if err != nil {
			v.Add(field, "error.datetime.invalid", nil)
			return
		}
		*dst = t
	}
	parse("starts_at", in.StartsAt, &d.StartsAt)
	parse("ends_at", in.EndsAt, &d.EndsAt)
	return v.Err()
}

func draftOf(ss sessions.Session) sessions.Draft {
	return sessions.Draft{Title: ss.Title, CommuneNIS: ss.CommuneNIS, Venue: ss.Venue, Address: ss.Address,
		StartsAt: ss.StartsAt, EndsAt: ss.EndsAt, Capacity: ss.Capacity, Notes: ss.Notes}
}

func (s *Server) apiCreateSession(w http.ResponseWriter, r *http.Request) error {
	var in apiSessionIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var d sessions.Draft
	if err := in.apply(&d); err != nil {
		return err
	}
	d.Normalize()
	if err := d.Validate(s.now(), true); err != nil {
		return err
	}
	ss, err := s.st.Sessions.Create(r.Context(), d, s.now())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sessions/"+strconv.FormatInt(ss.ID, 10))
	return writeJSON(w, http.StatusCreated, s.toAPISession(ss, true))
}

func (s *Server) apiPatchSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in apiSessionIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	old, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return err
	}
	d := draftOf(old)
	if err := in.apply(&d); err != nil {
		return err
	}
	ss, err := s.updateSession(r, old, d)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toAPISession(ss, true))
}

// updateSession validates and stores a changed session; a new date must be
// to come.
func (s *Server) updateSession(r *http.Request, old sessions.Session, d sessions.Draft) (sessions.Session, error) {
	d.Normalize()
	if err := d.Validate(s.now(), !d.StartsAt.Equal(old.StartsAt)); err != nil {
		return sessions.Session{}, err
	}
	ss, err := s.st.Sessions.Update(r.Context(), old.ID, d, s.now())
	if err == nil {
		s.kick()
	}
	return ss, err
}

// apiAttendee is a registration as facilitators see it.
type apiAttendee struct {
	ID             int64  `json:"id"`
	Status         string `json:"status"`
	WaitlistPos    int    `json:"waitlist_position,omitempty"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Email          string `json:"email"`
	Phone          string `json:"phone,omitempty"`
	ShopName       string `json:"shop_name"`
	Sector         string `json:"sector"`
	CommuneNIS     string `json:"commune_nis"`
	ConsentContact bool   `json:"consent_contact"`
	ConsentAt      string `json:"consent_at,omitempty"`
	CheckedInAt    string `json:"checked_in_at,omitempty"`
	RegisteredAt   string `json:"registered_at"`
}

func toAttendee(r sessions.Registration) apiAttendee {
	a := apiAttendee{ID: r.ID, Status: string(r.Status), WaitlistPos: r.WaitlistPos, FirstName: r.FirstName,
		LastName: r.LastName, Email: r.Email, Phone: r.Phone, ShopName: r.ShopName, Sector: r.Sector,
		CommuneNIS: r.CommuneNIS, ConsentContact: r.ConsentContact, RegisteredAt: rfc3339(r.CreatedAt)}
	if !r.ConsentAt.IsZero() {
		a.ConsentAt = rfc3339(r.ConsentAt)
	}
	if !r.CheckedInAt.IsZero() {
		a.CheckedInAt = rfc3339(r.CheckedInAt)
	}
	return a
}

func (s *Server) apiSessionRegistrations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.st.Sessions.Get(r.Context(), id); err != nil {
		return err
	}
	list, err := s.st.Registrations.ForSession(r.Context(), id)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		return writeAttendeesCSV(w, id, list)
	}
	out := make([]apiAttendee, 0, len(list))
	for _, reg := range list {
		out = append(out, toAttendee(reg))
	}
	return writeJSON(w, http.StatusOK, out)
}

// writeAttendeesCSV writes the list for a spreadsheet, each cell guarded
// against formula injection.
func writeAttendeesCSV(w http.ResponseWriter, sessionID int64, list []sessions.Registration) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="participants-`+strconv.FormatInt(sessionID, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "status", "waitlist_position", "first_name", "last_name", "email", "phone", "shop_name",
		"sector", "commune_nis", "consent_contact", "consent_at", "checked_in_at", "registered_at"})
	for _, reg := range list {
		a := toAttendee(reg)
		pos := ""
		if a.WaitlistPos > 0 {
			pos = strconv.Itoa(a.WaitlistPos)
		}
		row := []string{strconv.FormatInt(a.ID, 10), a.Status, pos, a.FirstName, a.LastName, a.Email, a.Phone,
			a.ShopName, a.Sector, a.CommuneNIS, strconv.FormatBool(a.ConsentContact), a.ConsentAt, a.CheckedInAt, a.RegisteredAt}
		for i := range row {
			row[i] = csvin.SafeCell(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) apiCheckIn(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.CheckIn(r.Context(), r.PathValue("id"), false, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAttendee(reg))
}

// Pages.

type staffSessionRow struct {
	sessions.Session
	CheckedIn int
	Rate      int
	Past      bool
}

type staffSessionsView struct {
	Page
	Rows []staffSessionRow
}

func (s *Server) staffSessionsPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.st.Sessions.List(r.Context(), store.SessionFilter{})
	if err != nil {
		return err
	}
	checked, err := s.st.Registrations.CheckedIn(r.Context())
	if err != nil {
		return err
	}
	v := staffSessionsView{Page: s.page(r, "")}
	v.Title = v.T("staff.sessions.title")
	for _, ss := range list {
		v.Rows = append(v.Rows, staffSessionRow{Session: ss, CheckedIn: checked[ss.ID],
			Rate: sessions.AttendanceRate(ss.Confirmed, checked[ss.ID]), Past: !ss.StartsAt.After(s.now())})
	}
	return s.render(w, r, "staff_sessions", v)
}

type sessionFormView struct {
	Page
	ID       int64
	Form     sessionForm
	Errors   map[string]string
	Communes []commune.Commune
	Error    string
}

// sessionForm is the session form as typed (times as datetime-local, Brussels).
type sessionForm struct {
	Title, CommuneNIS, Venue, Address, StartsAt, EndsAt, Capacity, Notes string
}

const localInput = "2006-01-02T15:04"

func sessionFormOf(d sessions.Draft) sessionForm {
	f := sessionForm{Title: d.Title, CommuneNIS: d.CommuneNIS, Venue: d.Venue, Address: d.Address, Notes: d.Notes}
	if !d.StartsAt.IsZero() {
		f.StartsAt = d.StartsAt.In(i18n.Brussels).Format(localInput)
		f.EndsAt = d.EndsAt.In(i18n.Brussels).Format(localInput)
	}
	if d.Capacity > 0 {
		f.Capacity = strconv.Itoa(d.Capacity)
	}
	return f
}

func sessionFormFrom(r *http.Request) sessionForm {
	return sessionForm{Title: r.PostFormValue("title"), CommuneNIS: r.PostFormValue("commune_nis"),
		Venue: r.PostFormValue("venue"), Address: r.PostFormValue("address"), StartsAt: r.PostFormValue("starts_at"),
		EndsAt: r.PostFormValue("ends_at"), Capacity: r.PostFormValue("capacity"), Notes: r.PostFormValue("notes")}
}

// draft reads the form; unreadable values are field errors.
func (f sessionForm) draft() (sessions.Draft, error) {
	var v apperr.Validation
	d := sessions.Draft{Title: f.Title, CommuneNIS: f.CommuneNIS, Venue: f.Venue, Address: f.Address, Notes: f.Notes}
	parse := func(field, val string) time.Time {
		if strings.TrimSpace(val) == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(localInput, strings.TrimSpace(val), i18n.Brussels)
		if err != nil {
			v.Add(field, "error.datetime.invalid", nil)
		}
		return t
	}
	d.StartsAt = parse("starts_at", f.StartsAt)
	d.EndsAt = parse("ends_at", f.EndsAt)
	if strings.TrimSpace(f.Capacity) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
		if err != nil {
			v.Add("capacity", "error.session.capacity_range", nil)
		}
		d.Capacity = n
	}
	return d, v.Err()
}

func (s *Server) sessionFormView(r *http.Request, id int64, f sessionForm) (sessionFormView, error) {
	v := sessionFormView{Page: s.page(r, ""), ID: id, Form: f}
	if id == 0 {
		v.Title = v.T("staff.session_form.new_title")
	} else {
		v.Title = v.T("staff.session_form.edit_title")
	}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return v, err
	}
	v.Communes = dir.All()
	return v, nil
}

func (s *Server) staffNewSession(w http.ResponseWriter, r *http.Request) error {
	v, err := s.sessionFormView(r, 0, sessionForm{Capacity: "30"})
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_session_form", v)
}

func (s *Server) staffEditSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := s.sessionFormView(r, id, sessionFormOf(draftOf(ss)))
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_session_form", v)
}

// staffSaveSession creates (no id) or updates a session from the form.
func (s *Server) staffSaveSession(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	f := sessionFormFrom(r)
	d, err := f.draft()
	if err == nil {
		if id == 0 {
			d.Normalize()
			if err = d.Validate(s.now(), true); err == nil {
				var ss sessions.Session
				ss, err = s.st.Sessions.Create(r.Context(), d, s.now())
				id = ss.ID
			}
		} else {
			var old sessions.Session
			if old, err = s.st.Sessions.Get(r.Context(), id); err != nil {
				return err
			}
			_, err = s.updateSession(r, old, d)
		}
	}
	if err != nil {
		l := s.localizer(r)
		errs, isField := fieldErrors(l, err)
		e, isApp := apperr.As(err)
		if !isField && !(isApp && e.Kind == apperr.Conflict) {
			return err
		}
		v, verr := s.sessionFormView(r, id, f)
		if verr != nil {
			return verr
		}
		v.Errors = errs
		if !isField {
			v.Error = message(l, e)
		}
		status := http.StatusUnprocessableEntity
		if !isField {
			status = http.StatusConflict
		}
		return s.renderStatus(w, r, status, "staff_session_form", v)
	}
	s.sessions.Put(r.Context(), "flash", s.localizer(r).T("staff.session_form.saved"))
	http.Redirect(w, r, "/staff/sessions/"+strconv.FormatInt(id, 10)+"/attendees", http.StatusSeeOther)
	return nil
}

type attendeesView struct {
	Page
	Session    sessions.Session
	Confirmed  []sessions.Registration
	Waiting    []sessions.Registration
	Cancelled  int
	CheckedIn  int
	Rate       int
	CanCheckIn bool
	CanEdit    bool
	Communes   map[string]string
}

func (s *Server) staffAttendees(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return err
	}
	list, err := s.st.Registrations.ForSession(r.Context(), id)
	if err != nil {
		return err
	}
	v := attendeesView{Page: s.page(r, ""), Session: ss, Communes: map[string]string{}}
	v.Title = v.T("staff.attendees.title", "Town", ss.Town)
	v.CanCheckIn = v.User.Can(staff.CheckIn)
	v.CanEdit = v.User.Can(staff.ManageSessions)
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return err
	}
	for _, reg := range list {
		switch reg.Status {
		case sessions.Confirmed:
			v.Confirmed = append(v.Confirmed, reg)
			if !reg.CheckedInAt.IsZero() {
				v.CheckedIn++
			}
		case sessions.Waitlisted:
			v.Waiting = append(v.Waiting, reg)
		default:
			v.Cancelled++
		}
		if c, ok := dir.ByNIS(reg.CommuneNIS); ok {
			v.Communes[reg.CommuneNIS] = c.Name
		}
	}
	v.Rate = sessions.AttendanceRate(len(v.Confirmed), v.CheckedIn)
	return s.render(w, r, "staff_attendees", v)
}

func (s *Server) staffAttendeesCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.st.Sessions.Get(r.Context(), id); err != nil {
		return err
	}
	list, err := s.st.Registrations.ForSession(r.Context(), id)
	if err != nil {
		return err
	}
	return writeAttendeesCSV(w, id, list)
}

func (s *Server) staffCheckIn(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.CheckIn(r.Context(), r.PathValue("id"), false, s.now())
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", s.localizer(r).T("staff.checkin.done", "Name", reg.FirstName+" "+reg.LastName))
	http.Redirect(w, r, "/staff/sessions/"+strconv.FormatInt(reg.SessionID, 10)+"/attendees#reg-"+strconv.FormatInt(reg.ID, 10), http.StatusSeeOther)
	return nil
}

type checkinView struct {
	Page
	Reg     sessions.Registration
	Session sessions.Session
}

// staffCheckInByCode is where a registration's QR code leads: a facilitator
// signed in on a phone scans it and the person is checked in.
func (s *Server) staffCheckInByCode(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.CheckIn(r.Context(), r.PathValue("code"), true, s.now())
	if err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(r.Context(), reg.SessionID)
	if err != nil {
		return err
	}
	v := checkinView{Page: s.page(r, ""), Reg: reg, Session: ss}
	v.Title = v.T("staff.checkin.title")
	return s.render(w, r, "staff_checkin", v)
}

type outboxView struct {
	Page
	Mails  []store.OutboxMail
	Status string
	Mail   *store.OutboxMail
}

func (s *Server) staffOutbox(w http.ResponseWriter, r *http.Request) error {
	v := outboxView{Page: s.page(r, ""), Status: r.URL.Query().Get("status")}
	v.Title = v.T("staff.outbox.title")
	switch v.Status {
	case "", "pending", "sending", "sent", "failed", "cancelled":
	default:
		v.Status = ""
	}
	list, err := s.st.Outbox.List(r.Context(), store.OutboxFilter{Status: v.Status, Limit: 200})
	if err != nil {
		return err
	}
	v.Mails = list
	return s.render(w, r, "staff_outbox", v)
}

func (s *Server) staffOutboxMail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.st.Outbox.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := outboxView{Page: s.page(r, ""), Mail: &m}
	v.Title = v.T("staff.outbox.mail_title")
	return s.render(w, r, "staff_outbox", v)
}
