package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/diagnostic"
	"vitrine/internal/mail"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// The diagnostic in the browser, without JavaScript: a start page, then one
// screen for the shop and one per dimension, each saved to a draft when the
// person moves back or forward, resumable from its private link.

type startView struct {
	Page
	Questions int
	Minutes   int
	Session   *sessions.Session
	Code      string
}

// minutes is how long the questionnaire takes on a phone.
const minutes = 7

func (s *Server) diagnosticStart(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "")
	p.Title = p.T("diagnostic.start.title")
	return s.render(w, r, "diagnostic_start", startView{Page: p, Questions: maturity.Current().NumQuestions(), Minutes: minutes})
}

// workshopStart opens the diagnostic from a workshop's short link.
func (s *Server) workshopStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	if !diagnostic.ValidWorkshopCode(code) {
		return store.ErrWorkshopNotFound
	}
	id, err := s.st.Diagnostics.SessionByWorkshopCode(ctx, code)
	if err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(ctx, id)
	if err != nil {
		return err
	}
	p := s.page(r, "")
	p.Title = p.T("diagnostic.start.title")
	return s.render(w, r, "diagnostic_start", startView{Page: p, Questions: maturity.Current().NumQuestions(),
		Minutes: minutes, Session: &ss, Code: code})
}

// diagnosticBegin creates a draft and opens its first screen.
func (s *Server) diagnosticBegin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := diagnostic.Draft{Version: maturity.Current().Version, Lang: s.localizer(r).Lang, Step: 1, Answers: maturity.Answers{}}
	if code := r.PostFormValue("code"); code != "" {
		if !diagnostic.ValidWorkshopCode(code) {
			return store.ErrWorkshopNotFound
		}
		id, err := s.st.Diagnostics.SessionByWorkshopCode(ctx, code)
		if err != nil {
			return err
		}
		d.SessionID = id
	}
	token, hash := diagnostic.NewToken(s.now())
	if _, err := s.st.Diagnostics.CreateDraft(ctx, hash, d, s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, stepPath(token, 1), http.StatusSeeOther)
	return nil
}

// retake starts a new draft from a result, with its answers, to measure
// progress: the new diagnostic is linked to the shop's first one.
func (s *Server) retake(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rec, err := s.loadDiagnostic(ctx, r.PathValue("token"))
	if err != nil {
		return err
	}
	q := maturity.Current()
	d := diagnostic.Draft{Version: q.Version, Lang: s.localizer(r).Lang, Step: 1, Profile: rec.Profile,
		PreviousID: rec.ID, Answers: maturity.Answers{}}
	if old, err := maturity.Version(rec.Version); err == nil {
		for _, id := range maturity.SharedQuestions(old, q) {
			if a, ok := rec.Answers[id]; ok {
				d.Answers[id] = a
			}
		}
	}
	token, hash := diagnostic.NewToken(s.now())
	if _, err := s.st.Diagnostics.CreateDraft(ctx, hash, d, s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, stepPath(token, 1), http.StatusSeeOther)
	return nil
}

func stepPath(token string, step int) string {
	return "/diagnostic/" + token + "/" + strconv.Itoa(step)
}

// loadDraft finds a draft by its token; a malformed token is not looked up.
func (s *Server) loadDraft(ctx context.Context, token string) (diagnostic.Draft, error) {
	if !diagnostic.WellFormed(diagnostic.TokenPrefix, token) {
		return diagnostic.Draft{}, store.ErrDraftNotFound
	}
	return s.st.Diagnostics.Draft(ctx, diagnostic.Hash(token))
}

// finished sends the person to the result when the draft of token has
// become a diagnostic (a second click, an old resume link), and reports
// whether it did.
func (s *Server) finished(w http.ResponseWriter, r *http.Request, token string, err error) (bool, error) {
	if !errors.Is(err, store.ErrDraftNotFound) {
		return false, err
	}
	if _, err := s.loadDiagnostic(r.Context(), token); err != nil {
		return false, err
	}
	http.Redirect(w, r, "/diagnostics/"+token, http.StatusSeeOther)
	return true, nil
}

// diagnosticResume opens a draft where it was left, or its result.
func (s *Server) diagnosticResume(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	d, err := s.loadDraft(r.Context(), token)
	if err != nil {
		_, err = s.finished(w, r, token, err)
		return err
	}
	http.Redirect(w, r, stepPath(token, d.Step), http.StatusSeeOther)
	return nil
}

// ---- A screen ----

type stepView struct {
	Page
	Token     string
	Step      int
	Steps     int
	Percent   int
	Last      bool
	Dimension *dimensionView
	Profile   profileForm
	Sectors   []choice
	Communes  []string
	Errors    map[string]string // field → message
	Summary   []errorLink
	ResumeURL string
	Session   *sessions.Session
	Retake    bool
}

type dimensionView struct {
	Name        string
	Description string
	Questions   []questionView
}

type questionView struct {
	ID       string
	Text     string
	Help     string
	Multiple bool
	Options  []choice
	Error    string
}

type choice struct {
	ID      string
	InputID string
	Label   string
	Checked bool
}

type profileForm struct {
	Commune  string
	Sector   string
	ShopName string
	Email    string
}

type errorLink struct {
	Href string
	Text string
}

// stepOf reads the screen number of the path.
func stepOf(r *http.Request, q *maturity.Questionnaire) (int, error) {
	n, err := strconv.Atoi(r.PathValue("step"))
	if err != nil || n < 1 || n > diagnostic.Steps(q) {
		return 0, errNotFound
	}
	return n, nil
}

func (s *Server) diagnosticStep(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.PathValue("token")
	d, err := s.loadDraft(ctx, token)
	if err != nil {
		_, err = s.finished(w, r, token, err)
		return err
	}
	q, err := maturity.Version(d.Version)
	if err != nil {
		return err
	}
	step, err := stepOf(r, q)
	if err != nil {
		return err
	}
	v, err := s.stepView(r, token, d, q, step)
	if err != nil {
		return err
	}
	return s.render(w, r, "diagnostic_step", v)
}

// stepView builds a screen from the draft's answers.
func (s *Server) stepView(r *http.Request, token string, d diagnostic.Draft, q *maturity.Questionnaire, step int) (*stepView, error) {
	ctx := r.Context()
	l := s.localizer(r)
	steps := diagnostic.Steps(q)
	v := &stepView{Page: s.page(r, ""), Token: token, Step: step, Steps: steps, Percent: (step - 1) * 100 / steps,
		Last: step == steps, Errors: map[string]string{}, ResumeURL: s.absURL("/diagnostic/" + token), Retake: d.PreviousID != 0}
	v.NoIndex = true
	if d.SessionID != 0 {
		if ss, err := s.st.Sessions.Get(ctx, d.SessionID); err == nil {
			v.Session = &ss
		}
	}
	if step == 1 {
		v.Title = l.T("diagnostic.shop.title")
		dir, err := s.st.Communes.Directory(ctx)
		if err != nil {
			return nil, err
		}
		v.Profile = profileForm{Sector: d.Profile.Sector, ShopName: d.Profile.ShopName, Email: d.Profile.Email}
		if c, ok := dir.ByNIS(d.Profile.CommuneNIS); ok {
			v.Profile.Commune = communeLabel(c, l.Lang)
		}
		for _, c := range dir.All() {
			v.Communes = append(v.Communes, communeLabel(c, l.Lang))
		}
		for _, id := range diagnostic.Sectors {
			v.Sectors = append(v.Sectors, choice{ID: id, Label: l.T("sector." + id), Checked: id == d.Profile.Sector})
		}
		return v, nil
	}
	dim := q.Dimensions[step-2]
	v.Title = dim.Name.In(l.Lang)
	v.Dimension = &dimensionView{Name: dim.Name.In(l.Lang), Description: dim.Description.In(l.Lang)}
	for _, x := range dim.Questions {
		qv := questionView{ID: x.ID, Text: x.Text.In(l.Lang), Multiple: x.Kind == maturity.Multiple}
		if x.Help != nil {
			qv.Help = x.Help.In(l.Lang)
		}
		for i, o := range x.Options {
			qv.Options = append(qv.Options, choice{ID: o.ID, InputID: fmt.Sprintf("q-%s-%d", x.ID, i), Label: o.Label.In(l.Lang),
				Checked: chose(d.Answers[x.ID], o.ID)})
		}
		v.Dimension.Questions = append(v.Dimension.Questions, qv)
	}
	return v, nil
}

func communeLabel(c commune.Commune, lang string) string {
	if c.MainPostalCode == "" {
		return c.LocalName(lang)
	}
	return c.LocalName(lang) + " (" + c.MainPostalCode + ")"
}

func chose(opts []string, id string) bool {
	for _, o := range opts {
		if o == id {
			return true
		}
	}
	return false
}

// diagnosticSave saves a screen and moves back, forward, or to the result.
// The answers of the screen are saved whichever way the person goes.
func (s *Server) diagnosticSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := s.localizer(r)
	token := r.PathValue("token")
	d, err := s.loadDraft(ctx, token)
	if err != nil {
		_, err = s.finished(w, r, token, err)
		return err
	}
	q, err := maturity.Version(d.Version)
	if err != nil {
		return err
	}
	step, err := stepOf(r, q)
	if err != nil {
		return err
	}
	back := r.PostFormValue("go") == "back"
	var v apperr.Validation
	if step == 1 {
		if err := s.readProfile(r, &d, &v, back); err != nil {
			return err
		}
	} else {
		readAnswers(r, q, q.Dimensions[step-2], d.Answers, &v)
	}
	if err := v.Err(); err != nil {
		return s.stepErrors(w, r, token, d, q, step, err)
	}
	next := step + 1
	if back {
		next = max(1, step-1)
	}
	d.Step, d.Lang = min(next, diagnostic.Steps(q)), l.Lang
	var resume *mail.Message
	if d.Profile.Email != "" && d.MailedAt.IsZero() {
		m, err := s.mailer.Composer.Compose("diagnostic_resume", l.Lang, d.Profile.Email,
			map[string]any{"Link": s.absURL("/diagnostic/" + token)})
		if err != nil {
			return err
		}
		resume = &m
	}
	if err := s.st.Diagnostics.SaveDraft(ctx, d, resume, s.now()); err != nil {
		return err
	}
	if resume != nil {
		s.kick()
	}
	if next <= diagnostic.Steps(q) {
		http.Redirect(w, r, stepPath(token, next), http.StatusSeeOther)
		return nil
	}
	return s.complete(w, r, token, d, q)
}

// readProfile reads the shop's screen. Going back checks nothing; going
// forward needs the commune and the sector.
func (s *Server) readProfile(r *http.Request, d *diagnostic.Draft, v *apperr.Validation, back bool) error {
	dir, err := s.st.Communes.Directory(r.Context())
	if err != nil {
		return err
	}
	p := diagnostic.Profile{Sector: r.PostFormValue("sector"), ShopName: r.PostFormValue("shop_name"), Email: r.PostFormValue("email")}
	typed := r.PostFormValue("commune")
	if c, err := dir.Resolve(typed); err == nil {
		p.CommuneNIS = c.NIS
	}
	p.Normalize()
	d.Profile = p
	if back {
		return nil
	}
	p.Check(v, func(nis string) bool { _, ok := dir.ByNIS(nis); return ok })
	if p.CommuneNIS == "" && typed != "" && !v.Has("commune_nis") {
		v.Add("commune_nis", diagnostic.KeyCommuneUnknown, nil)
	}
	return nil
}

// readAnswers reads one dimension's answers into a, and checks them.
func readAnswers(r *http.Request, q *maturity.Questionnaire, dim maturity.Dimension, a maturity.Answers, v *apperr.Validation) {
	screen := maturity.Answers{}
	for _, x := range dim.Questions {
		vals := r.PostForm["q."+x.ID]
		if len(vals) == 0 {
			delete(a, x.ID)
			continue
		}
		a[x.ID] = vals
		screen[x.ID] = vals
	}
	if err := q.Validate(screen); err != nil {
		if e, ok := apperr.As(err); ok {
			for _, f := range e.Fields {
				v.Add(f.Field, f.Key, f.Args)
			}
		}
	}
}

// stepErrors shows a screen again with what is wrong.
func (s *Server) stepErrors(w http.ResponseWriter, r *http.Request, token string, d diagnostic.Draft, q *maturity.Questionnaire, step int, err error) error {
	l := s.localizer(r)
	msgs, ok := fieldErrors(l, err)
	if !ok {
		return err
	}
	v, verr := s.stepView(r, token, d, q, step)
	if verr != nil {
		return verr
	}
	v.Title = l.T("diagnostic.flow.error_title", "Title", v.Title)
	if step == 1 {
		// Show what the person typed, even when it named no commune.
		v.Profile.Commune = r.PostFormValue("commune")
		for field, target := range map[string]string{"commune_nis": "f-commune", "sector": "f-sector", "email": "f-email", "shop_name": "f-shop_name"} {
			if m, ok := msgs[field]; ok {
				v.Errors[field] = m
				v.Summary = append(v.Summary, errorLink{Href: "#" + target, Text: m})
			}
		}
	} else {
		for i := range v.Dimension.Questions {
			qv := &v.Dimension.Questions[i]
			if m, ok := msgs["answers."+qv.ID]; ok {
				qv.Error = m
				v.Summary = append(v.Summary, errorLink{Href: "#" + qv.Options[0].InputID, Text: qv.Text + " " + m})
			}
		}
	}
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "diagnostic_step", v)
}

// complete turns a finished draft into a diagnostic, or shows what is
// missing: the shop's details, or enough answers for a level.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, token string, d diagnostic.Draft, q *maturity.Questionnaire) error {
	ctx := r.Context()
	l := s.localizer(r)
	known, err := s.knownCommune(ctx)
	if err != nil {
		return err
	}
	var v apperr.Validation
	d.Profile.Check(&v, known)
	if err := v.Err(); err != nil {
		return s.stepErrors(w, r, token, d, q, 1, err)
	}
	if missing := diagnostic.Missing(q, d.Answers); missing > 0 {
		sv, err := s.stepView(r, token, d, q, diagnostic.Steps(q))
		if err != nil {
			return err
		}
		sv.Title = l.T("diagnostic.flow.error_title", "Title", sv.Title)
		sv.Summary = append(sv.Summary, errorLink{Text: l.N("diagnostic.flow.missing", missing)})
		for i, dim := range q.Dimensions {
			n := 0
			for _, x := range dim.Questions {
				if len(d.Answers[x.ID]) == 0 {
					n++
				}
			}
			if n > 0 {
				sv.Summary = append(sv.Summary, errorLink{Href: stepPath(token, i+2),
					Text: l.N("diagnostic.flow.unanswered", n, "Dimension", dim.Name.In(l.Lang))})
			}
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "diagnostic_step", sv)
	}
	out, err := diagnostic.Evaluate(q, plan.Current(), d.Answers, l.Lang, nil, s.now())
	if err != nil {
		return err
	}
	sub := diagnostic.Submission{Answers: d.Answers, Profile: d.Profile, SessionID: d.SessionID}
	rec := record(q, out, sub, l.Lang)
	rec.CreatedAt = d.CreatedAt
	n := store.NewDiagnostic{TokenHash: diagnostic.Hash(token), Record: rec, PreviousID: d.PreviousID, DraftID: d.ID}
	if d.Profile.Email != "" {
		key, keyHash := diagnostic.NewSecret(diagnostic.MailKeyPrefix)
		n.MailKeyHash = keyHash
		if n.Mail, err = s.resultMail(l.Lang, d.Profile.Email, token, key, out.Result.Level, out.Result.LevelName); err != nil {
			return err
		}
	}
	if _, err := s.st.Diagnostics.Create(ctx, n, s.now()); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			// Finished twice at once: the other request made it.
			http.Redirect(w, r, "/diagnostics/"+token, http.StatusSeeOther)
			return nil
		}
		return err
	}
	if n.Mail != nil {
		s.kick()
	}
	http.Redirect(w, r, "/diagnostics/"+token, http.StatusSeeOther)
	return nil
}
