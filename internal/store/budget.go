package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
)

// BudgetStore keeps the campaign's budget lines and every amount committed
// against them. A line is never overspent: a commitment is one conditional
// UPDATE (commitBudget), in the transaction of the change that causes it.
type BudgetStore struct{ db *DB }

// Errors about budgets.
var (
	ErrBudgetLineNotFound  = apperr.New(apperr.NotFound, "budget_line_not_found", "training.budget.line_not_found")
	ErrBudgetLineExists    = apperr.New(apperr.Conflict, "budget_line_exists", "training.budget.line_exists")
	ErrCommitmentNotFound  = apperr.New(apperr.NotFound, "commitment_not_found", "training.budget.commitment_not_found")
	ErrCommitmentReleased  = apperr.New(apperr.Conflict, "commitment_released", "training.budget.commitment_released")
	ErrCommitmentNotManual = apperr.New(apperr.Conflict, "commitment_not_partnership", "training.budget.commitment_not_partnership")
)

const budgetLineCols = "id, name, year, kind, amount_cents, committed_cents"

func scanBudgetLine(row interface{ Scan(...any) error }) (funding.BudgetLine, error) {
	var l funding.BudgetLine
	err := row.Scan(&l.ID, &l.Name, &l.Year, &l.Kind, &l.Amount, &l.Committed)
	return l, err
}

// EnsureLine creates the line (name, year) if it does not exist, and
// returns its id.
func (s *BudgetStore) EnsureLine(ctx context.Context, l funding.BudgetLine, now time.Time) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = ensureBudgetLine(ctx, tx, l, now)
		return err
	})
	return id, err
}

func ensureBudgetLine(ctx context.Context, tx *sql.Tx, l funding.BudgetLine, now time.Time) (int64, error) {
	if l.Kind == "" {
		l.Kind = funding.BudgetCampaign
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO budget_lines (name, year, kind, amount_cents, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name, year) DO UPDATE SET name = excluded.name
RETURNING id`, l.Name, l.Year, string(l.Kind), int64(l.Amount), utc(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("budget line %s %d: %w", l.Name, l.Year, err)
	}
	return id, nil
}

// CreateLine adds a line; a line with the same name and year is a conflict.
func (s *BudgetStore) CreateLine(ctx context.Context, l funding.BudgetLine, now time.Time) (funding.BudgetLine, error) {
	if l.Kind == "" {
		l.Kind = funding.BudgetCampaign
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
INSERT INTO budget_lines (name, year, kind, amount_cents, created_at) VALUES ($1, $2, $3, $4, $5)
RETURNING `+budgetLineCols, l.Name, l.Year, string(l.Kind), int64(l.Amount), utc(now)).
			Scan(&l.ID, &l.Name, &l.Year, &l.Kind, &l.Amount, &l.Committed)
		if isUniqueViolation(err) {
			return ErrBudgetLineExists
		}
		return err
	})
	if err != nil && apperr.KindOf(err) == apperr.Internal {
		err = fmt.Errorf("create budget line: %w", err)
	}
	return l, err
}

// Lines returns every budget line, by year then name.
func (s *BudgetStore) Lines(ctx context.Context) ([]funding.BudgetLine, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+budgetLineCols+" FROM budget_lines ORDER BY year, name")
	if err != nil {
		return nil, fmt.Errorf("budget lines: %w", err)
	}
	defer rows.Close()
	var out []funding.BudgetLine
	for rows.Next() {
		l, err := scanBudgetLine(rows)
		if err != nil {
			return nil, fmt.Errorf("budget lines: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Line returns one budget line.
func (s *BudgetStore) Line(ctx context.Context, id int64) (funding.BudgetLine, error) {
	l, err := scanBudgetLine(s.db.r.QueryRowContext(ctx, "SELECT "+budgetLineCols+" FROM budget_lines WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrBudgetLineNotFound
	}
	if err != nil {
		return l, fmt.Errorf("budget line %d: %w", id, err)
	}
	return l, nil
}

// Commit commits a partnership amount against a partnerships line: 409
// budget exhausted when the line has less left, and nothing changes.
func (s *BudgetStore) Commit(ctx context.Context, lineID int64, amount funding.Cents, note string, userID int64, now time.Time) (funding.Commitment, error) {
	c := funding.Commitment{LineID: lineID, Kind: funding.CommitPartnership, Amount: amount, Note: note, Active: true, CreatedAt: now}
	if amount <= 0 || amount > funding.MaxCents {
		return c, apperr.Field("amount_eur", "funding.budget.amount_invalid", nil)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, "SELECT kind FROM budget_lines WHERE id = $1", lineID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBudgetLineNotFound
		}
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		if kind != string(funding.BudgetPartnerships) {
			return apperr.Field("budget_line_id", "training.budget.line_not_partnerships", nil)
		}
		c.ID, err = commitBudget(ctx, tx, c, userID)
		return err
	})
	return c, err
}

// Release releases a partnership commitment; the money goes back to its line.
func (s *BudgetStore) Release(ctx context.Context, id int64, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var kind, status string
		err := tx.QueryRowContext(ctx, "SELECT kind, status FROM budget_commitments WHERE id = $1", id).Scan(&kind, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrCommitmentNotFound
		case err != nil:
			return fmt.Errorf("release commitment: %w", err)
		case kind != string(funding.CommitPartnership):
			return ErrCommitmentNotManual
		case status != "active":
			return ErrCommitmentReleased
		}
		_, err = releaseWhere(ctx, tx, "id = $1", []any{id}, now)
		return err
	})
}

// Commitments returns a line's commitments, newest first.
func (s *BudgetStore) Commitments(ctx context.Context, lineID int64) ([]funding.Commitment, error) {
	rows, err := s.db.r.QueryContext(ctx, `
SELECT id, budget_line_id, kind, ref_type, ref_id, amount_cents, note, status, created_at, released_at
FROM budget_commitments WHERE budget_line_id = $1 ORDER BY id DESC`, lineID)
	if err != nil {
		return nil, fmt.Errorf("commitments: %w", err)
	}
	defer rows.Close()
	var out []funding.Commitment
	for rows.Next() {
		var c funding.Commitment
		var status string
		var released sql.NullTime
		if err := rows.Scan(&c.ID, &c.LineID, &c.Kind, &c.RefType, &c.RefID, &c.Amount, &c.Note, &status, &c.CreatedAt, &released); err != nil {
			return nil, fmt.Errorf("commitments: %w", err)
		}
		c.Active = status == "active"
		if released.Valid {
			t := released.Time
			c.ReleasedAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ActiveTotal returns the sum of a line's active commitments, which the
// line's committed amount must always equal (tests and audits).
func (s *BudgetStore) ActiveTotal(ctx context.Context, lineID int64) (funding.Cents, error) {
	var total funding.Cents
	err := s.db.r.QueryRowContext(ctx, "SELECT COALESCE(SUM(amount_cents), 0) FROM budget_commitments WHERE budget_line_id = $1 AND status = 'active'", lineID).Scan(&total)
	return total, err
}

// commitBudget commits c.Amount against line c.LineID inside tx: ONE
// conditional statement adds it only if the line keeps committed ≤ amount
// (PostgreSQL re-checks the condition after waiting on the row lock; SQLite
// runs one writer at a time), then the commitment row is written. When the
// line has less left, nothing is written and the error is
// funding.ErrBudgetExhausted carrying what remains.
func commitBudget(ctx context.Context, tx *sql.Tx, c funding.Commitment, userID int64) (int64, error) {
	var committed funding.Cents
	err := tx.QueryRowContext(ctx, `
UPDATE budget_lines SET committed_cents = committed_cents + $1
WHERE id = $2 AND committed_cents + $1 <= amount_cents
RETURNING committed_cents`, int64(c.Amount), c.LineID).Scan(&committed)
	if errors.Is(err, sql.ErrNoRows) {
		l, err := scanBudgetLine(tx.QueryRowContext(ctx, "SELECT "+budgetLineCols+" FROM budget_lines WHERE id = $1", c.LineID))
		if errors.Is(err, sql.ErrNoRows) {
			return 0, ErrBudgetLineNotFound
		}
		if err != nil {
			return 0, fmt.Errorf("commit budget: %w", err)
		}
		return 0, funding.ErrBudgetExhausted.With(map[string]any{"remaining": l.Remaining()})
	}
	if err != nil {
		return 0, fmt.Errorf("commit budget: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `
INSERT INTO budget_commitments (budget_line_id, kind, ref_type, ref_id, amount_cents, note, status, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8) RETURNING id`,
		c.LineID, string(c.Kind), c.RefType, c.RefID, int64(c.Amount), c.Note, nullInt(userID), utc(c.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("commit budget: %w", err)
	}
	return id, nil
}

// releaseCommitments releases the active commitments paying for a row
// (refType, refID) inside tx and gives the money back to their lines. It
// returns the amount released.
func releaseCommitments(ctx context.Context, tx *sql.Tx, refType string, refID int64, now time.Time) (funding.Cents, error) {
	return releaseWhere(ctx, tx, "ref_type = $1 AND ref_id = $2", []any{refType, refID}, now)
}

func releaseWhere(ctx context.Context, tx *sql.Tx, where string, args []any, now time.Time) (funding.Cents, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, budget_line_id, amount_cents FROM budget_commitments WHERE status = 'active' AND "+where+" ORDER BY id", args...)
	if err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	type item struct {
		id, line int64
		amount   funding.Cents
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.line, &it.amount); err != nil {
			rows.Close()
			return 0, fmt.Errorf("release: %w", err)
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	var total funding.Cents
	for _, it := range items {
		// The status change is conditional too: a concurrent release of the
		// same row finds it released and gives nothing back twice.
		res, err := tx.ExecContext(ctx, "UPDATE budget_commitments SET status = 'released', released_at = $1 WHERE id = $2 AND status = 'active'", utc(now), it.id)
		if err != nil {
			return 0, fmt.Errorf("release: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		res, err = tx.ExecContext(ctx, "UPDATE budget_lines SET committed_cents = committed_cents - $1 WHERE id = $2 AND committed_cents >= $1", int64(it.amount), it.line)
		if err != nil {
			return 0, fmt.Errorf("release: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return 0, fmt.Errorf("release commitment %d: line %d holds less than %s", it.id, it.line, it.amount)
		}
		total += it.amount
	}
	return total, nil
}
