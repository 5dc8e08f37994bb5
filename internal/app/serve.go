package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"vitrine/internal/config"
	"vitrine/internal/i18n"
	"vitrine/internal/jobs"
	"vitrine/internal/mail"
	"vitrine/internal/store"
	"vitrine/internal/web"
)

func cmdServe(ctx context.Context, env Env, cfg config.Config, args []string) error {
	var demo bool
	f := newFlags(env, "serve", `Usage: vitrine serve [--addr ADDR] [--db DSN] [--demo]

Runs the web app and its background workers. Applies pending migrations first.

Mail (see README for every setting):
  VITRINE_SMTP_URL         smtp://user:pass@host:587; none keeps mail in the outbox
                           (invitation campaigns then wait, pending)
  VITRINE_MAIL_RATE        mails a second per instance, default 10; 0 lifts the limit
  VITRINE_MAIL_HOURLY_CAP  invitation mails an hour over all instances, default 0 (none)

`)
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (env VITRINE_ADDR)")
	f.dbFlag(&cfg)
	f.BoolVar(&demo, "demo", false, "load the demo campaign into an empty database first")
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no argument")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, errors.Unwrap(err))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	return Serve(ctx, cfg, ln, demo, env.Stderr)
}

// Serve runs Vitrine on ln until ctx ends, then shuts down gracefully: it
// stops accepting, lets requests finish, stops the workers and closes the
// database. Tests start the real program through it.
func Serve(ctx context.Context, cfg config.Config, ln net.Listener, demo bool, logw io.Writer) error {
	log := newLogger(cfg, logw)
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.DB.Close()
	if demo {
		if err := startDemo(ctx, st, cfg, log); err != nil {
			ln.Close()
			return err
		}
	}
	cat, err := i18n.Load()
	if err != nil {
		ln.Close()
		return err
	}
	composer, err := mail.NewComposer(cat, cfg.PublicURL())
	if err != nil {
		ln.Close()
		return err
	}
	composer.UnsubscribeMail = cfg.MailFrom
	var sender, bulk mail.Sender
	if cfg.SMTPURL != "" {
		smtp, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom, cfg.MailFromName)
		if err != nil {
			ln.Close()
			return err
		}
		sender, bulk = smtp, smtp.Pipelined()
	} else {
		log.Info("no VITRINE_SMTP_URL: mails stay in the outbox, readable by staff")
	}
	runner := jobs.New(st, sender, log)
	runner.MailRate = cfg.MailRate
	if cfg.Lease > 0 {
		runner.Lease = cfg.Lease
	}
	runner.RegisterHandlers()
	var inviter *jobs.Inviter
	kickInvites := func() {}
	if sender != nil {
		inviter = jobs.NewInviter(st, bulk, composer, log)
		inviter.Rate, inviter.HourlyCap = cfg.MailRate, cfg.MailHourlyCap
		if cfg.Lease > 0 {
			inviter.Lease = cfg.Lease
		}
		kickInvites = inviter.Kick
	}
	srv, err := web.New(web.Config{
		BaseURL: cfg.PublicURL(), RateLimit: cfg.RateLimit, TrustProxy: cfg.TrustProxy,
		TileURL: cfg.TileURL, Version: Version, Demo: demo, MailOff: sender == nil,
	}, st, cat, log, web.WithMailer(web.Mailer{Composer: composer, Kick: runner.Kick, KickInvitations: kickInvites}))
	if err != nil {
		ln.Close()
		return err
	}
	srv.Metrics().Register(runner.Collectors()...)
	if inviter != nil {
		srv.Metrics().Register(inviter.Collectors()...)
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if cfg.Workers {
		wg.Add(2)
		go func() { defer wg.Done(); runner.Run(workCtx) }()
		go func() { defer wg.Done(); srv.Background(workCtx) }()
		if inviter != nil {
			wg.Add(1)
			go func() { defer wg.Done(); inviter.Run(workCtx) }()
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("listening", "url", "http://"+ln.Addr().String(), "db", string(st.DB.Engine), "version", Version)

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = hs.Shutdown(sctx)
		cancel()
	}
	stopWork()
	wg.Wait()
	srv.WaitImports() // a contacts import started from a page finishes before the database closes
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// startDemo loads the demo campaign once and prints fresh sign-in links for
// its staff accounts, so a newcomer can look around at once.
func startDemo(ctx context.Context, st *store.Store, cfg config.Config, log *slog.Logger) error {
	now := time.Now()
	loaded, err := loadDemo(ctx, st, now)
	if err != nil {
		return err
	}
	if loaded {
		log.Info("demo campaign loaded")
	}
	users, err := st.Users.List(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !isDemoAccount(u.Email) {
			continue
		}
		link, err := st.Users.NewLoginLink(ctx, u.ID, now)
		if err != nil {
			return err
		}
		log.Info("demo sign-in link", "role", string(u.Role), "email", u.Email, "link", cfg.PublicURL()+"/sign-in/"+link)
	}
	return nil
}

func isDemoAccount(email string) bool {
	switch email {
	case "admin@example.org", "consultant@example.org", "federation@example.org", "formation@example.org", "commune@example.org":
		return true
	}
	return false
}
