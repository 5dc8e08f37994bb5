package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/i18n"
)

// The single place where errors become responses. Internal text never
// reaches a user: an error without a kind is logged and answered with a
// plain "something went wrong".

var statusOf = map[apperr.Kind]int{
	apperr.Internal:     http.StatusInternalServerError,
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.Gone:         http.StatusGone,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.RateLimited:  http.StatusTooManyRequests,
}

// Errors the web layer itself raises.
var (
	errNotFound     = apperr.New(apperr.NotFound, "not_found", "error.not_found")
	errBadJSON      = apperr.New(apperr.Invalid, "bad_json", "error.bad_json")
	errTooLarge     = apperr.New(apperr.TooLarge, "too_large", "error.too_large")
	errUnauthorized = apperr.New(apperr.Unauthorized, "unauthorized", "error.auth.required")
	errForbidden    = apperr.New(apperr.Forbidden, "forbidden", "error.auth.forbidden")
	errRateLimited  = apperr.New(apperr.RateLimited, "rate_limited", "error.rate_limited")
	errMethod       = apperr.New(apperr.Invalid, "method_not_allowed", "error.method_not_allowed")
	errBadForm      = apperr.New(apperr.Invalid, "bad_form", "error.bad_form")
)

// classify turns any error into an *apperr.Error and a status.
func (s *Server) classify(r *http.Request, err error) (*apperr.Error, int) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = errTooLarge.Wrap(err)
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		s.log.Error("request failed", "route", r.Pattern, "method", r.Method, "err", err)
		return &apperr.Error{Kind: apperr.Internal, Code: "internal", Key: "error.internal"}, http.StatusInternalServerError
	}
	status := statusOf[e.Kind]
	if e.Code == "bad_json" {
		status = http.StatusBadRequest
	}
	return e, status
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code,omitempty"`
	Errors []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// fail answers an error: problem+json on the API, an HTML page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, status := s.classify(r, err)
	l := s.localizer(r)
	if isAPI(r) {
		writeProblem(w, l, e, status)
		return
	}
	s.renderStatus(w, r, status, "error", errorView{Page: s.page(r, l.T("error.title."+e.Kind.String())), Status: status, Message: message(l, e)})
}

func writeProblem(w http.ResponseWriter, l *i18n.Localizer, e *apperr.Error, status int) {
	p := problem{
		Type:   "about:blank",
		Title:  l.T("error.title." + e.Kind.String()),
		Status: status,
		Detail: message(l, e),
		Code:   e.Code,
	}
	if e.Code != "" && e.Kind != apperr.Internal {
		p.Type = "/problems/" + e.Code
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, problemField{Field: f.Field, Message: l.T(f.Key, localArgs(l, f.Args))})
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vitrine"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// message is the plain-language explanation of an error.
func message(l *i18n.Localizer, e *apperr.Error) string {
	if e.Key == "" {
		return l.T("error.internal")
	}
	return l.T(e.Key, localArgs(l, e.Args))
}

// localArgs writes the amounts among a message's arguments in the reader's
// language ("1 234,50 €"), so an error can carry exact cents.
func localArgs(l *i18n.Localizer, args map[string]any) map[string]any {
	var out map[string]any
	for k, v := range args {
		if c, ok := v.(funding.Cents); ok {
			if out == nil {
				out = make(map[string]any, len(args))
				for k2, v2 := range args {
					out[k2] = v2
				}
			}
			out[k] = l.Money(int64(c))
		}
	}
	if out == nil {
		return args
	}
	return out
}

// fieldErrors maps each field to its translated message, for forms.
func fieldErrors(l *i18n.Localizer, err error) (map[string]string, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
		return nil, false
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		if _, dup := out[f.Field]; !dup {
			out[f.Field] = l.T(f.Key, localArgs(l, f.Args))
		}
	}
	return out, true
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

type errorView struct {
	Page
	Status  int
	Message string
}
