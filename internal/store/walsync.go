package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"strings"
)

// Group commit with the flush of one group overlapping the writing of the
// next (SQLite).
//
// The writer connection commits with synchronous=FULL: every commit waits
// for the WAL to reach the disk, 0.2–1 ms here and far more when the disk
// stalls, and the single writer does nothing meanwhile. txSyncLater commits
// with synchronous=NORMAL instead, which writes the same WAL frames but
// leaves them in the OS's cache, and hands back the flush: fdatasync of the
// WAL file. Once it returns, everything written to the WAL before it is on
// the disk, the group's commit included, so the group is as durable as with
// FULL, whose only difference in WAL mode is that very flush after each
// commit (checkpoints flush the same way under both). A group is
// acknowledged only after its flush; meanwhile the writer writes the next
// group, which waits, growing, for the flush before its own.

// txSyncLater runs fn in a transaction on the writer and commits it without
// waiting for the disk. The caller must call sync, and tell nobody of the
// transaction before it has returned nil. On PostgreSQL, which has its own
// group commit, or on a SQLite database not in WAL mode, it is Tx and sync
// does nothing.
func (db *DB) txSyncLater(ctx context.Context, fn func(tx *sql.Tx) error) (sync func() error, err error) {
	if db.Engine != SQLite || db.walFile == "" {
		return func() error { return nil }, db.Tx(ctx, fn)
	}
	if err := db.retry(ctx, func() error { return db.txNormal(ctx, fn) }); err != nil {
		return nil, err
	}
	return db.syncWAL, nil
}

// txNormal runs one attempt of txSyncLater on the writer connection, held
// so that nobody else's transaction runs under synchronous=NORMAL.
func (db *DB) txNormal(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	defer func() {
		// Back to FULL before the connection serves anyone else; a
		// connection that cannot be set back is closed instead.
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); ferr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = fmt.Errorf("writer back to synchronous=FULL: %w", ferr)
			}
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fmt.Errorf("writer to synchronous=NORMAL: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return runTx(tx, fn)
}

// sqliteWALFile returns the file of the WAL that SQLite writes for the
// database of w, or "" when the database is not in WAL mode (a file system
// without shared memory, say): its commits then keep their own flush.
func sqliteWALFile(ctx context.Context, w *sql.DB) (string, error) {
	var mode, file string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return "", fmt.Errorf("journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return "", nil
	}
	if err := w.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		return "", fmt.Errorf("database file: %w", err)
	}
	if file == "" {
		return "", nil // a temporary or in-memory database
	}
	return file + "-wal", nil
}

// syncWAL flushes the WAL file to the disk. It opens the file each time:
// SQLite keeps it while the database is open, and a flush through any
// descriptor of a file flushes all of it.
func (db *DB) syncWAL() error {
	f, err := os.OpenFile(db.walFile, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("flush the WAL: %w", err)
	}
	defer f.Close()
	if err := datasync(f); err != nil {
		return fmt.Errorf("flush the WAL: %w", err)
	}
	return nil
}
