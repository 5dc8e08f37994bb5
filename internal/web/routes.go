package web

import (
	"net/http"

	"vitrine/internal/staff"
)

// routes lists every route of the program, in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /static/{hash}/{file...}", s.assets.serve)

	// Public pages.
	mux.Handle("GET /{$}", s.serve(s.home))
	mux.Handle("GET /communes", s.serve(s.communesPage))
	mux.Handle("GET /privacy", s.serve(s.privacyPage))
	mux.Handle("GET /accessibility", s.serve(s.accessibilityPage))

	// Staff sign-in.
	mux.Handle("GET /sign-in", s.serve(s.signInForm))
	mux.Handle("POST /sign-in", s.serve(s.signInRequest))
	mux.Handle("GET /sign-in/{token}", s.serve(s.signInConfirm))
	mux.Handle("POST /sign-in/{token}", s.serve(s.signInUse))
	mux.Handle("POST /sign-out", s.serve(s.signOut))

	// Staff pages.
	mux.Handle("GET /staff", s.staffPage(staff.UseStaffPages, s.staffHome))
	mux.Handle("POST /staff/tokens", s.staffPage(staff.UseStaffPages, s.staffNewToken))

	// Public API.
	mux.Handle("GET /api/v1/communes", s.serve(s.apiCommunes))

	// Staff API.
	mux.Handle("GET /api/v1/me", s.staffAPI(staff.UseStaffPages, s.apiMe))

	// Everything else.
	mux.Handle("/api/", s.serve(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	mux.Handle("/", s.serve(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errForbidden) }))

	var h http.Handler = recordRoute(mux)
	h = s.rateLimit(h)
	h = s.authenticate(h)
	h = s.webSessions(h)
	h = s.language(h)
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.recoverer(h)
	h = s.observe(h)
	return h
}
