package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/diagnostic"
	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/maturity"
	"vitrine/internal/person"
	"vitrine/internal/plan"
	"vitrine/internal/store"
)

// The digital-maturity diagnostic: the questionnaire and submissions over
// the API, the result page with the plan, the plan as a PDF and by mail.
// The screens of the browser flow are in diagnostic_flow.go.

// ---- The questionnaire ----

type apiQuestionnaire struct {
	Version        string         `json:"version"`
	MinAnsweredPct int            `json:"min_answered_pct"`
	Levels         []apiLevel     `json:"levels"`
	Dimensions     []apiDimension `json:"dimensions"`
}

type apiLevel struct {
	Level       int    `json:"level"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type apiDimension struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Weight      int           `json:"weight"`
	Questions   []apiQuestion `json:"questions"`
}

type apiQuestion struct {
	ID      string      `json:"id"`
	Text    string      `json:"text"`
	Help    string      `json:"help,omitempty"`
	Kind    string      `json:"kind"`
	Weight  int         `json:"weight"`
	Options []apiOption `json:"options"`
}

type apiOption struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Points    int    `json:"points"`
	DontKnow  bool   `json:"dont_know,omitempty"`
	Exclusive bool   `json:"exclusive,omitempty"`
}

// questionnaireJSON caches the questionnaire's JSON by language: it never
// changes while the program runs.
var questionnaireJSON sync.Map // lang → []byte

func (s *Server) apiQuestionnaire(w http.ResponseWriter, r *http.Request) error {
	lang := s.localizer(r).Lang
	b, ok := questionnaireJSON.Load(lang)
	if !ok {
		q := maturity.Current()
		out := apiQuestionnaire{Version: q.Version, MinAnsweredPct: q.MinAnsweredPct}
		for _, l := range q.Levels {
			out.Levels = append(out.Levels, apiLevel{Level: l.Level, Name: l.Name.In(lang), Description: l.Description.In(lang)})
		}
		for _, d := range q.Dimensions {
			ad := apiDimension{ID: d.ID, Name: d.Name.In(lang), Description: d.Description.In(lang), Weight: d.Weight}
			for _, x := range d.Questions {
				aq := apiQuestion{ID: x.ID, Text: x.Text.In(lang), Kind: string(x.Kind), Weight: x.Weight}
				if x.Help != nil {
					aq.Help = x.Help.In(lang)
				}
				for _, o := range x.Options {
					aq.Options = append(aq.Options, apiOption{ID: o.ID, Label: o.Label.In(lang), Points: o.Points,
						DontKnow: o.DontKnow, Exclusive: o.Exclusive})
				}
				ad.Questions = append(ad.Questions, aq)
			}
			out.Dimensions = append(out.Dimensions, ad)
		}
		data, err := json.Marshal(out)
		if err != nil {
			return err
		}
		b, _ = questionnaireJSON.LoadOrStore(lang, append(data, '\n'))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b.([]byte))
	return nil
}

// ---- Submissions ----

// apiSubmission is the body of POST /api/v1/diagnostics.
type apiSubmission struct {
	Answers       map[string]any `json:"answers"`
	CommuneNIS    string         `json:"commune_nis"`
	Sector        string         `json:"sector"`
	Email         string         `json:"email"`
	ShopName      string         `json:"shop_name"`
	SessionID     int64          `json:"session_id"`
	PreviousToken string         `json:"previous_token"`
}

// readSubmission decodes and checks a submission: a body that is not JSON
// is a 400, every wrong value a field of one 422.
func readSubmission(r *http.Request, q *maturity.Questionnaire, knownCommune func(string) bool) (diagnostic.Submission, error) {
	body, err := io.ReadAll(r.Body)
	in, ok := apiSubmission{}, false
	if err == nil {
		in, ok = parseSubmission(body)
	}
	if !ok {
		// Read what was read, then the read's error if any, with
		// encoding/json's strictness and messages.
		rest := io.Reader(bytes.NewReader(body))
		if err != nil {
			rest = io.MultiReader(rest, failingReader{err})
		}
		if err := decodeJSONFrom(rest, &in); err != nil {
			return diagnostic.Submission{}, err
		}
	}
	return checkSubmission(in, q, knownCommune)
}

func checkSubmission(in apiSubmission, q *maturity.Questionnaire, knownCommune func(string) bool) (diagnostic.Submission, error) {
	var v apperr.Validation
	sub := diagnostic.Submission{
		Answers:   diagnostic.DecodeAnswers(in.Answers, &v),
		Profile:   diagnostic.Profile{CommuneNIS: in.CommuneNIS, Sector: in.Sector, Email: in.Email, ShopName: in.ShopName},
		SessionID: in.SessionID, PreviousToken: in.PreviousToken,
	}
	if in.Answers == nil {
		v.Add("answers", diagnostic.KeyRequired, nil)
	}
	v.Check(in.SessionID >= 0, "session_id", diagnostic.KeySessionUnknown)
	sub.Profile.Normalize()
	sub.Check(q, &v, knownCommune)
	return sub, v.Err()
}

// knownCommune returns the check of commune codes against the directory.
func (s *Server) knownCommune(ctx context.Context) (func(string) bool, error) {
	dir, err := s.st.Communes.Directory(ctx)
	if err != nil {
		return nil, err
	}
	return func(nis string) bool { _, ok := dir.ByNIS(nis); return ok }, nil
}

// trainings returns the finder of training sessions near a commune.
func (s *Server) trainings(ctx context.Context, communeNIS string) diagnostic.Trainings {
	return func(skills []string) ([]plan.Session, error) {
		return s.st.Diagnostics.TrainingCandidates(ctx, communeNIS, skills, s.now())
	}
}

// record turns an evaluated submission into what the store keeps.
func record(q *maturity.Questionnaire, out *diagnostic.Outcome, sub diagnostic.Submission, lang string) diagnostic.Record {
	r := out.Result
	return diagnostic.Record{Version: q.Version, RulesVersion: out.Plan.Version, Lang: lang, Answers: sub.Answers,
		Profile: sub.Profile, SessionID: sub.SessionID, Level: r.Level, Index: r.Index, Dimensions: r.Dimensions,
		Answered: r.Answered}
}

// resultMail composes the mail with the private link to a result; the key
// in the link proves the email when it is opened.
func (s *Server) resultMail(lang, to, token, mailKey string, level int, levelName string) (*mail.Message, error) {
	m, err := s.mailer.Composer.DiagnosticResultMail(lang, to, mail.DiagnosticResultData{
		Link: s.absURL("/diagnostics/" + token + "?k=" + mailKey), Level: level, LevelName: levelName})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := s.localizer(r).Lang
	q := maturity.Current()
	known, err := s.knownCommune(ctx)
	if err != nil {
		return err
	}
	sub, err := readSubmission(r, q, known)
	if err != nil {
		return err
	}
	out, err := diagnostic.Evaluate(q, plan.Current(), sub.Answers, lang, s.trainings(ctx, sub.Profile.CommuneNIS), s.now())
	if err != nil {
		return err
	}
	token, hash := diagnostic.NewToken(s.now())
	n := store.NewDiagnostic{TokenHash: hash, Record: record(q, out, sub, lang)}
	if sub.PreviousToken != "" {
		n.PreviousTokenHash = diagnostic.Hash(sub.PreviousToken)
	}
	if sub.Profile.Email != "" {
		key, keyHash := diagnostic.NewSecret(diagnostic.MailKeyPrefix)
		n.MailKeyHash = keyHash
		if n.Mail, err = s.resultMail(lang, sub.Profile.Email, token, key, out.Result.Level, out.Result.LevelName); err != nil {
			return err
		}
	}
	rec, err := s.st.Diagnostics.Create(ctx, n, s.now())
	if err != nil {
		return err
	}
	if n.Mail != nil {
		s.kick()
	}
	progress, _, err := s.progress(ctx, rec, lang)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/diagnostics/"+token)
	body := s.apiResult(s.localizer(r), token, rec, out, progress)
	return writeResult(w, http.StatusCreated, &body)
}

// loadDiagnostic finds a diagnostic by its token; a malformed token is not
// looked up.
func (s *Server) loadDiagnostic(ctx context.Context, token string) (diagnostic.Record, error) {
	if !diagnostic.WellFormed(diagnostic.TokenPrefix, token) {
		return diagnostic.Record{}, store.ErrDiagnosticNotFound
	}
	return s.st.Diagnostics.ByToken(ctx, diagnostic.Hash(token))
}

// reevaluate scores a stored diagnostic again with its plan, in lang.
func (s *Server) reevaluate(ctx context.Context, rec diagnostic.Record, lang string) (*diagnostic.Outcome, error) {
	return diagnostic.Reevaluate(rec, plan.Current(), lang, s.trainings(ctx, rec.Profile.CommuneNIS), s.now())
}

// progress returns the change since the shop's first diagnostic when the
// record may show it, and whether there is progress it may not show yet
// (linked by email, the email not yet proved).
func (s *Server) progress(ctx context.Context, rec diagnostic.Record, lang string) (*maturity.Progress, bool, error) {
	if rec.FirstID == 0 {
		return nil, false, nil
	}
	if !rec.ShowsProgress() {
		return nil, true, nil
	}
	first, err := s.st.Diagnostics.Get(ctx, rec.FirstID)
	if errors.Is(err, store.ErrDiagnosticNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, err := diagnostic.Progress(first, rec, lang)
	if errors.Is(err, maturity.ErrNotComparable) {
		return nil, false, nil
	}
	return p, false, err
}

func (s *Server) apiDiagnostic(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := s.localizer(r)
	token := r.PathValue("token")
	rec, err := s.loadDiagnostic(ctx, token)
	if err != nil {
		return err
	}
	out, err := s.reevaluate(ctx, rec, l.Lang)
	if err != nil {
		return err
	}
	progress, _, err := s.progress(ctx, rec, l.Lang)
	if err != nil {
		return err
	}
	body := s.apiResult(l, token, rec, out, progress)
	return writeResult(w, http.StatusOK, &body)
}

// apiResultBody is a diagnostic as the API returns it, written by
// appendJSON (diagnostic_json.go): a field added here, or to a struct it
// holds, is to be written there too.
type apiResultBody struct {
	ID               int64              `json:"id"`
	Token            string             `json:"token"`
	URL              string             `json:"url"`
	PDFURL           string             `json:"pdf_url"`
	Version          string             `json:"version"`
	Lang             string             `json:"lang"`
	Level            int                `json:"level"`
	LevelName        string             `json:"level_name"`
	LevelDescription string             `json:"level_description"`
	Index            float64            `json:"index"`
	Answered         int                `json:"answered"`
	Questions        int                `json:"questions"`
	Dimensions       []apiScore         `json:"dimensions"`
	Blocking         []apiBlocker       `json:"blocking"`
	Plan             apiPlan            `json:"plan"`
	Progress         *maturity.Progress `json:"progress,omitempty"`
	SessionID        int64              `json:"session_id,omitempty"`
	CompletedAt      time.Time          `json:"completed_at"`
}

type apiScore struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

type apiBlocker struct {
	Kind    string `json:"kind"`
	Level   int    `json:"level"`
	ID      string `json:"id,omitempty"`
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
}

type apiPlan struct {
	Version         string            `json:"version"`
	Actions         []plan.PlanAction `json:"actions"`
	Skills          []plan.SkillRef   `json:"skills"`
	Trainings       []apiTraining     `json:"trainings"`
	TrainingHours   float64           `json:"training_hours"`
	UncoveredSkills []string          `json:"uncovered_skills"`
}

type apiTraining struct {
	plan.Session
	EnrolURL string `json:"enrol_url"`
}

func (s *Server) apiResult(l *i18n.Localizer, token string, rec diagnostic.Record, out *diagnostic.Outcome, progress *maturity.Progress) apiResultBody {
	res := out.Result
	b := apiResultBody{
		ID: rec.ID, Token: token, URL: s.absURL("/diagnostics/" + token), PDFURL: s.absURL("/diagnostics/" + token + "/plan.pdf"),
		Version: rec.Version, Lang: l.Lang, Level: res.Level, LevelName: res.LevelName, LevelDescription: res.LevelDescription,
		Index: res.Index, Answered: res.Answered, Questions: res.Questions, Progress: progress, SessionID: rec.SessionID,
		CompletedAt: rec.CompletedAt.In(i18n.Brussels), Blocking: []apiBlocker{},
	}
	for _, d := range res.Dimensions {
		b.Dimensions = append(b.Dimensions, apiScore{ID: d.ID, Name: d.Name, Score: d.Score})
	}
	for _, bl := range blockers(l, res) {
		b.Blocking = append(b.Blocking, apiBlocker{Kind: bl.Kind, Level: bl.Level, ID: bl.ID, Heading: bl.Heading, Text: bl.Text})
	}
	p := out.Plan
	b.Plan = apiPlan{Version: p.Version, Actions: p.Actions, Skills: p.Skills, Trainings: []apiTraining{}, UncoveredSkills: []string{}}
	if c := p.Trainings; c != nil {
		for _, t := range c.Sessions {
			b.Plan.Trainings = append(b.Plan.Trainings, apiTraining{Session: t, EnrolURL: s.absURL(enrolPath(t))})
		}
		b.Plan.TrainingHours = c.Hours
		b.Plan.UncoveredSkills = c.Uncovered
	}
	return b
}

// enrolPath is the page of the training catalogue where a shopkeeper
// enrols in a training session.
func enrolPath(t plan.Session) string { return "/trainings/sessions/" + t.SessionID }

// blocker is what blocks the next level, in words.
type blocker struct {
	Kind, ID string
	Level    int
	Heading  string // for a requirement: "For level 2 “Present and active”:"
	Text     string
}

// blockers renders a result's blockers through the catalogue, numbers
// written the local way.
func blockers(l *i18n.Localizer, r *maturity.Result) []blocker {
	out := make([]blocker, 0, len(r.Blocking))
	for _, b := range r.Blocking {
		args := make(map[string]any, len(b.Args))
		for k, v := range b.Args {
			if f, ok := v.(float64); ok {
				v = l.Decimal(f)
			}
			args[k] = v
		}
		bl := blocker{Kind: b.Kind, ID: b.ID, Level: b.Level}
		if b.Kind == maturity.BlockRequirement {
			bl.Heading, bl.Text = l.T(b.Key, args), b.Text
		} else {
			bl.Text = l.T(b.Key, args)
		}
		out = append(out, bl)
	}
	return out
}

// ---- The result page ----

type resultView struct {
	Page
	Token      string
	Record     diagnostic.Record
	Result     *maturity.Result
	Levels     []levelRow
	Chart      barChart
	Blocking   []blocker
	Plan       *plan.Plan
	Trainings  []plannedTraining
	Uncovered  []string // names of skills no open session teaches
	NoCatalog  bool     // no training session to choose from yet
	Progress   *progressView
	Hidden     bool // progress exists but waits for the mailed link
	CommuneTxt string
	SectorTxt  string
	MailForm   mailForm
}

type levelRow struct {
	Level       int
	Name        string
	Description string
	Current     bool
}

type plannedTraining struct {
	plan.Session
	When     string
	Where    string
	Cost     string
	EnrolURL string
}

type progressView struct {
	*maturity.Progress
	Since string // the first diagnostic's date
}

type mailForm struct {
	Email  string
	Errors map[string]string
	Sent   bool
}

func (s *Server) resultPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.PathValue("token")
	rec, err := s.loadDiagnostic(ctx, token)
	if err != nil {
		return err
	}
	if k := r.URL.Query().Get("k"); k != "" {
		// The mailed link: it proves the email. Then drop the key from the address.
		if diagnostic.WellFormed(diagnostic.MailKeyPrefix, k) {
			if _, err := s.st.Diagnostics.VerifyEmail(ctx, diagnostic.Hash(token), diagnostic.Hash(k), s.now()); err != nil {
				return err
			}
		}
		http.Redirect(w, r, "/diagnostics/"+token, http.StatusSeeOther)
		return nil
	}
	v, err := s.resultView(r, token, rec)
	if err != nil {
		return err
	}
	v.MailForm.Sent = r.URL.Query().Get("mailed") == "1"
	return s.render(w, r, "diagnostic_result", v)
}

// resultView builds the result page's view.
func (s *Server) resultView(r *http.Request, token string, rec diagnostic.Record) (*resultView, error) {
	ctx := r.Context()
	l := s.localizer(r)
	out, err := s.reevaluate(ctx, rec, l.Lang)
	if err != nil {
		return nil, err
	}
	v := &resultView{Page: s.page(r, l.T("diagnostic.result.title")), Token: token, Record: rec, Result: out.Result,
		Plan: out.Plan, Blocking: blockers(l, out.Result), NoCatalog: out.Candidates == 0}
	v.NoIndex = true
	q := out.Result.Questionnaire()
	for _, lv := range q.Levels {
		v.Levels = append(v.Levels, levelRow{Level: lv.Level, Name: lv.Name.In(l.Lang), Description: lv.Description.In(l.Lang),
			Current: lv.Level == out.Result.Level})
	}
	v.Chart = scoreChart(l, out.Result.Dimensions)
	if dir, err := s.st.Communes.Directory(ctx); err == nil {
		if c, ok := dir.ByNIS(rec.Profile.CommuneNIS); ok {
			v.CommuneTxt = c.LocalName(l.Lang)
		}
	}
	v.SectorTxt = l.T("sector." + rec.Profile.Sector)
	if c := out.Plan.Trainings; c != nil {
		for _, t := range c.Sessions {
			v.Trainings = append(v.Trainings, s.plannedTraining(l, t))
		}
		names := map[string]string{}
		for _, sk := range out.Plan.Skills {
			names[sk.ID] = sk.Name
		}
		for _, id := range c.Uncovered {
			v.Uncovered = append(v.Uncovered, names[id])
		}
	}
	p, hidden, err := s.progress(ctx, rec, l.Lang)
	if err != nil {
		return nil, err
	}
	v.Hidden = hidden
	if p != nil {
		first, err := s.st.Diagnostics.Get(ctx, rec.FirstID)
		if err != nil {
			return nil, err
		}
		v.Progress = &progressView{Progress: p, Since: l.ShortDate(first.CompletedAt)}
	}
	v.MailForm.Email = rec.Profile.Email
	return v, nil
}

func (s *Server) plannedTraining(l *i18n.Localizer, t plan.Session) plannedTraining {
	tv := plannedTraining{Session: t, When: l.DateTime(t.Start), EnrolURL: enrolPath(t)}
	if t.Format == plan.Online {
		tv.Where = l.T("diagnostic.training.online")
	} else {
		tv.Where = l.T("diagnostic.training.distance", "Km", l.Km(t.DistanceKm))
	}
	switch {
	case t.PriceCents == 0:
		tv.Cost = l.T("diagnostic.training.free")
	case t.VoucherEligible && t.VoucherCostCents < t.PriceCents:
		tv.Cost = l.T("diagnostic.training.voucher_cost", "Cost", l.Money(t.VoucherCostCents), "Price", l.Money(t.PriceCents))
	default:
		tv.Cost = l.T("diagnostic.training.price", "Price", l.Money(t.PriceCents))
	}
	return tv
}

// mailLink mails the private link of a result to the address typed on the
// result page.
func (s *Server) mailLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := s.localizer(r)
	token := r.PathValue("token")
	rec, err := s.loadDiagnostic(ctx, token)
	if err != nil {
		return err
	}
	p := diagnostic.Profile{Email: r.PostFormValue("email")}
	p.Normalize()
	if !person.ValidEmail(p.Email) {
		v, err := s.resultView(r, token, rec)
		if err != nil {
			return err
		}
		v.MailForm = mailForm{Email: p.Email, Errors: map[string]string{"email": l.T("error.email.invalid")}}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "diagnostic_result", v)
	}
	key, keyHash := diagnostic.NewSecret(diagnostic.MailKeyPrefix)
	q, err := maturity.Version(rec.Version)
	if err != nil {
		return err
	}
	m, err := s.resultMail(l.Lang, p.Email, token, key, rec.Level, q.Levels[rec.Level].Name.In(l.Lang))
	if err != nil {
		return err
	}
	if err := s.st.Diagnostics.MailLink(ctx, diagnostic.Hash(token), p.Email, p.EmailKey(), keyHash, *m, s.now()); err != nil {
		return err
	}
	s.kick()
	http.Redirect(w, r, "/diagnostics/"+token+"?mailed=1#mail", http.StatusSeeOther)
	return nil
}

// planPDF serves the plan as a printable PDF.
func (s *Server) planPDF(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.PathValue("token")
	rec, err := s.loadDiagnostic(ctx, token)
	if err != nil {
		return err
	}
	v, err := s.resultView(r, token, rec)
	if err != nil {
		return err
	}
	b, err := s.planDocument(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="plan-`+rec.CompletedAt.In(i18n.Brussels).Format("2006-01-02")+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
	return nil
}
