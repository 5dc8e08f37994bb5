package mail

import (
	"bufio"
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
	ahead := false // the commands of msgs[i] went out with the previous message
	for i, m := range msgs {
		if ctx.Err() != nil {
			// (Closing without QUIT: commands sent ahead are dropped with the connection.)
			return failRest(i, fmt.Errorf("%w: stopped", ErrTemporary))
		}
		conn.SetDeadline(time.Now().Add(timeout))
		var next *Message
		if pipelining && i+1 < len(msgs) && plainAddr(msgs[i+1].To) {
			next = &msgs[i+1]
		}
		var err error
		ahead, err = p.one(c, pipelining, m, ahead, next, &buf)
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
// cannot go on. With pipelining, the commands of the message may have gone
// out already (ahead), and those of next go out with this message's content
// (RFC 2920 lets the content start a group): one round trip a message.
// It reports whether next's commands were sent.
func (p *pipelined) one(c *smtp.Client, pipelining bool, m Message, ahead bool, next *Message, buf *bytes.Buffer) (bool, error) {
	if !plainAddr(m.To) {
		return false, fmt.Errorf("%w: bad address", ErrPermanent)
	}
	buf.Reset()
	p.render(buf, m)
	t := c.Text
	if !pipelining {
		return false, p.oneByOne(c, m, buf)
	}
	if !ahead {
		p.commands(t, m)
		if err := t.W.Flush(); err != nil {
			return false, fmt.Errorf("%w: %v", errConnLost, err)
		}
	}
	_, _, errMail := t.ReadResponse(250)
	_, _, errRcpt := t.ReadResponse(25)
	_, _, errData := t.ReadResponse(354)
	for _, err := range []error{errMail, errRcpt, errData} {
		if err != nil && !isReply(err) {
			return false, fmt.Errorf("%w: %v", errConnLost, err)
		}
	}
	if errMail != nil || errRcpt != nil || errData != nil {
		if errData == nil { // DATA accepted after all: end the message empty, then reset
			t.W.WriteString(".\r\n")
			t.W.Flush()
			t.ReadResponse(0)
		}
		if err := reset(t); err != nil {
			return false, fmt.Errorf("%w: %v", errConnLost, err)
		}
		return false, replyError(cmp(errMail, errRcpt, errData))
	}
	writeDotted(t.W, buf.Bytes())
	if next != nil {
		p.commands(t, *next)
	}
	if err := t.W.Flush(); err != nil {
		return false, fmt.Errorf("%w: %v", errConnLost, err)
	}
	if _, _, err := t.ReadResponse(250); err != nil {
		if !isReply(err) {
			return false, fmt.Errorf("%w: %v", errConnLost, err)
		}
		return next != nil, replyError(err)
	}
	return next != nil, nil
}

func (p *pipelined) commands(t *textproto.Conn, m Message) {
	t.W.WriteString("MAIL FROM:<" + p.s.From + ">\r\nRCPT TO:<" + m.To + ">\r\nDATA\r\n")
}

// writeDotted writes a message's content and its end (RFC 5321 4.5.2):
// a line that starts with a dot gets another one.
func writeDotted(w *bufio.Writer, b []byte) {
	for len(b) > 0 {
		if b[0] == '.' {
			w.WriteByte('.')
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			w.Write(b)
			w.WriteString("\r\n")
			break
		}
		w.Write(b[:i+1])
		b = b[i+1:]
	}
	w.WriteString(".\r\n")
}

// oneByOne sends a message one command at a time (no PIPELINING).
func (p *pipelined) oneByOne(c *smtp.Client, m Message, buf *bytes.Buffer) error {
	t := c.Text
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
