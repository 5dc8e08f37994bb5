// Package mailtest runs a real SMTP server in process for tests: it accepts
// mail on 127.0.0.1 and keeps what it received, parsed, for assertions. It
// can also refuse mail (temporarily or for good) to test retries and bounces.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one received message.
type Mail struct {
	From      string
	To        []string
	MessageID string
	Subject   string
	Header    mail.Header
	Text      string // the text/plain part, decoded
	HTML      string // the text/html part, decoded
	Raw       []byte
}

// Server is an SMTP server that records what it receives.
type Server struct {
	Addr string // host:port
	srv  *smtp.Server

	mu      sync.Mutex
	mails   []Mail
	refuse  func(to string) error // nil accepts everything
	arrived chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 50
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// URL is the SMTP URL to give Vitrine.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?insecure=1" }

// Refuse makes the server answer RCPT with err for the recipients f returns
// an error for (use *smtp.SMTPError with a 4xx or 5xx code).
func (s *Server) Refuse(f func(to string) error) {
	s.mu.Lock()
	s.refuse = f
	s.mu.Unlock()
}

// Temporary and Permanent are refusals for Refuse.
var (
	Temporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	Permanent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
)

// Mails returns a copy of what was received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// To returns the mails received for an address.
func (s *Server) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Mails() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// Wait waits until at least n mails arrived or the timeout passes, and
// returns what arrived.
func (s *Server) Wait(n int, timeout time.Duration) []Mail {
	deadline := time.Now().Add(timeout)
	for {
		got := s.Mails()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		select {
		case <-s.arrived:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refuse := x.s.refuse
	x.s.mu.Unlock()
	if refuse != nil {
		if err := refuse(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message: " + err.Error()}
	}
	m.From, m.To = x.from, append([]string(nil), x.to...)
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, m)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// Parse reads a raw message: headers, and the text and HTML parts.
func Parse(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	m := Mail{Raw: raw, Header: msg.Header, Subject: subject,
		MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>")}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walk(contentType, encoding string, body io.Reader, m *Mail) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	b, err := decode(encoding, body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

func decode(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		return io.ReadAll(newQP(r))
	case "base64":
		return io.ReadAll(newB64(r))
	}
	return io.ReadAll(r)
}
