package web

import (
	"strings"

	"vitrine/internal/i18n"
	"vitrine/internal/pdf"
)

// pdfLang is the BCP 47 tag of a document in lang.
var pdfLang = map[string]string{"fr": "fr-BE", "de": "de-BE", "nl": "nl-BE", "en": "en"}

// pdfMaxPages is the most pages a printed plan takes.
const pdfMaxPages = 2

// planDocument prints a result and its plan on one or two A4 pages, in
// black and white: the shop's name and the date, the level with its name
// and meaning, the dimension scores, what blocks the next level, then the
// actions, the skills and the trainings. A plan too long for two pages is
// printed shorter, step by step: first without the reasons of the actions,
// then with the first trainings only, then the first actions only; the
// page at the link printed below keeps everything.
func (s *Server) planDocument(v *resultView) ([]byte, error) {
	var d *pdf.Doc
	for short := 0; ; short++ {
		d = s.planLayout(v, short)
		n, err := d.Pages()
		if err != nil {
			return nil, err
		}
		if n <= pdfMaxPages || short == 3 {
			break
		}
	}
	return d.Bytes()
}

// planLayout lays out the plan document, shortened by short steps (0 to 3).
func (s *Server) planLayout(v *resultView, short int) *pdf.Doc {
	l := v.L
	res, rec := v.Result, v.Record
	title := l.T("diagnostic.pdf.title")
	d := pdf.New(title, pdf.WithLanguage(pdfLang[l.Lang]), pdf.WithCreationDate(rec.CompletedAt),
		pdf.WithAuthor(l.T("site.name")+" — "+l.T("site.tagline")))
	d.Heading(title)
	shop := rec.Profile.ShopName
	if shop == "" {
		shop = l.T("diagnostic.pdf.no_shop_name")
	}
	d.KeyValues(
		pdf.KeyValue{Key: l.T("diagnostic.pdf.shop"), Value: shop},
		pdf.KeyValue{Key: l.T("diagnostic.pdf.where"), Value: v.CommuneTxt + " — " + v.SectorTxt},
		pdf.KeyValue{Key: l.T("diagnostic.pdf.date"), Value: l.Date(rec.CompletedAt)},
		pdf.KeyValue{Key: l.T("diagnostic.result.level_label"), Value: l.T("diagnostic.result.level_value", "Level", res.Level, "Name", res.LevelName)},
		pdf.KeyValue{Key: l.T("diagnostic.result.index_label"), Value: l.T("diagnostic.result.index_value", "Index", l.Decimal(res.Index))},
	)
	d.Paragraph(res.LevelDescription)

	rows := make([][]string, 0, len(res.Dimensions))
	for _, dim := range res.Dimensions {
		rows = append(rows, []string{dim.Name, l.Decimal(dim.Score) + " / 100"})
	}
	d.Table([]string{l.T("diagnostic.result.col_dimension"), l.T("diagnostic.result.col_score")}, rows...)

	if p := v.Progress; p != nil {
		d.Subheading(l.T("diagnostic.progress.title"))
		d.Paragraph(progressSentence(l, v))
	}

	if len(v.Blocking) > 0 {
		d.Subheading(l.T("diagnostic.result.blocking_title", "Level", res.Level+1))
		items := make([]string, 0, len(v.Blocking))
		for _, b := range v.Blocking {
			items = append(items, strings.TrimSpace(b.Heading+" "+b.Text))
		}
		d.Bullets(items...)
	}

	d.Subheading(l.T("diagnostic.plan.actions_title"))
	if len(v.Plan.Actions) == 0 {
		d.Paragraph(l.T("diagnostic.plan.no_actions"))
	}
	actions := v.Plan.Actions
	if short >= 3 && len(actions) > 5 {
		actions = actions[:5]
	}
	for i, a := range actions {
		var b strings.Builder
		b.WriteString(l.T("diagnostic.pdf.action", "N", i+1, "Text", a.Text))
		if short == 0 {
			b.WriteString("\n" + a.Why)
		}
		b.WriteString("\n" + l.T("diagnostic.plan.effort_cost", "Effort", a.EffortLabel, "Cost", a.CostLabel))
		if len(a.Alternatives) > 0 {
			names := make([]string, 0, len(a.Alternatives))
			for _, alt := range a.Alternatives {
				n := alt.Name
				if alt.Private {
					n += " (" + alt.KindLabel + ")"
				}
				names = append(names, n)
			}
			b.WriteString("\n" + l.T("diagnostic.plan.alternatives") + " " + strings.Join(names, " ; "))
		}
		d.Paragraph(b.String())
	}

	if len(v.Plan.Skills) > 0 {
		d.Subheading(l.T("diagnostic.plan.skills_title"))
		names := make([]string, len(v.Plan.Skills))
		for i, sk := range v.Plan.Skills {
			names[i] = sk.Name
		}
		d.Paragraph(strings.Join(names, " · "))
	}

	d.Subheading(l.T("diagnostic.plan.trainings_title"))
	switch {
	case len(v.Trainings) > 0:
		trainings := v.Trainings
		if short >= 2 && len(trainings) > 3 {
			trainings = trainings[:3]
		}
		rows := make([][]string, 0, len(trainings))
		for _, t := range trainings {
			who := t.Title + " — " + t.Provider
			if t.ProviderPrivate {
				who += " (" + l.T("diagnostic.training.private") + ")"
			}
			rows = append(rows, []string{who, t.When + ", " + t.Where, l.N("sessions.seats_left", t.SeatsLeft), t.Cost})
		}
		d.Table([]string{l.T("diagnostic.plan.col_training"), l.T("diagnostic.plan.col_when"),
			l.T("diagnostic.plan.col_seats"), l.T("diagnostic.plan.col_cost")}, rows...)
	case v.NoCatalog:
		d.Paragraph(l.T("diagnostic.plan.trainings_soon"))
	default:
		d.Paragraph(l.T("diagnostic.plan.trainings_none"))
	}
	if len(actions) < len(v.Plan.Actions) || (len(v.Trainings) > 3 && short >= 2) || short > 0 {
		d.Paragraph(l.T("diagnostic.pdf.shortened"))
	}
	d.SmallText(l.T("diagnostic.pdf.link", "URL", s.absURL("/diagnostics/"+v.Token)))
	d.PageNumbers(func(page, pages int) string { return l.T("diagnostic.pdf.page", "Page", page, "Pages", pages) })
	return d
}

// progressSentence sums up the change since the first diagnostic in one
// line.
func progressSentence(l *i18n.Localizer, v *resultView) string {
	p := v.Progress
	s := l.T("diagnostic.progress.index", "Since", p.Since, "From", l.Decimal(p.IndexFrom), "To", l.Decimal(p.IndexTo),
		"Change", signed(l, p.IndexChange))
	if p.HasLevelChange {
		s += " " + l.T("diagnostic.progress.level", "From", p.LevelFrom, "To", p.LevelTo)
	}
	return s
}

// signed writes a change with its sign: "+4,5", "−2", "0".
func signed(l *i18n.Localizer, f float64) string {
	switch {
	case f > 0:
		return "+" + l.Decimal(f)
	case f < 0:
		return "−" + l.Decimal(-f)
	}
	return "0"
}
