// Package store holds all of Vitrine's SQL, for both engines: the embedded
// SQLite (the default) and PostgreSQL. One SQL text serves both ($N
// placeholders, RETURNING, ON CONFLICT); the few differences live in
// dialect.go. Public methods own their transaction; helpers take the *sql.Tx.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is a handle on one database. On SQLite it keeps a one-connection writer
// (writes are serialised, as SQLite wants) and a pool of readers; on
// PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	w      *sql.DB
	r      *sql.DB
	pool   *pgxpool.Pool
	path   string // SQLite file
	dsn    string
	// The SQLite WAL file as SQLite names it, for the group commits' own
	// flush (walsync.go); "" when the database is not in WAL mode.
	walFile string

	done      chan struct{} // closed by Close: background writers stop
	closeOnce sync.Once
	stmts     sync.Map // query → *sql.Stmt prepared on the SQLite writer
}

// ParseDSN splits a DSN into its engine and target: "sqlite:PATH" or a
// "postgres://…" / "postgresql://…" URL.
func ParseDSN(dsn string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(dsn, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return "", "", errors.New("the sqlite DSN names no file (use sqlite:PATH)")
		}
		return SQLite, p, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	}
	return "", "", fmt.Errorf("unknown database %q: use sqlite:PATH or postgres://…", redact(dsn))
}

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// sqliteDSN builds the modernc DSN: WAL, synchronous=FULL (an acknowledged
// write survives a power loss), a busy timeout for other processes, foreign
// keys, immediate transactions for the writer, and sortable UTC timestamps.
// The path is the file's own name: the characters a "file:" URI would read
// otherwise ("%", "?", "#") are escaped.
func sqliteDSN(path string, writer bool) string {
	path = uriPath.Replace(path)
	q := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	if writer {
		q += "&_txlock=immediate"
	} else {
		q += "&_pragma=query_only(1)"
	}
	return "file:" + path + "?" + q
}

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Open connects to the database named by dsn. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	engine, target, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{Engine: engine, dsn: dsn, done: make(chan struct{})}
	switch engine {
	case SQLite:
		db.path = target
		if db.w, err = sql.Open("sqlite", sqliteDSN(target, true)); err != nil {
			return nil, fmt.Errorf("open %s: %w", target, err)
		}
		db.w.SetMaxOpenConns(1)
		db.w.SetMaxIdleConns(1)
		db.w.SetConnMaxLifetime(0)
		db.w.SetConnMaxIdleTime(0)
		if err := db.w.PingContext(ctx); err != nil {
			db.w.Close()
			return nil, fmt.Errorf("open %s: %w", target, err)
		}
		if db.walFile, err = sqliteWALFile(ctx, db.w); err != nil {
			db.w.Close()
			return nil, fmt.Errorf("open %s: %w", target, err)
		}
		if db.r, err = sql.Open("sqlite", sqliteDSN(target, false)); err != nil {
			db.w.Close()
			return nil, fmt.Errorf("open %s: %w", target, err)
		}
		n := max(4, runtime.NumCPU())
		db.r.SetMaxOpenConns(n)
		db.r.SetMaxIdleConns(n)
	case Postgres:
		cfg, err := pgxpool.ParseConfig(target)
		if err != nil {
			return nil, fmt.Errorf("read the PostgreSQL DSN: %w", err)
		}
		if !strings.Contains(target, "pool_max_conns") {
			cfg.MaxConns = 24
		}
		if cfg.ConnConfig.RuntimeParams == nil {
			cfg.ConnConfig.RuntimeParams = map[string]string{}
		}
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
		if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := db.pool.Ping(pctx); err != nil {
			db.pool.Close()
			return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", redact(target), err)
		}
		db.w = stdlib.OpenDBFromPool(db.pool)
		db.r = db.w
	}
	return db, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.done) })
	db.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	var err error
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Path returns the SQLite file ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// DSN returns the DSN the handle was opened with.
func (db *DB) DSN() string { return db.dsn }

// Writer is the pool for writes; Reader for reads that may lag a write by
// nothing (SQLite WAL readers see every committed transaction).
func (db *DB) Writer() *sql.DB { return db.w }
func (db *DB) Reader() *sql.DB { return db.r }

// Stats returns connection pool statistics for metrics.
func (db *DB) Stats() sql.DBStats { return db.w.Stats() }

// Tx runs fn in a write transaction and commits it, retrying a few times when
// the engine reports a serialisation failure or a deadlock. fn must be safe
// to run again.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.retry(ctx, func() error { return db.tx1(ctx, fn) })
}

// retry runs a transaction's attempt up to five times while it fails for a
// reason a retry can cure (see retryable), a little longer apart each time.
func (db *DB) retry(ctx context.Context, attempt func() error) error {
	var err error
	for i := range 5 {
		err = attempt()
		if err == nil || !db.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return runTx(tx, fn)
}

// runTx runs fn in tx, just begun, then commits tx, or rolls it back when
// fn fails.
func runTx(tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// utc returns t in UTC, so both engines store and sort the same instant.
func utc(t time.Time) time.Time { return t.UTC() }

// nullTime turns a zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullString turns "" into NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Backup writes a consistent copy of a SQLite database to file while others
// keep reading and writing (VACUUM INTO reads one snapshot).
func (db *DB) Backup(ctx context.Context, file string) error {
	if db.Engine != SQLite {
		return errors.New("backup: use pg_dump for PostgreSQL")
	}
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO $1", file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
