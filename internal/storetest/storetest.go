// Package storetest gives tests a fresh, migrated database on each engine.
//
// PostgreSQL: set VITRINE_TEST_POSTGRES to the DSN of a server where the
// user may create databases; otherwise Main starts a throwaway server from the
// PostgreSQL server binaries on the machine and stops it at the end. A
// missing PostgreSQL fails the tests; VITRINE_TEST_POSTGRES=skip skips the
// PostgreSQL half on purpose.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"vitrine/internal/store"
)

// EnvPostgres names the variable that points tests at a PostgreSQL server.
const EnvPostgres = "VITRINE_TEST_POSTGRES"

var (
	mainCalled bool
	pgServer   *server // started by Main when EnvPostgres is unset
	pgErr      error

	tmplOnce sync.Once
	tmplName string
	tmplErr  error
	createMu sync.Mutex

	sqliteOnce sync.Once
	sqliteTmpl string // a migrated SQLite file, copied for each test
	sqliteErr  error
)

// Main runs a package's tests with a PostgreSQL server available. Call it
// from TestMain: func TestMain(m *testing.M) { storetest.Main(m) }.
func Main(m *testing.M) {
	mainCalled = true
	if os.Getenv(EnvPostgres) == "" {
		pgServer, pgErr = startServer()
		if pgErr == nil {
			os.Setenv(EnvPostgres, pgServer.dsn)
		}
	}
	code := m.Run()
	if tmplName != "" {
		if admin, err := sql.Open("pgx", os.Getenv(EnvPostgres)); err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + tmplName + " WITH (FORCE)")
			admin.Close()
		}
	}
	if pgServer != nil {
		pgServer.stop()
	}
	if sqliteTmpl != "" {
		os.RemoveAll(filepath.Dir(sqliteTmpl))
	}
	os.Exit(code)
}

// Engines lists the engines every store test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Each runs fn as a subtest on each engine, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns the stores over a fresh, migrated database, closed at the end
// of the test.
func Open(t testing.TB, e store.Engine) *store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), DSN(t, e))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store.New(db)
}

// DSN returns the DSN of a fresh, migrated database, dropped at the end of
// the test. Tests that start the real program use it.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	switch e {
	case store.SQLite:
		path := filepath.Join(t.TempDir(), "vitrine.db")
		if err := copySQLiteTemplate(path); err != nil {
			t.Fatal(err)
		}
		return "sqlite:" + path
	case store.Postgres:
		return pgDatabase(t)
	}
	t.Fatalf("unknown engine %q", e)
	return ""
}

// copySQLiteTemplate writes a fresh migrated database to path: a copy of a
// file migrated once per test process (migrating and seeding the reference
// data for each test would take most of the suite's time).
func copySQLiteTemplate(path string) error {
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vitrine-sqlite-")
		if err != nil {
			sqliteErr = err
			return
		}
		file := filepath.Join(dir, "template.db")
		db, err := store.Open(context.Background(), "sqlite:"+file)
		if err != nil {
			sqliteErr = err
			return
		}
		if sqliteErr = db.Migrate(context.Background()); sqliteErr == nil {
			// Fold the write-ahead log into the file, so the file alone is the database.
			_, sqliteErr = db.Writer().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		if err := db.Close(); sqliteErr == nil {
			sqliteErr = err
		}
		sqliteTmpl = file
	})
	if sqliteErr != nil {
		return fmt.Errorf("SQLite test template: %w", sqliteErr)
	}
	b, err := os.ReadFile(sqliteTmpl)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// pgDatabase creates a database from a migrated template (made once per test
// process) and drops it when the test ends.
func pgDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	switch {
	case base == "skip":
		t.Skip(EnvPostgres + "=skip: PostgreSQL half skipped on purpose")
	case base == "" && !mainCalled:
		t.Fatal("no PostgreSQL for tests: call storetest.Main from TestMain, or set " + EnvPostgres)
	case base == "":
		t.Fatalf("no PostgreSQL for tests (%v); install the PostgreSQL server or set %s to a server's DSN", pgErr, EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tmplOnce.Do(func() {
		name := "vt_tmpl_" + randomSuffix()
		if _, tmplErr = admin.Exec("CREATE DATABASE " + name); tmplErr != nil {
			return
		}
		dsn, err := withDatabase(base, name)
		if err != nil {
			tmplErr = err
			return
		}
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			tmplErr = err
			return
		}
		tmplErr = db.Migrate(context.Background())
		db.Close()
		tmplName = name
	})
	if tmplErr != nil {
		t.Fatalf("PostgreSQL test template: %v", tmplErr)
	}
	name := "vt_" + randomSuffix()
	createMu.Lock()
	_, err = admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmplName)
	createMu.Unlock()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// withDatabase returns dsn pointing at another database.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL: %w", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
