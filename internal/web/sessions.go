package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/i18n"
	"vitrine/internal/outreach"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// The information sessions for shopkeepers: the agenda, a session's page with
// its registration form, and the private pages of a registration. The JSON
// API and the forms call the same store methods.

var (
	errBadID            = apperr.New(apperr.NotFound, "not_found", "error.not_found")
	errGoneRegistration = apperr.New(apperr.Gone, "registration_cancelled", "error.registration.cancelled")
)

// pathID reads a numeric path value; anything else is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// agendaQuery is a listing's filters as typed.
type agendaQuery struct {
	Commune  string // NIS code, postal code or name
	RadiusKm string
	From     string // YYYY-MM-DD
	To       string
}

// agendaFilter is a listing's filters once understood.
type agendaFilter struct {
	filter store.SessionFilter
	origin commune.Commune // set when filtering around a commune
	near   bool
}

// parseAgenda checks filters; field names are the API's.
func (s *Server) parseAgenda(r *http.Request, q agendaQuery, communeField string) (agendaFilter, error) {
	var v apperr.Validation
	f := agendaFilter{filter: store.SessionFilter{From: s.now(), WithStatus: sessions.Scheduled}}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return f, err
	}
	radius := 0.0
	if q.RadiusKm != "" {
		n, err := strconv.ParseFloat(q.RadiusKm, 64)
		if err != nil || n < 0 || n > 300 {
			v.Add("radius_km", "error.agenda.radius", nil)
		}
		radius = n
	}
	if q.Commune != "" {
		c, err := dir.Resolve(q.Commune)
		if err != nil {
			v.Add(communeField, "error.commune.unknown", nil)
		} else {
			f.origin = c
			if radius > 0 {
				f.near = true
				for _, n := range dir.Within(c.NIS, radius) {
					f.filter.CommuneNIS = append(f.filter.CommuneNIS, n.NIS)
				}
			} else {
				f.filter.CommuneNIS = []string{c.NIS}
			}
		}
	}
	day := func(field, val string) time.Time {
		if val == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", val, i18n.Brussels)
		if err != nil {
			v.Add(field, "error.agenda.date", nil)
		}
		return t
	}
	if from := day("from", q.From); from.After(f.filter.From) {
		f.filter.From = from
	}
	if to := day("to", q.To); !to.IsZero() {
		f.filter.To = to.AddDate(0, 0, 1)
	}
	return f, v.Err()
}

// apiSession is a session in the public API.
type apiSession struct {
	ID             int64    `json:"id"`
	Title          string   `json:"title"`
	CommuneNIS     string   `json:"commune_nis"`
	Town           string   `json:"town"`
	Venue          string   `json:"venue"`
	Address        string   `json:"address"`
	StartsAt       string   `json:"starts_at"`
	EndsAt         string   `json:"ends_at"`
	Capacity       int      `json:"capacity"`
	SeatsLeft      int      `json:"seats_left"`
	WaitlistLength int      `json:"waitlist_length"`
	Status         string   `json:"status"`
	Latitude       float64  `json:"latitude"`
	Longitude      float64  `json:"longitude"`
	DistanceKm     *float64 `json:"distance_km,omitempty"`
	URL            string   `json:"url"`
	// Staff only.
	Confirmed *int    `json:"confirmed,omitempty"`
	Notes     *string `json:"notes,omitempty"`
}

// rfc3339 writes a time in Brussels with its offset.
func rfc3339(t time.Time) string { return t.In(i18n.Brussels).Format(time.RFC3339) }

func (s *Server) toAPISession(ss sessions.Session, staffView bool) apiSession {
	out := apiSession{ID: ss.ID, Title: ss.Title, CommuneNIS: ss.CommuneNIS, Town: ss.Town, Venue: ss.Venue,
		Address: ss.Address, StartsAt: rfc3339(ss.StartsAt), EndsAt: rfc3339(ss.EndsAt), Capacity: ss.Capacity,
		SeatsLeft: ss.SeatsLeft(), WaitlistLength: ss.Waitlisted, Status: string(ss.Status),
		Latitude: ss.Latitude, Longitude: ss.Longitude, URL: s.absURL("/sessions/" + strconv.FormatInt(ss.ID, 10))}
	if staffView {
		c, n := ss.Confirmed, ss.Notes
		out.Confirmed, out.Notes = &c, &n
	}
	return out
}

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	aq := agendaQuery{Commune: q.Get("commune"), From: q.Get("from"), To: q.Get("to")}
	if near := q.Get("near"); near != "" {
		aq.Commune, aq.RadiusKm = near, q.Get("radius_km")
		if aq.RadiusKm == "" {
			aq.RadiusKm = "25"
		}
	}
	field := "commune"
	if q.Get("near") != "" {
		field = "near"
	}
	f, err := s.parseAgenda(r, aq, field)
	if err != nil {
		return err
	}
	list, err := s.st.Sessions.List(r.Context(), f.filter)
	if err != nil {
		return err
	}
	out := make([]apiSession, 0, len(list))
	for _, ss := range list {
		a := s.toAPISession(ss, false)
		if f.near {
			d := round1(commune.DistanceKm(f.origin.Latitude, f.origin.Longitude, ss.Latitude, ss.Longitude))
			a.DistanceKm = &d
		}
		out = append(out, a)
	}
	return writeJSON(w, http.StatusOK, out)
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func (s *Server) apiSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return err
	}
	_, staffView := userFrom(r.Context())
	return writeJSON(w, http.StatusOK, s.toAPISession(ss, staffView))
}

// apiRegistrationIn is the body of a registration.
type apiRegistrationIn struct {
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Email          string `json:"email"`
	ShopName       string `json:"shop_name"`
	Sector         string `json:"sector"`
	CommuneNIS     string `json:"commune_nis"`
	Phone          string `json:"phone"`
	ConsentContact bool   `json:"consent_contact"`
	Question       string `json:"question"` // optional, for the facilitators
}

// apiRegistration is a registration as its owner sees it.
type apiRegistration struct {
	ID              int64  `json:"id"`
	SessionID       int64  `json:"session_id"`
	Status          string `json:"status"`
	WaitlistPos     int    `json:"waitlist_position,omitempty"`
	ManageURL       string `json:"manage_url"`
	CalendarURL     string `json:"calendar_url"`
	CheckedInAt     string `json:"checked_in_at,omitempty"`
	ConsentContact  bool   `json:"consent_contact"`
	RegisteredAtUTC string `json:"registered_at"`
}

func (s *Server) toAPIRegistration(reg sessions.Registration) apiRegistration {
	out := apiRegistration{ID: reg.ID, SessionID: reg.SessionID, Status: string(reg.Status), WaitlistPos: reg.WaitlistPos,
		ManageURL: s.manageURL(reg), CalendarURL: s.manageURL(reg) + "/calendar.ics", ConsentContact: reg.ConsentContact,
		RegisteredAtUTC: rfc3339(reg.CreatedAt)}
	if !reg.CheckedInAt.IsZero() {
		out.CheckedInAt = rfc3339(reg.CheckedInAt)
	}
	return out
}

func (s *Server) manageURL(reg sessions.Registration) string {
	return s.absURL("/registrations/" + reg.Token)
}

// register validates a form and registers the person: the one path of both
// the HTML form and the API. A question typed with the registration goes
// to the facilitators, under the person's name and address, once even if
// the form is sent again; a question too long stops the registration, so
// that nothing typed is lost.
func (s *Server) register(r *http.Request, sessionID int64, f sessions.RegistrationForm, question string) (store.RegisterResult, error) {
	f.Normalize()
	f.Lang = s.localizer(r).Lang
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return store.RegisterResult{}, err
	}
	reg, err := f.Validate(dir)
	q := outreach.Question{SessionID: sessionID, Text: question, Name: f.FirstName + " " + f.LastName, Email: f.Email,
		Source: outreach.FromRegistration}
	q.Normalize()
	if q.Text != "" {
		if qerr := q.Validate(); qerr != nil {
			err = joinQuestionError(err, qerr)
		}
	}
	if err != nil {
		return store.RegisterResult{}, err
	}
	res, err := s.st.Registrations.Register(r.Context(), sessionID, reg, s.now())
	if err != nil {
		return res, err
	}
	if res.Created {
		s.kick()
	}
	// Also when the address was registered already: the question may be
	// new, or the first answer may have been lost before it was written.
	if q.Text != "" {
		if _, err := s.st.Questions.AddOnce(r.Context(), q, s.now()); err != nil {
			return res, err
		}
	}
	return res, nil
}

// joinQuestionError adds the question's field errors, renamed "question",
// to the registration's.
func joinQuestionError(regErr, qErr error) error {
	var v apperr.Validation
	if regErr != nil {
		e, ok := apperr.As(regErr)
		if !ok || e.Kind != apperr.Invalid {
			return regErr
		}
		for _, f := range e.Fields {
			v.Add(f.Field, f.Key, f.Args)
		}
	}
	if e, ok := apperr.As(qErr); ok {
		for _, f := range e.Fields {
			if f.Field == "text" {
				v.Add("question", f.Key, f.Args)
			}
		}
	}
	return v.Err()
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in apiRegistrationIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.register(r, id, sessions.RegistrationForm{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Phone: in.Phone, ShopName: in.ShopName, Sector: in.Sector, Commune: in.CommuneNIS, ConsentContact: in.ConsentContact}, in.Question)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
	}
	return writeJSON(w, status, s.toAPIRegistration(res.Registration))
}

func (s *Server) apiGetRegistration(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toAPIRegistration(reg))
}

func (s *Server) apiCancelRegistration(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.st.Registrations.Cancel(r.Context(), r.PathValue("token"), s.now()); err != nil {
		return err
	}
	s.kick()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Pages.

type agendaView struct {
	Page
	Query    agendaQuery
	Errors   map[string]string
	Sessions []agendaItem
	Radii    []int
	Communes []commune.Commune // for the search list
	Map      *mapView
}

type agendaItem struct {
	sessions.Session
	DistanceKm float64
	Near       bool
}

type mapView struct {
	TileURL string
	Points  []mapPoint
}

type mapPoint struct {
	Lat   float64 `json:"lat"`
	Lng   float64 `json:"lng"`
	Title string  `json:"title"`
	When  string  `json:"when"`
	URL   string  `json:"url"`
}

func (s *Server) agendaPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := agendaView{Page: s.page(r, ""), Radii: []int{10, 20, 30, 50},
		Query: agendaQuery{Commune: q.Get("commune"), RadiusKm: q.Get("radius_km"), From: q.Get("from"), To: q.Get("to")}}
	v.Title = v.T("agenda.title")
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return err
	}
	v.Communes = dir.All()
	f, err := s.parseAgenda(r, v.Query, "commune")
	status := http.StatusOK
	if err != nil {
		errs, ok := fieldErrors(v.L, err)
		if !ok {
			return err
		}
		v.Errors, status = errs, http.StatusUnprocessableEntity
		f = agendaFilter{filter: store.SessionFilter{From: s.now(), WithStatus: sessions.Scheduled}}
	}
	list, err := s.st.Sessions.List(r.Context(), f.filter)
	if err != nil {
		return err
	}
	for _, ss := range list {
		it := agendaItem{Session: ss, Near: f.near}
		if f.near {
			it.DistanceKm = commune.DistanceKm(f.origin.Latitude, f.origin.Longitude, ss.Latitude, ss.Longitude)
		}
		v.Sessions = append(v.Sessions, it)
	}
	if s.cfg.TileURL != "" && len(list) > 0 {
		v.Map = &mapView{TileURL: s.cfg.TileURL}
		for _, ss := range list {
			v.Map.Points = append(v.Map.Points, mapPoint{Lat: ss.Latitude, Lng: ss.Longitude, Title: ss.Town + " — " + ss.Venue,
				When: v.L.DateTime(ss.StartsAt), URL: "/sessions/" + strconv.FormatInt(ss.ID, 10)})
		}
	}
	return s.renderStatus(w, r, status, "agenda", v)
}

type sessionView struct {
	Page
	Session  sessions.Session
	Open     bool
	Form     registrationFormView
	Errors   map[string]string
	Nearest  []sessions.Session
	Sectors  []string
	Communes []commune.Commune
	FAQ      []outreach.Question // answered questions the facilitators published
}

type registrationFormView struct {
	FirstName, LastName, Email, Phone, ShopName, Sector, Commune, Question string
	Consent                                                                bool
}

func (s *Server) sessionView(r *http.Request, id int64) (sessionView, error) {
	ss, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return sessionView{}, err
	}
	v := sessionView{Page: s.page(r, ss.Title), Session: ss, Open: ss.Open(s.now()), Sectors: sessions.Sectors}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return v, err
	}
	v.Communes = dir.All()
	if v.FAQ, err = s.st.Questions.List(r.Context(), store.QuestionFilter{SessionID: id, PublishedOnly: true}); err != nil {
		return v, err
	}
	if ss.Full() || !v.Open {
		others, err := s.st.Sessions.List(r.Context(), store.SessionFilter{From: s.now(), WithStatus: sessions.Scheduled})
		if err != nil {
			return v, err
		}
		v.Nearest = sessions.Nearest(ss, others, s.now(), 3)
	}
	return v, nil
}

func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.sessionView(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, "session", v)
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fv := registrationFormView{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), ShopName: r.PostFormValue("shop_name"),
		Sector: r.PostFormValue("sector"), Commune: r.PostFormValue("commune"), Consent: r.PostFormValue("consent_contact") == "yes",
		Question: r.PostFormValue("question")}
	res, err := s.register(r, id, sessions.RegistrationForm{FirstName: fv.FirstName, LastName: fv.LastName, Email: fv.Email,
		Phone: fv.Phone, ShopName: fv.ShopName, Sector: fv.Sector, Commune: fv.Commune, ConsentContact: fv.Consent}, fv.Question)
	if err != nil {
		v, verr := s.sessionView(r, id)
		if verr != nil {
			return verr
		}
		errs, ok := fieldErrors(v.L, err)
		if !ok {
			if e, isApp := apperr.As(err); isApp && e.Kind == apperr.Conflict {
				// The session closed meanwhile: say so on its page.
				v.Open = false
				return s.renderStatus(w, r, http.StatusConflict, "session", v)
			}
			return err
		}
		v.Form, v.Errors = fv, errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "session", v)
	}
	next := "/registrations/" + res.Registration.Token
	if res.Created {
		next += "?new=1"
	} else {
		next += "?again=1"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type manageView struct {
	Page
	Reg       sessions.Registration
	Session   sessions.Session
	New       bool
	Again     bool
	Cancelled bool
	Commune   string
	QRURL     string
	ICSURL    string
}

func (s *Server) manageView(r *http.Request, reg sessions.Registration) (manageView, error) {
	ss, err := s.st.Sessions.Get(r.Context(), reg.SessionID)
	if err != nil {
		return manageView{}, err
	}
	q := r.URL.Query()
	v := manageView{Page: s.page(r, ""), Reg: reg, Session: ss, New: q.Get("new") == "1", Again: q.Get("again") == "1",
		Cancelled: q.Get("cancelled") == "1", QRURL: "/registrations/" + reg.Token + "/qr.png",
		ICSURL: "/registrations/" + reg.Token + "/calendar.ics"}
	v.NoIndex = true
	v.Title = v.T("manage.title")
	if dir, err := s.st.Communes.Directory(r.Context()); err == nil {
		if c, ok := dir.ByNIS(reg.CommuneNIS); ok {
			v.Commune = c.LocalName(v.Lang)
		}
	}
	return v, nil
}

func (s *Server) managePage(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	v, err := s.manageView(r, reg)
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.render(w, r, "manage", v)
}

func (s *Server) cancelForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, err := s.st.Registrations.Cancel(r.Context(), token, s.now()); err != nil {
		return err
	}
	s.kick()
	http.Redirect(w, r, "/registrations/"+url.PathEscape(token)+"?cancelled=1", http.StatusSeeOther)
	return nil
}

func (s *Server) eraseForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.st.Registrations.Erase(r.Context(), r.PathValue("token"), s.now()); err != nil {
		return err
	}
	s.kick()
	p := s.page(r, "")
	p.Title = p.T("manage.erased_title")
	return s.render(w, r, "erased", struct{ Page }{p})
}

// sectorLabel is the catalogue key of a sector.
func sectorKey(sector string) string { return "sector." + strings.TrimSpace(sector) }
