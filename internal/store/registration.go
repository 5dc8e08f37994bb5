package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/mail"
	"vitrine/internal/person"
	"vitrine/internal/sessions"
)

// RegistrationMailer composes the mails about a registration. The store calls
// it inside the transaction that causes the mail, so the change and its mail
// commit together.
type RegistrationMailer interface {
	RegistrationMail(kind string, r sessions.Registration, s sessions.Session) (mail.Message, error)
}

// Kinds of registration mail.
const (
	MailConfirmed  = "registration_confirmed"
	MailWaitlisted = "registration_waitlisted"
	MailPromoted   = "registration_promoted"
	MailReminder   = "registration_reminder"
)

// RefRegistration is the outbox ref_type of mails about a registration.
const RefRegistration = "registration"

// Errors about registrations.
var (
	ErrRegistrationNotFound = apperr.New(apperr.NotFound, "registration_not_found", "error.registration.not_found")
	ErrRegistrationGone     = apperr.New(apperr.Gone, "registration_cancelled", "error.registration.cancelled")
	ErrSessionClosed        = apperr.New(apperr.Conflict, "session_closed", "error.session.closed")
	ErrNotConfirmed         = apperr.New(apperr.Conflict, "registration_not_confirmed", "error.registration.not_confirmed")
	errNoMailer             = errors.New("registrations: no mailer configured")
)

// RegistrationStore keeps the registrations for the information sessions.
type RegistrationStore struct {
	db      *DB
	mailer  RegistrationMailer
	batch   *regBatcher
	once    sync.Once
	metrics *batchMetrics

	mailSessions sync.Map // session id → cachedSession
}

// SetMailer sets how registration mails are composed (the web layer does it
// at start).
func (s *RegistrationStore) SetMailer(m RegistrationMailer) { s.mailer = m }

const regCols = `id, session_id, first_name, last_name, email, phone, shop_name, sector, COALESCE(commune_nis, ''), lang,
    status, COALESCE(waitlist_seq, 0), token, checkin_code, consent_contact, consent_at, confirmed_at, checked_in_at,
    cancelled_at, erased_at, created_at`

// scanReg reads a registration; seq is its place in the session's line.
func scanReg(row interface{ Scan(...any) error }) (sessions.Registration, int64, error) {
	var r sessions.Registration
	var seq int64
	var consent, confirmed, checked, cancelled, erased sql.NullTime
	err := row.Scan(&r.ID, &r.SessionID, &r.FirstName, &r.LastName, &r.Email, &r.Phone, &r.ShopName, &r.Sector,
		&r.CommuneNIS, &r.Lang, &r.Status, &seq, &r.Token, &r.CheckinCode, &r.ConsentContact, &consent, &confirmed,
		&checked, &cancelled, &erased, &r.CreatedAt)
	r.ConsentAt, r.ConfirmedAt, r.CheckedInAt, r.CancelledAt, r.ErasedAt = consent.Time, confirmed.Time, checked.Time, cancelled.Time, erased.Time
	return r, seq, err
}

// querier is what both *sql.DB and *sql.Tx offer for reading.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// byEmail finds the active registration of an address for a session.
func byEmail(ctx context.Context, q querier, sessionID int64, key string) (sessions.Registration, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM registrations WHERE session_id = $1 AND email_key = $2", sessionID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return sessions.Registration{}, ErrRegistrationNotFound
	}
	if err != nil {
		return sessions.Registration{}, fmt.Errorf("find registration: %w", err)
	}
	return getReg(ctx, q, "id", id)
}

// getReg reads one registration by a column (id, token or checkin_code) and
// fills in its place in line.
func getReg(ctx context.Context, q querier, col string, v any) (sessions.Registration, error) {
	r, seq, err := scanReg(q.QueryRowContext(ctx, "SELECT "+regCols+" FROM registrations WHERE "+col+" = $1", v))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRegistrationNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get registration: %w", err)
	}
	if r.Status == sessions.Waitlisted {
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2`,
			r.SessionID, seq).Scan(&r.WaitlistPos)
		if err != nil {
			return r, fmt.Errorf("waitlist position: %w", err)
		}
	}
	return r, nil
}

// Get returns a registration by id.
func (s *RegistrationStore) Get(ctx context.Context, id int64) (sessions.Registration, error) {
	return getReg(ctx, s.db.r, "id", id)
}

// ByToken returns a registration by its private manage token. An erased one
// is gone.
func (s *RegistrationStore) ByToken(ctx context.Context, token string) (sessions.Registration, error) {
	if token == "" || len(token) > 100 {
		return sessions.Registration{}, ErrRegistrationNotFound
	}
	r, err := getReg(ctx, s.db.r, "token", token)
	if err == nil && !r.ErasedAt.IsZero() {
		return r, ErrRegistrationGone
	}
	return r, err
}

// RegisterResult is what Register did.
type RegisterResult struct {
	Registration sessions.Registration
	Created      bool // false: this address was registered already, nothing changed
}

// Register registers a person for a session, in one transaction: an address
// already registered (and not cancelled) gets its registration back;
// otherwise the person takes a seat with one conditional statement, or joins
// the waiting list; the confirmation mail is written to the outbox in the
// same transaction. Concurrent calls are grouped into one transaction per
// batch (group commit); each is answered only once that transaction commits.
func (s *RegistrationStore) Register(ctx context.Context, sessionID int64, r sessions.Registration, now time.Time) (RegisterResult, error) {
	if s.mailer == nil {
		return RegisterResult{}, errNoMailer
	}
	if r.Token == "" {
		r.Token = sessions.NewToken(sessions.ManagePrefix)
	}
	if r.CheckinCode == "" {
		r.CheckinCode = sessions.NewToken(sessions.CheckinPrefix)
	}
	if r.Lang == "" {
		r.Lang = "fr"
	}
	j := &regJob{ctx: ctx, sessionID: sessionID, in: r, now: now, done: make(chan struct{})}
	// Read the session and compose the confirmation here, in the caller's
	// goroutine: the batch's writer then only runs SQL.
	var err error
	j.sess, err = s.sessionForMail(ctx, sessionID)
	if err != nil {
		return RegisterResult{}, err
	}
	pre := r
	pre.Status = sessions.Confirmed
	if j.mail, err = s.mailer.RegistrationMail(MailConfirmed, pre, j.sess); err != nil {
		return RegisterResult{}, err
	}
	if err := s.batcher().submit(ctx, j); err != nil {
		return RegisterResult{}, err
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		// The job may still commit; the person will get the mail.
		return RegisterResult{}, ctx.Err()
	}
	return j.res, j.err
}

// sessionForMail reads what a registration mail says about a session. A
// burst of registrations reads it once a second at most; a change made here
// is seen at once (forget), one made by another instance within a second.
func (s *RegistrationStore) sessionForMail(ctx context.Context, id int64) (sessions.Session, error) {
	if v, ok := s.mailSessions.Load(id); ok {
		c := v.(cachedSession)
		if time.Since(c.at) < time.Second {
			return c.s, nil
		}
	}
	ss, err := scanSession(s.db.r.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM info_sessions s JOIN communes c ON c.nis_code = s.commune_nis WHERE s.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, ErrSessionNotFound
	}
	if err != nil {
		return ss, fmt.Errorf("register: %w", err)
	}
	s.mailSessions.Store(id, cachedSession{ss, time.Now()})
	return ss, nil
}

type cachedSession struct {
	s  sessions.Session
	at time.Time
}

// forget drops a session from the mail cache (it changed).
func (s *RegistrationStore) forget(id int64) { s.mailSessions.Delete(id) }

// The statements of a registration, prepared once on SQLite.
const (
	sqlFindEmail = "SELECT id FROM registrations WHERE session_id = $1 AND email_key = $2"
	sqlTakeSeat  = `
UPDATE info_sessions SET confirmed = confirmed + 1
WHERE id = $1 AND confirmed < capacity AND status = 'scheduled' AND starts_at > $2
RETURNING confirmed`
	sqlJoinWaitlist = `
UPDATE info_sessions SET waitlisted = waitlisted + 1, waitlist_seq = waitlist_seq + 1
WHERE id = $1 AND confirmed >= capacity AND status = 'scheduled' AND starts_at > $2
RETURNING waitlisted, waitlist_seq`
	sqlInsertRegistration = `
INSERT INTO registrations (session_id, first_name, last_name, email, email_key, phone, shop_name, sector, commune_nis,
    lang, status, waitlist_seq, token, checkin_code, consent_contact, consent_at, confirmed_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT (session_id, email_key) DO NOTHING`
)

// register runs one registration inside tx. It returns an *apperr.Error only
// when it wrote nothing, so the batch's transaction can go on.
func (s *RegistrationStore) register(ctx context.Context, tx *sql.Tx, j *regJob) (RegisterResult, error) {
	r := j.in
	sess := j.sess
	key := person.EmailKey(r.Email)
	var existingID int64
	err := s.db.prep(ctx, tx, sqlFindEmail).QueryRowContext(ctx, j.sessionID, key).Scan(&existingID)
	if err == nil {
		existing, err := getReg(ctx, tx, "id", existingID)
		return RegisterResult{Registration: existing}, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return RegisterResult{}, fmt.Errorf("find registration: %w", err)
	}
	var seq int64
	for attempt := 0; ; attempt++ {
		r.Status, r.WaitlistPos, seq = "", 0, 0
		var n int
		err := s.db.prep(ctx, tx, sqlTakeSeat).QueryRowContext(ctx, j.sessionID, utc(j.now)).Scan(&n)
		if err == nil {
			r.Status = sessions.Confirmed
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return RegisterResult{}, fmt.Errorf("take a seat: %w", err)
		}
		err = s.db.prep(ctx, tx, sqlJoinWaitlist).QueryRowContext(ctx, j.sessionID, utc(j.now)).Scan(&r.WaitlistPos, &seq)
		if err == nil {
			r.Status = sessions.Waitlisted
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return RegisterResult{}, fmt.Errorf("join the waiting list: %w", err)
		}
		// Neither: the session is closed, or a seat freed between the two statements.
		var status string
		var starts time.Time
		err = tx.QueryRowContext(ctx, "SELECT status, starts_at FROM info_sessions WHERE id = $1", j.sessionID).Scan(&status, &starts)
		if errors.Is(err, sql.ErrNoRows) {
			return RegisterResult{}, ErrSessionNotFound
		}
		if err != nil {
			return RegisterResult{}, fmt.Errorf("register: %w", err)
		}
		if status != string(sessions.Scheduled) || !starts.After(j.now) {
			return RegisterResult{}, ErrSessionClosed
		}
		if attempt == 5 {
			return RegisterResult{}, fmt.Errorf("register: session %d keeps changing", j.sessionID)
		}
	}
	r.SessionID = j.sessionID
	r.CreatedAt = j.now
	if r.Status == sessions.Confirmed {
		r.ConfirmedAt = j.now
	}
	if r.ConsentContact {
		r.ConsentAt = j.now
	}
	var seqArg any
	if seq > 0 {
		seqArg = seq
	}
	r.ID, err = s.db.prep(ctx, tx, sqlInsertRegistration).insertID(ctx,
		r.SessionID, r.FirstName, r.LastName, r.Email, key, r.Phone, r.ShopName, r.Sector, nullString(r.CommuneNIS),
		r.Lang, string(r.Status), seqArg, r.Token, r.CheckinCode, r.ConsentContact, nullTime(r.ConsentAt),
		nullTime(r.ConfirmedAt), utc(j.now))
	if errors.Is(err, sql.ErrNoRows) {
		// Another instance registered this address meanwhile: give the place
		// back (we hold the session's row) and answer with theirs.
		q := "UPDATE info_sessions SET confirmed = confirmed - 1 WHERE id = $1"
		if r.Status == sessions.Waitlisted {
			q = "UPDATE info_sessions SET waitlisted = waitlisted - 1 WHERE id = $1"
		}
		if _, err := tx.ExecContext(ctx, q, j.sessionID); err != nil {
			return RegisterResult{}, fmt.Errorf("register: %w", err)
		}
		existing, err := byEmail(ctx, tx, j.sessionID, key)
		return RegisterResult{Registration: existing}, err
	}
	if err != nil {
		return RegisterResult{}, fmt.Errorf("insert registration: %w", err)
	}
	m := j.mail
	if r.Status == sessions.Waitlisted {
		if m, err = s.mailer.RegistrationMail(MailWaitlisted, r, sess); err != nil {
			return RegisterResult{}, err
		}
	}
	m.RefType, m.RefID = RefRegistration, r.ID
	if _, err := enqueueMailWith(ctx, s.db.prep(ctx, tx, outboxInsert), m, j.now, j.now); err != nil {
		return RegisterResult{}, err
	}
	return RegisterResult{Registration: r, Created: true}, nil
}

// enqueue composes a registration mail and writes it to the outbox in tx.
func (s *RegistrationStore) enqueue(ctx context.Context, tx *sql.Tx, kind string, r sessions.Registration, sess sessions.Session, now time.Time) error {
	if s.mailer == nil {
		return errNoMailer
	}
	m, err := s.mailer.RegistrationMail(kind, r, sess)
	if err != nil {
		return err
	}
	m.RefType, m.RefID = RefRegistration, r.ID
	_, err = enqueueMail(ctx, tx, m, now, now)
	return err
}

// Cancel cancels a registration by its manage token: a confirmed person's
// seat goes at once to the first on the waiting list, who is mailed, in the
// same transaction. Cancelling twice is ErrRegistrationGone.
func (s *RegistrationStore) Cancel(ctx context.Context, token string, now time.Time) (sessions.Registration, error) {
	var out sessions.Registration
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.cancelTx(ctx, tx, token, now)
		return err
	})
	return out, err
}

func (s *RegistrationStore) cancelTx(ctx context.Context, tx *sql.Tx, token string, now time.Time) (sessions.Registration, error) {
	if token == "" || len(token) > 100 {
		return sessions.Registration{}, ErrRegistrationNotFound
	}
	// Lock the session's row first, as Register and promote do: one lock
	// order, and under that lock nobody else changes a registration's status.
	var sessionID int64
	err := tx.QueryRowContext(ctx, "SELECT session_id FROM registrations WHERE token = $1", token).Scan(&sessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return sessions.Registration{}, ErrRegistrationNotFound
	}
	if err != nil {
		return sessions.Registration{}, fmt.Errorf("cancel: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE info_sessions SET waitlisted = waitlisted WHERE id = $1", sessionID); err != nil {
		return sessions.Registration{}, fmt.Errorf("cancel: %w", err)
	}
	r, err := getReg(ctx, tx, "token", token)
	if err != nil {
		return r, err
	}
	if !r.Active() || !r.ErasedAt.IsZero() {
		return r, ErrRegistrationGone
	}
	q := "UPDATE info_sessions SET confirmed = confirmed - 1 WHERE id = $1"
	if r.Status == sessions.Waitlisted {
		q = "UPDATE info_sessions SET waitlisted = waitlisted - 1 WHERE id = $1"
	}
	if _, err := tx.ExecContext(ctx, q, r.SessionID); err != nil {
		return r, fmt.Errorf("cancel: %w", err)
	}
	// A cancelled registration leaves the address free to register again.
	res, err := tx.ExecContext(ctx, `
UPDATE registrations SET status = 'cancelled', cancelled_at = $1, email_key = 'x' || id || ':' || email_key
WHERE id = $2 AND status = $3`, utc(now), r.ID, string(r.Status))
	if err != nil {
		return r, fmt.Errorf("cancel: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return r, fmt.Errorf("cancel: registration %d changed under the session lock", r.ID)
	}
	if err := cancelMails(ctx, tx, RefRegistration, r.ID); err != nil {
		return r, err
	}
	wasConfirmed := r.Status == sessions.Confirmed
	r.Status, r.CancelledAt, r.WaitlistPos = sessions.Withdrawn, now, 0
	if wasConfirmed {
		if _, err := s.promote(ctx, tx, r.SessionID, now); err != nil {
			return r, err
		}
	}
	return r, nil
}

// promote gives the free seats of a session to the first people on its
// waiting list, mailing each, while the session is still to come. It returns
// how many were promoted.
func (s *RegistrationStore) promote(ctx context.Context, tx *sql.Tx, sessionID int64, now time.Time) (int, error) {
	n := 0
	for {
		var id int64
		err := tx.QueryRowContext(ctx, `
SELECT id FROM registrations WHERE session_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq LIMIT 1`, sessionID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("promote: %w", err)
		}
		sess, err := scanSession(tx.QueryRowContext(ctx, `
UPDATE info_sessions SET confirmed = confirmed + 1, waitlisted = waitlisted - 1
WHERE id = $1 AND confirmed < capacity AND status = 'scheduled' AND starts_at > $2
RETURNING `+sessionReturning, sessionID, utc(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return n, nil // no seat left, or too late
		}
		if err != nil {
			return n, fmt.Errorf("promote: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE registrations SET status = 'confirmed', confirmed_at = $1 WHERE id = $2", utc(now), id); err != nil {
			return n, fmt.Errorf("promote: %w", err)
		}
		r, err := getReg(ctx, tx, "id", id)
		if err != nil {
			return n, err
		}
		if err := fillTown(ctx, tx, &sess); err != nil {
			return n, err
		}
		if err := cancelMails(ctx, tx, RefRegistration, id, MailWaitlisted); err != nil {
			return n, err
		}
		if err := s.enqueue(ctx, tx, MailPromoted, r, sess, now); err != nil {
			return n, err
		}
		n++
	}
}

// sessionReturning lists the info_sessions columns scanSession reads, for a
// RETURNING clause (the commune's columns come from fillTown).
const sessionReturning = `id, title, commune_nis, '' AS town, venue, address, starts_at, ends_at, capacity, confirmed, waitlisted,
    notes, status, 0.0 AS latitude, 0.0 AS longitude, created_at, updated_at`

func fillTown(ctx context.Context, q querier, s *sessions.Session) error {
	return q.QueryRowContext(ctx, "SELECT name, latitude, longitude FROM communes WHERE nis_code = $1", s.CommuneNIS).Scan(&s.Town, &s.Latitude, &s.Longitude)
}

// Erase cancels a registration if it is still active, then removes the
// person's data from it and from the mails about it. The link then says the
// registration is gone.
func (s *RegistrationStore) Erase(ctx context.Context, token string, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := getReg(ctx, tx, "token", token)
		if err != nil {
			return err
		}
		if !r.ErasedAt.IsZero() {
			return ErrRegistrationGone
		}
		if r.Active() {
			if _, err := s.cancelTx(ctx, tx, token, now); err != nil {
				return err
			}
		}
		if err := cancelMails(ctx, tx, RefRegistration, r.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
UPDATE registrations SET first_name = '', last_name = '', email = '', phone = '', shop_name = '',
    consent_contact = FALSE, erased_at = $1, email_key = 'erased:' || id
WHERE id = $2`, utc(now), r.ID); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
		// The questions asked for this session under the same address stay
		// for the facilitators, without who asked.
		if _, err := tx.ExecContext(ctx, `UPDATE questions SET name = '', email = '' WHERE session_id = $1 AND email = $2`,
			r.SessionID, r.Email); err != nil {
			return fmt.Errorf("erase questions: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET recipient = '', subject = '', text_body = '', html_body = ''
WHERE ref_type = $1 AND ref_id = $2`, RefRegistration, r.ID)
		return err
	})
}

// CheckIn records that a confirmed person arrived, by registration id or by
// the check-in code of their QR code (byCode). Checking in twice keeps the
// first time.
func (s *RegistrationStore) CheckIn(ctx context.Context, ref string, byCode bool, now time.Time) (sessions.Registration, error) {
	col, arg := "checkin_code", any(ref)
	if !byCode {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return sessions.Registration{}, ErrRegistrationNotFound
		}
		col, arg = "id", id
	}
	var out sessions.Registration
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := getReg(ctx, tx, col, arg)
		if err != nil {
			return err
		}
		if r.Status != sessions.Confirmed {
			return ErrNotConfirmed
		}
		if r.CheckedInAt.IsZero() {
			if _, err := tx.ExecContext(ctx, "UPDATE registrations SET checked_in_at = $1 WHERE id = $2 AND checked_in_at IS NULL", utc(now), r.ID); err != nil {
				return fmt.Errorf("check in: %w", err)
			}
			r.CheckedInAt = now
		}
		out = r
		return nil
	})
	return out, err
}

// ForSession lists a session's registrations: confirmed first, then the
// waiting list in order, then the cancelled ones.
func (s *RegistrationStore) ForSession(ctx context.Context, sessionID int64) ([]sessions.Registration, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+regCols+" FROM registrations WHERE session_id = $1 AND erased_at IS NULL ORDER BY id", sessionID)
	if err != nil {
		return nil, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var out []sessions.Registration
	seqs := map[int64]int64{}
	for rows.Next() {
		r, seq, err := scanReg(rows)
		if err != nil {
			return nil, fmt.Errorf("list registrations: %w", err)
		}
		seqs[r.ID] = seq
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rank := map[sessions.RegStatus]int{sessions.Confirmed: 0, sessions.Waitlisted: 1, sessions.Withdrawn: 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if a.Status == sessions.Waitlisted {
			return seqs[a.ID] < seqs[b.ID]
		}
		return false
	})
	pos := 0
	for i := range out {
		if out[i].Status == sessions.Waitlisted {
			pos++
			out[i].WaitlistPos = pos
		}
	}
	return out, nil
}

// CheckedIn counts the people checked in at each session (for attendance rates).
func (s *RegistrationStore) CheckedIn(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT session_id, COUNT(*) FROM registrations WHERE checked_in_at IS NOT NULL AND status = 'confirmed' GROUP BY session_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// SendReminders writes the reminder mail of every confirmed person of a
// session not reminded yet, and marks them, in one transaction: a job that
// runs again after a crash sends no second reminder.
func (s *RegistrationStore) SendReminders(ctx context.Context, sessionID int64, now time.Time) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		sess, err := scanSession(tx.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM info_sessions s JOIN communes c ON c.nis_code = s.commune_nis WHERE s.id = $1", sessionID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the session is gone: nothing to remind
		}
		if err != nil {
			return err
		}
		if sess.Status != sessions.Scheduled || !sess.StartsAt.After(now) {
			return nil
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+regCols+" FROM registrations WHERE session_id = $1 AND status = 'confirmed' AND reminded_at IS NULL ORDER BY id", sessionID)
		if err != nil {
			return err
		}
		var list []sessions.Registration
		for rows.Next() {
			r, _, err := scanReg(rows)
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range list {
			if err := s.enqueue(ctx, tx, MailReminder, r, sess, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE registrations SET reminded_at = $1 WHERE id = $2", utc(now), r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// reminderKey is the unique key of a session's reminder job.
func reminderKey(sessionID int64) string {
	return "reminder:session:" + strconv.FormatInt(sessionID, 10)
}

// ReminderPayload is the payload of a reminder job.
type ReminderPayload struct {
	SessionID int64 `json:"session_id"`
}

// scheduleReminder schedules (or moves) a session's reminder to two days
// before it starts. A reminder already sent for an earlier date is sent again
// for the new one.
func scheduleReminder(ctx context.Context, tx *sql.Tx, sessionID int64, startsAt, now time.Time) error {
	runAt := startsAt.Add(-sessions.ReminderBefore)
	payload := `{"session_id":` + strconv.FormatInt(sessionID, 10) + `}`
	if _, err := scheduleJob(ctx, tx, "reminder", payload, reminderKey(sessionID), runAt, now); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET run_at = $1, status = 'pending', attempts = 0, locked_until = NULL
WHERE unique_key = $2 AND status <> 'running' AND run_at <> $1`, utc(runAt), reminderKey(sessionID))
	if err != nil {
		return fmt.Errorf("move reminder: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 && runAt.After(now) {
		_, err = tx.ExecContext(ctx, "UPDATE registrations SET reminded_at = NULL WHERE session_id = $1", sessionID)
	}
	return err
}
