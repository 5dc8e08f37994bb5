package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/funding"
	"vitrine/internal/i18n"
	"vitrine/internal/maturity"
	"vitrine/internal/skill"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/training"
)

// tpage is the Page of the training, voucher, aid and budget views, with the
// formatting their templates need.
type tpage struct{ Page }

// Money formats an amount in the reader's language.
func (p tpage) Money(c funding.Cents) string { return p.L.Money(int64(c)) }

// Price is an amount, or "free" for zero.
func (p tpage) Price(c funding.Cents) string {
	if c == 0 {
		return p.T("training.free")
	}
	return p.Money(c)
}

// Km is a distance as shown everywhere: "à 12 km", or "en ligne".
func (p tpage) Km(s training.Placed) string {
	if s.Online() {
		return p.T("training.online")
	}
	return p.T("training.distance", "Km", p.L.Km(s.Km))
}

// Date, Time and DateTime format instants in Brussels time.
func (p tpage) Date(t time.Time) string     { return p.L.Date(t) }
func (p tpage) Time(t time.Time) string     { return p.L.Time(t) }
func (p tpage) DateTime(t time.Time) string { return p.L.DateTime(t) }

// Hours writes a length in minutes: "7 h", "3 h 30".
func (p tpage) Hours(minutes int) string {
	if minutes%60 == 0 {
		return p.T("training.hours", "H", minutes/60)
	}
	return p.T("training.hours_minutes", "H", minutes/60, "M", strconv.Itoa(100 + minutes%60)[1:])
}

// Day writes one day of a session: "lundi 12 avril 2027, 9 h 00 – 12 h 30".
func (p tpage) Day(d training.Day) string {
	return p.T("training.day", "Date", p.L.Date(d.Start), "Start", p.L.Time(d.Start), "End", p.L.Time(d.End))
}

// SkillName is a skill's name in the reader's language.
func (p tpage) SkillName(id string) string {
	if s, ok := skill.ByID(id); ok {
		return s.Name(p.Lang)
	}
	return id
}

// LevelName is a maturity level's name ("Trouvable").
func (p tpage) LevelName(n int) string {
	for _, l := range maturity.Current().Levels {
		if l.Level == n {
			return l.Name.In(p.Lang)
		}
	}
	return strconv.Itoa(n)
}

// Levels describes the levels a module suits.
func (p tpage) Levels(m training.Module) string {
	if m.LevelMin == m.LevelMax {
		return p.T("training.level_one", "Level", p.LevelName(m.LevelMin))
	}
	return p.T("training.level_range", "From", p.LevelName(m.LevelMin), "To", p.LevelName(m.LevelMax))
}

// Kind names a provider's kind.
func (p tpage) Kind(k training.ProviderKind) string {
	return p.T("training.provider_kind." + string(k))
}

// Format names a module's format.
func (p tpage) Format(f training.Format) string { return p.T("training.format." + string(f)) }

// Reason explains a voucher quote's reason in plain words.
func (p tpage) Reason(r funding.Reason) string { return p.T(r.Key, r.Args) }

// AllLevels lists the levels 0 to 5, for filters and forms.
func (p tpage) AllLevels() []int { return []int{0, 1, 2, 3, 4, 5} }

// AllSkills lists the skills, for filters and forms.
func (p tpage) AllSkills() []skill.Skill { return skill.All() }

func (s *Server) tpage(r *http.Request, titleKey string) tpage {
	p := tpage{s.page(r, "")}
	p.Title = p.T(titleKey)
	return p
}

// catalogueQuery is what a catalogue request asks for: ?skill=, ?level=,
// ?near= (a NIS code on the API; a name, postal or NIS code on the pages).
type catalogueQuery struct {
	Skill   string
	Level   int // -1: any
	Near    string
	NearNIS commune.Commune
	HasNear bool
}

func (s *Server) readCatalogueQuery(r *http.Request, strictNIS bool) (catalogueQuery, error) {
	q := r.URL.Query()
	c := catalogueQuery{Skill: strings.TrimSpace(q.Get("skill")), Level: -1, Near: strings.TrimSpace(q.Get("near"))}
	var v apperr.Validation
	if c.Skill != "" {
		v.Check(skill.Exists(c.Skill), "skill", "training.filter.skill_unknown")
	}
	if l := strings.TrimSpace(q.Get("level")); l != "" {
		n, err := strconv.Atoi(l)
		if v.Check(err == nil && n >= training.MinLevel && n <= training.MaxLevel, "level", "training.module.level_invalid") {
			c.Level = n
		}
	}
	if c.Near != "" {
		dir, err := s.st.Communes.Directory(r.Context())
		if err != nil {
			return c, err
		}
		var com commune.Commune
		ok := false
		if strictNIS {
			com, ok = dir.ByNIS(c.Near)
		} else if found, err := dir.Resolve(c.Near); err == nil {
			com, ok = found, true
		}
		if v.Check(ok, "near", "error.commune.unknown") {
			c.NearNIS, c.HasNear = com, true
		}
	}
	return c, v.Err()
}

// offers returns the catalogue for q, sorted by distance from the commune
// when one is given, else by date.
func (s *Server) offers(r *http.Request, q catalogueQuery) ([]training.Offer, error) {
	offers, err := s.st.Trainings.Catalogue(r.Context(), store.CatalogueFilter{Skill: q.Skill, Level: q.Level, From: s.now()})
	if err != nil {
		return nil, err
	}
	if q.HasNear {
		c := q.NearNIS
		training.SortNear(offers, func(lat, lon float64) float64 { return commune.DistanceKm(c.Latitude, c.Longitude, lat, lon) })
	}
	return offers, nil
}

type trainingsView struct {
	tpage
	Query   catalogueQuery
	Offers  []training.Offer
	Errors  map[string]string
	NearArg string // "&near=…" for links to module pages
}

func (s *Server) trainingsPage(w http.ResponseWriter, r *http.Request) error {
	v := trainingsView{tpage: s.tpage(r, "training.list.title")}
	q, err := s.readCatalogueQuery(r, false)
	v.Query = q
	if errs, ok := fieldErrors(v.L, err); ok {
		v.Errors = errs
	} else if err != nil {
		return err
	}
	if v.Offers, err = s.offers(r, q); err != nil {
		return err
	}
	if q.HasNear {
		v.NearArg = "?near=" + url.QueryEscape(q.NearNIS.NIS)
	}
	status := http.StatusOK
	if v.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "trainings", v)
}

// API shapes of the catalogue.

type apiProvider struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Private bool   `json:"private"`
	Label   string `json:"label"` // the kind in words; "Entreprise privée" for a private company
}

type apiSkill struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiPlace struct {
	Site       string  `json:"site"`
	CommuneNIS string  `json:"commune_nis"`
	Town       string  `json:"town"`
	Address    string  `json:"address"`
	Latitude   float64 `json:"latitude"`
	Longitude  float64 `json:"longitude"`
}

type apiDay struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

type apiTrainingSession struct {
	ID             int64     `json:"id"`
	StartsAt       time.Time `json:"starts_at"`
	EndsAt         time.Time `json:"ends_at"`
	Days           []apiDay  `json:"days"`
	Online         bool      `json:"online"`
	Where          string    `json:"where"` // "online" or the town
	Place          *apiPlace `json:"place,omitempty"`
	Capacity       int       `json:"capacity"`
	SeatsLeft      int       `json:"seats_left"`
	WaitlistLength int       `json:"waitlist_length"`
	DistanceKm     *float64  `json:"distance_km,omitempty"`
}

type apiModule struct {
	ID              int64                `json:"id"`
	Title           string               `json:"title"`
	Description     string               `json:"description"`
	Provider        apiProvider          `json:"provider"`
	Skills          []apiSkill           `json:"skills"`
	Format          training.Format      `json:"format"`
	Hours           float64              `json:"hours"`
	LevelMin        int                  `json:"level_min"`
	LevelMax        int                  `json:"level_max"`
	VoucherEligible bool                 `json:"voucher_eligible"`
	Price           funding.Cents        `json:"price_eur"`
	URL             string               `json:"url"`
	DistanceKm      *float64             `json:"distance_km,omitempty"` // of the nearest session
	Sessions        []apiTrainingSession `json:"sessions"`
}

func (s *Server) apiModuleOf(p tpage, o training.Offer) apiModule {
	m := o.Module
	out := apiModule{ID: m.ID, Title: m.Title, Description: m.Description, Format: m.Format, Hours: m.Hours(),
		LevelMin: m.LevelMin, LevelMax: m.LevelMax, VoucherEligible: m.VoucherEligible, Price: m.Price,
		URL:      s.absURL("/trainings/" + strconv.FormatInt(m.ID, 10)),
		Provider: apiProvider{Slug: m.ProviderSlug, Name: m.ProviderName, Kind: string(m.ProviderKind), Private: m.Private(), Label: p.Kind(m.ProviderKind)},
		Skills:   []apiSkill{}, Sessions: []apiTrainingSession{}}
	for _, id := range m.Skills {
		out.Skills = append(out.Skills, apiSkill{ID: id, Name: p.SkillName(id)})
	}
	for _, ps := range o.Sessions {
		as := apiTrainingSession{ID: ps.ID, StartsAt: ps.StartsAt().In(i18n.Brussels), EndsAt: ps.EndsAt().In(i18n.Brussels),
			Online: ps.Online(), Where: "online", Capacity: ps.Capacity, SeatsLeft: ps.SeatsLeft(), WaitlistLength: ps.Waitlisted}
		for _, d := range ps.Days {
			as.Days = append(as.Days, apiDay{StartsAt: d.Start.In(i18n.Brussels), EndsAt: d.End.In(i18n.Brussels)})
		}
		if !ps.Online() {
			as.Where = ps.Town
			as.Place = &apiPlace{Site: ps.SiteName, CommuneNIS: ps.CommuneNIS, Town: ps.Town, Address: ps.Address, Latitude: ps.Latitude, Longitude: ps.Longitude}
		}
		if ps.Known {
			km := math.Round(ps.Km*10) / 10
			as.DistanceKm = &km
			if out.DistanceKm == nil {
				out.DistanceKm = &km
			}
		}
		out.Sessions = append(out.Sessions, as)
	}
	return out
}

func (s *Server) apiTrainings(w http.ResponseWriter, r *http.Request) error {
	q, err := s.readCatalogueQuery(r, true)
	if err != nil {
		return err
	}
	offers, err := s.offers(r, q)
	if err != nil {
		return err
	}
	p := tpage{s.page(r, "")}
	out := make([]apiModule, 0, len(offers))
	for _, o := range offers {
		out = append(out, s.apiModuleOf(p, o))
	}
	return writeJSON(w, http.StatusOK, out)
}

// moduleOffer reads a module with its upcoming sessions, placed near q.
func (s *Server) moduleOffer(r *http.Request, id int64, q catalogueQuery) (training.Offer, error) {
	m, err := s.st.Trainings.Module(r.Context(), id)
	if err != nil {
		return training.Offer{}, err
	}
	sess, err := s.st.Trainings.Sessions(r.Context(), store.SessionsFilter{ModuleIDs: []int64{id}, From: s.now(), Scheduled: true})
	if err != nil {
		return training.Offer{}, err
	}
	o := training.Offer{Module: m}
	for _, ss := range sess {
		o.Sessions = append(o.Sessions, training.Placed{Session: ss})
	}
	offers := []training.Offer{o}
	if q.HasNear {
		c := q.NearNIS
		training.SortNear(offers, func(lat, lon float64) float64 { return commune.DistanceKm(c.Latitude, c.Longitude, lat, lon) })
	}
	return offers[0], nil
}

func (s *Server) apiTraining(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.readCatalogueQuery(r, true)
	if err != nil {
		return err
	}
	o, err := s.moduleOffer(r, id, q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.apiModuleOf(tpage{s.page(r, "")}, o))
}

type trainingView struct {
	tpage
	Offer    training.Offer
	Query    catalogueQuery
	Errors   map[string]string
	Preview  *costPreview
	Employee string
	NearArg  string
}

// costPreview is the voucher cost shown before enrolling.
type costPreview struct {
	Session   training.Placed
	Quote     funding.VoucherQuote
	Employees string
	Vouchers  bool
}

func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v := trainingView{tpage: s.tpage(r, "training.module.title")}
	q, err := s.readCatalogueQuery(r, false)
	v.Query = q
	if errs, ok := fieldErrors(v.L, err); ok {
		v.Errors = errs
	} else if err != nil {
		return err
	}
	if v.Offer, err = s.moduleOffer(r, id, q); err != nil {
		return err
	}
	v.Title = v.Offer.Module.Title
	if q.HasNear {
		v.NearArg = "?near=" + url.QueryEscape(q.NearNIS.NIS)
	}
	// The cost preview: for the first session shown, a shop of the size
	// typed (one person by default) that has used no voucher this year yet.
	if first, ok := v.Offer.Nearest(); ok {
		emp := strings.TrimSpace(r.URL.Query().Get("employees"))
		vouchers := r.URL.Query().Get("vouchers") != "no"
		fte := funding.Headcount(1)
		if emp != "" {
			if n, err := funding.ParseFTE(emp); err == nil {
				fte = n
			} else {
				if v.Errors == nil {
					v.Errors = map[string]string{}
				}
				v.Errors["employees"] = v.T("funding.shop.fte_invalid")
			}
		}
		qt, err := funding.QuoteVouchers(funding.VoucherInput{Training: first.VoucherTraining(v.Offer.Module, i18n.Brussels),
			Shop: funding.Shop{FTE: fte, Status: funding.StatusFirm}, UseVouchers: vouchers})
		if err != nil {
			return err
		}
		v.Preview = &costPreview{Session: first, Quote: qt, Employees: emp, Vouchers: vouchers}
	}
	return s.render(w, r, "training", v)
}

// scopeOf is the provider a staff account is limited to: its own for a
// provider account, 0 (every provider) otherwise.
func scopeOf(u staff.User) int64 {
	if u.Role == staff.Provider {
		return u.ProviderID
	}
	return 0
}
