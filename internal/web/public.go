package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"vitrine/internal/commune"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.st.DB.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type homeView struct {
	Page
	Upcoming []sessions.Session
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	up, err := s.st.Sessions.List(r.Context(), store.SessionFilter{From: s.now(), WithStatus: sessions.Scheduled, Limit: 4})
	if err != nil {
		return err
	}
	v := homeView{Page: s.page(r, ""), Upcoming: up}
	v.Title = v.T("home.title")
	return s.render(w, r, "home", v)
}

type communesView struct {
	Page
	Query     string
	Province  string
	Phase     int
	Provinces []string
	Groups    []communeGroup
	Count     int
	Total     int
}

type communeGroup struct {
	Province string
	Communes []commune.Commune
}

func (s *Server) communesPage(w http.ResponseWriter, r *http.Request) error {
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := communesView{Page: s.page(r, ""), Query: q.Get("q"), Province: q.Get("province"), Total: dir.Len()}
	v.Title = v.T("communes.title")
	v.Phase, _ = strconv.Atoi(q.Get("phase"))
	list := dir.All()
	if v.Query != "" {
		list = dir.Search(v.Query, 0)
	}
	byProvince := map[string][]commune.Commune{}
	seen := map[string]bool{}
	for _, c := range dir.All() {
		if !seen[c.Province] {
			seen[c.Province] = true
			v.Provinces = append(v.Provinces, c.Province)
		}
	}
	sort.Strings(v.Provinces)
	for _, c := range list {
		if v.Province != "" && c.Province != v.Province || v.Phase != 0 && c.Phase != v.Phase {
			continue
		}
		byProvince[c.Province] = append(byProvince[c.Province], c)
		v.Count++
	}
	for _, p := range v.Provinces {
		if len(byProvince[p]) > 0 {
			v.Groups = append(v.Groups, communeGroup{Province: p, Communes: byProvince[p]})
		}
	}
	return s.render(w, r, "communes", v)
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "")
	p.Title = p.T("privacy.title")
	return s.render(w, r, "privacy", struct{ Page }{p})
}

func (s *Server) accessibilityPage(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "")
	p.Title = p.T("accessibility.title")
	return s.render(w, r, "accessibility", struct{ Page }{p})
}

// apiCommune is a commune in the public API.
type apiCommune struct {
	NIS        string   `json:"nis_code"`
	Name       string   `json:"name"`
	NameDE     string   `json:"name_de"`
	NameNL     string   `json:"name_nl"`
	Province   string   `json:"province"`
	Arrond     string   `json:"arrondissement"`
	IsCity     bool     `json:"is_city"`
	Phase      int      `json:"phase"`
	Latitude   float64  `json:"latitude"`
	Longitude  float64  `json:"longitude"`
	PostalCode []string `json:"postal_codes"`
	Population int      `json:"population"`
}

func (s *Server) apiCommunes(w http.ResponseWriter, r *http.Request) error {
	list, err := s.st.Communes.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiCommune, 0, len(list))
	for _, c := range list {
		out = append(out, apiCommune{NIS: c.NIS, Name: c.Name, NameDE: c.NameDE, NameNL: c.NameNL, Province: c.Province,
			Arrond: c.Arrondissement, IsCity: c.IsCity, Phase: c.Phase, Latitude: c.Latitude, Longitude: c.Longitude,
			PostalCode: c.PostalCodes, Population: c.Population})
	}
	return writeJSON(w, http.StatusOK, out)
}
