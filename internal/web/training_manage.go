package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/i18n"
	"vitrine/internal/store"
	"vitrine/internal/training"
)

// Providers manage their own modules and sessions; staff with the
// permission manage every provider's. The store enforces the scope.

// moduleInput is a module as the API and the form send it.
type moduleInput struct {
	Provider        string          `json:"provider"` // slug; staff only, a provider account adds to its own
	Code            string          `json:"code"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	Skills          []string        `json:"skills"`
	Format          training.Format `json:"format"`
	Hours           json.Number     `json:"hours"`
	LevelMin        *int            `json:"level_min"`
	LevelMax        *int            `json:"level_max"`
	VoucherEligible bool            `json:"voucher_eligible"`
	Price           funding.Cents   `json:"price_eur"`
}

func (s *Server) moduleFrom(r *http.Request, in moduleInput) (training.Module, error) {
	m := training.Module{Code: in.Code, Title: in.Title, Description: in.Description, Skills: in.Skills, Format: in.Format,
		LevelMin: training.MinLevel, LevelMax: training.MaxLevel, VoucherEligible: in.VoucherEligible, Price: in.Price}
	if in.LevelMin != nil {
		m.LevelMin = *in.LevelMin
	}
	if in.LevelMax != nil {
		m.LevelMax = *in.LevelMax
	}
	var v apperr.Validation
	mins, ok := training.ParseHours(string(in.Hours))
	v.Check(ok, "hours", "training.module.hours_invalid")
	m.Minutes = mins
	if in.Provider != "" {
		p, err := s.st.Providers.BySlug(r.Context(), in.Provider)
		if err != nil {
			v.Add("provider", "training.import.provider_unknown", map[string]any{"Value": in.Provider})
		}
		m.ProviderID = p.ID
	}
	if err := v.Err(); err != nil {
		return m, err
	}
	return m, nil
}

// apiModuleDetail is a module as staff see it.
type apiModuleDetail struct {
	apiModule
	Code string `json:"code"`
}

func (s *Server) apiModuleOut(r *http.Request, m training.Module) (apiModuleDetail, error) {
	sess, err := s.st.Trainings.Sessions(r.Context(), store.SessionsFilter{ModuleIDs: []int64{m.ID}})
	if err != nil {
		return apiModuleDetail{}, err
	}
	o := training.Offer{Module: m}
	for _, ss := range sess {
		o.Sessions = append(o.Sessions, training.Placed{Session: ss})
	}
	return apiModuleDetail{apiModule: s.apiModuleOf(tpage{s.page(r, "")}, o), Code: m.Code}, nil
}

func (s *Server) apiCreateModule(w http.ResponseWriter, r *http.Request) error {
	var in moduleInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	m, err := s.moduleFrom(r, in)
	if err != nil {
		return err
	}
	if m, err = s.st.Trainings.CreateModule(r.Context(), m, scopeOf(u), s.now()); err != nil {
		return err
	}
	out, err := s.apiModuleOut(r, m)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/trainings/"+strconv.FormatInt(m.ID, 10))
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiUpdateModule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in moduleInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	m, err := s.moduleFrom(r, in)
	if err != nil {
		return err
	}
	if m, err = s.st.Trainings.UpdateModule(r.Context(), id, m, scopeOf(u), s.now()); err != nil {
		return err
	}
	out, err := s.apiModuleOut(r, m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// sessionInput is a session as the API sends it.
type sessionInput struct {
	Code     string   `json:"code"`
	Site     string   `json:"site"` // a site slug of the provider; "" online
	Capacity int      `json:"capacity"`
	Days     []apiDay `json:"days"`
}

func (s *Server) sessionFrom(r *http.Request, providerID int64, in sessionInput) (training.Session, error) {
	ss := training.Session{Code: strings.ToLower(strings.TrimSpace(in.Code)), Capacity: in.Capacity}
	for _, d := range in.Days {
		ss.Days = append(ss.Days, training.Day{Start: d.StartsAt, End: d.EndsAt})
	}
	if in.Site != "" {
		sites, err := s.st.Trainings.Sites(r.Context(), providerID)
		if err != nil {
			return ss, err
		}
		for _, st := range sites {
			if st.Slug == in.Site {
				ss.SiteID = st.ID
			}
		}
		if ss.SiteID == 0 {
			return ss, apperr.Field("site", "training.session.site_unknown", nil)
		}
	}
	return ss, nil
}

func (s *Server) apiCreateTrainingSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	m, err := s.st.Trainings.ModuleIn(r.Context(), id, scopeOf(u))
	if err != nil {
		return err
	}
	ss, err := s.sessionFrom(r, m.ProviderID, in)
	if err != nil {
		return err
	}
	if ss, err = s.st.Trainings.CreateSession(r.Context(), id, ss, scopeOf(u), i18n.Brussels, s.now()); err != nil {
		return err
	}
	m.ID = id
	out := s.apiModuleOf(tpage{s.page(r, "")}, training.Offer{Module: m, Sessions: []training.Placed{{Session: ss}}})
	return writeJSON(w, http.StatusCreated, out.Sessions[0])
}

func (s *Server) apiUpdateSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	_, m, err := s.st.Trainings.SessionIn(r.Context(), id, scopeOf(u))
	if err != nil {
		return err
	}
	ss, err := s.sessionFrom(r, m.ProviderID, in)
	if err != nil {
		return err
	}
	ss, err = s.st.Trainings.UpdateSession(r.Context(), id, ss, scopeOf(u), i18n.Brussels, s.st.Enrolments.Promoter(s.enrolmentMail, s.now()), s.now())
	if err != nil {
		return err
	}
	s.kick()
	out := s.apiModuleOf(tpage{s.page(r, "")}, training.Offer{Module: m, Sessions: []training.Placed{{Session: ss}}})
	return writeJSON(w, http.StatusOK, out.Sessions[0])
}

// Staff pages.

type staffTrainingsView struct {
	tpage
	Modules  []training.Module
	Sessions map[int64][]training.Session
}

func (s *Server) staffTrainingsPage(w http.ResponseWriter, r *http.Request) error {
	u, _ := userFrom(r.Context())
	v := staffTrainingsView{tpage: s.tpage(r, "training.staff.title"), Sessions: map[int64][]training.Session{}}
	var err error
	if v.Modules, err = s.st.Trainings.Modules(r.Context(), store.ModuleFilter{ProviderID: scopeOf(u), Level: -1}); err != nil {
		return err
	}
	ids := make([]int64, len(v.Modules))
	for i, m := range v.Modules {
		ids[i] = m.ID
	}
	sess, err := s.st.Trainings.Sessions(r.Context(), store.SessionsFilter{ModuleIDs: ids})
	if err != nil {
		return err
	}
	for _, ss := range sess {
		v.Sessions[ss.ModuleID] = append(v.Sessions[ss.ModuleID], ss)
	}
	return s.render(w, r, "staff_trainings", v)
}

// moduleFormView is the page that creates or edits a module, and adds its
// sessions.
type moduleFormView struct {
	tpage
	Module    training.Module
	Form      map[string]string
	Skills    map[string]bool
	Errors    map[string]string
	Providers []training.Provider
	Sites     []training.Site
	Sessions  []training.Session
	Session   map[string]string // the new session form
	SessErrs  map[string]string
}

// DaySlots numbers the day rows of the new session form.
func (v moduleFormView) DaySlots() []int { return []int{1, 2, 3} }

func (s *Server) moduleFormValues(m training.Module) map[string]string {
	f := map[string]string{"title": m.Title, "description": m.Description, "format": string(m.Format),
		"level_min": strconv.Itoa(m.LevelMin), "level_max": strconv.Itoa(m.LevelMax), "provider": m.ProviderSlug}
	if m.Minutes > 0 {
		f["hours"] = strings.Replace(strconv.FormatFloat(m.Hours(), 'f', -1, 64), ".", ",", 1)
	}
	if m.ID != 0 || m.Price > 0 {
		f["price"] = strings.Replace(m.Price.Decimal(), ".", ",", 1)
	}
	if m.VoucherEligible {
		f["voucher_eligible"] = "1"
	}
	return f
}

func (s *Server) newModulePage(w http.ResponseWriter, r *http.Request) error {
	v := moduleFormView{tpage: s.tpage(r, "training.staff.new_module"), Form: s.moduleFormValues(training.Module{Format: training.InPerson, LevelMax: training.MaxLevel})}
	if err := s.moduleFormLists(r, &v); err != nil {
		return err
	}
	return s.render(w, r, "staff_module", v)
}

func (s *Server) moduleFormLists(r *http.Request, v *moduleFormView) error {
	u, _ := userFrom(r.Context())
	if scopeOf(u) == 0 {
		ps, err := s.st.Providers.List(r.Context())
		if err != nil {
			return err
		}
		v.Providers = ps
	}
	return nil
}

// moduleFromForm reads the module form; field errors come back as a map.
func (s *Server) moduleFromForm(r *http.Request, v *moduleFormView) (training.Module, bool) {
	f := map[string]string{}
	for _, k := range []string{"title", "description", "format", "hours", "level_min", "level_max", "price", "provider", "voucher_eligible"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	v.Form = f
	v.Skills = map[string]bool{}
	for _, sk := range r.PostForm["skills"] {
		v.Skills[sk] = true
	}
	in := moduleInput{Provider: f["provider"], Title: f["title"], Description: f["description"], Skills: r.PostForm["skills"],
		Format: training.Format(f["format"]), Hours: json.Number(f["hours"]), VoucherEligible: f["voucher_eligible"] != ""}
	errs := map[string]string{}
	for _, k := range []struct {
		name string
		to   **int
	}{{"level_min", &in.LevelMin}, {"level_max", &in.LevelMax}} {
		n, err := strconv.Atoi(f[k.name])
		if err != nil {
			errs[k.name] = v.T("training.module.level_invalid")
			continue
		}
		*k.to = &n
	}
	if f["price"] != "" {
		c, err := funding.ParseCents(f["price"])
		if err != nil {
			e, _ := apperr.As(err)
			errs["price"] = v.T(e.Key)
		}
		in.Price = c
	}
	m, err := s.moduleFrom(r, in)
	if fe, ok := fieldErrors(v.L, err); ok {
		for k, msg := range fe {
			errs[k] = msg
		}
	}
	if err == nil {
		m.Normalize()
		if fe, ok := fieldErrors(v.L, m.Validate()); ok {
			for k, msg := range fe {
				if k == "price_eur" {
					k = "price"
				}
				errs[k] = msg
			}
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		return m, false
	}
	return m, true
}

func (s *Server) createModuleForm(w http.ResponseWriter, r *http.Request) error {
	v := moduleFormView{tpage: s.tpage(r, "training.staff.new_module")}
	if err := s.moduleFormLists(r, &v); err != nil {
		return err
	}
	return s.saveModule(w, r, &v, func(m training.Module, scope int64) (training.Module, error) {
		return s.st.Trainings.CreateModule(r.Context(), m, scope, s.now())
	})
}

// saveModule reads the module form and saves it with save: on success to
// the module's page with a flash, otherwise the form again with its errors.
func (s *Server) saveModule(w http.ResponseWriter, r *http.Request, v *moduleFormView,
	save func(m training.Module, scope int64) (training.Module, error)) error {
	if m, ok := s.moduleFromForm(r, v); ok {
		u, _ := userFrom(r.Context())
		m, err := save(m, scopeOf(u))
		if fe, isField := fieldErrors(v.L, err); isField {
			v.Errors = fe
		} else if err != nil {
			return err
		} else {
			s.sessions.Put(r.Context(), "flash", v.T("training.staff.module_saved"))
			http.Redirect(w, r, "/staff/trainings/modules/"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
			return nil
		}
	}
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_module", *v)
}

func (s *Server) editModulePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.moduleEditView(r)
	if err != nil {
		return err
	}
	s.fillModuleForm(&v)
	v.Session = map[string]string{"capacity": "12"}
	return s.render(w, r, "staff_module", v)
}

// fillModuleForm puts the module's own values in the form.
func (s *Server) fillModuleForm(v *moduleFormView) {
	v.Form = s.moduleFormValues(v.Module)
	v.Skills = map[string]bool{}
	for _, sk := range v.Module.Skills {
		v.Skills[sk] = true
	}
}

func (s *Server) moduleEditView(r *http.Request) (moduleFormView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return moduleFormView{}, err
	}
	u, _ := userFrom(r.Context())
	v := moduleFormView{tpage: s.tpage(r, "training.staff.edit_module")}
	if v.Module, err = s.st.Trainings.ModuleIn(r.Context(), id, scopeOf(u)); err != nil {
		return v, err
	}
	v.Title = v.Module.Title
	if v.Sites, err = s.st.Trainings.Sites(r.Context(), v.Module.ProviderID); err != nil {
		return v, err
	}
	if v.Sessions, err = s.st.Trainings.Sessions(r.Context(), store.SessionsFilter{ModuleIDs: []int64{id}}); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) updateModuleForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.moduleEditView(r)
	if err != nil {
		return err
	}
	v.Session = map[string]string{"capacity": "12"}
	return s.saveModule(w, r, &v, func(m training.Module, scope int64) (training.Module, error) {
		return s.st.Trainings.UpdateModule(r.Context(), v.Module.ID, m, scope, s.now())
	})
}

// createSessionForm adds a session of one to three days from the module page.
func (s *Server) createSessionForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.moduleEditView(r)
	if err != nil {
		return err
	}
	s.fillModuleForm(&v)
	f := map[string]string{}
	for _, k := range []string{"site", "capacity", "date1", "start1", "end1", "date2", "start2", "end2", "date3", "start3", "end3"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	v.Session = f
	errs := map[string]string{}
	ss := training.Session{}
	if f["site"] != "" {
		id, _ := strconv.ParseInt(f["site"], 10, 64)
		ss.SiteID = id
	}
	if n, err := strconv.Atoi(f["capacity"]); err == nil {
		ss.Capacity = n
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		if f["date"+n] == "" && i > 1 {
			continue
		}
		d, ok := formDay(f["date"+n], f["start"+n], f["end"+n])
		if !ok {
			errs["date"+n] = v.T("training.session.day_invalid")
			continue
		}
		ss.Days = append(ss.Days, d)
	}
	if len(errs) == 0 {
		u, _ := userFrom(r.Context())
		_, err := s.st.Trainings.CreateSession(r.Context(), v.Module.ID, ss, scopeOf(u), i18n.Brussels, s.now())
		if fe, isField := fieldErrors(v.L, err); isField {
			for k, msg := range fe {
				switch {
				case strings.HasPrefix(k, "days"):
					k = "date1"
				}
				errs[k] = msg
			}
		} else if err != nil {
			return err
		} else {
			s.sessions.Put(r.Context(), "flash", v.T("training.staff.session_saved"))
			http.Redirect(w, r, "/staff/trainings/modules/"+strconv.FormatInt(v.Module.ID, 10), http.StatusSeeOther)
			return nil
		}
	}
	v.SessErrs = errs
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_module", v)
}

// formDay reads a date (2027-04-12, as a date field sends it, or
// 12/04/2027) and two times in Brussels.
func formDay(date, start, end string) (training.Day, bool) {
	y, m, d, ok := training.ParseDate(date)
	h1, m1, ok1 := training.ParseClock(start)
	h2, m2, ok2 := training.ParseClock(end)
	if !ok || !ok1 || !ok2 {
		return training.Day{}, false
	}
	return training.Day{Start: time.Date(y, time.Month(m), d, h1, m1, 0, 0, i18n.Brussels),
		End: time.Date(y, time.Month(m), d, h2, m2, 0, 0, i18n.Brussels)}, true
}
