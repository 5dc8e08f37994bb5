package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitrine/internal/aid"
	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/mail"
	"vitrine/internal/person"
)

// AidStore keeps the aid table (versioned) and the aid applications.
// Approving one commits its amount to a budget line in the same transaction
// as its status change; cancelling an approved one releases the money.
type AidStore struct{ db *DB }

// AidMail composes a mail about an application (kind is one of the Mail…
// constants), inside the transaction that causes it.
type AidMail func(kind string, a aid.Application) (mail.Message, error)

// Kinds of aid mail.
const (
	MailAidReceived = "aid_received"
	MailAidApproved = "aid_approved"
	MailAidRefused  = "aid_refused"
)

// RefAid is the ref_type of mails and budget commitments about an application.
const RefAid = "aid_application"

// Errors about aid.
var (
	ErrAidNotFound     = apperr.New(apperr.NotFound, "aid_application_not_found", "aid.error.not_found")
	ErrAidNotPending   = apperr.New(apperr.Conflict, "aid_application_decided", "aid.error.not_pending")
	ErrAidNotApproved  = apperr.New(apperr.Conflict, "aid_application_not_approved", "aid.error.not_approved")
	ErrAidTableChanged = apperr.New(apperr.Conflict, "aid_table_changed", "aid.error.table_changed")
	ErrAidLineKind     = apperr.Field("budget_line_id", "aid.error.line_kind", nil)
)

// Table returns the current aid table and its version.
func (s *AidStore) Table(ctx context.Context) (funding.AidTable, int, error) {
	return aidTable(ctx, s.db.r)
}

func aidTable(ctx context.Context, q queryer) (funding.AidTable, int, error) {
	var version int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM aid_table_versions").Scan(&version); err != nil {
		return funding.AidTable{}, 0, fmt.Errorf("aid table: %w", err)
	}
	t, err := aidTableVersion(ctx, q, version)
	return t, version, err
}

func aidTableVersion(ctx context.Context, q queryer, version int) (funding.AidTable, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, max_employees, max_turnover_cents, rate_bp, cap_cents
FROM aid_table_rows WHERE version = $1 ORDER BY position`, version)
	if err != nil {
		return funding.AidTable{}, fmt.Errorf("aid table: %w", err)
	}
	defer rows.Close()
	var t funding.AidTable
	for rows.Next() {
		var r funding.AidRow
		if err := rows.Scan(&r.Name, &r.MaxEmployees, &r.MaxTurnover, &r.Rate, &r.Cap); err != nil {
			return t, fmt.Errorf("aid table: %w", err)
		}
		t.Rows = append(t.Rows, r)
	}
	return t, rows.Err()
}

// SetTable stores a new version of the aid table after validating it.
// Applications already made keep the version they were quoted with. base is
// the version the editor started from: if another version was saved since,
// nothing changes and the error says so.
func (s *AidStore) SetTable(ctx context.Context, t funding.AidTable, base int, userID int64, now time.Time) (int, error) {
	if err := t.Validate(); err != nil {
		return 0, err
	}
	var version int
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM aid_table_versions").Scan(&version); err != nil {
			return fmt.Errorf("aid table: %w", err)
		}
		if base != 0 && base != version {
			return ErrAidTableChanged
		}
		version++
		if _, err := tx.ExecContext(ctx, "INSERT INTO aid_table_versions (version, created_by, created_at) VALUES ($1, $2, $3)",
			version, nullInt(userID), utc(now)); err != nil {
			if isUniqueViolation(err) {
				return ErrAidTableChanged
			}
			return fmt.Errorf("aid table: %w", err)
		}
		for i, r := range t.Rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO aid_table_rows (version, position, name, max_employees, max_turnover_cents, rate_bp, cap_cents)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, version, i, r.Name, r.MaxEmployees, int64(r.MaxTurnover), int64(r.Rate), int64(r.Cap)); err != nil {
				return fmt.Errorf("aid table: %w", err)
			}
		}
		return nil
	})
	return version, err
}

const aidCols = `id, token, first_name, last_name, email, shop_name, commune_nis, employees, turnover_cents, item, supplier,
    cost_cents, lang, aid_table_version, COALESCE(aid_row, -1), rate_bp, aid_cents, status, COALESCE(budget_line_id, 0),
    COALESCE(decided_by, 0), decided_at, cancelled_at, created_at`

func scanAid(row interface{ Scan(...any) error }) (aid.Application, error) {
	var a aid.Application
	var decided, cancelled sql.NullTime
	err := row.Scan(&a.ID, &a.Token, &a.FirstName, &a.LastName, &a.Email, &a.ShopName, &a.CommuneNIS, &a.Employees, &a.Turnover,
		&a.Item, &a.Supplier, &a.Cost, &a.Lang, &a.TableVersion, &a.Quote.Row, &a.Quote.RateBasisPoints, &a.Quote.Aid, &a.Status,
		&a.BudgetLineID, &a.DecidedBy, &decided, &cancelled, &a.CreatedAt)
	a.DecidedAt, a.CancelledAt = decided.Time, cancelled.Time
	return a, err
}

func getAid(ctx context.Context, q queryer, where string, arg any) (aid.Application, error) {
	a, err := scanAid(q.QueryRowContext(ctx, "SELECT "+aidCols+" FROM aid_applications WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrAidNotFound
	}
	if err != nil {
		return a, fmt.Errorf("aid application: %w", err)
	}
	return a, nil
}

// Get returns an application by id.
func (s *AidStore) Get(ctx context.Context, id int64) (aid.Application, error) {
	return getAid(ctx, s.db.r, "id = $1", id)
}

// ByToken returns an application by its private token.
func (s *AidStore) ByToken(ctx context.Context, token string) (aid.Application, error) {
	if token == "" || len(token) > 100 {
		return aid.Application{}, ErrAidNotFound
	}
	return getAid(ctx, s.db.r, "token = $1", token)
}

// List returns applications, newest first; status "" lists them all.
func (s *AidStore) List(ctx context.Context, status aid.Status, limit int) ([]aid.Application, error) {
	var args []any
	q := "SELECT " + aidCols + " FROM aid_applications"
	if status != "" {
		q += " WHERE status = " + placeholders(&args, string(status))
	}
	if limit <= 0 {
		limit = 500
	}
	q += " ORDER BY id DESC LIMIT " + placeholders(&args, limit)
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("aid applications: %w", err)
	}
	defer rows.Close()
	var out []aid.Application
	for rows.Next() {
		a, err := scanAid(rows)
		if err != nil {
			return nil, fmt.Errorf("aid applications: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Apply records an application quoted with the current table, and writes
// the acknowledgement mail in the same transaction.
func (s *AidStore) Apply(ctx context.Context, a aid.Application, compose AidMail, now time.Time) (aid.Application, error) {
	a.Token = aid.NewToken()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := communeExists(ctx, tx, a.CommuneNIS); err != nil {
			return err
		}
		t, version, err := aidTable(ctx, tx)
		if err != nil {
			return err
		}
		if err := a.Decide(t, version); err != nil {
			return err
		}
		var row any
		if a.Quote.Row >= 0 {
			row = a.Quote.Row
		}
		err = tx.QueryRowContext(ctx, `
INSERT INTO aid_applications (token, first_name, last_name, email, email_key, shop_name, commune_nis, employees, turnover_cents,
    item, supplier, cost_cents, lang, aid_table_version, aid_row, rate_bp, aid_cents, status, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id, created_at`,
			a.Token, a.FirstName, a.LastName, a.Email, person.EmailKey(a.Email), a.ShopName, a.CommuneNIS, a.Employees,
			int64(a.Turnover), a.Item, a.Supplier, int64(a.Cost), a.Lang, a.TableVersion, row, int64(a.Quote.RateBasisPoints),
			int64(a.Quote.Aid), string(a.Status), utc(now)).Scan(&a.ID, &a.CreatedAt)
		if err != nil {
			return fmt.Errorf("apply for aid: %w", err)
		}
		return enqueueAidMail(ctx, tx, compose, MailAidReceived, a, now)
	})
	return a, err
}

func enqueueAidMail(ctx context.Context, tx *sql.Tx, compose AidMail, kind string, a aid.Application, now time.Time) error {
	if compose == nil {
		return nil
	}
	m, err := compose(kind, a)
	if err != nil {
		return err
	}
	m.RefType, m.RefID = RefAid, a.ID
	_, err = enqueueMail(ctx, tx, m, now, now)
	return err
}

// Approve approves a pending application and commits its aid to a campaign
// budget line, in one transaction: the status changes only from
// "submitted" (one conditional UPDATE), the line's committed amount grows
// only if it stays within the line (one conditional UPDATE), and the
// commitment row and the applicant's mail are written. When the line has
// less left, the error is funding.ErrBudgetExhausted and nothing changes.
func (s *AidStore) Approve(ctx context.Context, id, lineID, userID int64, compose AidMail, now time.Time) (aid.Application, error) {
	var out aid.Application
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, "SELECT kind FROM budget_lines WHERE id = $1", lineID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("budget_line_id", "training.budget.line_not_found", nil)
		}
		if err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		if kind != string(funding.BudgetCampaign) {
			return ErrAidLineKind
		}
		var amount funding.Cents
		err = tx.QueryRowContext(ctx, `
UPDATE aid_applications SET status = 'approved', budget_line_id = $1, decided_by = $2, decided_at = $3
WHERE id = $4 AND status = 'submitted'
RETURNING aid_cents`, lineID, nullInt(userID), utc(now), id).Scan(&amount)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := getAid(ctx, tx, "id = $1", id); err != nil {
				return err
			}
			return ErrAidNotPending
		}
		if err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		if _, err := commitBudget(ctx, tx, funding.Commitment{LineID: lineID, Kind: funding.CommitAid, RefType: RefAid,
			RefID: id, Amount: amount, CreatedAt: now}, userID); err != nil {
			return err
		}
		if out, err = getAid(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		return enqueueAidMail(ctx, tx, compose, MailAidApproved, out, now)
	})
	return out, err
}

// Refuse refuses a pending application and tells the applicant.
func (s *AidStore) Refuse(ctx context.Context, id, userID int64, compose AidMail, now time.Time) (aid.Application, error) {
	var out aid.Application
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE aid_applications SET status = 'refused', decided_by = $1, decided_at = $2
WHERE id = $3 AND status = 'submitted'`, nullInt(userID), utc(now), id)
		if err != nil {
			return fmt.Errorf("refuse: %w", err)
		}
		if out, err = getAid(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrAidNotPending
		}
		return enqueueAidMail(ctx, tx, compose, MailAidRefused, out, now)
	})
	return out, err
}

// Cancel cancels an approved application: the status changes only from
// "approved" and the committed aid goes back to its budget line, in one
// transaction.
func (s *AidStore) Cancel(ctx context.Context, id int64, now time.Time) (aid.Application, error) {
	var out aid.Application
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE aid_applications SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = 'approved'", utc(now), id)
		if err != nil {
			return fmt.Errorf("cancel aid: %w", err)
		}
		if out, err = getAid(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrAidNotApproved
		}
		_, err = releaseCommitments(ctx, tx, RefAid, id, now)
		return err
	})
	return out, err
}

// AidCounts returns how many applications are in each status, and the aid
// they carry.
func (s *AidStore) Counts(ctx context.Context) (map[aid.Status]int, map[aid.Status]funding.Cents, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT status, COUNT(*), COALESCE(SUM(aid_cents), 0) FROM aid_applications GROUP BY status")
	if err != nil {
		return nil, nil, fmt.Errorf("aid counts: %w", err)
	}
	defer rows.Close()
	n, sum := map[aid.Status]int{}, map[aid.Status]funding.Cents{}
	for rows.Next() {
		var st string
		var c int
		var total funding.Cents
		if err := rows.Scan(&st, &c, &total); err != nil {
			return nil, nil, fmt.Errorf("aid counts: %w", err)
		}
		n[aid.Status(strings.TrimSpace(st))], sum[aid.Status(st)] = c, total
	}
	return n, sum, rows.Err()
}
