package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"vitrine/internal/aid"
	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/mail"
	"vitrine/internal/store"
)

// Aid for digital tools: shopkeepers apply (public), staff decide.

// apiAid is an application as the API shows it.
type apiAid struct {
	ID           int64           `json:"id"`
	Status       aid.Status      `json:"status"`
	AidRate      json.RawMessage `json:"aid_rate"` // percent: 60, 12.5
	AidRateBP    int64           `json:"aid_rate_bp"`
	Aid          funding.Cents   `json:"aid_eur"`
	Cost         funding.Cents   `json:"cost_eur"`
	TableVersion int             `json:"aid_table_version"`
	BudgetLineID int64           `json:"budget_line_id,omitempty"`
	StatusURL    string          `json:"status_url,omitempty"` // private: only for the applicant
	// Staff see who applied.
	FirstName  string         `json:"first_name,omitempty"`
	LastName   string         `json:"last_name,omitempty"`
	Email      string         `json:"email,omitempty"`
	ShopName   string         `json:"shop_name,omitempty"`
	CommuneNIS string         `json:"commune_nis,omitempty"`
	Employees  *int           `json:"employees,omitempty"`
	Turnover   *funding.Cents `json:"turnover_eur,omitempty"`
	Item       string         `json:"item,omitempty"`
	Supplier   string         `json:"supplier,omitempty"`
}

func aidOut(a aid.Application, full bool) apiAid {
	out := apiAid{ID: a.ID, Status: a.Status, AidRate: json.RawMessage(a.Quote.RateBasisPoints.Percent()),
		AidRateBP: int64(a.Quote.RateBasisPoints), Aid: a.Quote.Aid, Cost: a.Cost, TableVersion: a.TableVersion, BudgetLineID: a.BudgetLineID}
	if full {
		emp, turnover := a.Employees, a.Turnover
		out.FirstName, out.LastName, out.Email, out.ShopName, out.CommuneNIS = a.FirstName, a.LastName, a.Email, a.ShopName, a.CommuneNIS
		out.Employees, out.Turnover, out.Item, out.Supplier = &emp, &turnover, a.Item, a.Supplier
	}
	return out
}

// aidFrom checks an application; the commune is a NIS code.
func (s *Server) aidFrom(r *http.Request, f aid.Form) (aid.Application, error) {
	f.Lang = s.localizer(r).Lang
	f.Normalize()
	a, err := f.Validate()
	if err != nil {
		return a, err
	}
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return a, err
	}
	if _, ok := dir.ByNIS(a.CommuneNIS); !ok {
		return a, apperr.Field("commune_nis", "error.commune.unknown", nil)
	}
	return a, nil
}

func (s *Server) apiApplyForAid(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		FirstName  string        `json:"first_name"`
		LastName   string        `json:"last_name"`
		Email      string        `json:"email"`
		ShopName   string        `json:"shop_name"`
		CommuneNIS string        `json:"commune_nis"`
		Employees  int           `json:"employees"`
		Turnover   funding.Cents `json:"turnover_eur"`
		Item       string        `json:"item"`
		Supplier   string        `json:"supplier"`
		Cost       funding.Cents `json:"cost_eur"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.aidFrom(r, aid.Form{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, ShopName: in.ShopName,
		CommuneNIS: in.CommuneNIS, Employees: in.Employees, Turnover: in.Turnover, Item: in.Item, Supplier: in.Supplier, Cost: in.Cost})
	if err != nil {
		return err
	}
	if a, err = s.st.Aid.Apply(r.Context(), a, s.aidMail, s.now()); err != nil {
		return err
	}
	s.kick()
	out := aidOut(a, false)
	out.StatusURL = s.absURL("/aid/" + a.Token)
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiAidApplications(w http.ResponseWriter, r *http.Request) error {
	status := aid.Status(r.URL.Query().Get("status"))
	list, err := s.st.Aid.List(r.Context(), status, 0)
	if err != nil {
		return err
	}
	out := make([]apiAid, 0, len(list))
	for _, a := range list {
		out = append(out, aidOut(a, true))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiApproveAid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		BudgetLineID int64 `json:"budget_line_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.BudgetLineID <= 0 {
		return apperr.Field("budget_line_id", "error.required", nil)
	}
	u, _ := userFrom(r.Context())
	a, err := s.st.Aid.Approve(r.Context(), id, in.BudgetLineID, u.ID, s.aidMail, s.now())
	if err != nil {
		return err
	}
	s.kick()
	return writeJSON(w, http.StatusOK, aidOut(a, true))
}

func (s *Server) apiRefuseAid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	a, err := s.st.Aid.Refuse(r.Context(), id, u.ID, s.aidMail, s.now())
	if err != nil {
		return err
	}
	s.kick()
	return writeJSON(w, http.StatusOK, aidOut(a, true))
}

func (s *Server) apiCancelAid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.st.Aid.Cancel(r.Context(), id, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, aidOut(a, true))
}

type apiAidTable struct {
	Version int              `json:"version"`
	Rows    []funding.AidRow `json:"rows"`
}

func (s *Server) apiAidTable(w http.ResponseWriter, r *http.Request) error {
	t, v, err := s.st.Aid.Table(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiAidTable{Version: v, Rows: t.Rows})
}

// apiSetAidTable replaces the table: {version, rows}. version is the one
// the change starts from (0: whatever is current).
func (s *Server) apiSetAidTable(w http.ResponseWriter, r *http.Request) error {
	var in apiAidTable
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	v, err := s.st.Aid.SetTable(r.Context(), funding.AidTable{Rows: in.Rows}, in.Version, u.ID, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiAidTable{Version: v, Rows: in.Rows})
}

// Mails.

type aidMailData struct {
	FirstName string
	Item      string
	Supplier  string
	Cost      int64
	Aid       int64
	Rate      string
	Submitted bool
	URL       string
}

func (s *Server) aidMail(kind string, a aid.Application) (mail.Message, error) {
	data := aidMailData{FirstName: a.FirstName, Item: a.Item, Supplier: a.Supplier, Cost: int64(a.Cost), Aid: int64(a.Quote.Aid),
		Rate: a.Quote.RateBasisPoints.Percent(), Submitted: a.Status == aid.Submitted, URL: s.absURL("/aid/" + a.Token)}
	return s.mailer.Composer.Compose(kind, a.Lang, a.Email, data, "Item", a.Item)
}

// Public pages.

type aidFormView struct {
	tpage
	Form   map[string]string
	Errors map[string]string
	Table  funding.AidTable
}

func (s *Server) aidFormPage(w http.ResponseWriter, r *http.Request) error {
	v := aidFormView{tpage: s.tpage(r, "aid.form.title"), Form: map[string]string{}}
	var err error
	if v.Table, _, err = s.st.Aid.Table(r.Context()); err != nil {
		return err
	}
	return s.render(w, r, "aid", v)
}

func (s *Server) aidFormSubmit(w http.ResponseWriter, r *http.Request) error {
	v := aidFormView{tpage: s.tpage(r, "aid.form.title"), Form: map[string]string{}}
	var err error
	if v.Table, _, err = s.st.Aid.Table(r.Context()); err != nil {
		return err
	}
	for _, k := range []string{"first_name", "last_name", "email", "shop_name", "commune", "employees", "turnover", "item", "supplier", "cost"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	errs := map[string]string{}
	f := aid.Form{FirstName: v.Form["first_name"], LastName: v.Form["last_name"], Email: v.Form["email"], ShopName: v.Form["shop_name"],
		Item: v.Form["item"], Supplier: v.Form["supplier"]}
	if v.Form["commune"] != "" {
		dir, err := s.st.Communes.Directory(r.Context())
		if err != nil {
			return err
		}
		if c, err := dir.Resolve(v.Form["commune"]); err == nil {
			f.CommuneNIS = c.NIS
		} else {
			errs["commune"] = v.T("error.commune.unknown")
		}
	}
	if n, err := strconv.Atoi(v.Form["employees"]); err == nil {
		f.Employees = n
	} else {
		errs["employees"] = v.T("funding.aid.employees_invalid")
	}
	money := func(field string, to *funding.Cents) {
		if v.Form[field] == "" {
			return
		}
		c, err := funding.ParseCents(v.Form[field])
		if err != nil {
			e, _ := apperr.As(err)
			errs[field] = v.T(e.Key)
		}
		*to = c
	}
	money("turnover", &f.Turnover)
	money("cost", &f.Cost)
	a, err := s.aidFrom(r, f)
	if fe, ok := fieldErrors(v.L, err); ok {
		for k, msg := range fe {
			k = strings.TrimSuffix(k, "_eur")
			if k == "commune_nis" {
				k = "commune"
			}
			if errs[k] == "" {
				errs[k] = msg
			}
		}
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		v.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "aid", v)
	}
	if a, err = s.st.Aid.Apply(r.Context(), a, s.aidMail, s.now()); err != nil {
		return err
	}
	s.kick()
	http.Redirect(w, r, "/aid/"+a.Token, http.StatusSeeOther)
	return nil
}

type aidStatusView struct {
	tpage
	App aid.Application
}

func (s *Server) aidStatusPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.st.Aid.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	v := aidStatusView{tpage: s.tpage(r, "aid.status.title"), App: a}
	v.NoIndex = true
	return s.render(w, r, "aid_status", v)
}

// Staff pages.

type staffAidView struct {
	tpage
	Apps   []aid.Application
	Lines  []funding.BudgetLine
	Status aid.Status
	Counts map[aid.Status]int
	Sums   map[aid.Status]funding.Cents
}

// aidTab is one status filter of the applications page.
type aidTab struct {
	Status  aid.Status
	Count   int
	Current bool
}

// Tabs lists the status filters with their counts.
func (v staffAidView) Tabs() []aidTab {
	var out []aidTab
	for _, st := range []aid.Status{aid.Submitted, aid.Approved, aid.Refused, aid.Cancelled, aid.Ineligible} {
		out = append(out, aidTab{Status: st, Count: v.Counts[st], Current: st == v.Status})
	}
	return out
}

func (s *Server) staffAidPage(w http.ResponseWriter, r *http.Request) error {
	v := staffAidView{tpage: s.tpage(r, "aid.staff.title"), Status: aid.Status(r.URL.Query().Get("status"))}
	switch v.Status {
	case "", aid.Submitted, aid.Ineligible, aid.Approved, aid.Refused, aid.Cancelled:
	default:
		v.Status = ""
	}
	var err error
	if v.Apps, err = s.st.Aid.List(r.Context(), v.Status, 0); err != nil {
		return err
	}
	if v.Counts, v.Sums, err = s.st.Aid.Counts(r.Context()); err != nil {
		return err
	}
	lines, err := s.st.Budget.Lines(r.Context())
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l.Kind == funding.BudgetCampaign {
			v.Lines = append(v.Lines, l)
		}
	}
	return s.render(w, r, "staff_aid", v)
}

// staffAidDecide approves, refuses or cancels from the applications page.
func (s *Server) staffAidDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	l := s.localizer(r)
	var a aid.Application
	switch r.PathValue("action") {
	case "approve":
		line, _ := strconv.ParseInt(r.PostFormValue("budget_line_id"), 10, 64)
		a, err = s.st.Aid.Approve(r.Context(), id, line, u.ID, s.aidMail, s.now())
	case "refuse":
		a, err = s.st.Aid.Refuse(r.Context(), id, u.ID, s.aidMail, s.now())
	case "cancel":
		a, err = s.st.Aid.Cancel(r.Context(), id, s.now())
	default:
		return errNotFound
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Internal || errors.Is(err, store.ErrAidNotFound) {
			return err
		}
		msg := message(l, e)
		if fe, ok := fieldErrors(l, err); ok {
			for _, m := range fe {
				msg = m
			}
		}
		s.sessions.Put(r.Context(), "flash", msg)
	} else {
		s.kick()
		s.sessions.Put(r.Context(), "flash", l.T("aid.staff.done."+string(a.Status), "Shop", a.ShopName))
	}
	http.Redirect(w, r, "/staff/aid", http.StatusSeeOther)
	return nil
}

// The aid table editor: one row of inputs per band, and an empty one to add.

type aidTableView struct {
	tpage
	Version int
	Rows    []map[string]string
	Errors  map[string]string
}

func aidRowForm(r funding.AidRow) map[string]string {
	return map[string]string{"name": r.Name, "max_employees": strconv.Itoa(r.MaxEmployees),
		"max_turnover": strings.Replace(r.MaxTurnover.Decimal(), ".", ",", 1), "rate": strings.Replace(r.Rate.Percent(), ".", ",", 1),
		"cap": strings.Replace(r.Cap.Decimal(), ".", ",", 1)}
}

func (s *Server) aidTablePage(w http.ResponseWriter, r *http.Request) error {
	t, version, err := s.st.Aid.Table(r.Context())
	if err != nil {
		return err
	}
	v := aidTableView{tpage: s.tpage(r, "aid.table.title"), Version: version}
	for _, row := range t.Rows {
		v.Rows = append(v.Rows, aidRowForm(row))
	}
	v.Rows = append(v.Rows, map[string]string{})
	return s.render(w, r, "aid_table", v)
}

func (s *Server) aidTableSubmit(w http.ResponseWriter, r *http.Request) error {
	v := aidTableView{tpage: s.tpage(r, "aid.table.title"), Errors: map[string]string{}}
	v.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	var t funding.AidTable
	for i := 0; i < 20; i++ {
		p := "rows[" + strconv.Itoa(i) + "]."
		f := map[string]string{}
		for _, k := range []string{"name", "max_employees", "max_turnover", "rate", "cap"} {
			f[k] = strings.TrimSpace(r.PostFormValue(p + k))
		}
		if f["name"] == "" && f["max_employees"] == "" && f["max_turnover"] == "" && f["rate"] == "" && f["cap"] == "" {
			continue
		}
		n := len(t.Rows)
		q := "rows[" + strconv.Itoa(n) + "]."
		v.Rows = append(v.Rows, f)
		row := funding.AidRow{Name: f["name"]}
		var err error
		if row.MaxEmployees, err = strconv.Atoi(f["max_employees"]); err != nil {
			v.Errors[q+"max_employees"] = v.T("funding.aid.row_employees_invalid")
		}
		if row.MaxTurnover, err = funding.ParseCents(f["max_turnover"]); err != nil {
			v.Errors[q+"max_turnover"] = v.T("funding.aid.row_turnover_invalid")
		}
		// The rate is typed in percent with at most two decimals: 12,5.
		if pct, err := funding.ParseCents(strings.TrimSpace(strings.TrimSuffix(f["rate"], "%"))); err != nil {
			v.Errors[q+"rate"] = v.T("funding.aid.row_rate_invalid")
		} else {
			row.Rate = funding.BasisPoints(pct)
		}
		if row.Cap, err = funding.ParseCents(f["cap"]); err != nil {
			v.Errors[q+"cap"] = v.T("funding.aid.row_cap_invalid")
		}
		t.Rows = append(t.Rows, row)
	}
	if len(v.Errors) == 0 {
		u, _ := userFrom(r.Context())
		_, err := s.st.Aid.SetTable(r.Context(), t, v.Version, u.ID, s.now())
		if err == nil {
			s.sessions.Put(r.Context(), "flash", v.T("aid.table.saved"))
			http.Redirect(w, r, "/staff/aid/table", http.StatusSeeOther)
			return nil
		}
		if errors.Is(err, store.ErrAidTableChanged) {
			e, _ := apperr.As(err)
			v.Errors["version"] = message(v.L, e)
		} else if fe, ok := fieldErrors(v.L, err); ok {
			for k, msg := range fe {
				k = strings.NewReplacer("rate_bp", "rate", "_eur", "").Replace(k)
				if k == "rows" {
					k = "rows[0].name"
				}
				v.Errors[k] = msg
			}
		} else {
			return err
		}
	}
	v.Rows = append(v.Rows, map[string]string{})
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "aid_table", v)
}
