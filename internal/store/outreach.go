package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/mail"
	"vitrine/internal/outreach"
)

// OutreachStore keeps the communes pipeline: each commune's stage, next
// action, notes and tags, its contacts, the history of every change, and
// the requests of communes that came forward on their own.
type OutreachStore struct{ db *DB }

// Actor is who makes a change: a staff account, or someone without one
// (UserID 0) named in Name.
type Actor struct {
	UserID int64
	Name   string
}

var ErrCommuneContactNotFound = apperr.New(apperr.NotFound, "commune_contact_not_found", "error.outreach.contact_not_found")

// PipelineEntry is a commune and its place in the pipeline.
type PipelineEntry struct {
	Commune  commune.Commune
	Outreach outreach.Outreach
}

// PipelineFilter narrows the pipeline. Zero fields do not filter.
type PipelineFilter struct {
	Province  string
	Phase     int
	Stage     outreach.Stage
	DueBefore time.Time // only communes whose next action falls before this
}

// outreachCols follows communeCols, from "communes c LEFT JOIN commune_outreach o".
const outreachCols = `COALESCE(o.stage, 'not_contacted'), o.next_action_at, COALESCE(o.next_action, ''),
    COALESCE(o.notes, ''), COALESCE(o.issues, ''), o.updated_at`

func scanPipelineEntry(row interface{ Scan(...any) error }) (PipelineEntry, error) {
	var e PipelineEntry
	c := &e.Commune
	var postal, stage, issues string
	var next, updated sql.NullTime
	err := row.Scan(&c.NIS, &c.NameFR, &c.Name, &c.NameDE, &c.NameNL, &c.LanguageArea, &c.ProvinceNIS, &c.Province,
		&c.ArrondissementNIS, &c.Arrondissement, &c.MainPostalCode, &postal, &c.Latitude, &c.Longitude,
		&c.Population, &c.PopulationDate, &c.IsCity, &c.IsCityBasis, &c.Phase,
		&stage, &next, &e.Outreach.NextAction, &e.Outreach.Notes, &issues, &updated)
	c.PostalCodes = strings.Fields(postal)
	e.Outreach.NIS, e.Outreach.Phase, e.Outreach.Stage = c.NIS, c.Phase, outreach.Stage(stage)
	e.Outreach.NextActionAt, e.Outreach.UpdatedAt = next.Time, updated.Time
	e.Outreach.Issues = strings.Fields(issues)
	return e, err
}

func pipelineSelect() string {
	cols := strings.Split(communeCols, ",")
	for i, c := range cols {
		cols[i] = "c." + strings.TrimSpace(c)
	}
	return "SELECT " + strings.Join(cols, ", ") + ", " + outreachCols +
		" FROM communes c LEFT JOIN commune_outreach o ON o.nis_code = c.nis_code"
}

// List returns the communes in the pipeline, by name.
func (s *OutreachStore) List(ctx context.Context, f PipelineFilter) ([]PipelineEntry, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Province != "" {
		where = append(where, "c.province = "+arg(f.Province))
	}
	if f.Phase != 0 {
		where = append(where, "c.phase = "+arg(f.Phase))
	}
	if f.Stage != "" {
		where = append(where, "COALESCE(o.stage, 'not_contacted') = "+arg(string(f.Stage)))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "o.next_action_at < "+arg(utc(f.DueBefore)))
	}
	q := pipelineSelect()
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list pipeline: %w", err)
	}
	defer rows.Close()
	var out []PipelineEntry
	for rows.Next() {
		e, err := scanPipelineEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list pipeline: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pipeline: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return commune.Fold(out[i].Commune.Name) < commune.Fold(out[j].Commune.Name)
	})
	return out, nil
}

// Get returns one commune's place in the pipeline.
func (s *OutreachStore) Get(ctx context.Context, nis string) (PipelineEntry, error) {
	return getPipelineEntry(ctx, s.db.r, nis)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getPipelineEntry(ctx context.Context, q queryRower, nis string) (PipelineEntry, error) {
	e, err := scanPipelineEntry(q.QueryRowContext(ctx, pipelineSelect()+" WHERE c.nis_code = $1", nis))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrCommuneNotFound
	}
	if err != nil {
		return e, fmt.Errorf("outreach of %s: %w", nis, err)
	}
	return e, nil
}

// Contacts returns the people to talk to in a commune, oldest first.
func (s *OutreachStore) Contacts(ctx context.Context, nis string) ([]outreach.CommuneContact, error) {
	rows, err := s.db.r.QueryContext(ctx, `
SELECT id, nis_code, name, role, email, phone, created_at FROM commune_contacts WHERE nis_code = $1 ORDER BY id`, nis)
	if err != nil {
		return nil, fmt.Errorf("commune contacts: %w", err)
	}
	defer rows.Close()
	out := []outreach.CommuneContact{}
	for rows.Next() {
		var c outreach.CommuneContact
		if err := rows.Scan(&c.ID, &c.NIS, &c.Name, &c.Role, &c.Email, &c.Phone, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("commune contacts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// History returns the changes to a commune's outreach, newest first; at
// most limit when limit > 0.
func (s *OutreachStore) History(ctx context.Context, nis string, limit int) ([]outreach.HistoryEntry, error) {
	q := `SELECT id, nis_code, at, actor, field, old_value, new_value FROM outreach_history WHERE nis_code = $1 ORDER BY id DESC`
	args := []any{nis}
	if limit > 0 {
		q += " LIMIT $2"
		args = append(args, limit)
	}
	rows, err := s.db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outreach history: %w", err)
	}
	defer rows.Close()
	out := []outreach.HistoryEntry{}
	for rows.Next() {
		var h outreach.HistoryEntry
		if err := rows.Scan(&h.ID, &h.NIS, &h.At, &h.Actor, &h.Field, &h.Old, &h.New); err != nil {
			return nil, fmt.Errorf("outreach history: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Change applies a consultant's change to a commune and records each field
// that changed in the history, in one transaction. A change that changes
// nothing writes nothing.
func (s *OutreachStore) Change(ctx context.Context, nis string, c outreach.Change, by Actor, now time.Time) (PipelineEntry, error) {
	if err := c.Normalize(); err != nil {
		return PipelineEntry{}, err
	}
	if err := c.Validate(); err != nil {
		return PipelineEntry{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getPipelineEntry(ctx, tx, nis)
		if err != nil {
			return err
		}
		o := cur.Outreach
		var changes [][3]string
		note := func(field, old, new string) {
			if old != new {
				changes = append(changes, [3]string{field, old, new})
			}
		}
		if c.Stage != nil {
			note(outreach.FieldStage, string(o.Stage), string(*c.Stage))
			o.Stage = *c.Stage
		}
		if c.NextActionAt != nil {
			note(outreach.FieldNextActionAt, historyTime(o.NextActionAt), historyTime(*c.NextActionAt))
			o.NextActionAt = *c.NextActionAt
		}
		if c.NextAction != nil {
			note(outreach.FieldNextAction, o.NextAction, *c.NextAction)
			o.NextAction = *c.NextAction
		}
		if c.Notes != nil {
			note(outreach.FieldNotes, o.Notes, *c.Notes)
			o.Notes = *c.Notes
		}
		if c.Note != "" {
			head := utc(now).Format("2006-01-02") + " · " + by.Name
			if o.Notes != "" {
				o.Notes += "\n\n"
			}
			o.Notes += head + "\n" + c.Note
			note(outreach.FieldNote, "", c.Note)
		}
		if c.SetIssues {
			note(outreach.FieldIssues, strings.Join(o.Issues, " "), strings.Join(c.Issues, " "))
			o.Issues = c.Issues
		}
		if len(changes) == 0 {
			return nil
		}
		if err := saveOutreach(ctx, tx, o, now); err != nil {
			return err
		}
		for _, ch := range changes {
			if err := addHistory(ctx, tx, nis, by, ch[0], ch[1], ch[2], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return PipelineEntry{}, err
	}
	return s.Get(ctx, nis)
}

// historyTime writes a time for the history: RFC 3339 in UTC, "" for none.
func historyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func saveOutreach(ctx context.Context, tx *sql.Tx, o outreach.Outreach, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO commune_outreach (nis_code, stage, next_action_at, next_action, notes, issues, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (nis_code) DO UPDATE SET stage = excluded.stage, next_action_at = excluded.next_action_at,
    next_action = excluded.next_action, notes = excluded.notes, issues = excluded.issues, updated_at = excluded.updated_at`,
		o.NIS, string(o.Stage), nullTime(o.NextActionAt), o.NextAction, o.Notes, strings.Join(o.Issues, " "), utc(now))
	if err != nil {
		return fmt.Errorf("save outreach of %s: %w", o.NIS, err)
	}
	return nil
}

func addHistory(ctx context.Context, tx *sql.Tx, nis string, by Actor, field, old, new string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO outreach_history (nis_code, at, user_id, actor, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		nis, utc(now), nullInt(by.UserID), by.Name, field, old, new)
	if err != nil {
		return fmt.Errorf("outreach history: %w", err)
	}
	return nil
}

// AddContact adds a person to talk to in a commune.
func (s *OutreachStore) AddContact(ctx context.Context, c outreach.CommuneContact, by Actor, now time.Time) (outreach.CommuneContact, error) {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = addCommuneContact(ctx, tx, c, by, now)
		return err
	})
	return c, err
}

func addCommuneContact(ctx context.Context, tx *sql.Tx, c outreach.CommuneContact, by Actor, now time.Time) (outreach.CommuneContact, error) {
	if _, err := getPipelineEntry(ctx, tx, c.NIS); err != nil {
		return c, err
	}
	c.CreatedAt = utc(now)
	err := tx.QueryRowContext(ctx, `
INSERT INTO commune_contacts (nis_code, name, role, email, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.NIS, c.Name, string(c.Role), c.Email, c.Phone, c.CreatedAt).Scan(&c.ID)
	if err != nil {
		return c, fmt.Errorf("add commune contact: %w", err)
	}
	return c, addHistory(ctx, tx, c.NIS, by, outreach.FieldContactAdded, "", contactLine(c), now)
}

func contactLine(c outreach.CommuneContact) string {
	parts := []string{c.Name, string(c.Role)}
	for _, p := range []string{c.Email, c.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// RemoveContact removes a person from a commune's contacts.
func (s *OutreachStore) RemoveContact(ctx context.Context, nis string, id int64, by Actor, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var c outreach.CommuneContact
		err := tx.QueryRowContext(ctx, `SELECT id, nis_code, name, role, email, phone FROM commune_contacts WHERE id = $1 AND nis_code = $2`, id, nis).
			Scan(&c.ID, &c.NIS, &c.Name, &c.Role, &c.Email, &c.Phone)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrCommuneContactNotFound
		}
		if err != nil {
			return fmt.Errorf("remove commune contact: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM commune_contacts WHERE id = $1", id); err != nil {
			return fmt.Errorf("remove commune contact: %w", err)
		}
		return addHistory(ctx, tx, nis, by, outreach.FieldContactGone, contactLine(c), "", now)
	})
}

// Request records a commune that comes forward on its own, in one
// transaction: the request, the person as a commune contact, the stage
// moved to at least contacted, each step in the history, and the mails
// that tell the team (composed by the caller, one per address).
func (s *OutreachStore) Request(ctx context.Context, r outreach.Request, notify func(outreach.Request, commune.Commune) ([]mail.Message, error), now time.Time) (outreach.Request, error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getPipelineEntry(ctx, tx, r.NIS)
		if errors.Is(err, ErrCommuneNotFound) {
			return apperr.Field("commune_nis", "error.commune.unknown", map[string]any{"Value": r.NIS})
		}
		if err != nil {
			return err
		}
		r.CreatedAt = utc(now)
		err = tx.QueryRowContext(ctx, `
INSERT INTO commune_requests (nis_code, name, role, email, message, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			r.NIS, r.Name, string(r.Role), r.Email, r.Message, r.CreatedAt).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("commune request: %w", err)
		}
		by := Actor{Name: r.Name + " <" + r.Email + ">"}
		if err := addHistory(ctx, tx, r.NIS, by, outreach.FieldRequest, "", r.Message, now); err != nil {
			return err
		}
		o := cur.Outreach
		if next := o.Stage.AtLeastContacted(); next != o.Stage {
			if err := addHistory(ctx, tx, r.NIS, by, outreach.FieldStage, string(o.Stage), string(next), now); err != nil {
				return err
			}
			o.Stage = next
		}
		if err := saveOutreach(ctx, tx, o, now); err != nil {
			return err
		}
		if _, err := addCommuneContact(ctx, tx, r.Contact(), by, now); err != nil {
			return err
		}
		mails, err := notify(r, cur.Commune)
		if err != nil {
			return err
		}
		for _, m := range mails {
			m.RefType, m.RefID = "commune_request", r.ID
			if _, err := enqueueMail(ctx, tx, m, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}

// Requests returns the latest requests of communes, newest first.
func (s *OutreachStore) Requests(ctx context.Context, limit int) ([]outreach.Request, error) {
	rows, err := s.db.r.QueryContext(ctx, `
SELECT id, nis_code, name, role, email, message, created_at FROM commune_requests ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("commune requests: %w", err)
	}
	defer rows.Close()
	var out []outreach.Request
	for rows.Next() {
		var r outreach.Request
		if err := rows.Scan(&r.ID, &r.NIS, &r.Name, &r.Role, &r.Email, &r.Message, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("commune requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
