package web

import (
	"errors"
	"net/http"
	"strings"

	"vitrine/internal/person"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// Staff sign in with a one-time link sent by mail: no password to forget or
// to leak. The link opens a page with a button, so a mail scanner that
// follows links does not spend it.

type signInView struct {
	Page
	Email  string
	Next   string
	Errors map[string]string
	Sent   bool
	Token  string
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Page: s.page(r, ""), Next: safeNext(r.URL.Query().Get("next"))}
	v.Title = v.T("signin.title")
	return s.render(w, r, "signin", v)
}

func (s *Server) signInRequest(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Page: s.page(r, ""), Email: person.NormalizeEmail(r.FormValue("email")), Next: safeNext(r.FormValue("next"))}
	v.Title = v.T("signin.title")
	if !person.ValidEmail(v.Email) {
		v.Errors = map[string]string{"email": v.T("error.email.invalid")}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "signin", v)
	}
	u, err := s.st.Users.ByEmail(r.Context(), v.Email)
	switch {
	case errors.Is(err, store.ErrUserNotFound) || err == nil && !u.DisabledAt.IsZero():
		// Say the same thing either way: the page must not tell who has an account.
	case err != nil:
		return err
	default:
		if err := s.sendSignInLink(r, u, v.Next); err != nil {
			return err
		}
	}
	v.Sent = true
	return s.render(w, r, "signin", v)
}

func (s *Server) sendSignInLink(r *http.Request, u staff.User, next string) error {
	plain, err := s.st.Users.NewLoginLink(r.Context(), u.ID, s.now())
	if err != nil {
		return err
	}
	link := s.absURL("/sign-in/" + plain)
	if next != "" {
		link += "?next=" + strings.ReplaceAll(next, "&", "%26")
	}
	return s.sendMail(r, "signin", s.localizer(r).Lang, u.Email, map[string]any{"Link": link, "Hours": int(staff.LoginLinkTTL.Hours())}, "user", u.ID)
}

func (s *Server) signInConfirm(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Page: s.page(r, ""), Token: r.PathValue("token"), Next: safeNext(r.URL.Query().Get("next"))}
	v.Title = v.T("signin.confirm_title")
	v.NoIndex = true
	return s.render(w, r, "signin_confirm", v)
}

func (s *Server) signInUse(w http.ResponseWriter, r *http.Request) error {
	u, err := s.st.Users.UseLoginLink(r.Context(), r.PathValue("token"), s.now())
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "flash", s.localizer(r).T("signin.welcome", "Email", u.Email))
	next := safeNext(r.FormValue("next"))
	if next == "" {
		next = "/staff"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// safeNext keeps only a local path, so a sign-in link cannot send people elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}

type staffHomeView struct {
	Page
	NewToken string
	Outbox   map[string]int
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) error {
	v := staffHomeView{Page: s.page(r, "")}
	v.Title = v.T("staff.title")
	if v.User.Can(staff.ReadOutbox) {
		counts, err := s.st.Outbox.Counts(r.Context())
		if err != nil {
			return err
		}
		v.Outbox = counts
	}
	return s.render(w, r, "staff", v)
}

// staffNewToken creates an API token and shows it once.
func (s *Server) staffNewToken(w http.ResponseWriter, r *http.Request) error {
	u, _ := userFrom(r.Context())
	label := person.CleanText(r.FormValue("label"))
	if len(label) > 100 {
		label = label[:100]
	}
	tok, err := s.st.Users.NewToken(r.Context(), u.ID, label, s.now())
	if err != nil {
		return err
	}
	v := staffHomeView{Page: s.page(r, ""), NewToken: tok}
	v.Title = v.T("staff.title")
	return s.render(w, r, "staff", v)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	u, _ := userFrom(r.Context())
	perms := u.Role.Permissions()
	out := map[string]any{"id": u.ID, "email": u.Email, "role": u.Role, "permissions": perms}
	if u.CommuneNIS != "" {
		out["commune_nis"] = u.CommuneNIS
	}
	if u.ProviderID != 0 {
		out["provider_id"] = u.ProviderID
	}
	return writeJSON(w, http.StatusOK, out)
}
