package store

// Recording a completed diagnostic: the group commit that writes them (the
// queue, the groups, their overlapped flush) and the rows of one.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/diagnostic"
	"vitrine/internal/maturity"
)

// Create records a diagnostic, its scores, its link to the shop's first
// diagnostic and its mail in one transaction, and deletes the draft it
// completes. It returns the record as stored: with its ID, its link to the
// first diagnostic and its times. An unknown previous token or information
// session is a field error.
//
// Diagnostics arriving together share a transaction (group commit): on
// SQLite every commit waits for the disk, and a workshop room submits at
// once. Each one still commits with its own mail or not at all.
func (s *DiagnosticStore) Create(ctx context.Context, n NewDiagnostic, now time.Time) (diagnostic.Record, error) {
	answers, err := marshalAnswers(n.Record.Answers)
	if err != nil {
		return diagnostic.Record{}, fmt.Errorf("create diagnostic: %w", err)
	}
	w := &pendingCreate{ctx: ctx, n: n, answers: answers, now: now, done: make(chan struct{})}
	s.queue.mu.Lock()
	s.queue.pending = append(s.queue.pending, w)
	lead := !s.queue.running
	s.queue.running = true
	s.queue.mu.Unlock()
	if lead {
		go s.flushQueue()
	}
	select {
	case <-w.done:
		return w.rec, w.err
	case <-ctx.Done():
		// The request is gone; the diagnostic may still be written.
		return diagnostic.Record{}, ctx.Err()
	}
}

// marshalAnswers writes answers as encoding/json does, keys sorted, without
// its reflection (a twentieth of a submission's CPU) when every question
// and option ID is plain: printable ASCII that JSON writes as is. Anything
// else goes to encoding/json.
func marshalAnswers(a maturity.Answers) (string, error) {
	if a == nil {
		return "null", nil
	}
	keys := make([]string, 0, len(a))
	size := 2
	for k, v := range a {
		if !plainJSON(k) {
			return marshalAnswersJSON(a)
		}
		keys = append(keys, k)
		size += len(k) + 6
		for _, o := range v {
			if !plainJSON(o) {
				return marshalAnswersJSON(a)
			}
			size += len(o) + 3
		}
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		v := a[k]
		if v == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, o := range v {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, o...)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return string(b), nil
}

func marshalAnswersJSON(a maturity.Answers) (string, error) {
	b, err := json.Marshal(a)
	return string(b), err
}

// plainJSON reports whether encoding/json writes s as it is between quotes:
// printable ASCII but the quote, the backslash and what it escapes for HTML.
func plainJSON(s string) bool {
	for i := range len(s) {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// createQueue holds the diagnostics waiting for a transaction.
type createQueue struct {
	mu      sync.Mutex
	pending []*pendingCreate
	running bool // a goroutine is flushing
}

type pendingCreate struct {
	ctx     context.Context
	n       NewDiagnostic
	answers string
	now     time.Time
	rec     diagnostic.Record
	err     error
	done    chan struct{}
}

const insertDiagnostic = `
INSERT INTO diagnostics (token_hash, questionnaire_version, rules_version, lang, answers, commune_nis, sector,
    email, email_key, shop_name, info_session_id, first_id, first_via, mail_key_hash, level, index_tenths,
    answered, created_at, completed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`

// maxGroup bounds the diagnostics of one transaction.
const maxGroup = 128

// flushQueue writes the waiting diagnostics, a group per transaction,
// until none is left. A group is answered once the disk holds it; its flush
// runs while the next group is written, and that group waits for it before
// its own flush (see txSyncLater), so one flush is under way at a time and
// the groups grow while the disk is slow.
func (s *DiagnosticStore) flushQueue() {
	var flushing chan struct{} // closed when the previous group's flush is over
	for {
		s.queue.mu.Lock()
		group := s.queue.pending[:min(len(s.queue.pending), maxGroup)]
		s.queue.pending = s.queue.pending[len(group):]
		if len(group) == 0 {
			s.queue.running, s.queue.pending = false, nil
			s.queue.mu.Unlock()
			return
		}
		s.queue.mu.Unlock()
		t0 := time.Now()
		sync := s.createGroup(group)
		if flushing != nil {
			<-flushing
		}
		flushing = make(chan struct{})
		go s.answerGroup(group, sync, t0, flushing)
	}
}

// answerGroup flushes a written group to the disk, then answers its
// diagnostics: a failed flush fails those it wrote.
func (s *DiagnosticStore) answerGroup(group []*pendingCreate, sync func() error, t0 time.Time, flushed chan struct{}) {
	if err := sync(); err != nil {
		for _, w := range group {
			if w.err == nil {
				w.rec, w.err = diagnostic.Record{}, err
			}
		}
	}
	close(flushed)
	s.metrics.size.Observe(float64(len(group)))
	s.metrics.duration.Observe(time.Since(t0).Seconds())
	for _, w := range group {
		close(w.done)
	}
}

// createGroup writes a group in one transaction and returns the flush that
// makes it durable. A field error (an unknown previous token…) is that
// diagnostic's own and leaves the others; any other error rolls the group
// back, and each is then tried on its own so that the error lands where it
// belongs.
func (s *DiagnosticStore) createGroup(group []*pendingCreate) (sync func() error) {
	noFlush := func() error { return nil }
	live := group[:0:0]
	for _, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return noFlush
	}
	ctx, cancel := s.db.batchContext(30 * time.Second)
	defer cancel()
	queries := []string{insertDiagnostic, outboxInsert, sqlFirstByEmail}
	for _, w := range live {
		if q := scoresQuery(len(w.n.Record.Dimensions)); !slices.Contains(queries, q) {
			queries = append(queries, q)
		}
	}
	s.db.prepareAll(ctx, queries...)
	sync, err := s.db.txSyncLater(ctx, func(tx *sql.Tx) error {
		for _, w := range live {
			w.rec, w.err = s.createOne(ctx, tx, w)
			if w.err != nil && apperr.KindOf(w.err) != apperr.Invalid {
				return w.err
			}
		}
		return nil
	})
	if err == nil {
		return sync
	}
	if len(live) == 1 {
		live[0].rec, live[0].err = diagnostic.Record{}, err
		return noFlush
	}
	// Each on its own, each commit flushed as usual.
	for _, w := range live {
		w.err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			w.rec, err = s.createOne(ctx, tx, w)
			return err
		})
		if w.err != nil {
			w.rec = diagnostic.Record{}
		}
	}
	return noFlush
}

// createOne writes one diagnostic inside the group's transaction.
func (s *DiagnosticStore) createOne(ctx context.Context, tx *sql.Tx, w *pendingCreate) (diagnostic.Record, error) {
	n, now := w.n, w.now
	rec := n.Record
	first, via, err := s.findFirst(ctx, tx, n)
	if err != nil {
		return diagnostic.Record{}, err
	}
	if rec.SessionID != 0 {
		if err := infoSessionExists(ctx, tx, rec.SessionID); err != nil {
			return diagnostic.Record{}, err
		}
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = now
	}
	rec.CreatedAt, rec.CompletedAt, rec.FirstID, rec.FirstVia = utc(rec.CreatedAt), utc(now), first, via
	rec.ID, err = s.db.prep(ctx, tx, insertDiagnostic).insertID(ctx,
		n.TokenHash, rec.Version, rec.RulesVersion, rec.Lang, w.answers, rec.Profile.CommuneNIS,
		rec.Profile.Sector, nullString(rec.Profile.Email), nullString(rec.Profile.EmailKey()), rec.Profile.ShopName,
		nullInt(rec.SessionID), nullInt(first), string(via), nullString(n.MailKeyHash), rec.Level, tenths(rec.Index),
		rec.Answered, rec.CreatedAt, rec.CompletedAt)
	if isUniqueViolation(err) {
		return diagnostic.Record{}, apperr.Errorf(apperr.Conflict, "diagnostic_exists", "diagnostic.error.exists", nil).Wrap(err)
	}
	if err != nil {
		return diagnostic.Record{}, fmt.Errorf("create diagnostic: %w", err)
	}
	if len(rec.Dimensions) > 0 {
		if _, err := s.db.prep(ctx, tx, scoresQuery(len(rec.Dimensions))).ExecContext(ctx, scoresArgs(rec.ID, rec.Dimensions)...); err != nil {
			return diagnostic.Record{}, fmt.Errorf("insert dimension scores: %w", err)
		}
	}
	if n.DraftID != 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM diagnostic_drafts WHERE id = $1", n.DraftID); err != nil {
			return diagnostic.Record{}, fmt.Errorf("delete completed draft: %w", err)
		}
	}
	if n.Mail != nil {
		m := *n.Mail
		m.RefType, m.RefID = MailRefDiagnostic, rec.ID
		if _, err := enqueueMailWith(ctx, s.db.prep(ctx, tx, outboxInsert), m, now, now); err != nil {
			return diagnostic.Record{}, err
		}
	}
	return rec, nil
}

// findFirst returns the shop's first diagnostic and how it was found.
func (s *DiagnosticStore) findFirst(ctx context.Context, tx *sql.Tx, n NewDiagnostic) (int64, diagnostic.Link, error) {
	var first int64
	var err error
	switch {
	case n.PreviousTokenHash != "":
		err = tx.QueryRowContext(ctx, "SELECT COALESCE(first_id, id) FROM diagnostics WHERE token_hash = $1", n.PreviousTokenHash).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, "", apperr.Field("previous_token", diagnostic.KeyPreviousToken, nil)
		}
		return first, diagnostic.LinkToken, err
	case n.PreviousID != 0:
		err = tx.QueryRowContext(ctx, "SELECT COALESCE(first_id, id) FROM diagnostics WHERE id = $1", n.PreviousID).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) {
			// The earlier diagnostic was erased meanwhile: no progress to show.
			return 0, diagnostic.LinkNone, nil
		}
		return first, diagnostic.LinkToken, err
	case n.Record.Profile.EmailKey() != "":
		return firstByEmail(ctx, s.db.prep(ctx, tx, sqlFirstByEmail), n.Record.Profile.EmailKey(), 0)
	}
	return 0, diagnostic.LinkNone, nil
}

const sqlFirstByEmail = `
SELECT COALESCE(first_id, id) FROM diagnostics WHERE email_key = $1 AND id <> $2
ORDER BY completed_at, id LIMIT 1`

// firstByEmail returns the first diagnostic of the earliest one with this
// email, other than except.
func firstByEmail(ctx context.Context, q stmt, emailKey string, except int64) (int64, diagnostic.Link, error) {
	var first int64
	err := q.QueryRowContext(ctx, emailKey, except).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, diagnostic.LinkNone, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("find the first diagnostic: %w", err)
	}
	return first, diagnostic.LinkEmail, nil
}

func infoSessionExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM info_sessions WHERE id = $1", id).Scan(&n); err != nil {
		return fmt.Errorf("find information session: %w", err)
	}
	if n == 0 {
		return apperr.Field("session_id", diagnostic.KeySessionUnknown, nil)
	}
	return nil
}

// scoresQuery writes n dimension scores of a diagnostic in one statement;
// the usual counts are built once.
func scoresQuery(n int) string {
	if n < len(scoresQueries) {
		return scoresQueries[n]
	}
	return buildScoresQuery(n)
}

var scoresQueries = func() (qs [16]string) {
	for n := range qs {
		qs[n] = buildScoresQuery(n)
	}
	return qs
}()

func buildScoresQuery(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO diagnostic_scores (diagnostic_id, dimension, score_tenths) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($1, $%d, $%d)", 2+2*i, 3+2*i)
	}
	return b.String()
}

func scoresArgs(id int64, dims []maturity.DimensionScore) []any {
	args := make([]any, 0, 1+2*len(dims))
	args = append(args, id)
	for _, d := range dims {
		args = append(args, d.ID, tenths(d.Score))
	}
	return args
}
