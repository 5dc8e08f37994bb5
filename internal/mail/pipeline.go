package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Pipelined returns a sender for bulk mail (invitation campaigns) through
// the same server and account as s. It renders the MIME message itself and,
// when the server offers PIPELINING (RFC 2920), writes each message's MAIL,
// RCPT and DATA commands in one go: a mail costs two round trips instead of
// the six of the general sender (NOOP, MAIL, RCPT, DATA, content, RSET),
// over one connection for the whole batch.
func (s *SMTP) Pipelined() Sender { return &pipelined{s: s} }

type pipelined struct{ s *SMTP }

// timeout bounds each exchange with the server.
const timeout = 30 * time.Second

var errConnLost = errors.New("connection lost")

// Send delivers msgs over one connection (see Sender).
func (p *pipelined) Send(ctx context.Context, msgs []Message, done func(i int, err error)) []error {
	errs := make([]error, len(msgs))
	if done == nil {
		done = func(int, error) {}
	}
	failRest := func(from int, err error) []error {
		for i := from; i < len(msgs); i++ {
			errs[i] = err
			done(i, err)
		}
		return errs
	}
	conn, c, pipelining, err := p.dial(ctx)
	if err != nil {
		return failRest(0, fmt.Errorf("%w: %v", ErrTemporary, err))
	}
	defer conn.Close()
	var buf bytes.Buffer
	for i, m := range msgs {
		if ctx.Err() != nil {
			return failRest(i, fmt.Errorf("%w: stopped", ErrTemporary))
		}
		conn.SetDeadline(time.Now().Add(timeout))
		err := p.one(c, pipelining, m, &buf)
		if errors.Is(err, errConnLost) {
			return failRest(i, fmt.Errorf("%w: %v", ErrTemporary, err))
		}
		errs[i] = err
		done(i, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	c.Quit()
	return errs
}

func (p *pipelined) dial(ctx context.Context) (net.Conn, *smtp.Client, bool, error) {
	s := p.s
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	d := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if s.tlsMode == "ssl" {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: s.host}}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, nil, false, err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, s.host)
	if err == nil {
		err = c.Hello("localhost")
	}
	if err == nil && s.tlsMode != "ssl" && s.tlsMode != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			err = c.StartTLS(&tls.Config{ServerName: s.host})
		} else if s.tlsMode == "mandatory" {
			err = errors.New("the server offers no STARTTLS")
		}
	}
	if err == nil && s.user != "" {
		if ok, mechs := c.Extension("AUTH"); ok {
			if slices.Contains(strings.Fields(mechs), "PLAIN") {
				err = c.Auth(smtp.PlainAuth("", s.user, s.password, s.host))
			} else {
				err = c.Auth(smtp.CRAMMD5Auth(s.user, s.password))
			}
		}
	}
	if err != nil {
		conn.Close()
		return nil, nil, false, err
	}
	pipelining, _ := c.Extension("PIPELINING")
	return conn, c, pipelining, nil
}

// one sends one message; an error wrapping errConnLost means the session
// cannot go on.
func (p *pipelined) one(c *smtp.Client, pipelining bool, m Message, buf *bytes.Buffer) error {
	if !plainAddr(m.To) {
		return fmt.Errorf("%w: bad address", ErrPermanent)
	}
	buf.Reset()
	p.render(buf, m)
	t := c.Text
	if pipelining {
		t.W.WriteString("MAIL FROM:<" + p.s.From + ">\r\nRCPT TO:<" + m.To + ">\r\nDATA\r\n")
		if err := t.W.Flush(); err != nil {
			return fmt.Errorf("%w: %v", errConnLost, err)
		}
		_, _, errMail := t.ReadResponse(250)
		_, _, errRcpt := t.ReadResponse(25)
		_, _, errData := t.ReadResponse(354)
		for _, err := range []error{errMail, errRcpt, errData} {
			if err != nil && !isReply(err) {
				return fmt.Errorf("%w: %v", errConnLost, err)
			}
		}
		if errMail != nil || errRcpt != nil || errData != nil {
			if errData == nil { // DATA accepted after all: end the message empty, then reset
				t.W.WriteString(".\r\n")
				t.W.Flush()
				t.ReadResponse(0)
			}
			if err := reset(t); err != nil {
				return fmt.Errorf("%w: %v", errConnLost, err)
			}
			return replyError(cmp(errMail, errRcpt, errData))
		}
	} else {
		for _, step := range []func() error{
			func() error { return c.Mail(p.s.From) },
			func() error { return c.Rcpt(m.To) },
		} {
			if err := step(); err != nil {
				if !isReply(err) {
					return fmt.Errorf("%w: %v", errConnLost, err)
				}
				if rerr := reset(t); rerr != nil {
					return fmt.Errorf("%w: %v", errConnLost, rerr)
				}
				return replyError(err)
			}
		}
		id, err := t.Cmd("DATA")
		if err == nil {
			t.StartResponse(id)
			_, _, err = t.ReadResponse(354)
			t.EndResponse(id)
		}
		if err != nil {
			if !isReply(err) {
				return fmt.Errorf("%w: %v", errConnLost, err)
			}
			reset(t)
			return replyError(err)
		}
	}
	w := t.DotWriter()
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("%w: %v", errConnLost, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%w: %v", errConnLost, err)
	}
	if _, _, err := t.ReadResponse(250); err != nil {
		if !isReply(err) {
			return fmt.Errorf("%w: %v", errConnLost, err)
		}
		return replyError(err)
	}
	return nil
}

func cmp(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func reset(t *textproto.Conn) error {
	if err := t.PrintfLine("RSET"); err != nil {
		return err
	}
	_, _, err := t.ReadResponse(250)
	return err
}

func isReply(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te)
}

// replyError classifies a server's refusal: 5xx is for good (a hard
// bounce), anything else may pass later.
func replyError(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return fmt.Errorf("%w: %d %s", ErrPermanent, te.Code, te.Msg)
	}
	return fmt.Errorf("%w: %v", ErrTemporary, err)
}

// plainAddr accepts an address that can go into an SMTP command as is.
func plainAddr(a string) bool {
	return a != "" && len(a) <= 254 && strings.Count(a, "@") == 1 && !strings.ContainsAny(a, "<>\r\n \t,;\"")
}

// render writes m as a MIME message: text (and HTML, as an alternative)
// in quoted-printable UTF-8.
func (p *pipelined) render(buf *bytes.Buffer, m Message) {
	h := func(k, v string) {
		buf.WriteString(k)
		buf.WriteString(": ")
		buf.WriteString(strings.NewReplacer("\r", "", "\n", "").Replace(v))
		buf.WriteString("\r\n")
	}
	h("Date", time.Now().Format(time.RFC1123Z))
	h("From", (&netmail.Address{Name: p.s.FromName, Address: p.s.From}).String())
	h("To", "<"+m.To+">")
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Message-ID", "<"+m.MessageID+">")
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h(k, m.Headers[k])
	}
	h("MIME-Version", "1.0")
	if strings.TrimSpace(m.HTML) == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		qp(buf, m.Text)
		return
	}
	b := make([]byte, 12)
	rand.Read(b)
	boundary := "vitrine-" + hex.EncodeToString(b)
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	buf.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		buf.WriteString("--" + boundary + "\r\n")
		h("Content-Type", part.typ+"; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		qp(buf, part.body)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
}

func qp(w io.Writer, s string) {
	q := quotedprintable.NewWriter(w)
	io.WriteString(q, s)
	q.Close()
}
