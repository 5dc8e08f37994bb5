// Package campaign describes the campaign as the programme launched it: the
// demo data a newcomer sees on first start (sessions, providers, budget
// lines, staff accounts). Pure data: the store loads it.
package campaign

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/csvin"
	"vitrine/internal/funding"
	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/training"
)

//go:embed data/competence-centres.csv
var data embed.FS

// Demo is the demo campaign.
type Demo struct {
	Sessions    []sessions.Draft
	Providers   []training.Provider
	Modules     []DemoModule
	BudgetLines []funding.BudgetLine
	Users       []DemoUser
	Location    *time.Location // the campaign's time zone: dates are local there
}

// DemoUser is a staff account of the demo; a provider account names its
// provider by slug.
type DemoUser struct {
	staff.User
	ProviderSlug string
}

// FirstSession returns the start of the campaign: the next 17 March to come
// (after now), at 18:30 in Brussels.
func FirstSession(now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	first := time.Date(now.Year(), time.March, 17, 18, 30, 0, 0, loc)
	if !first.After(now) {
		first = time.Date(now.Year()+1, time.March, 17, 18, 30, 0, 0, loc)
	}
	return first
}

// towns are the 11 information sessions announced at launch, in order.
var towns = []struct {
	nis, title, venue, address, notes string
	capacity                          int
}{
	{"52012", "Atelier découverte — Châtelet", "Salle des fêtes de l’Hôtel de ville", "Rue Gendebien, 6200 Châtelet", "Centre-ville fragilisé : cellules commerciales vides rue de la Station. Concurrence des retail parks de Charleroi-Sud.", 40},
	{"57096", "Atelier découverte — Mouscron", "Centre administratif", "Rue de Courtrai 63, 7700 Mouscron", "Ville frontalière : la clientèle compare avec Lille et Roubaix. Beaucoup de commerces de mode.", 50},
	{"84043", "Atelier découverte — Neufchâteau", "Salle du Conseil communal", "Grand-Place 1, 6840 Neufchâteau", "Commune rurale, clientèle dispersée : la visibilité sur les cartes compte. Tourisme vert l’été.", 25},
	{"62051", "Atelier découverte — Herstal", "Hôtel de ville", "Place Jean Jaurès 45, 4040 Herstal", "Zoning commercial en périphérie et grands centres liégeois proches : le centre perd des clients.", 40},
	{"57003", "Atelier découverte — Antoing", "Maison de la Culture", "Rue du Burg, 7640 Antoing", "Petite ville, quelques commerces de bouche ; tourisme autour du château et de l’Escaut.", 25},
	{"83034", "Atelier découverte — Marche-en-Famenne", "Centre Culturel et Sportif", "Chaussée de l’Ourthe 74, 6900 Marche-en-Famenne", "Pôle commercial régional ; un nouveau centre commercial en projet inquiète le centre-ville.", 60},
	{"92142", "Atelier découverte — Gembloux", "Salle des fêtes de l’Hôtel de ville", "Parc d’Épinal 2, 5030 Gembloux", "Ville étudiante et navetteurs vers Bruxelles : clientèle connectée, horaires décalés.", 40},
	{"83012", "Atelier découverte — Durbuy", "Salle du Conseil", "Rue Basse Sauvenière, 6940 Durbuy", "Tourisme très important et saisonnier ; avis en ligne et réservations décisifs.", 30},
	{"56078", "Atelier découverte — Thuin", "Hôtel de ville", "Grand’Rue 38, 6530 Thuin", "Ville haute et ville basse : commerces dispersés ; marché hebdomadaire.", 30},
	{"63079", "Atelier découverte — Verviers", "Grand Théâtre — foyer", "Rue Xhavée 36, 4800 Verviers", "Nombreuses cellules vides au centre ; programme de redynamisation en cours.", 50},
	{"63035", "Atelier découverte — Herve", "Centre culturel", "Place de la Nation, 4650 Herve", "Produits du terroir (fromage de Herve) : circuits courts et vente à distance possibles.", 30},
}

// Demo returns the demo campaign as it would start at now.
func NewDemo(now time.Time, loc *time.Location) (Demo, error) {
	d := Demo{Location: loc}
	first := FirstSession(now, loc)
	for i, t := range towns {
		// Two sessions a week, Tuesdays and Thursdays after the first one.
		day := first.AddDate(0, 0, offsetDays(i))
		start := time.Date(day.Year(), day.Month(), day.Day(), 18, 30, 0, 0, loc)
		d.Sessions = append(d.Sessions, sessions.Draft{
			Title: t.title, CommuneNIS: t.nis, Venue: t.venue, Address: t.address, Notes: t.notes,
			StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: t.capacity,
		})
	}
	centres, err := CompetenceCentres()
	if err != nil {
		return d, err
	}
	others, err := demoProvidersExtra()
	if err != nil {
		return d, err
	}
	d.Providers = append(centres, others...)
	d.Modules = catalogue(first, loc)
	year := first.Year()
	d.BudgetLines = []funding.BudgetLine{
		{Name: "Commerce connecté — première année", Year: year, Kind: funding.BudgetCampaign, Amount: funding.Euros(400_000)},
		{Name: "Commerce connecté — deuxième année", Year: year + 1, Kind: funding.BudgetCampaign, Amount: funding.Euros(300_000)},
		{Name: "Partenariats avec les opérateurs de formation", Year: year, Kind: funding.BudgetPartnerships, Amount: funding.Euros(50_000)},
	}
	d.Users = []DemoUser{
		{User: staff.User{Email: "admin@example.org", Name: "Équipe du programme", Role: staff.Admin}},
		{User: staff.User{Email: "consultant@example.org", Name: "Consultante", Role: staff.Consultant}},
		{User: staff.User{Email: "federation@example.org", Name: "Fédération partenaire", Role: staff.Partner}},
		{User: staff.User{Email: "formation@example.org", Name: "Technobel", Role: staff.Provider}, ProviderSlug: "technobel"},
		{User: staff.User{Email: "commune@example.org", Name: "Commune de Châtelet", Role: staff.Commune, CommuneNIS: "52012"}},
	}
	return d, nil
}

// offsetDays spreads the sessions after the first: first day, then about
// two a week.
func offsetDays(i int) int {
	if i == 0 {
		return 0
	}
	week, second := (i+1)/2, (i+1)%2 == 0
	if second {
		return 7*week - 1 // a Tuesday when the first is a Wednesday
	}
	return 7*(week-1) + 8 // the Thursday after
}

// CompetenceCentres reads the four competence centres and their sites from
// the shipped file (sources in data/SOURCES.md of the project docs).
func CompetenceCentres() ([]training.Provider, error) {
	b, err := data.ReadFile("data/competence-centres.csv")
	if err != nil {
		return nil, err
	}
	rd, err := csvin.NewReader(b, map[string][]string{"site_id": nil, "centre": nil, "locality": nil,
		"nis_code": nil, "street_address": nil, "latitude": nil, "longitude": nil, "postal_code": nil, "domains": nil})
	if err != nil {
		return nil, err
	}
	var out []training.Provider
	index := map[string]int{}
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		name := rec.Get("centre")
		slug := slugify(name)
		i, ok := index[slug]
		if !ok {
			i = len(out)
			index[slug] = i
			out = append(out, training.Provider{Slug: slug, Name: name, Kind: training.CompetenceCentre,
				Description: "Centre de compétence labellisé par la Wallonie. " + rec.Get("domains")})
		}
		lat, err1 := strconv.ParseFloat(rec.Get("latitude"), 64)
		lon, err2 := strconv.ParseFloat(rec.Get("longitude"), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("competence centres line %d: bad coordinates", rec.Line)
		}
		addr := strings.TrimSpace(rec.Get("street_address") + ", " + rec.Get("postal_code") + " " + rec.Get("locality"))
		out[i].Sites = append(out[i].Sites, training.Site{Slug: rec.Get("site_id"), Name: name + " — " + rec.Get("locality"),
			CommuneNIS: rec.Get("nis_code"), Address: strings.TrimPrefix(addr, ", "), Latitude: lat, Longitude: lon})
	}
	return out, nil
}

func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'é' || r == 'è':
			b.WriteRune('e')
		case r == ' ' || r == '-' || r == '.':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteRune('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}
