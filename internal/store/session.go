package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/sessions"
)

// SessionStore keeps the information sessions.
type SessionStore struct {
	db   *DB
	regs *RegistrationStore // promotes the waiting list when seats are added
}

var (
	ErrSessionNotFound  = apperr.New(apperr.NotFound, "session_not_found", "error.session.not_found")
	ErrCapacityTooSmall = apperr.New(apperr.Conflict, "capacity_below_confirmed", "error.session.capacity_below_confirmed")
)

const sessionCols = `s.id, s.title, s.commune_nis, c.name, s.venue, s.address, s.starts_at, s.ends_at,
    s.capacity, s.confirmed, s.waitlisted, s.notes, s.status, c.latitude, c.longitude, s.created_at, s.updated_at`

func scanSession(row interface{ Scan(...any) error }) (sessions.Session, error) {
	var s sessions.Session
	err := row.Scan(&s.ID, &s.Title, &s.CommuneNIS, &s.Town, &s.Venue, &s.Address, &s.StartsAt, &s.EndsAt,
		&s.Capacity, &s.Confirmed, &s.Waitlisted, &s.Notes, &s.Status, &s.Latitude, &s.Longitude, &s.CreatedAt, &s.UpdatedAt)
	return s, err
}

// Create adds a session.
func (s *SessionStore) Create(ctx context.Context, d sessions.Draft, now time.Time) (sessions.Session, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = createSession(ctx, tx, d, now)
		return err
	})
	if err != nil {
		return sessions.Session{}, err
	}
	return s.Get(ctx, id)
}

func createSession(ctx context.Context, tx *sql.Tx, d sessions.Draft, now time.Time) (int64, error) {
	if err := communeExists(ctx, tx, d.CommuneNIS); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO info_sessions (title, commune_nis, venue, address, starts_at, ends_at, capacity, notes, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $9) RETURNING id`,
		d.Title, d.CommuneNIS, d.Venue, d.Address, utc(d.StartsAt), utc(d.EndsAt), d.Capacity, d.Notes, utc(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create session: %w", err)
	}
	if err := scheduleReminder(ctx, tx, id, d.StartsAt, now); err != nil {
		return 0, err
	}
	return id, nil
}

func communeExists(ctx context.Context, tx *sql.Tx, nis string) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM communes WHERE nis_code = $1", nis).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("commune_nis", "error.commune.unknown", map[string]any{"Value": nis})
	}
	return nil
}

// Update changes a session. Capacity cannot go below the confirmed count.
func (s *SessionStore) Update(ctx context.Context, id int64, d sessions.Draft, now time.Time) (sessions.Session, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := communeExists(ctx, tx, d.CommuneNIS); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
UPDATE info_sessions SET title = $1, commune_nis = $2, venue = $3, address = $4, starts_at = $5,
    ends_at = $6, capacity = $7, notes = $8, updated_at = $9
WHERE id = $10 AND confirmed <= $7`,
			d.Title, d.CommuneNIS, d.Venue, d.Address, utc(d.StartsAt), utc(d.EndsAt), d.Capacity, d.Notes, utc(now), id)
		if err != nil {
			return fmt.Errorf("update session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			// A later date moves the reminder; more seats go to the waiting list.
			if err := scheduleReminder(ctx, tx, id, d.StartsAt, now); err != nil {
				return err
			}
			_, err := s.regs.promote(ctx, tx, id, now)
			return err
		}
		var confirmed int
		err = tx.QueryRowContext(ctx, "SELECT confirmed FROM info_sessions WHERE id = $1", id).Scan(&confirmed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrSessionNotFound
		}
		if err != nil {
			return err
		}
		return ErrCapacityTooSmall.With(map[string]any{"Confirmed": confirmed, "Capacity": d.Capacity})
	})
	s.regs.forget(id)
	if err != nil {
		return sessions.Session{}, err
	}
	return s.Get(ctx, id)
}

// Get returns one session.
func (s *SessionStore) Get(ctx context.Context, id int64) (sessions.Session, error) {
	ss, err := scanSession(s.db.r.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM info_sessions s JOIN communes c ON c.nis_code = s.commune_nis WHERE s.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, ErrSessionNotFound
	}
	if err != nil {
		return ss, fmt.Errorf("get session %d: %w", id, err)
	}
	return ss, nil
}

// SessionFilter narrows a listing. Zero fields do not filter.
type SessionFilter struct {
	From, To   time.Time // start between From (inclusive) and To (exclusive)
	CommuneNIS []string  // any of these communes
	WithStatus sessions.Status
	Limit      int
}

// List returns sessions by start time.
func (s *SessionStore) List(ctx context.Context, f SessionFilter) ([]sessions.Session, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.From.IsZero() {
		where = append(where, "s.starts_at >= "+arg(utc(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "s.starts_at < "+arg(utc(f.To)))
	}
	if len(f.CommuneNIS) > 0 {
		var ps []string
		for _, n := range f.CommuneNIS {
			ps = append(ps, arg(n))
		}
		where = append(where, "s.commune_nis IN ("+strings.Join(ps, ", ")+")")
	}
	if f.WithStatus != "" {
		where = append(where, "s.status = "+arg(string(f.WithStatus)))
	}
	q := "SELECT " + sessionCols + " FROM info_sessions s JOIN communes c ON c.nis_code = s.commune_nis"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY s.starts_at, s.id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []sessions.Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}
