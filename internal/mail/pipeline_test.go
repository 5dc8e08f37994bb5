package mail_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"vitrine/internal/mail"
	"vitrine/internal/mailtest"
)

func bulkMessages() []mail.Message {
	long := strings.Repeat("Vitrine accompagne les commerces de proximité. ", 8)
	return []mail.Message{
		{MessageID: "a1@example.org", To: "anne@example.be", Subject: "Invitation : séance à Châtelet",
			Text:    "Bonjour Anne,\n.une ligne qui commence par un point\n" + long + "\n",
			HTML:    "<p>Bonjour Anne, <a href=\"https://vitrine.example/u/x\">désinscription</a></p>",
			Headers: map[string]string{"List-Unsubscribe": "<https://vitrine.example/u/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}},
		{MessageID: "b2@example.org", To: "bounce@example.be", Subject: "B", Text: "b"},
		{MessageID: "c3@example.org", To: "later@example.be", Subject: "C", Text: "c"},
		{MessageID: "d4@example.org", To: "bad address@example.be", Subject: "D", Text: "d"},
		{MessageID: "e5@example.org", To: "zoe@example.be", Subject: "Zoé", Text: "Texte seul, sans HTML."},
	}
}

func checkBulk(t *testing.T, errs []error, done map[int]error) {
	t.Helper()
	want := []error{nil, mail.ErrPermanent, mail.ErrTemporary, mail.ErrPermanent, nil}
	for i, w := range want {
		if (w == nil) != (errs[i] == nil) || (w != nil && !errors.Is(errs[i], w)) {
			t.Errorf("message %d: %v, want %v", i, errs[i], w)
		}
		if got, ok := done[i]; !ok || (got == nil) != (errs[i] == nil) {
			t.Errorf("message %d: done(%v) called=%v", i, got, ok)
		}
	}
}

// The pipelining sender against a real SMTP server: accepted, refused for
// good, refused for now, and an address that cannot go into a command.
func TestPipelinedSend(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse(func(to string) error {
		switch to {
		case "bounce@example.be":
			return mailtest.Permanent
		case "later@example.be":
			return mailtest.Temporary
		}
		return nil
	})
	s, err := mail.NewSMTP(srv.URL(), "invitations@example.org", "Commerce connecté")
	if err != nil {
		t.Fatal(err)
	}
	done := map[int]error{}
	errs := s.Pipelined().Send(context.Background(), bulkMessages(), func(i int, err error) { done[i] = err })
	checkBulk(t, errs, done)
	got := srv.Mails()
	if len(got) != 2 {
		t.Fatalf("%d mails arrived, want 2", len(got))
	}
	m := got[0]
	want := bulkMessages()[0]
	if m.Subject != want.Subject || m.MessageID != want.MessageID || norm(m.Text) != norm(want.Text) {
		t.Errorf("mail: subject %q id %q text %q", m.Subject, m.MessageID, m.Text)
	}
	if m.HTML != want.HTML || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.Contains(m.Header.Get("From"), "invitations@example.org") {
		t.Errorf("mail: html %q headers %v", m.HTML, m.Header)
	}
	if norm(got[1].Text) != "Texte seul, sans HTML." || got[1].HTML != "" {
		t.Errorf("text-only mail: %q / %q", got[1].Text, got[1].HTML)
	}
}

// A server that does not offer PIPELINING gets one command at a time.
func TestPipelinedSendWithoutPipelining(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var received []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(s string) { c.Write([]byte(s + "\r\n")) }
				say("220 plain")
				var rcpt string
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.TrimSpace(line)
					switch {
					case strings.HasPrefix(cmd, "EHLO"):
						say("250-plain\r\n250 8BITMIME")
					case strings.HasPrefix(cmd, "MAIL"), cmd == "RSET":
						say("250 ok")
					case strings.HasPrefix(cmd, "RCPT"):
						rcpt = cmd
						switch {
						case strings.Contains(cmd, "bounce@"):
							say("550 5.1.1 no such user")
						case strings.Contains(cmd, "later@"):
							say("451 4.3.0 try later")
						default:
							say("250 ok")
						}
					case cmd == "DATA":
						say("354 go on")
						var body strings.Builder
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
							body.WriteString(l)
						}
						mu.Lock()
						received = append(received, rcpt+"\n"+body.String())
						mu.Unlock()
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default:
						say("502 no")
					}
				}
			}()
		}
	}()
	s, err := mail.NewSMTP("smtp://"+ln.Addr().String()+"?insecure=1", "invitations@example.org", "Vitrine")
	if err != nil {
		t.Fatal(err)
	}
	done := map[int]error{}
	errs := s.Pipelined().Send(context.Background(), bulkMessages(), func(i int, err error) { done[i] = err })
	checkBulk(t, errs, done)
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 2 || !strings.Contains(received[0], "anne@example.be") || !strings.Contains(received[0], "\r\n..une ligne") {
		t.Fatalf("received %q", received)
	}
}

func norm(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
