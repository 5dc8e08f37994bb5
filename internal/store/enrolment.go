package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the voucher rules count days in Brussels wherever the server runs

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/mail"
	"vitrine/internal/person"
	"vitrine/internal/training"
)

// EnrolmentStore keeps the enrolments in training sessions. It has the
// shape of the information sessions' registrations: a seat is one
// conditional UPDATE, the waiting list follows arrival order, a cancelled
// seat goes to the first in line, and every mail is written to the outbox in
// the transaction of the change. On top, an enrolment reserves the shop's
// training vouchers for the year and commits the Region's share to a
// budget line, in the same transaction; cancelling releases both.
type EnrolmentStore struct {
	db  *DB
	loc *time.Location
}

// EnrolmentMail composes a mail about an enrolment (kind is one of the
// Mail… constants). The store calls it inside the transaction that causes
// the mail.
type EnrolmentMail func(kind string, e training.Enrolment, s training.Session, m training.Module) (mail.Message, error)

// Kinds of enrolment mail.
const (
	MailEnrolConfirmed  = "training_confirmed"
	MailEnrolWaitlisted = "training_waitlisted"
	MailEnrolPromoted   = "training_promoted"
)

// RefEnrolment is the ref_type of the outbox mails and budget commitments
// about an enrolment.
const RefEnrolment = "enrolment"

// Errors about enrolments.
var (
	ErrEnrolmentNotFound      = apperr.New(apperr.NotFound, "enrolment_not_found", "training.enrolment.not_found")
	ErrTrainingClosed         = apperr.New(apperr.Conflict, "training_session_closed", "training.session.closed")
	ErrTrainingStarted        = apperr.New(apperr.Conflict, "training_session_started", "training.enrolment.started")
	ErrTrainingNotStarted     = apperr.New(apperr.Conflict, "training_session_not_started", "training.attendance.too_early")
	ErrEnrolmentNotConfirmed  = apperr.New(apperr.Conflict, "enrolment_not_confirmed", "training.attendance.not_confirmed")
	ErrVoucherBudgetExhausted = apperr.New(apperr.Conflict, "voucher_budget_exhausted", "training.voucher.budget_exhausted")
)

// campaignZone is where the voucher rules count calendar days and years.
var campaignZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return loc
}()

// SetLocation changes the time zone whose calendar days and years the
// voucher rules count in (Europe/Brussels by default).
func (s *EnrolmentStore) SetLocation(loc *time.Location) { s.loc = loc }

func (s *EnrolmentStore) location() *time.Location {
	if s.loc == nil {
		return campaignZone
	}
	return s.loc
}

const enrolmentCols = `id, session_id, first_name, last_name, email, shop_name, commune_nis, fte_hundredths, use_vouchers, lang,
    status, COALESCE(waitlist_seq, 0), token, voucher_hours, voucher_year, shop_pays_cents, region_pays_cents,
    attended_at, completed_at, cancelled_at, created_at`

func scanEnrolment(row interface{ Scan(...any) error }) (training.Enrolment, int64, error) {
	var e training.Enrolment
	var seq int64
	var attended, completed, cancelled sql.NullTime
	err := row.Scan(&e.ID, &e.SessionID, &e.FirstName, &e.LastName, &e.Email, &e.ShopName, &e.CommuneNIS, &e.FTE, &e.UseVouchers,
		&e.Lang, &e.Status, &seq, &e.Token, &e.VoucherHours, &e.VoucherYear, &e.ShopPays, &e.RegionPays,
		&attended, &completed, &cancelled, &e.CreatedAt)
	e.AttendedAt, e.CompletedAt, e.CancelledAt = attended.Time, completed.Time, cancelled.Time
	return e, seq, err
}

// getEnrolment reads one enrolment where col = v, with its place in line.
func getEnrolment(ctx context.Context, q queryer, where string, args ...any) (training.Enrolment, error) {
	e, seq, err := scanEnrolment(q.QueryRowContext(ctx, "SELECT "+enrolmentCols+" FROM training_enrolments WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrEnrolmentNotFound
	}
	if err != nil {
		return e, fmt.Errorf("get enrolment: %w", err)
	}
	if e.Status == training.Waitlisted {
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2`,
			e.SessionID, seq).Scan(&e.WaitlistPos)
		if err != nil {
			return e, fmt.Errorf("waitlist position: %w", err)
		}
	}
	return e, nil
}

// Get returns an enrolment by id.
func (s *EnrolmentStore) Get(ctx context.Context, id int64) (training.Enrolment, error) {
	return getEnrolment(ctx, s.db.r, "id = $1", id)
}

// ByToken returns an enrolment by its private token.
func (s *EnrolmentStore) ByToken(ctx context.Context, token string) (training.Enrolment, error) {
	if token == "" || len(token) > 100 {
		return training.Enrolment{}, ErrEnrolmentNotFound
	}
	return getEnrolment(ctx, s.db.r, "token = $1", token)
}

// BySession returns a session's enrolments: confirmed first, then the
// waiting list in order, then the cancelled ones.
func (s *EnrolmentStore) BySession(ctx context.Context, sessionID int64) ([]training.Enrolment, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+enrolmentCols+` FROM training_enrolments WHERE session_id = $1
ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, COALESCE(waitlist_seq, 0), id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("enrolments: %w", err)
	}
	defer rows.Close()
	var out []training.Enrolment
	pos := 0
	for rows.Next() {
		e, _, err := scanEnrolment(rows)
		if err != nil {
			return nil, fmt.Errorf("enrolments: %w", err)
		}
		if e.Status == training.Waitlisted {
			pos++
			e.WaitlistPos = pos
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// vouchersUsed returns the vouchers a shop has used or reserved in a year.
func vouchersUsed(ctx context.Context, q queryer, shopKey string, year int) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT vouchers FROM voucher_use WHERE shop_key = $1 AND year = $2", shopKey, year).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("vouchers used: %w", err)
	}
	return n, nil
}

// Quote previews what an enrolment would cost the shop: the vouchers it
// may still use this year are read from the database.
func (s *EnrolmentStore) Quote(ctx context.Context, sess training.Session, m training.Module, e training.Enrolment) (funding.VoucherQuote, error) {
	loc := s.location()
	used, err := vouchersUsed(ctx, s.db.r, training.ShopKey(e.ShopName, e.CommuneNIS), sess.VoucherYear(loc))
	if err != nil {
		return funding.VoucherQuote{}, err
	}
	return funding.QuoteVouchers(funding.VoucherInput{Training: sess.VoucherTraining(m, loc), Shop: e.VoucherShop(),
		UsedThisYear: used, UseVouchers: e.UseVouchers})
}

// EnrolResult is what Enrol did.
type EnrolResult struct {
	Enrolment training.Enrolment
	Quote     funding.VoucherQuote // the cost, with its reasons
	Created   bool                 // false: this address was enrolled already and nothing changed
}

var errDuplicateEnrolment = errors.New("enrolled twice at once")

// Enrol enrols a worker in a session, in one transaction: an address
// already enrolled (and not cancelled) gets its enrolment back; otherwise
// the worker takes a seat with one conditional statement, or joins the
// waiting list; the vouchers are reserved within the shop's yearly
// allowance (one conditional upsert) and the Region's share committed to a
// campaign budget line of the session's year (one conditional update); the
// confirmation mail goes to the outbox. When no budget line has enough left
// for the Region's share, nothing changes and the error says so.
func (s *EnrolmentStore) Enrol(ctx context.Context, sessionID int64, e training.Enrolment, compose EnrolmentMail, now time.Time) (EnrolResult, error) {
	var res EnrolResult
	for attempt := 0; attempt < 3; attempt++ {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = s.enrol(ctx, tx, sessionID, e, compose, now)
			return err
		})
		if !errors.Is(err, errDuplicateEnrolment) {
			return res, err
		}
		// Another request enrolled the same address meanwhile: answer with
		// that one, as if it had come first.
	}
	return res, fmt.Errorf("enrol: %w", errDuplicateEnrolment)
}

func (s *EnrolmentStore) enrol(ctx context.Context, tx *sql.Tx, sessionID int64, in training.Enrolment, compose EnrolmentMail, now time.Time) (EnrolResult, error) {
	loc := s.location()
	key := person.EmailKey(in.Email)
	existing, err := getEnrolment(ctx, tx, "session_id = $1 AND email_key = $2 AND status <> 'cancelled'", sessionID, key)
	if err == nil {
		return EnrolResult{Enrolment: existing, Quote: funding.VoucherQuote{VoucherHours: existing.VoucherHours,
			ShopPays: existing.ShopPays, RegionPays: existing.RegionPays, Reasons: []funding.Reason{}}}, nil
	}
	if !errors.Is(err, ErrEnrolmentNotFound) {
		return EnrolResult{}, err
	}
	sess, err := sessionIn(ctx, tx, sessionID)
	if err != nil {
		return EnrolResult{}, err
	}
	m, err := moduleIn(ctx, tx, sess.ModuleID, 0)
	if err != nil {
		return EnrolResult{}, err
	}
	e := in
	e.SessionID = sessionID
	e.Token = training.NewToken()
	var seq int64
	for try := 0; ; try++ {
		var n int
		err := tx.QueryRowContext(ctx, `
UPDATE training_sessions SET confirmed = confirmed + 1
WHERE id = $1 AND confirmed < capacity AND status = 'scheduled' AND starts_at > $2
RETURNING confirmed`, sessionID, utc(now)).Scan(&n)
		if err == nil {
			e.Status = training.Confirmed
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return EnrolResult{}, fmt.Errorf("take a seat: %w", err)
		}
		err = tx.QueryRowContext(ctx, `
UPDATE training_sessions SET waitlisted = waitlisted + 1, waitlist_seq = waitlist_seq + 1
WHERE id = $1 AND confirmed >= capacity AND status = 'scheduled' AND starts_at > $2
RETURNING waitlisted, waitlist_seq`, sessionID, utc(now)).Scan(&e.WaitlistPos, &seq)
		if err == nil {
			e.Status = training.Waitlisted
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return EnrolResult{}, fmt.Errorf("join the waiting list: %w", err)
		}
		if try >= 2 || !sess.Open(now) {
			return EnrolResult{}, ErrTrainingClosed
		}
	}

	// Vouchers: reserve them within the allowance, re-reading the use when a
	// concurrent enrolment of the same shop got there first.
	year := sess.VoucherYear(loc)
	shop := training.ShopKey(e.ShopName, e.CommuneNIS)
	var q funding.VoucherQuote
	for try := 0; ; try++ {
		used, err := vouchersUsed(ctx, tx, shop, year)
		if err != nil {
			return EnrolResult{}, err
		}
		q, err = funding.QuoteVouchers(funding.VoucherInput{Training: sess.VoucherTraining(m, loc), Shop: e.VoucherShop(),
			UsedThisYear: used, UseVouchers: e.UseVouchers})
		if err != nil {
			return EnrolResult{}, err
		}
		if q.VoucherHours == 0 {
			break
		}
		allowance, _ := funding.YearlyAllowance(e.VoucherShop())
		var total int
		err = tx.QueryRowContext(ctx, `
INSERT INTO voucher_use (shop_key, year, vouchers, updated_at) VALUES ($1, $2, $3, $5)
ON CONFLICT (shop_key, year) DO UPDATE SET vouchers = voucher_use.vouchers + excluded.vouchers, updated_at = excluded.updated_at
WHERE voucher_use.vouchers + excluded.vouchers <= $4
RETURNING vouchers`, shop, year, q.VoucherHours, allowance, utc(now)).Scan(&total)
		if err == nil {
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return EnrolResult{}, fmt.Errorf("reserve vouchers: %w", err)
		}
		if try >= 4 {
			return EnrolResult{}, fmt.Errorf("reserve vouchers: the allowance kept changing")
		}
	}
	e.VoucherHours, e.ShopPays, e.RegionPays, e.VoucherYear = q.VoucherHours, q.ShopPays, q.RegionPays, year

	var seqArg any
	if e.Status == training.Waitlisted {
		seqArg = seq
	}
	var confirmedAt any
	if e.Status == training.Confirmed {
		confirmedAt = utc(now)
	}
	// A partial unique index keeps one active enrolment per address; look
	// first (a failed INSERT ends a PostgreSQL transaction), and take the
	// index's word for a concurrent one.
	err = tx.QueryRowContext(ctx, `
INSERT INTO training_enrolments (session_id, first_name, last_name, email, email_key, shop_name, shop_key, commune_nis,
    fte_hundredths, use_vouchers, lang, status, waitlist_seq, token, voucher_hours, voucher_year, shop_pays_cents,
    region_pays_cents, confirmed_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id, created_at`,
		sessionID, e.FirstName, e.LastName, e.Email, key, e.ShopName, shop, e.CommuneNIS, int64(e.FTE), e.UseVouchers, e.Lang,
		string(e.Status), seqArg, e.Token, e.VoucherHours, e.VoucherYear, int64(e.ShopPays), int64(e.RegionPays), confirmedAt, utc(now)).
		Scan(&e.ID, &e.CreatedAt)
	if isUniqueViolation(err) {
		return EnrolResult{}, errDuplicateEnrolment
	}
	if err != nil {
		return EnrolResult{}, fmt.Errorf("enrol: %w", err)
	}
	if e.RegionPays > 0 {
		if err := commitVoucherShare(ctx, tx, e, now); err != nil {
			return EnrolResult{}, err
		}
	}
	kind := MailEnrolConfirmed
	if e.Status == training.Waitlisted {
		kind = MailEnrolWaitlisted
	}
	if err := enqueueEnrolmentMail(ctx, tx, compose, kind, e, sess, m, now); err != nil {
		return EnrolResult{}, err
	}
	return EnrolResult{Enrolment: e, Quote: q, Created: true}, nil
}

// commitVoucherShare commits the Region's share of an enrolment's vouchers
// to the first campaign line of the voucher year that has enough left.
func commitVoucherShare(ctx context.Context, tx *sql.Tx, e training.Enrolment, now time.Time) error {
	rows, err := tx.QueryContext(ctx, "SELECT id FROM budget_lines WHERE year = $1 AND kind = 'campaign' ORDER BY id", e.VoucherYear)
	if err != nil {
		return fmt.Errorf("voucher budget: %w", err)
	}
	var lines []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("voucher budget: %w", err)
		}
		lines = append(lines, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("voucher budget: %w", err)
	}
	for _, id := range lines {
		_, err := commitBudget(ctx, tx, funding.Commitment{LineID: id, Kind: funding.CommitVoucher, RefType: RefEnrolment,
			RefID: e.ID, Amount: e.RegionPays, CreatedAt: now}, 0)
		if err == nil {
			return nil
		}
		if !errors.Is(err, funding.ErrBudgetExhausted) {
			return err
		}
	}
	return ErrVoucherBudgetExhausted.With(map[string]any{"Year": e.VoucherYear})
}

func enqueueEnrolmentMail(ctx context.Context, tx *sql.Tx, compose EnrolmentMail, kind string, e training.Enrolment, s training.Session, m training.Module, now time.Time) error {
	if compose == nil {
		return nil
	}
	msg, err := compose(kind, e, s, m)
	if err != nil {
		return err
	}
	msg.RefType, msg.RefID = RefEnrolment, e.ID
	_, err = enqueueMail(ctx, tx, msg, now, now)
	return err
}

// Cancel cancels an enrolment before its session starts, in one
// transaction: the seat goes to the first on the waiting list (who is told
// by mail), the shop's vouchers and the Region's share are released. A
// cancelled enrolment stays cancelled: cancelling again changes nothing.
func (s *EnrolmentStore) Cancel(ctx context.Context, token string, compose EnrolmentMail, now time.Time) (training.Enrolment, error) {
	var out training.Enrolment
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		e, err := getEnrolment(ctx, tx, "token = $1", token)
		if err != nil {
			return err
		}
		out = e
		if !e.Active() {
			return nil
		}
		sess, err := sessionIn(ctx, tx, e.SessionID)
		if err != nil {
			return err
		}
		if sess.Started(now) {
			return ErrTrainingStarted
		}
		res, err := tx.ExecContext(ctx, "UPDATE training_enrolments SET status = 'cancelled', waitlist_seq = NULL, cancelled_at = $1 WHERE id = $2 AND status = $3",
			utc(now), e.ID, string(e.Status))
		if err != nil {
			return fmt.Errorf("cancel enrolment: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("cancel enrolment %d: changed meanwhile", e.ID)
		}
		counter := "confirmed"
		if e.Status == training.Waitlisted {
			counter = "waitlisted"
		}
		res, err = tx.ExecContext(ctx, "UPDATE training_sessions SET "+counter+" = "+counter+" - 1 WHERE id = $1 AND "+counter+" > 0", e.SessionID)
		if err != nil {
			return fmt.Errorf("cancel enrolment: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("cancel enrolment %d: the session's count is off", e.ID)
		}
		if err := releaseVouchers(ctx, tx, e, now); err != nil {
			return err
		}
		out.Status, out.CancelledAt, out.WaitlistPos = training.Withdrawn, utc(now), 0
		if e.Status == training.Confirmed {
			return s.promote(ctx, tx, e.SessionID, compose, now)
		}
		return nil
	})
	return out, err
}

// releaseVouchers gives back an enrolment's vouchers and the Region's share.
func releaseVouchers(ctx context.Context, tx *sql.Tx, e training.Enrolment, now time.Time) error {
	if e.VoucherHours > 0 {
		res, err := tx.ExecContext(ctx, `UPDATE voucher_use SET vouchers = vouchers - $1, updated_at = $2
WHERE shop_key = $3 AND year = $4 AND vouchers >= $1`, e.VoucherHours, utc(now), training.ShopKey(e.ShopName, e.CommuneNIS), e.VoucherYear)
		if err != nil {
			return fmt.Errorf("release vouchers: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("release vouchers of enrolment %d: the shop's count is off", e.ID)
		}
	}
	if _, err := releaseCommitments(ctx, tx, RefEnrolment, e.ID, now); err != nil {
		return err
	}
	return nil
}

// Promoter returns the function that gives a session's free seats to its
// waiting list, for UpdateSession.
func (s *EnrolmentStore) Promoter(compose EnrolmentMail, now time.Time) func(ctx context.Context, tx *sql.Tx, sessionID int64) error {
	return func(ctx context.Context, tx *sql.Tx, sessionID int64) error {
		return s.promote(ctx, tx, sessionID, compose, now)
	}
}

// promote gives free seats to the waiting list, first come first served,
// while the session has not started; each promoted person gets a mail.
func (s *EnrolmentStore) promote(ctx context.Context, tx *sql.Tx, sessionID int64, compose EnrolmentMail, now time.Time) error {
	var sess training.Session
	var m training.Module
	for {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted'
ORDER BY waitlist_seq LIMIT 1`, sessionID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		var n int
		err = tx.QueryRowContext(ctx, `
UPDATE training_sessions SET confirmed = confirmed + 1, waitlisted = waitlisted - 1
WHERE id = $1 AND confirmed < capacity AND waitlisted > 0 AND status = 'scheduled' AND starts_at > $2
RETURNING confirmed`, sessionID, utc(now)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // full again, or too late
		}
		if err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		res, err := tx.ExecContext(ctx, "UPDATE training_enrolments SET status = 'confirmed', waitlist_seq = NULL, confirmed_at = $1 WHERE id = $2 AND status = 'waitlisted'", utc(now), id)
		if err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("promote enrolment %d: changed meanwhile", id)
		}
		if sess.ID == 0 {
			if sess, err = sessionIn(ctx, tx, sessionID); err != nil {
				return err
			}
			if m, err = moduleIn(ctx, tx, sess.ModuleID, 0); err != nil {
				return err
			}
		}
		e, err := getEnrolment(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if err := enqueueEnrolmentMail(ctx, tx, compose, MailEnrolPromoted, e, sess, m, now); err != nil {
			return err
		}
	}
}

// Attendance records whether a confirmed person came and completed the
// module, once the session has started. scope limits a provider account to
// its own sessions.
func (s *EnrolmentStore) Attendance(ctx context.Context, id int64, attended, completed bool, scope int64, now time.Time) (training.Enrolment, error) {
	var out training.Enrolment
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		e, err := getEnrolment(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		sess, err := sessionIn(ctx, tx, e.SessionID)
		if err != nil {
			return err
		}
		if _, err := moduleIn(ctx, tx, sess.ModuleID, scope); err != nil {
			if errors.Is(err, ErrModuleNotFound) {
				return ErrEnrolmentNotFound
			}
			return err
		}
		if e.Status != training.Confirmed {
			return ErrEnrolmentNotConfirmed
		}
		if !sess.Started(now) {
			return ErrTrainingNotStarted
		}
		completed = completed && attended
		_, err = tx.ExecContext(ctx, `UPDATE training_enrolments SET
    attended_at = CASE WHEN $1 THEN COALESCE(attended_at, $3) ELSE NULL END,
    completed_at = CASE WHEN $2 THEN COALESCE(completed_at, $3) ELSE NULL END
WHERE id = $4`, attended, completed, utc(now), id)
		if err != nil {
			return fmt.Errorf("attendance: %w", err)
		}
		out, err = getEnrolment(ctx, tx, "id = $1", id)
		return err
	})
	return out, err
}
