package campaign

import (
	"fmt"
	"time"

	"vitrine/internal/commune"
	"vitrine/internal/funding"
	"vitrine/internal/training"
)

// DemoModule is a module of the demo catalogue with its sessions; sites are
// named by slug.
type DemoModule struct {
	ProviderSlug string
	Module       training.Module
	Sessions     []DemoSession
}

// DemoSession is a dated session of a demo module ("" site: online).
type DemoSession struct {
	SiteSlug string
	Capacity int
	Days     []training.Day
}

// The demo's private company and local trainers. The trainers' sites are
// placed at their commune's centre (shipped coordinates).
var demoProviders = []struct {
	slug, name, website, description string
	kind                             training.ProviderKind
	sites                            []struct{ slug, name, nis, address string }
}{
	{"google-ateliers-numeriques", "Google — Ateliers Numériques", "https://grow.google/intl/fr_be/",
		"Entreprise privée. Six modules en présentiel et l’« Atelier Digital » en ligne, gratuits.", training.PrivateCompany,
		[]struct{ slug, name, nis, address string }{
			{"google-namur", "Ateliers Numériques — Namur (salle partenaire)", "92094", "Namur"},
			{"google-liege", "Ateliers Numériques — Liège (salle partenaire)", "62063", "Liège"},
			{"google-charleroi", "Ateliers Numériques — Charleroi (salle partenaire)", "52011", "Charleroi"},
		}},
	{"adl-marche", "Agence de développement local de Marche-en-Famenne", "",
		"Formatrice locale : l’agence de développement local accompagne les commerçants de la commune.", training.LocalTrainer,
		[]struct{ slug, name, nis, address string }{{"adl-marche-centre", "ADL — Marche-en-Famenne", "83034", "Marche-en-Famenne"}}},
	{"epn-herve", "Espace public numérique de Herve", "",
		"Formateur local : l’espace public numérique de la commune, ouvert à tous.", training.LocalTrainer,
		[]struct{ slug, name, nis, address string }{{"epn-herve-centre", "EPN — Herve", "63035", "Herve"}}},
}

// demoProvidersExtra returns the private company and the local trainers.
func demoProvidersExtra() ([]training.Provider, error) {
	communes, _ := commune.Embedded()
	byNIS := map[string]commune.Commune{}
	for _, c := range communes {
		byNIS[c.NIS] = c
	}
	var out []training.Provider
	for _, p := range demoProviders {
		tp := training.Provider{Slug: p.slug, Name: p.name, Kind: p.kind, Website: p.website, Description: p.description}
		for _, s := range p.sites {
			c, ok := byNIS[s.nis]
			if !ok {
				return nil, fmt.Errorf("demo site %s: unknown commune %s", s.slug, s.nis)
			}
			tp.Sites = append(tp.Sites, training.Site{Slug: s.slug, Name: s.name, CommuneNIS: s.nis, Address: s.address,
				Latitude: c.Latitude, Longitude: c.Longitude})
		}
		out = append(out, tp)
	}
	return out, nil
}

// slot is one day of a demo session: the week after the trainings start
// (0 = first week), the weekday (0 = Monday), and the hours.
type slot struct{ week, weekday, h1, m1, h2, m2 int }

type demoSession struct {
	site     string
	capacity int
	days     []slot
}

type demoModule struct {
	provider, code, title, description string
	skills                             []string
	format                             training.Format
	minutes, levelMin, levelMax        int
	vouchers                           bool
	price                              funding.Cents
	sessions                           []demoSession
}

func in(site string, capacity int, days ...slot) demoSession {
	return demoSession{site: site, capacity: capacity, days: days}
}

func online(capacity int, days ...slot) demoSession {
	return demoSession{capacity: capacity, days: days}
}

// morning, afternoon and day are the usual slots of week w, weekday d.
func morning(w, d int) slot   { return slot{w, d, 9, 0, 12, 30} }
func afternoon(w, d int) slot { return slot{w, d, 13, 30, 17, 0} }
func fullDay(w, d int) slot   { return slot{w, d, 9, 0, 16, 0} }
func evening(w, d int) slot   { return slot{w, d, 19, 0, 21, 30} }

// demoCatalogue is the demo's training offer. Competence centres charge
// and accept training vouchers; Google's modules and the local trainers'
// are free.
var demoCatalogue = []demoModule{
	// Technofutur TIC (Gosselies, Mons)
	{"technofutur-tic", "fichier-clients-rgpd", "Tenir un fichier clients dans les règles",
		"Créer un fichier clients simple, savoir ce que le RGPD permet, demander le consentement et s’en servir pour garder le contact.",
		[]string{"customer-file", "gdpr-basics"}, training.InPerson, 420, 1, 3, true, funding.Euros(210),
		[]demoSession{in("technofutur-tic-gosselies", 12, morning(1, 1), afternoon(2, 1)), in("technofutur-tic-mons", 12, fullDay(4, 3))}},
	{"technofutur-tic", "newsletter-promotions", "Lettre d’information et promotions personnalisées",
		"Écrire une lettre d’information qui se lit, choisir un outil parmi plusieurs, envoyer la bonne offre au bon client.",
		[]string{"newsletter", "personalised-promotions"}, training.InPerson, 420, 2, 4, true, funding.Euros(210),
		[]demoSession{in("technofutur-tic-mons", 12, fullDay(3, 2)), in("technofutur-tic-gosselies", 12, fullDay(7, 2))}},
	// Technobel (Ciney)
	{"technobel", "securite-sauvegardes", "Protéger son ordinateur, ses données et sa caisse",
		"Mots de passe uniques, double authentification, mises à jour et sauvegardes : les gestes qui évitent de tout perdre.",
		[]string{"safe-devices", "backups"}, training.InPerson, 420, 2, 5, true, funding.Euros(180),
		[]demoSession{in("technobel-ciney", 10, fullDay(2, 0)), in("technobel-ciney", 10, morning(6, 0), morning(7, 0))}},
	{"technobel", "caisse-numerique", "Caisse numérique et suivi du stock",
		"Comparer des caisses enregistreuses connectées, suivre le stock et lire ses chiffres chaque mois.",
		[]string{"digital-till", "figures"}, training.InPerson, 210, 2, 4, true, funding.Euros(105),
		[]demoSession{in("technobel-ciney", 10, afternoon(3, 3))}},
	// TechnocITé (Mons, Hornu, Tournai)
	{"technocite", "photos-produits", "De belles photos de produits avec son téléphone",
		"Lumière, cadrage, fond et retouche simple : des photos qui donnent envie, pour le site, les réseaux et les fiches.",
		[]string{"product-photos"}, training.InPerson, 210, 0, 3, true, funding.Euros(90),
		[]demoSession{in("technocite-tournai", 10, morning(1, 4)), in("technocite-hornu", 10, afternoon(5, 4))}},
	{"technocite", "page-facebook", "Créer et animer la page de son commerce sur les réseaux sociaux",
		"Créer la page, publier chaque semaine, répondre aux messages et faire vivre une communauté de clients du quartier.",
		[]string{"social-page", "community"}, training.InPerson, 840, 1, 3, true, funding.Euros(420),
		[]demoSession{in("technocite-mons", 12, fullDay(2, 1), fullDay(3, 1)), in("technocite-tournai", 12, fullDay(6, 3), fullDay(7, 3))}},
	// Technifutur (Seraing)
	{"technifutur", "click-collect-livraison", "Click & collect et livraison locale",
		"Prendre des commandes en ligne, préparer le retrait en magasin, organiser la livraison et garder le stock juste partout.",
		[]string{"online-shop", "delivery", "omnichannel"}, training.InPerson, 420, 3, 5, true, funding.Euros(240),
		[]demoSession{in("technifutur-seraing", 12, fullDay(3, 4)), in("technifutur-seraing", 12, fullDay(8, 4))}},
	{"technifutur", "strategie-numerique", "Stratégie numérique de son commerce",
		"Faire le point sur ce qui marche, choisir trois priorités pour l’année et suivre quelques chiffres simples.",
		[]string{"digital-strategy", "figures"}, training.InPerson, 420, 0, 5, true, funding.Euros(210),
		[]demoSession{in("technifutur-seraing", 14, morning(1, 2), morning(2, 2))}},
	// Google — private company, free: six in-person modules and the online Atelier Digital
	{"google-ateliers-numeriques", "visible-cartes", "Être trouvé sur les cartes et dans les recherches locales",
		"Reprendre la fiche de son commerce sur les cartes en ligne (plusieurs services existent), la compléter et répondre aux avis.",
		[]string{"map-listings", "online-reviews"}, training.InPerson, 180, 0, 1, false, 0,
		[]demoSession{in("google-namur", 25, slot{1, 0, 9, 30, 12, 30}), in("google-liege", 25, slot{2, 3, 9, 30, 12, 30}), in("google-charleroi", 25, slot{4, 1, 9, 30, 12, 30})}},
	{"google-ateliers-numeriques", "reseaux-sociaux", "Les réseaux sociaux pour son commerce",
		"Choisir un réseau, créer la page du commerce et publier régulièrement sans y passer ses soirées.",
		[]string{"social-page"}, training.InPerson, 180, 0, 2, false, 0,
		[]demoSession{in("google-liege", 25, slot{1, 3, 13, 30, 16, 30}), in("google-charleroi", 25, slot{3, 1, 13, 30, 16, 30})}},
	{"google-ateliers-numeriques", "site-simple", "Un site internet simple pour son commerce",
		"Ce qu’un petit site doit dire, les outils pour le faire soi-même et comment le garder à jour.",
		[]string{"simple-website"}, training.InPerson, 180, 1, 2, false, 0,
		[]demoSession{in("google-namur", 25, slot{2, 1, 9, 30, 12, 30})}},
	{"google-ateliers-numeriques", "vendre-en-ligne", "Vendre en ligne : les premiers pas",
		"Boutique en ligne, place de marché ou réservation : comparer les possibilités et accepter le paiement en ligne.",
		[]string{"online-shop", "electronic-payment"}, training.InPerson, 180, 2, 4, false, 0,
		[]demoSession{in("google-charleroi", 25, slot{2, 4, 9, 30, 12, 30}), in("google-namur", 25, slot{5, 4, 9, 30, 12, 30})}},
	{"google-ateliers-numeriques", "publicite-locale", "La publicité locale en ligne",
		"Faire connaître le commerce autour de chez soi avec un petit budget, et mesurer ce que ça rapporte.",
		[]string{"local-ads"}, training.InPerson, 120, 2, 4, false, 0,
		[]demoSession{in("google-liege", 25, slot{4, 3, 14, 0, 16, 0})}},
	{"google-ateliers-numeriques", "mesurer-resultats", "Mesurer ses résultats en ligne",
		"Lire les statistiques de sa fiche, de sa page et de son site, et décider quoi changer.",
		[]string{"figures"}, training.InPerson, 120, 2, 5, false, 0,
		[]demoSession{in("google-namur", 25, slot{6, 1, 14, 0, 16, 0})}},
	{"google-ateliers-numeriques", "atelier-digital", "Atelier Digital — les bases du numérique, en ligne",
		"Un parcours en ligne en direct : être visible, présent et actif, et faire un premier plan pour son commerce.",
		[]string{"digital-strategy", "map-listings", "social-page"}, training.Online, 150, 0, 2, false, 0,
		[]demoSession{online(200, evening(1, 1)), online(200, evening(3, 1)), online(200, evening(5, 1))}},
	// Local trainers
	{"adl-marche", "portail-local", "Rejoindre le portail des commerces de Marche",
		"Inscrire son commerce sur le portail local, y montrer ses produits et ses heures, et profiter des actions communes.",
		[]string{"local-portal", "map-listings"}, training.InPerson, 120, 0, 3, false, 0,
		[]demoSession{in("adl-marche-centre", 20, slot{1, 1, 14, 0, 16, 0}), in("adl-marche-centre", 20, slot{4, 1, 14, 0, 16, 0})}},
	{"epn-herve", "paiement-facture", "Paiement électronique et facture en ligne",
		"Choisir un terminal de paiement, accepter le paiement mobile et envoyer des factures électroniques.",
		[]string{"electronic-payment", "e-invoicing"}, training.InPerson, 180, 1, 3, false, 0,
		[]demoSession{in("epn-herve-centre", 12, slot{2, 2, 9, 0, 12, 0}), in("epn-herve-centre", 12, slot{6, 2, 9, 0, 12, 0})}},
}

// catalogue builds the demo catalogue's modules and dated sessions: weeks
// count from the Monday after the campaign's first information session,
// in loc.
func catalogue(first time.Time, loc *time.Location) []DemoModule {
	f := first.In(loc)
	monday := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	for monday.Weekday() != time.Monday || !monday.After(f) {
		monday = monday.AddDate(0, 0, 1)
	}
	var out []DemoModule
	for _, d := range demoCatalogue {
		m := DemoModule{ProviderSlug: d.provider, Module: training.Module{Code: d.code, Title: d.title, Description: d.description,
			Skills: d.skills, Format: d.format, Minutes: d.minutes, LevelMin: d.levelMin, LevelMax: d.levelMax,
			VoucherEligible: d.vouchers, Price: d.price}}
		for _, s := range d.sessions {
			ds := DemoSession{SiteSlug: s.site, Capacity: s.capacity}
			for _, sl := range s.days {
				day := monday.AddDate(0, 0, 7*sl.week+sl.weekday)
				ds.Days = append(ds.Days, training.Day{
					Start: time.Date(day.Year(), day.Month(), day.Day(), sl.h1, sl.m1, 0, 0, loc),
					End:   time.Date(day.Year(), day.Month(), day.Day(), sl.h2, sl.m2, 0, 0, loc)})
			}
			m.Sessions = append(m.Sessions, ds)
		}
		out = append(out, m)
	}
	return out
}
