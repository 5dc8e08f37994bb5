package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/outreach"
)

// QuestionStore keeps the questions shopkeepers ask the facilitators of a
// session, their answers, and which of them make the session's public FAQ.
type QuestionStore struct{ db *DB }

var (
	ErrQuestionNotFound = apperr.New(apperr.NotFound, "question_not_found", "error.question.not_found")
	ErrSessionCancelled = apperr.New(apperr.Conflict, "session_cancelled", "error.question.session_cancelled")
)

const questionCols = `id, session_id, text, name, email, source, answer, answered_at, published, created_at`

func scanQuestion(row interface{ Scan(...any) error }) (outreach.Question, error) {
	var q outreach.Question
	var answered sql.NullTime
	err := row.Scan(&q.ID, &q.SessionID, &q.Text, &q.Name, &q.Email, &q.Source, &q.Answer, &answered, &q.Published, &q.CreatedAt)
	q.AnsweredAt = answered.Time
	return q, err
}

// AddOnce records a question as Add does, unless the same address asked
// the same text for the same session already, in which case it returns
// that question: a registration sent again (after a lost answer, or twice)
// does not ask twice.
func (s *QuestionStore) AddOnce(ctx context.Context, q outreach.Question, now time.Time) (outreach.Question, error) {
	q.Normalize()
	if q.Email != "" {
		found, err := scanQuestion(s.db.r.QueryRowContext(ctx, "SELECT "+questionCols+
			" FROM questions WHERE session_id = $1 AND email = $2 AND text = $3 ORDER BY id LIMIT 1", q.SessionID, q.Email, q.Text))
		if err == nil {
			return found, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return q, fmt.Errorf("find question: %w", err)
		}
	}
	return s.Add(ctx, q, 0, now)
}

// Add records a question for a session that is not cancelled. addedBy is
// the staff account that pasted it (0 for a shopkeeper's own question).
func (s *QuestionStore) Add(ctx context.Context, q outreach.Question, addedBy int64, now time.Time) (outreach.Question, error) {
	q.Normalize()
	if err := q.Validate(); err != nil {
		return q, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM info_sessions WHERE id = $1", q.SessionID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrSessionNotFound
		}
		if err != nil {
			return err
		}
		if status == "cancelled" {
			return ErrSessionCancelled
		}
		q.CreatedAt = utc(now)
		return tx.QueryRowContext(ctx, `
INSERT INTO questions (session_id, text, name, email, source, added_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			q.SessionID, q.Text, q.Name, q.Email, string(q.Source), nullInt(addedBy), q.CreatedAt).Scan(&q.ID)
	})
	if err != nil {
		return q, fmt.Errorf("add question: %w", err)
	}
	return q, nil
}

// Get returns one question.
func (s *QuestionStore) Get(ctx context.Context, id int64) (outreach.Question, error) {
	q, err := scanQuestion(s.db.r.QueryRowContext(ctx, "SELECT "+questionCols+" FROM questions WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return q, ErrQuestionNotFound
	}
	if err != nil {
		return q, fmt.Errorf("get question %d: %w", id, err)
	}
	return q, nil
}

// QuestionFilter narrows the questions. Zero fields do not filter.
type QuestionFilter struct {
	SessionID     int64
	PublishedOnly bool
}

// List returns questions, oldest first.
func (s *QuestionStore) List(ctx context.Context, f QuestionFilter) ([]outreach.Question, error) {
	var where []string
	var args []any
	if f.SessionID != 0 {
		args = append(args, f.SessionID)
		where = append(where, fmt.Sprintf("session_id = $%d", len(args)))
	}
	if f.PublishedOnly {
		where = append(where, "published AND answer <> ''")
	}
	q := "SELECT " + questionCols + " FROM questions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.r.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	defer rows.Close()
	out := []outreach.Question{}
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("list questions: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// QuestionCounts sums up a session's questions.
type QuestionCounts struct {
	Total, Unanswered, Published int
}

// CountsBySession returns, for each session with questions, how many.
func (s *QuestionStore) CountsBySession(ctx context.Context) (map[int64]QuestionCounts, error) {
	rows, err := s.db.r.QueryContext(ctx, `
SELECT session_id, COUNT(*), SUM(CASE WHEN answer = '' THEN 1 ELSE 0 END), SUM(CASE WHEN published AND answer <> '' THEN 1 ELSE 0 END)
FROM questions GROUP BY session_id`)
	if err != nil {
		return nil, fmt.Errorf("count questions: %w", err)
	}
	defer rows.Close()
	out := map[int64]QuestionCounts{}
	for rows.Next() {
		var id int64
		var c QuestionCounts
		if err := rows.Scan(&id, &c.Total, &c.Unanswered, &c.Published); err != nil {
			return nil, fmt.Errorf("count questions: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}

// Answer records a facilitator's answer and whether it is published.
func (s *QuestionStore) Answer(ctx context.Context, id int64, a outreach.Answer, by int64, now time.Time) (outreach.Question, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return outreach.Question{}, err
	}
	res, err := s.db.w.ExecContext(ctx, `
UPDATE questions SET answer = $1, published = $2, answered_by = $3, answered_at = $4 WHERE id = $5`,
		a.Text, a.Publish, nullInt(by), utc(now), id)
	if err != nil {
		return outreach.Question{}, fmt.Errorf("answer question: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return outreach.Question{}, ErrQuestionNotFound
	}
	return s.Get(ctx, id)
}
