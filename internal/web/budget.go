package web

import (
	"net/http"
	"strconv"
	"strings"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
)

// apiBudgetLine is a budget line with what it still has.
type apiBudgetLine struct {
	funding.BudgetLine
	Remaining funding.Cents `json:"remaining_eur"`
}

func budgetLineOut(l funding.BudgetLine) apiBudgetLine {
	if l.Kind == "" {
		l.Kind = funding.BudgetCampaign
	}
	return apiBudgetLine{BudgetLine: l, Remaining: l.Remaining()}
}

// budgetTotals adds the lines up, to the cent.
type budgetTotals struct {
	Amount    funding.Cents
	Committed funding.Cents
	Remaining funding.Cents
}

func totalsOf(lines []funding.BudgetLine) budgetTotals {
	var t budgetTotals
	for _, l := range lines {
		t.Amount += l.Amount
		t.Committed += l.Committed
		t.Remaining += l.Remaining()
	}
	return t
}

func (s *Server) apiBudgetLines(w http.ResponseWriter, r *http.Request) error {
	lines, err := s.st.Budget.Lines(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiBudgetLine, 0, len(lines))
	for _, l := range lines {
		out = append(out, budgetLineOut(l))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateBudgetLine(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name   string             `json:"name"`
		Year   int                `json:"year"`
		Amount funding.Cents      `json:"amount_eur"`
		Kind   funding.BudgetKind `json:"kind"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.st.Budget.CreateLine(r.Context(), funding.BudgetLine{Name: strings.TrimSpace(in.Name), Year: in.Year, Amount: in.Amount, Kind: in.Kind}, s.now())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/budget-lines/"+strconv.FormatInt(l.ID, 10))
	return writeJSON(w, http.StatusCreated, budgetLineOut(l))
}

func (s *Server) apiCommitments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.st.Budget.Line(r.Context(), id); err != nil {
		return err
	}
	list, err := s.st.Budget.Commitments(r.Context(), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []funding.Commitment{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiCommit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Amount funding.Cents `json:"amount_eur"`
		Note   string        `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, _ := userFrom(r.Context())
	c, err := s.st.Budget.Commit(r.Context(), id, in.Amount, strings.TrimSpace(in.Note), u.ID, s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiReleaseCommitment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.Budget.Release(r.Context(), id, s.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Staff pages.

type budgetView struct {
	tpage
	Lines  []funding.BudgetLine
	Totals budgetTotals
	Form   map[string]string
	Errors map[string]string
}

func (s *Server) budgetView(r *http.Request) (budgetView, error) {
	v := budgetView{tpage: s.tpage(r, "training.budget.title")}
	var err error
	if v.Lines, err = s.st.Budget.Lines(r.Context()); err != nil {
		return v, err
	}
	v.Totals = totalsOf(v.Lines)
	return v, nil
}

func (s *Server) budgetPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.budgetView(r)
	if err != nil {
		return err
	}
	v.Form = map[string]string{"year": strconv.Itoa(s.now().Year()), "kind": string(funding.BudgetCampaign)}
	return s.render(w, r, "budget", v)
}

func (s *Server) createBudgetLineForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.budgetView(r)
	if err != nil {
		return err
	}
	v.Form = map[string]string{}
	for _, k := range []string{"name", "year", "amount", "kind"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	errs := map[string]string{}
	line := funding.BudgetLine{Name: v.Form["name"], Kind: funding.BudgetKind(v.Form["kind"])}
	line.Year, _ = strconv.Atoi(v.Form["year"])
	if line.Amount, err = funding.ParseCents(v.Form["amount"]); err != nil {
		e, _ := apperr.As(err)
		errs["amount"] = v.T(e.Key)
	}
	if len(errs) == 0 {
		_, err = s.st.Budget.CreateLine(r.Context(), line, s.now())
		switch fe, invalid := fieldErrors(v.L, err); {
		case invalid:
			for k, msg := range fe {
				if k == "amount_eur" {
					k = "amount"
				}
				errs[k] = msg
			}
		case err != nil && apperr.KindOf(err) == apperr.Conflict:
			e, _ := apperr.As(err)
			errs["name"] = message(v.L, e)
		case err != nil:
			return err
		default:
			s.sessions.Put(r.Context(), "flash", v.T("training.budget.line_saved"))
			http.Redirect(w, r, "/staff/budget", http.StatusSeeOther)
			return nil
		}
	}
	v.Errors = errs
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "budget", v)
}

type budgetLineView struct {
	tpage
	Line        funding.BudgetLine
	Commitments []funding.Commitment
	Form        map[string]string
	Errors      map[string]string
}

func (s *Server) budgetLineView(r *http.Request) (budgetLineView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return budgetLineView{}, err
	}
	v := budgetLineView{tpage: s.tpage(r, "training.budget.line_title"), Form: map[string]string{}}
	if v.Line, err = s.st.Budget.Line(r.Context(), id); err != nil {
		return v, err
	}
	v.Title = v.Line.Name
	v.Commitments, err = s.st.Budget.Commitments(r.Context(), id)
	return v, err
}

func (s *Server) budgetLinePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.budgetLineView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "budget_line", v)
}

// commitForm commits a partnership amount from the line's page.
func (s *Server) commitForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.budgetLineView(r)
	if err != nil {
		return err
	}
	v.Form = map[string]string{"amount": strings.TrimSpace(r.PostFormValue("amount")), "note": strings.TrimSpace(r.PostFormValue("note"))}
	amount, err := funding.ParseCents(v.Form["amount"])
	if err == nil {
		u, _ := userFrom(r.Context())
		_, err = s.st.Budget.Commit(r.Context(), v.Line.ID, amount, v.Form["note"], u.ID, s.now())
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Internal || e.Kind == apperr.NotFound {
			return err
		}
		msg := message(v.L, e)
		if fe, ok := fieldErrors(v.L, err); ok {
			for _, m := range fe {
				msg = m
			}
		}
		v.Errors = map[string]string{"amount": msg}
		return s.renderStatus(w, r, statusOf[e.Kind], "budget_line", v)
	}
	s.sessions.Put(r.Context(), "flash", v.T("training.budget.committed_flash"))
	http.Redirect(w, r, "/staff/budget/"+strconv.FormatInt(v.Line.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) releaseForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.budgetLineView(r)
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.PostFormValue("commitment"), 10, 64)
	if err != nil {
		return errNotFound
	}
	found := false
	for _, c := range v.Commitments {
		found = found || c.ID == cid
	}
	if !found {
		return errNotFound
	}
	if err := s.st.Budget.Release(r.Context(), cid, s.now()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", v.T("training.budget.released_flash"))
	http.Redirect(w, r, "/staff/budget/"+strconv.FormatInt(v.Line.ID, 10), http.StatusSeeOther)
	return nil
}
