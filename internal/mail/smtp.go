package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers messages. The SMTP sender is the real one; tests use a
// real SMTP server in process.
type Sender interface {
	// Send delivers msgs over one connection and returns one error per
	// message (nil when accepted). done, when not nil, is called for each
	// accepted message as soon as the server accepts it, and for each failed
	// one before Send returns.
	Send(ctx context.Context, msgs []Message, done func(i int, err error)) []error
}

// Failure classes, so the worker knows whether to retry.
var (
	ErrTemporary = errors.New("temporary delivery failure") // 4xx, connection trouble: retry later
	ErrPermanent = errors.New("permanent delivery failure") // 5xx: do not retry (a hard bounce)
)

// SMTP sends through an SMTP server named by a URL:
// smtp://user:password@host:port (STARTTLS when offered),
// smtp+tls://… (STARTTLS required), smtps://… (TLS from the start).
type SMTP struct {
	From     string
	FromName string
	opts     []gomail.Option
	host     string

	// The same settings, for the pipelining sender (pipeline.go).
	port     int
	tlsMode  string // "opportunistic", "mandatory", "ssl", "none"
	user     string
	password string
}

// NewSMTP reads an SMTP URL.
func NewSMTP(rawURL, from, fromName string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("VITRINE_SMTP_URL is not a URL like smtp://user:password@host:587")
	}
	s := &SMTP{From: from, FromName: fromName, host: u.Hostname()}
	port := 25
	policy := gomail.TLSOpportunistic
	switch u.Scheme {
	case "smtp":
	case "smtp+tls":
		policy, port = gomail.TLSMandatory, 587
	case "smtps":
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("unknown SMTP scheme %q (smtp, smtp+tls or smtps)", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("bad SMTP port %q", p)
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(30*time.Second))
	s.port = port
	switch {
	case u.Scheme == "smtps":
		s.tlsMode = "ssl"
	case policy == gomail.TLSMandatory:
		s.tlsMode = "mandatory"
	default:
		s.tlsMode = "opportunistic"
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
		s.user, s.password = u.User.Username(), pw
	}
	if u.Query().Get("insecure") == "1" {
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if s.tlsMode != "ssl" {
			s.tlsMode = "none"
		}
	}
	return s, nil
}

// Send delivers msgs over one connection.
func (s *SMTP) Send(ctx context.Context, msgs []Message, done func(i int, err error)) []error {
	errs := make([]error, len(msgs))
	if done == nil {
		done = func(int, error) {}
	}
	defer func() {
		for i := range errs {
			if errs[i] != nil {
				done(i, errs[i])
			}
		}
	}()
	built := make([]*gomail.Msg, 0, len(msgs))
	index := make([]int, 0, len(msgs))
	for i, m := range msgs {
		gm, err := s.build(m)
		if err != nil {
			errs[i] = fmt.Errorf("%w: %v", ErrPermanent, err)
			continue
		}
		built = append(built, gm)
		index = append(index, i)
	}
	if len(built) == 0 {
		return errs
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fill(errs, index, fmt.Errorf("%w: %v", ErrTemporary, err))
	}
	if err := c.DialWithContext(ctx); err != nil {
		return fill(errs, index, fmt.Errorf("%w: %v", ErrTemporary, err))
	}
	defer c.Close()
	for k, gm := range built {
		if err := c.Send(gm); err == nil {
			done(index[k], nil)
		} else {
			errs[index[k]] = classify(err)
			// A failed transaction leaves the session in an unknown state.
			if c.Reset() != nil {
				return fill(errs, index[k+1:], fmt.Errorf("%w: connection lost", ErrTemporary))
			}
		}
	}
	return errs
}

func fill(errs []error, index []int, err error) []error {
	for _, i := range index {
		errs[i] = err
	}
	return errs
}

func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if se.IsTemp() {
			return fmt.Errorf("%w: %v", ErrTemporary, err)
		}
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
	}
	return fmt.Errorf("%w: %v", ErrTemporary, err)
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	gm := gomail.NewMsg()
	if err := gm.FromFormat(s.FromName, s.From); err != nil {
		return nil, err
	}
	if err := gm.To(m.To); err != nil {
		return nil, err
	}
	gm.Subject(m.Subject)
	gm.SetMessageIDWithValue(m.MessageID)
	gm.SetDate()
	for k, v := range m.Headers {
		gm.SetGenHeader(gomail.Header(k), v)
	}
	gm.SetBodyString(gomail.TypeTextPlain, m.Text)
	if strings.TrimSpace(m.HTML) != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return gm, nil
}
