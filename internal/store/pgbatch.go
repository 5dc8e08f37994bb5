package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"vitrine/internal/person"
	"vitrine/internal/sessions"
)

// On PostgreSQL a batch of registrations is written with a few statements
// whatever its size, each pipelined batch one network round trip:
//
//  1. BEGIN;
//  2. lock the row of each session of the batch (in id order, as every
//     writer does), then read which of the batch's addresses are registered
//     already: under the session's lock, nobody else changes its
//     registrations;
//  3. in Go, hand out the seats, then the places on the waiting list, in
//     arrival order, from the counters read under the lock; then add them
//     to each session's counters (the CHECK on confirmed <= capacity still
//     guards against overbooking), insert the registrations and their mails
//     in one statement;
//  4. COMMIT.
//
// A registration for an address registered already, for a session closed or
// gone, or the second one of an address in the same batch, is left out: it
// wrote nothing and runs alone after this commit, as every registration did
// before.

const sqlLockSession = `
SELECT capacity, confirmed, waitlisted, waitlist_seq, status, starts_at FROM info_sessions WHERE id = $1 FOR UPDATE`

const sqlFindEmails = `
SELECT r.session_id, r.email_key FROM registrations r
JOIN unnest($1::bigint[], $2::text[]) AS k (session_id, email_key) ON r.session_id = k.session_id AND r.email_key = k.email_key`

const sqlCountSeats = `
UPDATE info_sessions SET confirmed = confirmed + $2, waitlisted = waitlisted + $3, waitlist_seq = waitlist_seq + $3 WHERE id = $1`

const sqlInsertRegistrations = `
WITH reg AS (
    INSERT INTO registrations (session_id, first_name, last_name, email, email_key, phone, shop_name, sector, commune_nis,
        lang, status, waitlist_seq, token, checkin_code, consent_contact, consent_at, confirmed_at, created_at)
    SELECT session_id, first_name, last_name, email, email_key, phone, shop_name, sector, commune_nis,
        lang, status, waitlist_seq, token, checkin_code, consent_contact, consent_at, confirmed_at, created_at
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
        $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::boolean[], $16::timestamptz[],
        $17::timestamptz[], $18::timestamptz[])
        WITH ORDINALITY AS u (session_id, first_name, last_name, email, email_key, phone, shop_name, sector, commune_nis,
            lang, status, waitlist_seq, token, checkin_code, consent_contact, consent_at, confirmed_at, created_at, ord)
    ORDER BY ord
    RETURNING id, token
), mail AS (
    INSERT INTO outbox (kind, message_id, recipient, subject, text_body, html_body, headers, ref_type, ref_id, batch_id, send_after, created_at)
    SELECT m.kind, m.message_id, m.recipient, m.subject, m.text_body, m.html_body, m.headers, $19, reg.id, m.batch_id, m.at, m.at
    FROM unnest($20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[],
        $28::bigint[], $29::timestamptz[])
        AS m (token, kind, message_id, recipient, subject, text_body, html_body, headers, batch_id, at)
    JOIN reg ON reg.token = m.token
    RETURNING 1
)
SELECT reg.id, reg.token, (SELECT COUNT(*) FROM mail) FROM reg`

// regRows holds a batch's new registrations and their mails, column by
// column, as sqlInsertRegistrations takes them.
type regRows struct {
	sessionID                                                []int64
	first, last, email, key, phone, shop, sector             []string
	commune                                                  []*string
	lang, status                                             []string
	seq                                                      []*int64
	token, checkin                                           []string
	consent                                                  []bool
	consentAt, confirmedAt                                   []*time.Time
	createdAt                                                []time.Time
	mToken, mKind, mID, mTo, mSubject, mText, mHTML, mHeader []string
	mBatch                                                   []int64
	mAt                                                      []time.Time
}

type sessionKey struct {
	id  int64
	key string
}

// seatCounts is a session's row, read under its lock, and what the batch
// adds to it.
type seatCounts struct {
	capacity, confirmed, waitlisted int
	seq                             int64
	status                          string
	starts                          time.Time
	found                           bool
	addConfirmed, addWaitlisted     int
}

// runPipelined runs a batch of registrations on PostgreSQL in one
// transaction. It answers the jobs it wrote and returns those it left out
// (see above), to run one at a time after this commit. On an error the
// transaction is rolled back, nothing is answered, and all the jobs are to
// run again. jobs are sorted by session.
func (s *RegistrationStore) runPipelined(ctx context.Context, jobs []*regJob) ([]*regJob, error) {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // after Commit, does nothing

	// 2. Lock the sessions, then look the addresses up.
	var ids []int64
	sids := make([]int64, len(jobs))
	keys := make([]string, len(jobs))
	lock := &pgx.Batch{}
	for i, j := range jobs {
		sids[i], keys[i] = j.sessionID, person.EmailKey(j.in.Email)
		if len(ids) == 0 || ids[len(ids)-1] != j.sessionID {
			ids = append(ids, j.sessionID)
			lock.Queue(sqlLockSession, j.sessionID)
		}
	}
	lock.Queue(sqlFindEmails, sids, keys)
	counts := make(map[int64]*seatCounts, len(ids))
	known := map[sessionKey]bool{}
	err = func() error {
		br := tx.SendBatch(ctx, lock)
		defer br.Close()
		for _, id := range ids {
			c := &seatCounts{found: true}
			err := br.QueryRow().Scan(&c.capacity, &c.confirmed, &c.waitlisted, &c.seq, &c.status, &c.starts)
			if errors.Is(err, pgx.ErrNoRows) {
				c.found = false
			} else if err != nil {
				return fmt.Errorf("lock session: %w", err)
			}
			counts[id] = c
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("find registrations: %w", err)
		}
		for rows.Next() {
			var k sessionKey
			if err := rows.Scan(&k.id, &k.key); err != nil {
				rows.Close()
				return fmt.Errorf("find registrations: %w", err)
			}
			known[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find registrations: %w", err)
		}
		return br.Close()
	}()
	if err != nil {
		return nil, err
	}

	// 3. Hand out the places, in arrival order.
	var rest, written []*regJob
	var rows regRows
	for i, j := range jobs {
		k := sessionKey{j.sessionID, keys[i]}
		c := counts[j.sessionID]
		if known[k] || !c.found || c.status != string(sessions.Scheduled) || !c.starts.After(j.now) {
			rest = append(rest, j)
			continue
		}
		known[k] = true // a second registration of this address in the batch finds the first
		r := j.in
		r.SessionID, r.CreatedAt = j.sessionID, j.now
		if r.ConsentContact {
			r.ConsentAt = j.now
		}
		var seq *int64
		m := j.mail
		if c.confirmed+c.addConfirmed < c.capacity {
			c.addConfirmed++
			r.Status, r.ConfirmedAt = sessions.Confirmed, j.now
		} else {
			c.addWaitlisted++
			r.Status, r.WaitlistPos = sessions.Waitlisted, c.waitlisted+c.addWaitlisted
			n := c.seq + int64(c.addWaitlisted)
			seq = &n
			if m, err = s.mailer.RegistrationMail(MailWaitlisted, r, j.sess); err != nil {
				return nil, err
			}
		}
		headers := []byte("{}")
		if m.Headers != nil {
			if headers, err = json.Marshal(m.Headers); err != nil {
				return nil, err
			}
		}
		rows.sessionID = append(rows.sessionID, r.SessionID)
		rows.first = append(rows.first, r.FirstName)
		rows.last = append(rows.last, r.LastName)
		rows.email = append(rows.email, r.Email)
		rows.key = append(rows.key, k.key)
		rows.phone = append(rows.phone, r.Phone)
		rows.shop = append(rows.shop, r.ShopName)
		rows.sector = append(rows.sector, r.Sector)
		rows.commune = append(rows.commune, optString(r.CommuneNIS))
		rows.lang = append(rows.lang, r.Lang)
		rows.status = append(rows.status, string(r.Status))
		rows.seq = append(rows.seq, seq)
		rows.token = append(rows.token, r.Token)
		rows.checkin = append(rows.checkin, r.CheckinCode)
		rows.consent = append(rows.consent, r.ConsentContact)
		rows.consentAt = append(rows.consentAt, optTime(r.ConsentAt))
		rows.confirmedAt = append(rows.confirmedAt, optTime(r.ConfirmedAt))
		rows.createdAt = append(rows.createdAt, utc(j.now))
		rows.mToken = append(rows.mToken, r.Token)
		rows.mKind = append(rows.mKind, m.Kind)
		rows.mID = append(rows.mID, m.MessageID)
		rows.mTo = append(rows.mTo, m.To)
		rows.mSubject = append(rows.mSubject, m.Subject)
		rows.mText = append(rows.mText, m.Text)
		rows.mHTML = append(rows.mHTML, m.HTML)
		rows.mHeader = append(rows.mHeader, string(headers))
		rows.mBatch = append(rows.mBatch, m.BatchID)
		rows.mAt = append(rows.mAt, utc(j.now))
		j.res = RegisterResult{Registration: r, Created: true}
		written = append(written, j)
	}
	if len(written) > 0 {
		write := &pgx.Batch{}
		for _, id := range ids {
			if c := counts[id]; c.addConfirmed+c.addWaitlisted > 0 {
				write.Queue(sqlCountSeats, id, c.addConfirmed, c.addWaitlisted)
			}
		}
		write.Queue(sqlInsertRegistrations, rows.sessionID, rows.first, rows.last, rows.email, rows.key, rows.phone,
			rows.shop, rows.sector, rows.commune, rows.lang, rows.status, rows.seq, rows.token, rows.checkin, rows.consent,
			rows.consentAt, rows.confirmedAt, rows.createdAt,
			RefRegistration, rows.mToken, rows.mKind, rows.mID, rows.mTo, rows.mSubject, rows.mText, rows.mHTML,
			rows.mHeader, rows.mBatch, rows.mAt)
		if err := s.writeRows(ctx, tx, write, written); err != nil {
			return nil, err
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

// writeRows sends the counters' updates and the insert, and gives each
// written job its registration's id.
func (s *RegistrationStore) writeRows(ctx context.Context, tx pgx.Tx, write *pgx.Batch, written []*regJob) error {
	br := tx.SendBatch(ctx, write)
	defer br.Close()
	for range write.Len() - 1 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("take seats: %w", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("insert registrations: %w", err)
	}
	ids := make(map[string]int64, len(written))
	var mails int64
	for rows.Next() {
		var id int64
		var token string
		if err := rows.Scan(&id, &token, &mails); err != nil {
			rows.Close()
			return fmt.Errorf("insert registrations: %w", err)
		}
		ids[token] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert registrations: %w", err)
	}
	if len(ids) != len(written) || mails != int64(len(written)) {
		return fmt.Errorf("insert registrations: %d rows and %d mails written for %d", len(ids), mails, len(written))
	}
	for _, j := range written {
		id, ok := ids[j.res.Registration.Token]
		if !ok {
			return fmt.Errorf("insert registrations: no id for a registration")
		}
		j.res.Registration.ID = id
	}
	return br.Close()
}

// optString and optTime turn "" and the zero time into NULL in an array.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
