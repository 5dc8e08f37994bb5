package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vitrine/internal/apperr"
)

var errNotFoundRow = apperr.New(apperr.NotFound, "not_found", "error.not_found")

// JobStore keeps scheduled work. Several instances may run workers on one
// PostgreSQL: a job is claimed by one of them only (SKIP LOCKED and a lease).
type JobStore struct{ db *DB }

// Job is a unit of scheduled work.
type Job struct {
	ID       int64
	Kind     string
	Payload  string // JSON
	Attempts int
	RunAt    time.Time
}

// Schedule adds a job to run at runAt. With a uniqueKey, scheduling the same
// key again changes nothing (and returns the existing job's id).
func (s *JobStore) Schedule(ctx context.Context, kind, payload, uniqueKey string, runAt, now time.Time) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = scheduleJob(ctx, tx, kind, payload, uniqueKey, runAt, now)
		return err
	})
	return id, err
}

func scheduleJob(ctx context.Context, tx *sql.Tx, kind, payload, uniqueKey string, runAt, now time.Time) (int64, error) {
	if payload == "" {
		payload = "{}"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO jobs (kind, payload, unique_key, run_at, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (unique_key) DO UPDATE SET kind = excluded.kind
RETURNING id`, kind, payload, nullString(uniqueKey), utc(runAt), utc(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("schedule %s: %w", kind, err)
	}
	return id, nil
}

// reschedulePending moves a pending job to another time (a session moved).
func rescheduleJob(ctx context.Context, tx *sql.Tx, uniqueKey string, runAt time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE jobs SET run_at = $1 WHERE unique_key = $2 AND status = 'pending'", utc(runAt), uniqueKey)
	return err
}

// cancelJob cancels a pending job by its key.
func cancelJob(ctx context.Context, tx *sql.Tx, uniqueKey string) error {
	_, err := tx.ExecContext(ctx, "UPDATE jobs SET status = 'cancelled' WHERE unique_key = $1 AND status = 'pending'", uniqueKey)
	return err
}

// Claim takes one due job and leases it until now+lease.
func (s *JobStore) Claim(ctx context.Context, lease time.Duration, now time.Time) (Job, bool, error) {
	var j Job
	found := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		found = false
		err := tx.QueryRowContext(ctx, `
SELECT id, kind, payload, attempts, run_at FROM jobs
WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1)
ORDER BY run_at, id LIMIT 1`+s.db.skipLocked(), utc(now)).Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempts, &j.RunAt)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		_, err = tx.ExecContext(ctx, "UPDATE jobs SET status = 'running', locked_until = $1, attempts = attempts + 1 WHERE id = $2", utc(now.Add(lease)), j.ID)
		return err
	})
	if err != nil {
		return j, false, fmt.Errorf("claim job: %w", err)
	}
	return j, found, nil
}

// Done marks a job finished.
func (s *JobStore) Done(ctx context.Context, id int64, now time.Time) error {
	_, err := s.db.w.ExecContext(ctx, "UPDATE jobs SET status = 'done', done_at = $1, locked_until = NULL WHERE id = $2", utc(now), id)
	return err
}

// Failed records a failed run: retried at retryAt, or given up when zero.
func (s *JobStore) Failed(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	var err error
	if retryAt.IsZero() {
		_, err = s.db.w.ExecContext(ctx, "UPDATE jobs SET status = 'failed', last_error = $1, locked_until = NULL WHERE id = $2", reason, id)
	} else {
		_, err = s.db.w.ExecContext(ctx, "UPDATE jobs SET status = 'pending', last_error = $1, run_at = $2, locked_until = NULL WHERE id = $3", reason, utc(retryAt), id)
	}
	return err
}

// Status returns a job's status.
func (s *JobStore) Status(ctx context.Context, id int64) (string, error) {
	var st string
	err := s.db.r.QueryRowContext(ctx, "SELECT status FROM jobs WHERE id = $1", id).Scan(&st)
	return st, err
}
