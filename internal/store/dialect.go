package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The few places where the two engines differ.

// skipLocked is appended to a SELECT that claims rows (jobs, mails): on
// PostgreSQL several instances then claim different rows; SQLite serialises
// writers anyway.
func (db *DB) skipLocked() string {
	if db.Engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// retryable reports whether a transaction failed for a reason that a retry
// can cure: a serialisation failure or deadlock on PostgreSQL, a busy
// database on SQLite (another process held the lock past the busy timeout).
func (db *DB) retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "database is locked")
}

// startBulkWrite readies a SQLite transaction for many writes: a page cache
// of 64 MB instead of 2 MB, so the table and its indexes need not spill
// to the WAL mid-transaction, and statement journals in memory. End it with
// endBulkWrite once the transaction is over. Nothing to do on PostgreSQL.
func (db *DB) startBulkWrite(ctx context.Context, tx *sql.Tx) error {
	if db.Engine != SQLite {
		return nil
	}
	for _, q := range []string{"PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// endBulkWrite gives the SQLite writer its usual settings back (the writer
// is one connection, so this reaches the one startBulkWrite changed).
func (db *DB) endBulkWrite(ctx context.Context) {
	if db.Engine != SQLite {
		return
	}
	db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
	db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = DEFAULT")
}

// stmt is a statement run inside a transaction: on SQLite it is prepared once
// on the writer connection and reused (modernc spends about a third of a
// small statement's time parsing it); PostgreSQL's driver caches prepared
// statements itself.
type stmt struct {
	tx     *sql.Tx
	st     *sql.Stmt
	query  string
	engine Engine // set by prep; zero means RETURNING, which both engines take
}

func (s stmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	if s.st != nil {
		return s.st.QueryRowContext(ctx, args...)
	}
	return s.tx.QueryRowContext(ctx, s.query, args...)
}

func (s stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if s.st != nil {
		return s.st.ExecContext(ctx, args...)
	}
	return s.tx.ExecContext(ctx, s.query, args...)
}

// returningID ends an INSERT into a table keyed by id.
const returningID = " RETURNING id"

// insertID runs an INSERT written without RETURNING and returns the new
// row's id, or sql.ErrNoRows when it inserted nothing (ON CONFLICT DO
// NOTHING). On SQLite the id is the connection's last rowid, which spares
// the single writer a result set for each row (a tenth of its time in a
// batch of diagnostics); otherwise the INSERT gets RETURNING id.
func (s stmt) insertID(ctx context.Context, args ...any) (int64, error) {
	if s.engine == SQLite {
		res, err := s.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return 0, cmp.Or(err, sql.ErrNoRows)
		}
		return res.LastInsertId()
	}
	var id int64
	err := s.tx.QueryRowContext(ctx, s.query+returningID, args...).Scan(&id)
	return id, err
}

// prep returns query for use in tx, prepared when prepareAll prepared it.
func (db *DB) prep(ctx context.Context, tx *sql.Tx, query string) stmt {
	if v, ok := db.stmts.Load(query); ok {
		return stmt{tx: tx, st: tx.StmtContext(ctx, v.(*sql.Stmt)), query: query, engine: db.Engine}
	}
	return stmt{tx: tx, query: query, engine: db.Engine}
}

// batchContext is the context of a batch of writes made on behalf of
// requests that are waiting for it (group commit). On PostgreSQL it times
// out after d, so a batch stuck on the network does not hold the writer for
// ever. On SQLite it is never done: the driver then runs each statement
// without the goroutine and progress handler it sets up to watch a
// context, which took a good part of the single writer's time, and a
// statement there cannot hang: a wait for a lock ends with busy_timeout.
func (db *DB) batchContext(d time.Duration) (context.Context, context.CancelFunc) {
	if db.Engine == SQLite {
		return context.Background(), func() {}
	}
	return context.WithTimeout(context.Background(), d)
}

// prepareAll prepares statements on the SQLite writer. It must run outside
// any transaction: the writer has one connection.
func (db *DB) prepareAll(ctx context.Context, queries ...string) {
	if db.Engine != SQLite {
		return
	}
	for _, q := range queries {
		if _, ok := db.stmts.Load(q); ok {
			continue
		}
		p, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			continue // the statement runs unprepared
		}
		if _, loaded := db.stmts.LoadOrStore(q, p); loaded {
			p.Close()
		}
	}
}
