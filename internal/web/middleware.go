package web

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/httprate"

	"vitrine/internal/apperr"
	"vitrine/internal/staff"
	"vitrine/internal/store"
)

// handler is a handler that returns its error to one adapter.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handler: the body is limited, and an error goes to fail.
func (s *Server) serve(h handler) http.Handler {
	return s.serveLimit(s.cfg.MaxBodyBytes, h)
}

func (s *Server) serveLimit(limit int64, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		// Read a form body here, so a body over the limit is a 413 and not
		// an empty form.
		if ct := r.Header.Get("Content-Type"); (r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH") &&
			(strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")) {
			var err error
			if strings.HasPrefix(ct, "multipart/") {
				err = r.ParseMultipartForm(limit)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					s.fail(w, r, errTooLarge)
				} else {
					s.fail(w, r, errBadForm.Wrap(err))
				}
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// staffPage serves a page for signed-in staff with permission perm; others
// are sent to the sign-in page.
func (s *Server) staffPage(perm staff.Permission, h handler) http.Handler {
	return s.staffPageLimit(perm, s.cfg.MaxBodyBytes, h)
}

// staffPageLimit is staffPage with a body limit of its own (uploads).
func (s *Server) staffPageLimit(perm staff.Permission, limit int64, h handler) http.Handler {
	return s.serveLimit(limit, func(w http.ResponseWriter, r *http.Request) error {
		u, ok := userFrom(r.Context())
		if !ok {
			http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		if !u.Can(perm) {
			return errForbidden
		}
		return h(w, r)
	})
}

// staffAPI serves an API endpoint for a bearer token whose account has perm.
func (s *Server) staffAPI(perm staff.Permission, h handler) http.Handler {
	return s.staffAPILimit(perm, s.cfg.MaxBodyBytes, h)
}

// staffAPILimit is staffAPI with a body limit of its own (uploads).
func (s *Server) staffAPILimit(perm staff.Permission, limit int64, h handler) http.Handler {
	return s.serveLimit(limit, func(w http.ResponseWriter, r *http.Request) error {
		u, ok := userFrom(r.Context())
		if !ok {
			return errUnauthorized
		}
		if !u.Can(perm) {
			return errForbidden
		}
		return h(w, r)
	})
}

// authenticate puts the account on the request: from a bearer token on the
// API, from the browser session elsewhere. A wrong token is a 401 at once.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) {
			if h := r.Header.Get("Authorization"); h != "" {
				tok, ok := strings.CutPrefix(h, "Bearer ")
				if !ok {
					s.fail(w, r, errUnauthorized)
					return
				}
				u, err := s.st.Users.ByToken(r.Context(), strings.TrimSpace(tok), s.now())
				if err != nil {
					s.fail(w, r, err)
					return
				}
				r = r.WithContext(withUser(r.Context(), u))
			}
			next.ServeHTTP(w, r)
			return
		}
		if !hasSession(r.Context()) {
			next.ServeHTTP(w, r)
			return
		}
		if id := s.sessions.GetInt64(r.Context(), "user_id"); id != 0 {
			u, err := s.st.Users.Get(r.Context(), id)
			switch {
			case err == nil && u.DisabledAt.IsZero():
				r = r.WithContext(withUser(r.Context(), u))
			case err == nil || errors.Is(err, store.ErrUserNotFound):
				s.sessions.Destroy(r.Context())
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// webSessions loads the browser session, except on the API and static
// files, which never use one.
func (s *Server) webSessions(next http.Handler) http.Handler {
	withSession := s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keySession, true)))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !usesSession(r) {
			next.ServeHTTP(w, r)
			return
		}
		withSession.ServeHTTP(w, r)
	})
}

// language remembers an explicit ?lang= choice in a cookie and puts the
// request's localizer in its context.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := langOf(r)
		if q := r.URL.Query().Get("lang"); q == lang && !isAPI(r) {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure()})
		}
		w.Header().Add("Vary", "Accept-Language")
		ctx := r.Context()
		r = r.WithContext(contextWithLang(ctx, s.cat.For(lang)))
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	img := "'self' data:"
	if s.cfg.TileURL != "" {
		if u, err := url.Parse(strings.ReplaceAll(s.cfg.TileURL, "{s}", "a")); err == nil && u.Host != "" {
			host := u.Scheme + "://" + u.Host
			if strings.Contains(s.cfg.TileURL, "{s}") {
				host = u.Scheme + "://*." + strings.SplitN(u.Host, ".", 2)[1]
			}
			img += " " + host
		}
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	hsts := s.secure()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimit limits the public API and the public forms (a post without a
// signed-in account) per client address.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.cfg.RateLimit <= 0 {
		return next
	}
	limited := httprate.LimitBy(s.cfg.RateLimit, time.Minute, func(r *http.Request) (string, error) {
		return httprate.CanonicalizeIP(s.clientIP(r)), nil
	}, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errRateLimited)
	}))(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) || r.Method == http.MethodPost {
			if _, staffCall := userFrom(r.Context()); !staffCall {
				limited.ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the peer address, or behind a trusted load balancer the last
// address it added to X-Forwarded-For.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recoverer turns a panic into a logged 500.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
				s.fail(w, r, apperr.Errorf(apperr.Internal, "internal", "error.internal", nil))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// observe logs each request (route pattern, never the path: paths carry
// private tokens) and counts it in the metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		holder := new(string)
		r = r.WithContext(context.WithValue(r.Context(), keyRoute, holder))
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := *holder
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(r.Method, route, sw.status, d)
		if r.URL.Path == "/metrics" || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		s.log.LogAttrs(r.Context(), levelFor(sw.status), "request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("duration", d))
	})
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// recordRoute runs the router and notes the matched pattern for observe.
func recordRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if h, ok := r.Context().Value(keyRoute).(*string); ok {
			*h = r.Pattern
		}
	})
}

// usesSession reports whether a request carries a browser session: not the
// API, static files or the operations endpoints.
func usesSession(r *http.Request) bool {
	p := r.URL.Path
	return !isAPI(r) && !strings.HasPrefix(p, "/static/") && p != "/healthz" && p != "/metrics"
}

// hasSession reports whether the browser session was loaded for this request.
func hasSession(ctx context.Context) bool {
	ok, _ := ctx.Value(keySession).(bool)
	return ok
}
