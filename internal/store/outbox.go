package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitrine/internal/mail"
)

// OutboxStore keeps the mails to send. A mail is enqueued inside the
// transaction of the change that causes it (EnqueueTx), so a change and its
// mail commit together or not at all.
type OutboxStore struct{ db *DB }

// OutboxMail is a mail in the outbox.
type OutboxMail struct {
	ID        int64
	Message   mail.Message
	Status    string
	Attempts  int
	LastError string
	SendAfter time.Time
	CreatedAt time.Time
	SentAt    time.Time
}

// Enqueue writes a mail to send from sendAfter on.
func (s *OutboxStore) Enqueue(ctx context.Context, m mail.Message, sendAfter, now time.Time) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = enqueueMail(ctx, tx, m, sendAfter, now)
		return err
	})
	return id, err
}

const outboxInsert = `
INSERT INTO outbox (kind, message_id, recipient, subject, text_body, html_body, headers, ref_type, ref_id, batch_id, send_after, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// enqueueMail writes a mail inside the caller's transaction.
func enqueueMail(ctx context.Context, tx *sql.Tx, m mail.Message, sendAfter, now time.Time) (int64, error) {
	return enqueueMailWith(ctx, stmt{tx: tx, query: outboxInsert}, m, sendAfter, now)
}

func enqueueMailWith(ctx context.Context, ins stmt, m mail.Message, sendAfter, now time.Time) (int64, error) {
	headers, err := json.Marshal(m.Headers)
	if err != nil {
		return 0, err
	}
	if m.Headers == nil {
		headers = []byte("{}")
	}
	id, err := ins.insertID(ctx, m.Kind, m.MessageID, m.To, m.Subject, m.Text, m.HTML, string(headers), m.RefType, m.RefID, m.BatchID,
		utc(sendAfter), utc(now))
	if err != nil {
		return 0, fmt.Errorf("enqueue mail: %w", err)
	}
	return id, nil
}

// cancelMails cancels the pending mails about a row (a reminder for a
// cancelled registration…), inside the caller's transaction.
func cancelMails(ctx context.Context, tx *sql.Tx, refType string, refID int64, kinds ...string) error {
	q := "UPDATE outbox SET status = 'cancelled' WHERE ref_type = $1 AND ref_id = $2 AND status = 'pending'"
	args := []any{refType, refID}
	if len(kinds) > 0 {
		var ps []string
		for _, k := range kinds {
			args = append(args, k)
			ps = append(ps, fmt.Sprintf("$%d", len(args)))
		}
		q += " AND kind IN (" + strings.Join(ps, ", ") + ")"
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// Claim takes up to limit due mails for sending and leases them until
// now+lease; another worker (or instance) will not take them meanwhile. A mail
// whose lease ran out (its worker died) is due again.
func (s *OutboxStore) Claim(ctx context.Context, limit int, lease time.Duration, now time.Time, batchFilter func(batchID int64) bool) ([]OutboxMail, error) {
	var out []OutboxMail
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `
SELECT id, kind, message_id, recipient, subject, text_body, html_body, headers, ref_type, ref_id, batch_id, attempts, created_at
FROM outbox
WHERE (status = 'pending' AND send_after <= $1) OR (status = 'sending' AND locked_until < $1)
ORDER BY send_after, id
LIMIT $2`+s.db.skipLocked(), utc(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m OutboxMail
			var headers string
			if err := rows.Scan(&m.ID, &m.Message.Kind, &m.Message.MessageID, &m.Message.To, &m.Message.Subject,
				&m.Message.Text, &m.Message.HTML, &headers, &m.Message.RefType, &m.Message.RefID, &m.Message.BatchID,
				&m.Attempts, &m.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			if headers != "" && headers != "{}" {
				json.Unmarshal([]byte(headers), &m.Message.Headers)
			}
			if batchFilter != nil && !batchFilter(m.Message.BatchID) {
				continue
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range out {
			if _, err := tx.ExecContext(ctx, "UPDATE outbox SET status = 'sending', locked_until = $1, attempts = attempts + 1 WHERE id = $2",
				utc(now.Add(lease)), m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim mails: %w", err)
	}
	return out, nil
}

// MarkSent records delivered mails.
func (s *OutboxStore) MarkSent(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = '' WHERE id = $2 AND status = 'sending'", utc(now), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkFailed records a failed attempt: the mail is tried again at retryAt, or
// given up when retryAt is zero.
func (s *OutboxStore) MarkFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	var err error
	if retryAt.IsZero() {
		_, err = s.db.w.ExecContext(ctx, "UPDATE outbox SET status = 'failed', locked_until = NULL, last_error = $1 WHERE id = $2", reason, id)
	} else {
		_, err = s.db.w.ExecContext(ctx, "UPDATE outbox SET status = 'pending', locked_until = NULL, last_error = $1, send_after = $2 WHERE id = $3", reason, utc(retryAt), id)
	}
	return err
}

// Release puts claimed but unsent mails back (on shutdown).
func (s *OutboxStore) Release(ctx context.Context, ids []int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "UPDATE outbox SET status = 'pending', locked_until = NULL, attempts = attempts - 1 WHERE id = $1 AND status = 'sending'", id); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutboxFilter narrows the outbox listing for staff.
type OutboxFilter struct {
	Status  string
	Kind    string
	RefType string
	RefID   int64
	Limit   int
}

// List returns mails, newest first.
func (s *OutboxStore) List(ctx context.Context, f OutboxFilter) ([]OutboxMail, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.RefType != "" {
		where = append(where, "ref_type = "+arg(f.RefType)+" AND ref_id = "+arg(f.RefID))
	}
	q := `SELECT id, kind, message_id, recipient, subject, text_body, html_body, ref_type, ref_id, batch_id, status, attempts, last_error, send_after, created_at, sent_at FROM outbox`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += " ORDER BY id DESC LIMIT " + arg(f.Limit)
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxMail
	for rows.Next() {
		var m OutboxMail
		var sent sql.NullTime
		if err := rows.Scan(&m.ID, &m.Message.Kind, &m.Message.MessageID, &m.Message.To, &m.Message.Subject, &m.Message.Text,
			&m.Message.HTML, &m.Message.RefType, &m.Message.RefID, &m.Message.BatchID, &m.Status, &m.Attempts, &m.LastError,
			&m.SendAfter, &m.CreatedAt, &sent); err != nil {
			return nil, err
		}
		m.SentAt = sent.Time
		out = append(out, m)
	}
	return out, rows.Err()
}

// Get returns one mail.
func (s *OutboxStore) Get(ctx context.Context, id int64) (OutboxMail, error) {
	var m OutboxMail
	var sent sql.NullTime
	err := s.db.r.QueryRowContext(ctx, `SELECT id, kind, message_id, recipient, subject, text_body, html_body, ref_type, ref_id, batch_id, status, attempts, last_error, send_after, created_at, sent_at FROM outbox WHERE id = $1`, id).
		Scan(&m.ID, &m.Message.Kind, &m.Message.MessageID, &m.Message.To, &m.Message.Subject, &m.Message.Text,
			&m.Message.HTML, &m.Message.RefType, &m.Message.RefID, &m.Message.BatchID, &m.Status, &m.Attempts, &m.LastError,
			&m.SendAfter, &m.CreatedAt, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errNotFoundRow
	}
	m.SentAt = sent.Time
	return m, err
}

// Counts returns how many mails are in each status.
func (s *OutboxStore) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
