// Package config builds Vitrine's configuration from the environment
// (VITRINE_*) and the command line. One struct, built in main, passed down.
package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	Addr          string        // VITRINE_ADDR: where serve listens
	DB            string        // VITRINE_DB: sqlite:PATH or postgres://…
	BaseURL       string        // VITRINE_BASE_URL: public address for links in mails
	SMTPURL       string        // VITRINE_SMTP_URL: smtp://user:pass@host:port; empty keeps mail in the outbox
	MailFrom      string        // VITRINE_MAIL_FROM
	MailFromName  string        // VITRINE_MAIL_FROM_NAME
	MailRate      float64       // VITRINE_MAIL_RATE: mails a second (0: no limit)
	MailHourlyCap int           // VITRINE_MAIL_HOURLY_CAP: mails an hour at most (0: no cap)
	RateLimit     int           // VITRINE_RATE_LIMIT: public API requests a minute per client (0: off)
	TrustProxy    bool          // VITRINE_TRUST_PROXY: behind a load balancer that sets X-Forwarded-For
	TileURL       string        // VITRINE_TILE_URL: map tiles ("" shows lists only)
	LogFormat     string        // VITRINE_LOG_FORMAT: json or text
	LogLevel      string        // VITRINE_LOG_LEVEL: debug, info, warn, error
	Workers       bool          // VITRINE_WORKERS: run background workers in this instance (default true)
	Lease         time.Duration // VITRINE_LEASE: how long a claimed mail or job stays reserved for its worker (default 2m)
}

// Defaults as in the contract.
const (
	DefaultAddr = "127.0.0.1:8080"
	DefaultDB   = "sqlite:vitrine.db"
)

// FromEnv reads the environment.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:         or(getenv("VITRINE_ADDR"), DefaultAddr),
		DB:           or(getenv("VITRINE_DB"), DefaultDB),
		BaseURL:      strings.TrimRight(getenv("VITRINE_BASE_URL"), "/"),
		SMTPURL:      getenv("VITRINE_SMTP_URL"),
		MailFrom:     or(getenv("VITRINE_MAIL_FROM"), "commerce-connecte@example.org"),
		MailFromName: or(getenv("VITRINE_MAIL_FROM_NAME"), "Commerce connecté"),
		TileURL:      getenv("VITRINE_TILE_URL"),
		LogFormat:    or(getenv("VITRINE_LOG_FORMAT"), "json"),
		LogLevel:     or(getenv("VITRINE_LOG_LEVEL"), "info"),
		MailRate:     10,
		RateLimit:    600,
		Workers:      true,
		Lease:        2 * time.Minute,
	}
	var err error
	if v := getenv("VITRINE_MAIL_RATE"); v != "" {
		if c.MailRate, err = strconv.ParseFloat(v, 64); err != nil || c.MailRate < 0 {
			return c, fmt.Errorf("VITRINE_MAIL_RATE must be a number of mails a second (0 for no limit), not %q", v)
		}
	}
	if v := getenv("VITRINE_MAIL_HOURLY_CAP"); v != "" {
		if c.MailHourlyCap, err = strconv.Atoi(v); err != nil || c.MailHourlyCap < 0 {
			return c, fmt.Errorf("VITRINE_MAIL_HOURLY_CAP must be a whole number, not %q", v)
		}
	}
	if v := getenv("VITRINE_RATE_LIMIT"); v != "" {
		if c.RateLimit, err = strconv.Atoi(v); err != nil || c.RateLimit < 0 {
			return c, fmt.Errorf("VITRINE_RATE_LIMIT must be a whole number of requests a minute (0 to turn it off), not %q", v)
		}
	}
	if v := getenv("VITRINE_TRUST_PROXY"); v != "" {
		if c.TrustProxy, err = strconv.ParseBool(v); err != nil {
			return c, fmt.Errorf("VITRINE_TRUST_PROXY must be true or false, not %q", v)
		}
	}
	if v := getenv("VITRINE_WORKERS"); v != "" {
		if c.Workers, err = strconv.ParseBool(v); err != nil {
			return c, fmt.Errorf("VITRINE_WORKERS must be true or false, not %q", v)
		}
	}
	if v := getenv("VITRINE_LEASE"); v != "" {
		if c.Lease, err = time.ParseDuration(v); err != nil || c.Lease < time.Second {
			return c, fmt.Errorf("VITRINE_LEASE must be a duration of a second or more, like 2m, not %q", v)
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return c, fmt.Errorf("VITRINE_LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	return c, nil
}

// PublicURL is the base URL, or one derived from the listening address.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return "http://" + c.Addr
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
