package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Migrations returns the migration files of an engine.
func Migrations(e Engine) fs.FS {
	sub, err := fs.Sub(migrations, "migrations/"+string(e))
	if err != nil {
		panic(err)
	}
	return sub
}

// Migrate applies pending migrations, then loads the shipped reference data
// into an empty database. Several instances may call it at once on
// PostgreSQL: a session lock makes them take turns.
func (db *DB) Migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.w, Migrations(db.Engine), opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return seedReference(ctx, db)
}

// Version returns the schema version the database is at.
func (db *DB) Version(ctx context.Context) (int64, error) {
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.r, Migrations(db.Engine))
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
