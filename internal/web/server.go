// Package web is Vitrine's thin HTTP layer: routes, pages, the JSON API, and
// the one place where errors become responses. Handlers decode input, call
// the domain and the store, and render; they hold no business rules.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"

	"vitrine/internal/diagnostic"
	"vitrine/internal/i18n"
	"vitrine/internal/mail"
	"vitrine/internal/store"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	BaseURL       string // public address, for links in mails and calendar files
	RateLimit     int    // requests per minute per client on the public API; 0 turns it off
	TrustProxy    bool   // take the client address from X-Forwarded-For (behind a load balancer)
	MaxBodyBytes  int64  // largest request body on ordinary routes
	MaxUploadSize int64  // largest CSV upload
	// ImportInline is the largest contacts file the import page reads within
	// the request; a larger one runs in the background and the page shows
	// its progress.
	ImportInline int64
	TileURL      string // map tile server template; "" hides map tiles
	Version      string
	Demo         bool // the demo campaign is loaded: say so on the pages
	// MailOff says no SMTP server is set: mails wait, readable in the
	// outbox, and campaigns wait to be sent; the campaign pages say so.
	MailOff bool
}

func (c *Config) defaults() {
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxUploadSize == 0 {
		c.MaxUploadSize = 64 << 20
	}
	if c.ImportInline == 0 {
		c.ImportInline = 2 << 20
	}
}

// Server serves Vitrine's pages and API.
type Server struct {
	cfg      Config
	st       *store.Store
	cat      *i18n.Catalog
	log      *slog.Logger
	tmpl     *templates
	assets   *assets
	sessions *scs.SessionManager
	metrics  *metrics
	mailer   Mailer
	now      func() time.Time
	handler  http.Handler
	imports  importTracker // contacts imports running in the background
}

// Option changes a Server at construction.
type Option func(*Server)

// WithClock replaces the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New builds the server and its routes.
func New(cfg Config, st *store.Store, cat *i18n.Catalog, log *slog.Logger, opts ...Option) (*Server, error) {
	cfg.defaults()
	s := &Server{cfg: cfg, st: st, cat: cat, log: log, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var err error
	if s.mailer.Composer == nil {
		if s.mailer.Composer, err = mail.NewComposer(cat, cfg.BaseURL); err != nil {
			return nil, err
		}
	}
	st.Registrations.SetMailer(s.mailer.Composer)
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.assets); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(st.DB)
	s.metrics.Register(st.Registrations.Collectors()...)
	s.metrics.Register(st.Diagnostics.Collectors()...)
	s.sessions = scs.New()
	s.sessions.Store = st.WebSessions
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = 2 * time.Hour
	s.sessions.Cookie.Name = "vitrine_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = s.secure()
	s.sessions.Cookie.Persist = false
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }
	s.handler = s.routes()
	return s, nil
}

func (s *Server) secure() bool {
	u, err := url.Parse(s.cfg.BaseURL)
	return err == nil && u.Scheme == "https"
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Background runs the web layer's housekeeping until ctx ends: expired
// browser sessions and diagnostic drafts left too long are deleted every
// hour.
func (s *Server) Background(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := s.st.WebSessions.DeleteExpired(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("delete expired sessions", "err", err)
		}
		if _, err := s.st.Diagnostics.DeleteStaleDrafts(ctx, s.now().Add(-diagnostic.DraftLifetime)); err != nil && ctx.Err() == nil {
			s.log.Warn("delete stale diagnostic drafts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// absURL returns the public address of a path.
func (s *Server) absURL(path string) string { return s.cfg.BaseURL + path }
