package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"vitrine/internal/i18n"
	"vitrine/internal/staff"
)

type ctxKey int

const (
	keyUser ctxKey = iota
	keyLang
	keyRoute
	keySession
)

func contextWithLang(ctx context.Context, l *i18n.Localizer) context.Context {
	return context.WithValue(ctx, keyLang, l)
}

func withUser(ctx context.Context, u staff.User) context.Context {
	return context.WithValue(ctx, keyUser, u)
}

func userFrom(ctx context.Context) (staff.User, bool) {
	u, ok := ctx.Value(keyUser).(staff.User)
	return u, ok
}

// localizer returns the request's language: ?lang=, then the lang cookie,
// then Accept-Language, then French.
func (s *Server) localizer(r *http.Request) *i18n.Localizer {
	if l, ok := r.Context().Value(keyLang).(*i18n.Localizer); ok {
		return l
	}
	return s.cat.For(langOf(r))
}

func langOf(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); i18n.Supported(l) {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

func errAs(err error, target any) bool { return errors.As(err, target) }

// jsonReason explains a JSON decoding error without internal detail.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
		}
		return "wrong type of value"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return "not valid JSON"
}
