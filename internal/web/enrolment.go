package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/funding"
	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/pdf"
	"vitrine/internal/training"
)

// Enrolment in a training session: the same guarantees as the information
// sessions' registrations (see store.EnrolmentStore), plus the voucher cost
// shown before enrolling.

var errCertificateNotReady = apperr.New(apperr.Conflict, "certificate_not_ready", "training.certificate.not_ready")

// enrolInput is the body of POST /api/v1/trainings/sessions/{id}/enrolments.
type enrolInput struct {
	FirstName   string      `json:"first_name"`
	LastName    string      `json:"last_name"`
	Email       string      `json:"email"`
	ShopName    string      `json:"shop_name"`
	CommuneNIS  string      `json:"commune_nis"`
	Employees   json.Number `json:"employees"` // full-time equivalents; 1 when absent
	UseVouchers bool        `json:"use_vouchers"`
}

type apiReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiEnrolment is an enrolment as its owner sees it.
type apiEnrolment struct {
	ID               int64         `json:"id"`
	SessionID        int64         `json:"session_id"`
	Status           string        `json:"status"`
	WaitlistPosition int           `json:"waitlist_position,omitempty"`
	VoucherHours     int           `json:"voucher_hours"`
	ShopPays         funding.Cents `json:"shop_pays_eur"`
	RegionPays       funding.Cents `json:"region_pays_eur"`
	Reasons          []apiReason   `json:"reasons,omitempty"`
	Attended         bool          `json:"attended"`
	Completed        bool          `json:"completed"`
	ManageURL        string        `json:"manage_url"`
	CalendarURL      string        `json:"calendar_url"`
	CertificateURL   string        `json:"certificate_url,omitempty"`
}

func (s *Server) enrolmentURL(e training.Enrolment, suffix string) string {
	return s.absURL("/trainings/enrolments/" + e.Token + suffix)
}

func (s *Server) apiEnrolmentOf(p tpage, e training.Enrolment, reasons []funding.Reason) apiEnrolment {
	out := apiEnrolment{ID: e.ID, SessionID: e.SessionID, Status: string(e.Status), WaitlistPosition: e.WaitlistPos,
		VoucherHours: e.VoucherHours, ShopPays: e.ShopPays, RegionPays: e.RegionPays, Attended: !e.AttendedAt.IsZero(),
		Completed: !e.CompletedAt.IsZero(), ManageURL: s.enrolmentURL(e, ""), CalendarURL: s.enrolmentURL(e, "/calendar.ics")}
	for _, r := range reasons {
		out.Reasons = append(out.Reasons, apiReason{Code: r.Code, Message: p.Reason(r)})
	}
	if e.Certified() {
		out.CertificateURL = s.enrolmentURL(e, "/certificate.pdf")
	}
	return out
}

// enrolmentFrom checks what a shopkeeper sent; the commune is a NIS code.
func (s *Server) enrolmentFrom(r *http.Request, f training.EnrolmentForm) (training.Enrolment, error) {
	f.Lang = s.localizer(r).Lang
	f.Normalize()
	e, err := f.Validate()
	if err != nil {
		return e, err
	}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return e, err
	}
	if _, ok := dir.ByNIS(e.CommuneNIS); !ok {
		return e, apperr.Field("commune_nis", "error.commune.unknown", nil)
	}
	return e, nil
}

func (s *Server) apiEnrol(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in enrolInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.enrolmentFrom(r, training.EnrolmentForm{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		ShopName: in.ShopName, CommuneNIS: in.CommuneNIS, Employees: string(in.Employees), UseVouchers: in.UseVouchers})
	if err != nil {
		return err
	}
	res, err := s.st.Enrolments.Enrol(r.Context(), id, e, s.enrolmentMail, s.now())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		s.kick()
	}
	return writeJSON(w, status, s.apiEnrolmentOf(tpage{s.page(r, "")}, res.Enrolment, res.Quote.Reasons))
}

func (s *Server) apiGetEnrolment(w http.ResponseWriter, r *http.Request) error {
	e, err := s.st.Enrolments.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.apiEnrolmentOf(tpage{s.page(r, "")}, e, nil))
}

func (s *Server) apiCancelEnrolment(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.st.Enrolments.Cancel(r.Context(), r.PathValue("token"), s.enrolmentMail, s.now()); err != nil {
		return err
	}
	s.kick()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiQuote previews the cost of an enrolment: ?employees=, ?use_vouchers=,
// and ?shop_name= with ?commune_nis= to count the vouchers the shop has
// already used this year.
func (s *Server) apiQuote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ss, m, err := s.st.Trainings.Session(r.Context(), id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	e := training.Enrolment{ShopName: q.Get("shop_name"), CommuneNIS: q.Get("commune_nis"), FTE: funding.Headcount(1),
		UseVouchers: q.Get("use_vouchers") != "false" && q.Get("use_vouchers") != "0"}
	if emp := strings.TrimSpace(q.Get("employees")); emp != "" {
		if e.FTE, err = funding.ParseFTE(emp); err != nil {
			return err
		}
	}
	qt, err := s.st.Enrolments.Quote(r.Context(), ss, m, e)
	if err != nil {
		return err
	}
	p := tpage{s.page(r, "")}
	out := struct {
		VoucherHours       int           `json:"voucher_hours"`
		ShopPays           funding.Cents `json:"shop_pays_eur"`
		RegionPays         funding.Cents `json:"region_pays_eur"`
		Price              funding.Cents `json:"price_eur"`
		RemainingAllowance int           `json:"remaining_allowance"`
		Reasons            []apiReason   `json:"reasons"`
	}{qt.VoucherHours, qt.ShopPays, qt.RegionPays, m.Price, qt.RemainingAllowance, []apiReason{}}
	for _, rs := range qt.Reasons {
		out.Reasons = append(out.Reasons, apiReason{Code: rs.Code, Message: p.Reason(rs)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// The enrolment form.

type enrolView struct {
	tpage
	Session training.Session
	Module  training.Module
	Form    map[string]string
	Errors  map[string]string
	Quote   *funding.VoucherQuote
	Closed  bool
	Place   training.Placed // the session, with its distance from the shop when known
}

func (s *Server) enrolView(r *http.Request) (enrolView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return enrolView{}, err
	}
	v := enrolView{tpage: s.tpage(r, "training.enrol.title")}
	if v.Session, v.Module, err = s.st.Trainings.Session(r.Context(), id); err != nil {
		return v, err
	}
	v.Title = v.T("training.enrol.heading", "Title", v.Module.Title)
	v.Closed = !v.Session.Open(s.now())
	v.Place = training.Placed{Session: v.Session}
	return v, nil
}

// placeFrom is a session with its distance from a commune ("" or unknown:
// no distance).
func (s *Server) placeFrom(r *http.Request, ss training.Session, nis string) training.Placed {
	p := training.Placed{Session: ss}
	if nis == "" {
		return p
	}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return p
	}
	if c, ok := dir.ByNIS(nis); ok {
		p.Km, p.Known = ss.DistanceKm(func(lat, lon float64) float64 { return commune.DistanceKm(c.Latitude, c.Longitude, lat, lon) }), true
	}
	return p
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.enrolView(r)
	if err != nil {
		return err
	}
	v.Form = map[string]string{"use_vouchers": "1", "employees": "1", "commune": r.URL.Query().Get("near")}
	if nis := v.Form["commune"]; nis != "" {
		if dir, err := s.st.Communes.Directory(r.Context()); err == nil {
			if c, ok := dir.ByNIS(nis); ok {
				v.Form["commune"] = c.LocalName(v.Lang)
				v.Place = s.placeFrom(r, v.Session, nis)
			}
		}
	}
	return s.render(w, r, "enrol", v)
}

// enrolSubmit shows the cost (action=preview) or enrols (action=enrol).
func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	v, err := s.enrolView(r)
	if err != nil {
		return err
	}
	f := map[string]string{}
	for _, k := range []string{"first_name", "last_name", "email", "shop_name", "commune", "employees", "use_vouchers", "action"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	v.Form = f
	errs := map[string]string{}
	nis := ""
	if f["commune"] != "" {
		dir, err := s.st.Communes.Directory(r.Context())
		if err != nil {
			return err
		}
		if c, err := dir.Resolve(f["commune"]); err == nil {
			nis = c.NIS
		} else {
			errs["commune"] = v.T("error.commune.unknown")
		}
	}
	v.Place = s.placeFrom(r, v.Session, nis)
	// Without vouchers to choose (free, or not accepted), say only why.
	noChoice := v.Module.Price == 0 || !v.Module.VoucherEligible
	form := training.EnrolmentForm{FirstName: f["first_name"], LastName: f["last_name"], Email: f["email"], ShopName: f["shop_name"],
		CommuneNIS: nis, Employees: f["employees"], UseVouchers: f["use_vouchers"] != "" || noChoice}
	e, err := s.enrolmentFrom(r, form)
	fe, invalid := fieldErrors(v.L, err)
	if err != nil && !invalid {
		return err
	}
	for k, msg := range fe {
		if k == "commune_nis" {
			k = "commune"
			if errs[k] != "" {
				continue
			}
		}
		errs[k] = msg
	}
	// The cost can be shown as soon as the shop's size is known.
	if errs["employees"] == "" {
		quoteFor := e
		if err != nil {
			quoteFor = training.Enrolment{ShopName: f["shop_name"], CommuneNIS: nis, FTE: funding.Headcount(1), UseVouchers: form.UseVouchers}
			if f["employees"] != "" {
				quoteFor.FTE, _ = funding.ParseFTE(f["employees"])
			}
		}
		q, qerr := s.st.Enrolments.Quote(r.Context(), v.Session, v.Module, quoteFor)
		if qerr != nil {
			return qerr
		}
		v.Quote = &q
	}
	if f["action"] == "preview" {
		if len(errs) > 0 && f["first_name"] != "" {
			v.Errors = errs
		}
		return s.render(w, r, "enrol", v)
	}
	if len(errs) > 0 {
		v.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "enrol", v)
	}
	res, err := s.st.Enrolments.Enrol(r.Context(), v.Session.ID, e, s.enrolmentMail, s.now())
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Conflict {
			v.Errors = map[string]string{"use_vouchers": message(v.L, ae)}
			return s.renderStatus(w, r, http.StatusConflict, "enrol", v)
		}
		return err
	}
	s.kick()
	http.Redirect(w, r, "/trainings/enrolments/"+res.Enrolment.Token, http.StatusSeeOther)
	return nil
}

// The private enrolment page.

type enrolmentView struct {
	tpage
	Enrolment training.Enrolment
	Session   training.Session
	Module    training.Module
	Started   bool
	Place     training.Placed // with its distance from the shop's commune
}

func (s *Server) enrolmentLoad(r *http.Request) (enrolmentView, error) {
	e, err := s.st.Enrolments.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return enrolmentView{}, err
	}
	ss, m, err := s.st.Trainings.Session(r.Context(), e.SessionID)
	if err != nil {
		return enrolmentView{}, err
	}
	v := enrolmentView{tpage: s.tpage(r, "training.enrolment.title"), Enrolment: e, Session: ss, Module: m, Started: ss.Started(s.now()),
		Place: s.placeFrom(r, ss, e.CommuneNIS)}
	v.NoIndex = true
	return v, nil
}

func (s *Server) enrolmentPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.enrolmentLoad(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "enrolment", v)
}

func (s *Server) cancelEnrolmentForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, err := s.st.Enrolments.Cancel(r.Context(), token, s.enrolmentMail, s.now()); err != nil {
		return err
	}
	s.kick()
	s.sessions.Put(r.Context(), "flash", s.localizer(r).T("training.enrolment.cancelled_flash"))
	http.Redirect(w, r, "/trainings/enrolments/"+token, http.StatusSeeOther)
	return nil
}

// enrolmentCalendar writes a training session as an iCalendar file: one event per day, with
// stable UIDs, so a second import updates the first.
func (s *Server) enrolmentCalendar(w http.ResponseWriter, r *http.Request) error {
	v, err := s.enrolmentLoad(r)
	if err != nil {
		return err
	}
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//Vitrine//Commerce connecte//FR")
	host := s.mailer.Composer.Domain()
	status := ics.ObjectStatusConfirmed
	switch v.Enrolment.Status {
	case training.Waitlisted:
		status = ics.ObjectStatusTentative
	case training.Withdrawn:
		status = ics.ObjectStatusCancelled
	}
	where := v.T("training.online_long")
	if !v.Session.Online() {
		where = strings.Trim(v.Session.SiteName+", "+v.Session.Address, ", ")
	}
	for i, d := range v.Session.Days {
		ev := cal.AddEvent(fmt.Sprintf("training-%d-day-%d-%d@%s", v.Session.ID, i+1, v.Enrolment.ID, host))
		ev.SetDtStampTime(s.now())
		ev.SetStartAt(d.Start)
		ev.SetEndAt(d.End)
		ev.SetSummary(v.Module.Title)
		ev.SetLocation(where)
		ev.SetDescription(v.Module.ProviderName + "\n" + s.enrolmentURL(v.Enrolment, ""))
		ev.SetURL(s.enrolmentURL(v.Enrolment, ""))
		ev.SetStatus(status)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="formation.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	return cal.SerializeTo(w)
}

// certificate is the attendance certificate, once the provider recorded
// the person's presence.
func (s *Server) certificate(w http.ResponseWriter, r *http.Request) error {
	v, err := s.enrolmentLoad(r)
	if err != nil {
		return err
	}
	if !v.Enrolment.Certified() {
		return errCertificateNotReady
	}
	b, err := s.certificatePDF(v, s.now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="attestation.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
	return nil
}

func (s *Server) certificatePDF(v enrolmentView, now time.Time) ([]byte, error) {
	e, ss, m := v.Enrolment, v.Session, v.Module
	name := e.FirstName + " " + e.LastName
	d := pdf.New(v.T("training.certificate.title")+" — "+m.Title, pdf.WithLanguage(v.Lang+"-BE"), pdf.WithAuthor(v.T("site.name")))
	d.Heading(v.T("training.certificate.title"))
	d.Subheading(v.T("training.certificate.module", "Title", m.Title))
	body := v.T("training.certificate.body", "Name", name, "Shop", e.ShopName, "Provider", m.ProviderName)
	if !e.CompletedAt.IsZero() {
		body += " " + v.T("training.certificate.completed")
	}
	d.Paragraph(body)
	rows := [][]string{}
	for _, day := range ss.Days {
		rows = append(rows, []string{v.L.Date(day.Start), v.L.Time(day.Start) + " – " + v.L.Time(day.End), v.Hours(day.Minutes())})
	}
	d.Table([]string{v.T("training.certificate.date"), v.T("training.certificate.times"), v.T("training.certificate.hours")}, rows...)
	place := v.T("training.online_long")
	if !ss.Online() {
		place = strings.Trim(ss.SiteName+", "+ss.Address, ", ")
	}
	kvs := []pdf.KeyValue{
		{Key: v.T("training.certificate.participant"), Value: name},
		{Key: v.T("training.certificate.shop"), Value: e.ShopName},
		{Key: v.T("training.certificate.provider"), Value: m.ProviderName + " (" + v.Kind(m.ProviderKind) + ")"},
		{Key: v.T("training.certificate.place"), Value: place},
		{Key: v.T("training.certificate.total"), Value: v.Hours(ss.Minutes())},
	}
	if e.VoucherHours > 0 {
		kvs = append(kvs, pdf.KeyValue{Key: v.T("training.certificate.vouchers"), Value: v.T("training.certificate.vouchers_value",
			"Count", e.VoucherHours, "Shop", v.Money(e.ShopPays), "Region", v.Money(e.RegionPays))})
	}
	d.KeyValues(kvs...)
	d.SmallText(v.T("training.certificate.issued", "Date", v.L.Date(now), "Ref", fmt.Sprintf("VIT-%d-%05d", ss.StartsAt().In(i18n.Brussels).Year(), e.ID)))
	d.PageNumbers(func(page, pages int) string { return v.T("training.certificate.page", "Page", page, "Pages", pages) })
	return d.Bytes()
}

// Mails.

type enrolmentMailData struct {
	FirstName   string
	Title       string
	Provider    string
	Private     bool
	Online      bool
	Place       string
	Days        []training.Day
	Waitlisted  bool
	Position    int
	Vouchers    int
	ShopPays    int64
	RegionPays  int64
	ManageURL   string
	CalendarURL string
}

// enrolmentMail composes the mails about an enrolment in its person's
// language (the store calls it inside its transaction).
func (s *Server) enrolmentMail(kind string, e training.Enrolment, ss training.Session, m training.Module) (mail.Message, error) {
	place := ""
	if !ss.Online() {
		place = strings.Trim(ss.SiteName+", "+ss.Address, ", ")
	}
	data := enrolmentMailData{FirstName: e.FirstName, Title: m.Title, Provider: m.ProviderName, Private: m.Private(),
		Online: ss.Online(), Place: place, Days: ss.Days, Waitlisted: e.Status == training.Waitlisted, Position: e.WaitlistPos,
		Vouchers: e.VoucherHours, ShopPays: int64(e.ShopPays), RegionPays: int64(e.RegionPays),
		ManageURL: s.enrolmentURL(e, ""), CalendarURL: s.enrolmentURL(e, "/calendar.ics")}
	return s.mailer.Composer.Compose(kind, e.Lang, e.Email, data, "Title", m.Title)
}

// Staff: a session's enrolments and attendance.

type apiStaffEnrolment struct {
	ID               int64         `json:"id"`
	FirstName        string        `json:"first_name"`
	LastName         string        `json:"last_name"`
	Email            string        `json:"email"`
	ShopName         string        `json:"shop_name"`
	CommuneNIS       string        `json:"commune_nis"`
	Status           string        `json:"status"`
	WaitlistPosition int           `json:"waitlist_position,omitempty"`
	VoucherHours     int           `json:"voucher_hours"`
	ShopPays         funding.Cents `json:"shop_pays_eur"`
	RegionPays       funding.Cents `json:"region_pays_eur"`
	Attended         bool          `json:"attended"`
	Completed        bool          `json:"completed"`
}

func staffEnrolment(e training.Enrolment) apiStaffEnrolment {
	return apiStaffEnrolment{ID: e.ID, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email, ShopName: e.ShopName,
		CommuneNIS: e.CommuneNIS, Status: string(e.Status), WaitlistPosition: e.WaitlistPos, VoucherHours: e.VoucherHours,
		ShopPays: e.ShopPays, RegionPays: e.RegionPays, Attended: !e.AttendedAt.IsZero(), Completed: !e.CompletedAt.IsZero()}
}

func (s *Server) apiSessionEnrolments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	if _, _, err := s.st.Trainings.SessionIn(r.Context(), id, scopeOf(u)); err != nil {
		return err
	}
	list, err := s.st.Enrolments.BySession(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]apiStaffEnrolment, 0, len(list))
	for _, e := range list {
		out = append(out, staffEnrolment(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Attended  bool `json:"attended"`
		Completed bool `json:"completed"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	e, err := s.st.Enrolments.Attendance(r.Context(), id, in.Attended, in.Completed, scopeOf(u), s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, staffEnrolment(e))
}

type staffSessionView struct {
	tpage
	Session    training.Session
	Module     training.Module
	Enrolments []training.Enrolment
	Started    bool
	Errors     map[string]string
	Capacity   string
}

func (s *Server) staffSessionView(r *http.Request) (staffSessionView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return staffSessionView{}, err
	}
	u, _ := userFrom(r.Context())
	v := staffSessionView{tpage: s.tpage(r, "training.staff.session_title")}
	if v.Session, v.Module, err = s.st.Trainings.SessionIn(r.Context(), id, scopeOf(u)); err != nil {
		return v, err
	}
	if v.Enrolments, err = s.st.Enrolments.BySession(r.Context(), id); err != nil {
		return v, err
	}
	v.Started = v.Session.Started(s.now())
	v.Capacity = strconv.Itoa(v.Session.Capacity)
	return v, nil
}

func (s *Server) staffSessionPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.staffSessionView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_session", v)
}

// staffSessionCapacity changes a session's capacity from its page.
func (s *Server) staffSessionCapacity(w http.ResponseWriter, r *http.Request) error {
	v, err := s.staffSessionView(r)
	if err != nil {
		return err
	}
	v.Capacity = strings.TrimSpace(r.PostFormValue("capacity"))
	n, convErr := strconv.Atoi(v.Capacity)
	ss := v.Session
	ss.Capacity = n
	if convErr == nil {
		u, _ := userFrom(r.Context())
		_, err = s.st.Trainings.UpdateSession(r.Context(), ss.ID, ss, scopeOf(u), i18n.Brussels, s.st.Enrolments.Promoter(s.enrolmentMail, s.now()), s.now())
	}
	if convErr != nil {
		err = apperr.Field("capacity", "training.session.capacity_range", nil)
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Internal || e.Kind == apperr.NotFound {
			return err
		}
		msg := message(v.L, e)
		if fe, ok := fieldErrors(v.L, err); ok && fe["capacity"] != "" {
			msg = fe["capacity"]
		}
		v.Errors = map[string]string{"capacity": msg}
		return s.renderStatus(w, r, statusOf[e.Kind], "staff_session", v)
	}
	s.kick()
	s.sessions.Put(r.Context(), "flash", v.T("training.staff.session_saved"))
	http.Redirect(w, r, "/staff/trainings/sessions/"+strconv.FormatInt(ss.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) staffAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	e, err := s.st.Enrolments.Attendance(r.Context(), id, r.PostFormValue("attended") != "", r.PostFormValue("completed") != "", scopeOf(u), s.now())
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", s.localizer(r).T("training.staff.attendance_saved", "Name", e.FirstName+" "+e.LastName))
	http.Redirect(w, r, "/staff/trainings/sessions/"+strconv.FormatInt(e.SessionID, 10), http.StatusSeeOther)
	return nil
}
