package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"vitrine/internal/mail"
	"vitrine/internal/person"
	"vitrine/internal/sessions"
)

// sqlRegisterPG is a whole registration in one PostgreSQL statement: the
// address's active registration if there is one; otherwise a seat taken with
// the conditional UPDATE, or else a place on the waiting list under the same
// row lock, and the registration row. It always returns one row: the
// existing registration's id, the new one's id, its status, waitlist_seq and
// place in line (0 when not applicable). A new registration for an address
// registered meanwhile by another transaction fails on the unique key, which
// rolls back its seat with the rest.
const sqlRegisterPG = `
WITH existing AS (
    SELECT id FROM registrations WHERE session_id = $1 AND email_key = $2
), seat AS (
    UPDATE info_sessions SET confirmed = confirmed + 1
    WHERE id = $1 AND confirmed < capacity AND status = 'scheduled' AND starts_at > $3
      AND NOT EXISTS (SELECT 1 FROM existing)
    RETURNING 'confirmed'::text AS status, NULL::bigint AS seq, 0 AS pos
), wait AS (
    UPDATE info_sessions SET waitlisted = waitlisted + 1, waitlist_seq = waitlist_seq + 1
    WHERE id = $1 AND confirmed >= capacity AND status = 'scheduled' AND starts_at > $3
      AND NOT EXISTS (SELECT 1 FROM existing)
    RETURNING 'waitlisted'::text AS status, waitlist_seq AS seq, waitlisted AS pos
), place AS (
    SELECT status, seq, pos FROM seat UNION ALL SELECT status, seq, pos FROM wait
), reg AS (
    INSERT INTO registrations (session_id, first_name, last_name, email, email_key, phone, shop_name, sector, commune_nis,
        lang, status, waitlist_seq, token, checkin_code, consent_contact, consent_at, confirmed_at, created_at)
    SELECT $1, $4, $5, $6, $2, $7, $8, $9, $10, $11, place.status, place.seq, $12, $13, $14,
        CASE WHEN $14 THEN $3 END, CASE WHEN place.status = 'confirmed' THEN $3 END, $3
    FROM place
    RETURNING id
)
SELECT COALESCE((SELECT id FROM existing), 0), COALESCE((SELECT id FROM reg), 0),
    COALESCE((SELECT status FROM place), ''), COALESCE((SELECT seq FROM place), 0), COALESCE((SELECT pos FROM place), 0)`

// runPipelined runs a batch of registrations on PostgreSQL in one
// transaction and four round trips, whatever the batch's size: BEGIN; every
// registration's statement, pipelined; every confirmation or waiting-list
// mail into the outbox, pipelined; COMMIT. It answers the jobs it wrote and
// returns those it did not touch (an address registered already, a session
// closed or changing): they wrote nothing and are to run one at a time, after
// this commit. On an error the transaction is rolled back, nothing is
// answered, and all the jobs are to run again.
func (s *RegistrationStore) runPipelined(ctx context.Context, jobs []*regJob) ([]*regJob, error) {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // after Commit, does nothing

	batch := &pgx.Batch{}
	for _, j := range jobs {
		r := j.in
		batch.Queue(sqlRegisterPG, j.sessionID, person.EmailKey(r.Email), utc(j.now), r.FirstName, r.LastName, r.Email,
			r.Phone, r.ShopName, r.Sector, nullString(r.CommuneNIS), r.Lang, r.Token, r.CheckinCode, r.ConsentContact)
	}
	type outcome struct {
		existing, id, seq, pos int64
		status                 string
	}
	out := make([]outcome, len(jobs))
	br := tx.SendBatch(ctx, batch)
	for i := range jobs {
		o := &out[i]
		if err := br.QueryRow().Scan(&o.existing, &o.id, &o.status, &o.seq, &o.pos); err != nil {
			br.Close()
			return nil, fmt.Errorf("register: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}

	var rest, written []*regJob
	mails := &pgx.Batch{}
	for i, j := range jobs {
		o := out[i]
		if o.id == 0 {
			rest = append(rest, j)
			continue
		}
		r := j.in
		r.ID, r.SessionID, r.CreatedAt, r.Status = o.id, j.sessionID, j.now, sessions.RegStatus(o.status)
		if r.ConsentContact {
			r.ConsentAt = j.now
		}
		m := j.mail
		switch r.Status {
		case sessions.Confirmed:
			r.ConfirmedAt = j.now
		case sessions.Waitlisted:
			r.WaitlistPos = int(o.pos)
			if m, err = s.mailer.RegistrationMail(MailWaitlisted, r, j.sess); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("register: unexpected status %q", o.status)
		}
		m.RefType, m.RefID = RefRegistration, r.ID
		if err := queueMail(mails, m, j.now, j.now); err != nil {
			return nil, err
		}
		j.res = RegisterResult{Registration: r, Created: true}
		written = append(written, j)
	}
	if mails.Len() > 0 {
		if err := tx.SendBatch(ctx, mails).Close(); err != nil {
			return nil, fmt.Errorf("enqueue mail: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	for _, j := range written {
		close(j.done)
	}
	return rest, nil
}

// queueMail adds the outbox row of a mail to a pipelined batch.
func queueMail(b *pgx.Batch, m mail.Message, sendAfter, now time.Time) error {
	headers := []byte("{}")
	if m.Headers != nil {
		var err error
		if headers, err = json.Marshal(m.Headers); err != nil {
			return err
		}
	}
	b.Queue(outboxInsert, m.Kind, m.MessageID, m.To, m.Subject, m.Text, m.HTML, string(headers), m.RefType, m.RefID, m.BatchID,
		utc(sendAfter), utc(now))
	return nil
}
