package web

import (
	"net/http"
	"strconv"
	"time"

	"vitrine/internal/outreach"
	"vitrine/internal/sessions"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// Questions for the facilitators: shopkeepers ask on a session's page,
// staff paste those gathered elsewhere, facilitators answer and may publish
// answers as the session's FAQ.

func sessionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, store.ErrSessionNotFound
	}
	return id, nil
}

// sessionQuestionsView is the public page of a session's questions: its
// FAQ and the form to ask one.
type sessionQuestionsView struct {
	Page
	Session sessions.Session
	FAQ     []outreach.Question
	Form    outreach.Question
	Errors  map[string]string
	Sent    bool
	Open    bool // the session still takes questions
}

func (s *Server) sessionQuestionsView(r *http.Request) (sessionQuestionsView, error) {
	v := sessionQuestionsView{Page: s.page(r, "")}
	id, err := sessionID(r)
	if err != nil {
		return v, err
	}
	if v.Session, err = s.st.Sessions.Get(r.Context(), id); err != nil {
		return v, err
	}
	if v.FAQ, err = s.st.Questions.List(r.Context(), store.QuestionFilter{SessionID: id, PublishedOnly: true}); err != nil {
		return v, err
	}
	v.Open = v.Session.Status == sessions.Scheduled
	v.Title = v.T("questions.page_title", "Title", v.Session.Title)
	return v, nil
}

func (s *Server) sessionQuestionsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.sessionQuestionsView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "session_questions", v)
}

func (s *Server) sessionQuestionPost(w http.ResponseWriter, r *http.Request) error {
	v, err := s.sessionQuestionsView(r)
	if err != nil {
		return err
	}
	v.Form = outreach.Question{SessionID: v.Session.ID, Text: r.FormValue("text"), Name: r.FormValue("name"), Email: r.FormValue("email"),
		Source: outreach.PublicSource(v.Session.StartsAt, s.now())}
	if _, err := s.st.Questions.Add(r.Context(), v.Form, 0, s.now()); err != nil {
		errs, ok := fieldErrors(v.L, err)
		if !ok {
			return err
		}
		v.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "session_questions", v)
	}
	v.Sent, v.Form = true, outreach.Question{}
	return s.render(w, r, "session_questions", v)
}

// staffQuestionsView lists the sessions with their questions; with a
// session chosen, its questions and the answer forms.
type staffQuestionsView struct {
	Page
	Sessions  []sessions.Session
	Counts    map[int64]store.QuestionCounts
	Session   *sessions.Session
	Questions []outreach.Question
	Sources   []outreach.Source
	Form      outreach.Question
	Errors    map[string]string
	Answer    map[int64]string // the answer typed, when it failed
	AnswerErr map[int64]string
}

// CountsOf returns a session's question counts.
func (v staffQuestionsView) CountsOf(id int64) store.QuestionCounts { return v.Counts[id] }

// SourceName is a question's source in the page's language.
func (p Page) SourceName(src outreach.Source) string { return p.T("questions.source." + string(src)) }

func (s *Server) staffQuestionsView(r *http.Request, sessionID int64) (staffQuestionsView, error) {
	v := staffQuestionsView{Page: s.page(r, ""), Sources: outreach.Sources, Answer: map[int64]string{}, AnswerErr: map[int64]string{}}
	v.Title = v.T("questions.staff_title")
	var err error
	if v.Sessions, err = s.st.Sessions.List(r.Context(), store.SessionFilter{From: s.now().Add(-30 * 24 * time.Hour)}); err != nil {
		return v, err
	}
	if v.Counts, err = s.st.Questions.CountsBySession(r.Context()); err != nil {
		return v, err
	}
	v.Form.SessionID = sessionID
	v.Form.Source = outreach.FromSocialMedia
	if sessionID != 0 && v.Can(string(staff.AnswerQuestions)) {
		ss, err := s.st.Sessions.Get(r.Context(), sessionID)
		if err != nil {
			return v, err
		}
		v.Session = &ss
		if v.Questions, err = s.st.Questions.List(r.Context(), store.QuestionFilter{SessionID: sessionID}); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (s *Server) staffQuestionsPage(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.URL.Query().Get("session_id"), 10, 64)
	v, err := s.staffQuestionsView(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_questions", v)
}

// staffQuestionAdd records a question gathered on another channel.
func (s *Server) staffQuestionAdd(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.FormValue("session_id"), 10, 64)
	q := outreach.Question{SessionID: id, Text: r.FormValue("text"), Name: r.FormValue("name"), Email: r.FormValue("email"),
		Source: outreach.Source(r.FormValue("source"))}
	u, _ := userFrom(r.Context())
	if _, err := s.st.Questions.Add(r.Context(), q, u.ID, s.now()); err != nil {
		errs, ok := fieldErrors(s.localizer(r), err)
		if !ok {
			return err
		}
		v, verr := s.staffQuestionsView(r, id)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors = q, errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_questions", v)
	}
	s.flash(r, "questions.added")
	http.Redirect(w, r, "/staff/questions?session_id="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) staffQuestionAnswer(w http.ResponseWriter, r *http.Request) error {
	qid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrQuestionNotFound
	}
	q, err := s.st.Questions.Get(r.Context(), qid)
	if err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	a := outreach.Answer{Text: r.FormValue("answer"), Publish: r.FormValue("publish") == "on"}
	if _, err := s.st.Questions.Answer(r.Context(), qid, a, u.ID, s.now()); err != nil {
		errs, ok := fieldErrors(s.localizer(r), err)
		if !ok {
			return err
		}
		v, verr := s.staffQuestionsView(r, q.SessionID)
		if verr != nil {
			return verr
		}
		v.Answer[qid], v.AnswerErr[qid] = a.Text, errs["text"]
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_questions", v)
	}
	s.flash(r, "questions.answered")
	http.Redirect(w, r, "/staff/questions?session_id="+strconv.FormatInt(q.SessionID, 10)+"#q-"+strconv.FormatInt(qid, 10), http.StatusSeeOther)
	return nil
}

// AnswerText is what the answer box of a question holds.
func (v staffQuestionsView) AnswerText(q outreach.Question) string {
	if t, ok := v.Answer[q.ID]; ok {
		return t
	}
	return q.Answer
}

// The API.

type apiAskedQuestion struct {
	ID         int64           `json:"id"`
	SessionID  int64           `json:"session_id"`
	Text       string          `json:"text"`
	Name       string          `json:"name,omitempty"`
	Email      string          `json:"email,omitempty"`
	Source     outreach.Source `json:"source"`
	Answer     string          `json:"answer"`
	AnsweredAt *string         `json:"answered_at"`
	Published  bool            `json:"published"`
	CreatedAt  string          `json:"created_at"`
}

func toAPIAskedQuestion(q outreach.Question) apiAskedQuestion {
	return apiAskedQuestion{ID: q.ID, SessionID: q.SessionID, Text: q.Text, Name: q.Name, Email: q.Email, Source: q.Source,
		Answer: q.Answer, AnsweredAt: optTime(q.AnsweredAt), Published: q.Published, CreatedAt: rfc3339(q.CreatedAt)}
}

type apiQuestionIn struct {
	SessionID int64  `json:"session_id"`
	Text      string `json:"text"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Source    string `json:"source"`
}

// apiSessionQuestion takes a shopkeeper's question (public).
func (s *Server) apiSessionQuestion(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	var in struct {
		Text  string `json:"text"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ss, err := s.st.Sessions.Get(r.Context(), id)
	if err != nil {
		return err
	}
	q, err := s.st.Questions.Add(r.Context(), outreach.Question{SessionID: id, Text: in.Text, Name: in.Name, Email: in.Email,
		Source: outreach.PublicSource(ss.StartsAt, s.now())}, 0, s.now())
	if err != nil {
		return err
	}
	// The asker gets their question back, not the fields staff see.
	return writeJSON(w, http.StatusCreated, map[string]any{"id": q.ID, "session_id": q.SessionID, "text": q.Text, "created_at": rfc3339(q.CreatedAt)})
}

// apiQuestionAdd records a question gathered elsewhere (staff).
func (s *Server) apiQuestionAdd(w http.ResponseWriter, r *http.Request) error {
	var in apiQuestionIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	q, err := s.st.Questions.Add(r.Context(), outreach.Question{SessionID: in.SessionID, Text: in.Text, Name: in.Name, Email: in.Email,
		Source: outreach.Source(in.Source)}, u.ID, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toAPIAskedQuestion(q))
}

func (s *Server) apiQuestions(w http.ResponseWriter, r *http.Request) error {
	var f store.QuestionFilter
	if v := r.URL.Query().Get("session_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return store.ErrSessionNotFound
		}
		if _, err := s.st.Sessions.Get(r.Context(), id); err != nil {
			return err
		}
		f.SessionID = id
	}
	list, err := s.st.Questions.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiAskedQuestion, 0, len(list))
	for _, q := range list {
		out = append(out, toAPIAskedQuestion(q))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiQuestionAnswer(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.ErrQuestionNotFound
	}
	var in struct {
		Text    string `json:"text"`
		Publish bool   `json:"publish"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	q, err := s.st.Questions.Answer(r.Context(), id, outreach.Answer{Text: in.Text, Publish: in.Publish}, u.ID, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIAskedQuestion(q))
}
