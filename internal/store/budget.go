package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// BudgetStore keeps the campaign's budget lines and what is committed on them.
type BudgetStore struct{ db *DB }

// BudgetLine is a yearly envelope of money, in cents.
type BudgetLine struct {
	ID             int64
	Name           string
	Year           int
	AmountCents    int64
	CommittedCents int64
	CreatedAt      time.Time
}

// EnsureLine creates the line (name, year) if it does not exist.
func (s *BudgetStore) EnsureLine(ctx context.Context, name string, year int, amountCents int64, now time.Time) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = ensureBudgetLine(ctx, tx, name, year, amountCents, now)
		return err
	})
	return id, err
}

func ensureBudgetLine(ctx context.Context, tx *sql.Tx, name string, year int, amountCents int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO budget_lines (name, year, amount_cents, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (name, year) DO UPDATE SET name = excluded.name
RETURNING id`, name, year, amountCents, utc(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("budget line %s %d: %w", name, year, err)
	}
	return id, nil
}

// Lines returns every budget line, by year then name.
func (s *BudgetStore) Lines(ctx context.Context) ([]BudgetLine, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT id, name, year, amount_cents, committed_cents, created_at FROM budget_lines ORDER BY year, name")
	if err != nil {
		return nil, fmt.Errorf("budget lines: %w", err)
	}
	defer rows.Close()
	var out []BudgetLine
	for rows.Next() {
		var l BudgetLine
		if err := rows.Scan(&l.ID, &l.Name, &l.Year, &l.AmountCents, &l.CommittedCents, &l.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
