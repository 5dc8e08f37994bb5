package web

import (
	"net/http"

	"vitrine/internal/mail"
)

// Mailer is what the web layer needs to send mail: a composer and a way to
// wake the delivery worker.
type Mailer struct {
	Composer *mail.Composer
	Kick     func() // wakes the worker after a mail is enqueued; may be nil
	// KickInvitations wakes the invitation sender after a campaign starts
	// or resumes; may be nil.
	KickInvitations func()
}

// WithMailer sets how the server composes mail.
func WithMailer(m Mailer) Option { return func(s *Server) { s.mailer = m } }

// sendMail composes a mail and writes it to the outbox on its own. Changes
// that cause a mail write it in their own transaction instead (see store).
func (s *Server) sendMail(r *http.Request, name, lang, to string, data any, refType string, refID int64) error {
	m, err := s.mailer.Composer.Compose(name, lang, to, data)
	if err != nil {
		return err
	}
	m.RefType, m.RefID = refType, refID
	if _, err := s.st.Outbox.Enqueue(r.Context(), m, s.now(), s.now()); err != nil {
		return err
	}
	s.kick()
	return nil
}

func (s *Server) kick() {
	if s.mailer.Kick != nil {
		s.mailer.Kick()
	}
}
