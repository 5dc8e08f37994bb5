package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"vitrine/internal/apperr"
	"vitrine/internal/contact"
	"vitrine/internal/csvin"
	"vitrine/internal/person"
)

// ContactStore keeps the shopkeepers' address book and its imports.
type ContactStore struct {
	db       *DB
	communes *CommuneStore
}

var (
	ErrContactNotFound = apperr.New(apperr.NotFound, "contact_not_found", "error.contact.not_found")
	ErrImportNotFound  = apperr.New(apperr.NotFound, "import_not_found", "error.contact.import_not_found")
)

// Import statuses.
const (
	ImportRunning  = "running"
	ImportDone     = "done"
	ImportRejected = "rejected" // lines were rejected: nothing was written
	ImportFailed   = "failed"   // the file could not be read, or the database failed
)

// MaxReportedLines bounds the rejected lines kept with an import; the
// answer to the import itself names them all.
const MaxReportedLines = 1000

// Import is one import of a contacts file and what it did.
type Import struct {
	ID         int64
	UserID     int64
	Actor      string
	FileName   string
	Status     string
	Lines      int
	Added      int
	Updated    int
	Unchanged  int
	Rejected   int
	Bad        []csvin.LineError // the rejected lines (at most MaxReportedLines once stored)
	Problem    string            // message key of a whole-file problem
	CreatedAt  time.Time
	FinishedAt time.Time
}

// ImportPhase names a step of an import, for progress displays.
type ImportPhase string

const (
	PhaseChecking ImportPhase = "checking"
	PhaseWriting  ImportPhase = "writing"
)

// ImportProgress hears how far an import has come: done of about total
// lines in phase. It may be nil.
type ImportProgress func(phase ImportPhase, done, total int)

// StartImport records an import about to run and returns its id.
func (s *ContactStore) StartImport(ctx context.Context, by Actor, fileName string, now time.Time) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `
INSERT INTO contact_imports (user_id, actor, file_name, status, created_at) VALUES ($1, $2, $3, 'running', $4) RETURNING id`,
			nullInt(by.UserID), by.Name, fileName, utc(now)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("start import: %w", err)
	}
	return id, nil
}

// Import reads, checks and applies a contacts file (see RunImport).
func (s *ContactStore) Import(ctx context.Context, data []byte, by Actor, fileName string, progress ImportProgress, now func() time.Time) (Import, error) {
	id, err := s.StartImport(ctx, by, fileName, now())
	if err != nil {
		return Import{}, err
	}
	return s.RunImport(ctx, id, data, progress, now)
}

// RunImport reads and checks every line of a contacts file first, then
// applies it all or nothing: when a line is rejected nothing is written and
// the import is "rejected" with every line's reason; otherwise one
// transaction adds the new addresses and updates the known ones (a value the
// file leaves empty keeps the old one, an opt-out stays). The import's row
// records the outcome. A file that cannot be read at all is an Invalid
// error, recorded as "failed".
func (s *ContactStore) RunImport(ctx context.Context, id int64, data []byte, progress ImportProgress, now func() time.Time) (Import, error) {
	if progress == nil {
		progress = func(ImportPhase, int, int) {}
	}
	imp := Import{ID: id}
	dir, err := s.communes.Directory(ctx)
	if err != nil {
		return imp, s.failImport(ctx, id, err, now())
	}
	parsed, err := contact.Parse(data, dir, func(done, total int) { progress(PhaseChecking, done, total) })
	if err != nil {
		return imp, s.failImport(ctx, id, err, now())
	}
	imp.Lines, imp.Rejected = parsed.Lines, len(parsed.Bad)
	if len(parsed.Bad) > 0 {
		imp.Status, imp.Bad = ImportRejected, parsed.Bad
		if err := s.finishImport(ctx, s.db.w, &imp, now()); err != nil {
			return imp, err
		}
		imp.Bad = parsed.Bad
		return imp, nil
	}
	if err := s.apply(ctx, parsed.Rows, &imp, progress, now()); err != nil {
		return imp, s.failImport(ctx, id, err, now())
	}
	return imp, nil
}

// sortImport sorts checked rows against the known contacts with the same
// addresses: what to write (new, or merged with the known details) and the
// counts.
func sortImport(rows []contact.Row, existing map[string]contact.Contact, imp *Import) []contact.Contact {
	imp.Added, imp.Updated, imp.Unchanged = 0, 0, 0
	todo := make([]contact.Contact, 0, len(rows))
	for _, r := range rows {
		c := r.Contact
		if old, ok := existing[c.Key()]; ok {
			m := contact.Merge(old, c)
			if contact.Same(old, m) {
				imp.Unchanged++
				continue
			}
			imp.Updated++
			c = m
		} else {
			imp.Added++
		}
		todo = append(todo, c)
	}
	return todo
}

// apply writes checked rows and finishes the import in one transaction.
// SQLite takes one prepared single-row upsert per contact (modernc binds
// many-valued statements slowly), with a bigger page cache and an in-memory
// statement journal for the time of the import. PostgreSQL copies the rows
// into a temporary table and upserts them in one statement (see
// applyPostgres).
func (s *ContactStore) apply(ctx context.Context, rows []contact.Row, imp *Import, progress ImportProgress, now time.Time) error {
	if s.db.Engine == Postgres {
		return s.applyPostgres(ctx, rows, imp, progress, now)
	}
	defer s.db.endBulkWrite(ctx)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.startBulkWrite(ctx, tx); err != nil {
			return err
		}
		existing, err := contactsByKey(ctx, tx, rows)
		if err != nil {
			return err
		}
		todo := sortImport(rows, existing, imp)
		progress(PhaseWriting, 0, len(todo))
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO contacts ("+contactInsertCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"+upsertContactsSet)
		if err != nil {
			return fmt.Errorf("write contacts: %w", err)
		}
		defer stmt.Close()
		for i, c := range todo {
			if _, err := stmt.ExecContext(ctx, c.Email, c.Key(), c.FirstName, c.LastName, c.ShopName, c.Sector,
				nullString(c.CommuneNIS), c.Phone, string(c.LegalBasis), c.Source, imp.ID, utc(now)); err != nil {
				return fmt.Errorf("write contacts: %w", err)
			}
			if (i+1)%progressEvery == 0 {
				progress(PhaseWriting, i+1, len(todo))
			}
		}
		progress(PhaseWriting, len(todo), len(todo))
		imp.Status = ImportDone
		return s.finishImport(ctx, tx, imp, now)
	})
}

// applyPostgres writes checked rows on PostgreSQL in one pgx transaction:
// the known contacts are read with one query, the rows to write are copied
// into a temporary table (COPY), and one INSERT … SELECT … ON CONFLICT
// upserts them all.
func (s *ContactStore) applyPostgres(ctx context.Context, rows []contact.Row, imp *Import, progress ImportProgress, now time.Time) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("write contacts: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Contact.Key()
	}
	rs, err := tx.Query(ctx, "SELECT "+contactCols+" FROM contacts WHERE email_key = ANY($1)", keys)
	if err != nil {
		return fmt.Errorf("read contacts: %w", err)
	}
	existing := map[string]contact.Contact{}
	for rs.Next() {
		c, err := scanContact(rs)
		if err != nil {
			rs.Close()
			return fmt.Errorf("read contacts: %w", err)
		}
		existing[c.Key()] = c
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("read contacts: %w", err)
	}
	todo := sortImport(rows, existing, imp)
	progress(PhaseWriting, 0, len(todo))
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE contacts_in (email TEXT, email_key TEXT, first_name TEXT, last_name TEXT,
    shop_name TEXT, sector TEXT, commune_nis TEXT, phone TEXT, legal_basis TEXT, source TEXT) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("write contacts: %w", err)
	}
	cols := []string{"email", "email_key", "first_name", "last_name", "shop_name", "sector", "commune_nis", "phone", "legal_basis", "source"}
	i := 0
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"contacts_in"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(todo) {
			return nil, nil
		}
		c := todo[i]
		if i++; i%progressEvery == 0 {
			progress(PhaseWriting, i, len(todo))
		}
		return []any{c.Email, c.Key(), c.FirstName, c.LastName, c.ShopName, c.Sector, nullString(c.CommuneNIS), c.Phone, string(c.LegalBasis), c.Source}, nil
	}))
	if err != nil {
		return fmt.Errorf("write contacts: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO contacts ("+contactInsertCols+`)
SELECT email, email_key, first_name, last_name, shop_name, sector, commune_nis, phone, legal_basis, source, $1, $2, $2
FROM contacts_in`+upsertContactsSet, imp.ID, utc(now)); err != nil {
		return fmt.Errorf("write contacts: %w", err)
	}
	progress(PhaseWriting, len(todo), len(todo))
	imp.Status = ImportDone
	if err := s.finishImport(ctx, pgxExec{tx}, imp, now); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit contacts: %w", err)
	}
	return nil
}

// pgxExec lets helpers written for database/sql run in a pgx transaction.
type pgxExec struct{ tx pgx.Tx }

func (p pgxExec) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	_, err := p.tx.Exec(ctx, q, args...)
	return nil, err
}

// progressEvery is how many written rows pass between two progress calls.
const progressEvery = 5000

const contactInsertCols = "email, email_key, first_name, last_name, shop_name, sector, commune_nis, phone, legal_basis, source, import_id, created_at, updated_at"

// upsertContactsSet updates a known address with the merged details; the
// opt-out and the creation date stay.
const upsertContactsSet = ` ON CONFLICT (email_key) DO UPDATE SET email = excluded.email, first_name = excluded.first_name,
    last_name = excluded.last_name, shop_name = excluded.shop_name, sector = excluded.sector,
    commune_nis = excluded.commune_nis, phone = excluded.phone, legal_basis = excluded.legal_basis,
    import_id = excluded.import_id, updated_at = excluded.updated_at`

const contactCols = `id, email, first_name, last_name, shop_name, sector, COALESCE(commune_nis, ''), phone, legal_basis,
    source, COALESCE(import_id, 0), opted_out_at, created_at, updated_at`

func scanContact(row interface{ Scan(...any) error }) (contact.Contact, error) {
	var c contact.Contact
	var opted sql.NullTime
	err := row.Scan(&c.ID, &c.Email, &c.FirstName, &c.LastName, &c.ShopName, &c.Sector, &c.CommuneNIS, &c.Phone,
		&c.LegalBasis, &c.Source, &c.ImportID, &opted, &c.CreatedAt, &c.UpdatedAt)
	c.OptedOutAt = opted.Time
	return c, err
}

// keyChunk is how many addresses one lookup of known contacts carries.
var keyChunk = 5000

// contactsByKey reads, on SQLite, the known contacts whose addresses the
// rows carry: the keys go as one JSON array a query (modernc binds long
// lists of values slowly), read with json_each.
func contactsByKey(ctx context.Context, tx *sql.Tx, rows []contact.Row) (map[string]contact.Contact, error) {
	chunk := keyChunk
	out := map[string]contact.Contact{}
	stmt, err := tx.PrepareContext(ctx, "SELECT "+contactCols+" FROM contacts WHERE email_key IN (SELECT value FROM json_each($1))")
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	defer stmt.Close()
	keys := make([]string, 0, chunk)
	for start := 0; start < len(rows); start += chunk {
		keys = keys[:0]
		for _, r := range rows[start:min(start+chunk, len(rows))] {
			keys = append(keys, r.Contact.Key())
		}
		list, err := json.Marshal(keys)
		if err != nil {
			return nil, err
		}
		rs, err := stmt.QueryContext(ctx, string(list))
		if err != nil {
			return nil, fmt.Errorf("read contacts: %w", err)
		}
		for rs.Next() {
			c, err := scanContact(rs)
			if err != nil {
				rs.Close()
				return nil, fmt.Errorf("read contacts: %w", err)
			}
			out[c.Key()] = c
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("read contacts: %w", err)
		}
	}
	return out, nil
}

// report is what an import row keeps of its rejected lines or its problem.
type report struct {
	Problem string            `json:"problem,omitempty"`
	Args    map[string]any    `json:"args,omitempty"`
	Lines   []csvin.LineError `json:"lines,omitempty"`
}

func (s *ContactStore) finishImport(ctx context.Context, ex execer, imp *Import, now time.Time) error {
	r := report{Problem: imp.Problem, Lines: imp.Bad}
	if len(r.Lines) > MaxReportedLines {
		r.Lines = r.Lines[:MaxReportedLines]
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	imp.FinishedAt = utc(now)
	_, err = ex.ExecContext(ctx, `
UPDATE contact_imports SET status = $1, lines = $2, added = $3, updated = $4, unchanged = $5, rejected = $6,
    report = $7, finished_at = $8 WHERE id = $9`,
		imp.Status, imp.Lines, imp.Added, imp.Updated, imp.Unchanged, imp.Rejected, string(b), imp.FinishedAt, imp.ID)
	if err != nil {
		return fmt.Errorf("finish import %d: %w", imp.ID, err)
	}
	return nil
}

// failImport records that an import could not run and returns cause.
func (s *ContactStore) failImport(ctx context.Context, id int64, cause error, now time.Time) error {
	imp := Import{ID: id, Status: ImportFailed, Problem: "error.internal"}
	if e, ok := apperr.As(cause); ok && e.Kind != apperr.Internal {
		imp.Problem = e.Key
	}
	if err := s.finishImport(context.WithoutCancel(ctx), s.db.w, &imp, now); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

const importCols = `id, COALESCE(user_id, 0), actor, file_name, status, lines, added, updated, unchanged, rejected, report, created_at, finished_at`

func scanImport(row interface{ Scan(...any) error }) (Import, error) {
	var imp Import
	var rep string
	var finished sql.NullTime
	err := row.Scan(&imp.ID, &imp.UserID, &imp.Actor, &imp.FileName, &imp.Status, &imp.Lines, &imp.Added, &imp.Updated,
		&imp.Unchanged, &imp.Rejected, &rep, &imp.CreatedAt, &finished)
	if err != nil {
		return imp, err
	}
	imp.FinishedAt = finished.Time
	if rep != "" {
		var r report
		if err := json.Unmarshal([]byte(rep), &r); err == nil {
			imp.Problem, imp.Bad = r.Problem, r.Lines
		}
	}
	return imp, nil
}

// GetImport returns one import.
func (s *ContactStore) GetImport(ctx context.Context, id int64) (Import, error) {
	imp, err := scanImport(s.db.r.QueryRowContext(ctx, "SELECT "+importCols+" FROM contact_imports WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return imp, ErrImportNotFound
	}
	if err != nil {
		return imp, fmt.Errorf("get import %d: %w", id, err)
	}
	return imp, nil
}

// Imports returns the latest imports, newest first (without their reports).
func (s *ContactStore) Imports(ctx context.Context, limit int) ([]Import, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+strings.Replace(importCols, "report", "''", 1)+" FROM contact_imports ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		imp, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		out = append(out, imp)
	}
	return out, rows.Err()
}

// ContactFilter narrows the address book. Zero fields do not filter.
type ContactFilter struct {
	Query      string // in the address, the names or the shop's name
	CommuneNIS string
	Limit      int // 0: no limit
	Offset     int
}

func (f ContactFilter) where() (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := arg("%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%")
		where = append(where, "(email_key LIKE "+p+" ESCAPE '\\' OR LOWER(first_name) LIKE "+p+" ESCAPE '\\' OR LOWER(last_name) LIKE "+p+" ESCAPE '\\' OR LOWER(shop_name) LIKE "+p+" ESCAPE '\\')")
	}
	if f.CommuneNIS != "" {
		where = append(where, "commune_nis = "+arg(f.CommuneNIS))
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// List returns contacts by address.
func (s *ContactStore) List(ctx context.Context, f ContactFilter) ([]contact.Contact, error) {
	var out []contact.Contact
	err := s.Each(ctx, f, func(c contact.Contact) error { out = append(out, c); return nil })
	return out, err
}

// Each calls fn for each contact, by address, without holding them all in
// memory (exports).
func (s *ContactStore) Each(ctx context.Context, f ContactFilter, fn func(contact.Contact) error) error {
	where, args := f.where()
	q := "SELECT " + contactCols + " FROM contacts" + where + " ORDER BY email_key"
	if f.Limit > 0 {
		args = append(args, f.Limit, f.Offset)
		q += fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	}
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return fmt.Errorf("list contacts: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ContactCounts sums up the address book.
type ContactCounts struct {
	Total, OptedOut int
}

// Counts returns how many contacts there are, and how many opted out.
func (s *ContactStore) Counts(ctx context.Context, f ContactFilter) (ContactCounts, error) {
	where, args := f.where()
	var n ContactCounts
	err := s.db.r.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(opted_out_at) FROM contacts"+where, args...).Scan(&n.Total, &n.OptedOut)
	if err != nil {
		return n, fmt.Errorf("count contacts: %w", err)
	}
	return n, nil
}

// Get returns one contact.
func (s *ContactStore) Get(ctx context.Context, id int64) (contact.Contact, error) {
	c, err := scanContact(s.db.r.QueryRowContext(ctx, "SELECT "+contactCols+" FROM contacts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrContactNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get contact %d: %w", id, err)
	}
	return c, nil
}

// ByEmail returns the contact with this address (in any case).
func (s *ContactStore) ByEmail(ctx context.Context, email string) (contact.Contact, error) {
	c, err := scanContact(s.db.r.QueryRowContext(ctx, "SELECT "+contactCols+" FROM contacts WHERE email_key = $1", person.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrContactNotFound
	}
	if err != nil {
		return c, fmt.Errorf("contact by email: %w", err)
	}
	return c, nil
}

// OptOut records that a contact asked not to be written to; it stays so
// whatever later imports say. A second opt-out keeps the first date.
func (s *ContactStore) OptOut(ctx context.Context, id int64, now time.Time) (contact.Contact, error) {
	res, err := s.db.w.ExecContext(ctx, "UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, $1), updated_at = $1 WHERE id = $2", utc(now), id)
	if err != nil {
		return contact.Contact{}, fmt.Errorf("opt out: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return contact.Contact{}, ErrContactNotFound
	}
	return s.Get(ctx, id)
}

// Erase deletes a contact and everything held about them.
func (s *ContactStore) Erase(ctx context.Context, id int64) error {
	res, err := s.db.w.ExecContext(ctx, "DELETE FROM contacts WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("erase contact: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrContactNotFound
	}
	return nil
}
