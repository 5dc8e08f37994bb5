package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/csvin"
	"vitrine/internal/training"
)

// TrainingStore keeps the training catalogue: modules, the skills they
// teach, and their dated sessions. Methods that change the catalogue take
// a scope: 0 for staff who manage every provider, else the provider id of
// a provider account, which then reaches its own modules only (another
// provider's module is "not found").
type TrainingStore struct{ db *DB }

// Errors about the catalogue.
var (
	ErrModuleNotFound      = apperr.New(apperr.NotFound, "module_not_found", "training.module.not_found")
	ErrModuleExists        = apperr.New(apperr.Conflict, "module_exists", "training.module.exists")
	ErrTrainingNotFound    = apperr.New(apperr.NotFound, "training_session_not_found", "training.session.not_found")
	ErrTrainingExists      = apperr.New(apperr.Conflict, "training_session_exists", "training.session.exists")
	ErrSiteUnknown         = apperr.New(apperr.Invalid, "site_unknown", "training.session.site_unknown")
	ErrTrainingHasPeople   = apperr.New(apperr.Conflict, "training_session_has_enrolments", "training.session.has_enrolments")
	ErrTrainingCapacity    = apperr.New(apperr.Conflict, "capacity_below_confirmed", "training.session.capacity_below_confirmed")
	ErrOtherProvider       = apperr.New(apperr.Forbidden, "other_provider", "training.module.other_provider")
	ErrProviderNeeded      = apperr.Field("provider", "training.module.provider_required", nil)
	errSkillsQueryTooLarge = errors.New("too many modules for one query")
)

const moduleCols = `m.id, m.provider_id, m.code, m.title, m.description, m.format, m.minutes, m.level_min, m.level_max,
    m.voucher_eligible, m.price_cents, m.created_at, m.updated_at, p.slug, p.name, p.kind`

func scanModule(row interface{ Scan(...any) error }) (training.Module, error) {
	var m training.Module
	err := row.Scan(&m.ID, &m.ProviderID, &m.Code, &m.Title, &m.Description, &m.Format, &m.Minutes, &m.LevelMin, &m.LevelMax,
		&m.VoucherEligible, &m.Price, &m.CreatedAt, &m.UpdatedAt, &m.ProviderSlug, &m.ProviderName, &m.ProviderKind)
	return m, err
}

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// placeholders appends vals to args and returns "$n, $n+1, …".
func placeholders(args *[]any, vals ...any) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ps[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ps, ", ")
}

// CreateModule adds a module for m.ProviderID. A provider account (scope ≠
// 0) may only add to its own catalogue. Without a code, one is made from
// the title.
func (s *TrainingStore) CreateModule(ctx context.Context, m training.Module, scope int64, now time.Time) (training.Module, error) {
	if scope != 0 {
		if m.ProviderID != 0 && m.ProviderID != scope {
			return m, ErrOtherProvider
		}
		m.ProviderID = scope
	}
	if m.ProviderID == 0 {
		return m, ErrProviderNeeded
	}
	m.Normalize()
	auto := m.Code == ""
	if auto {
		m.Code = codeFrom(m.Title)
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		code := m.Code
		for n := 2; ; n++ {
			var err error
			id, err = insertModule(ctx, tx, m, code, now)
			if err == nil || !errors.Is(err, ErrModuleExists) || !auto || n > 50 {
				return err
			}
			code = fmt.Sprintf("%s-%d", strings.TrimRight(m.Code[:min(len(m.Code), training.MaxCode-4)], "-"), n)
		}
	})
	if err != nil {
		return m, err
	}
	return s.Module(ctx, id)
}

func insertModule(ctx context.Context, tx *sql.Tx, m training.Module, code string, now time.Time) (int64, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM providers WHERE id = $1", m.ProviderID).Scan(&n); err != nil {
		return 0, fmt.Errorf("create module: %w", err)
	}
	if n == 0 {
		return 0, ErrProviderAbsent
	}
	// Look before inserting: a failed INSERT would end a PostgreSQL transaction.
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM training_modules WHERE provider_id = $1 AND code = $2", m.ProviderID, code).Scan(&n); err != nil {
		return 0, fmt.Errorf("create module: %w", err)
	}
	if n > 0 {
		return 0, ErrModuleExists.With(map[string]any{"Value": code})
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO training_modules (provider_id, code, title, description, format, minutes, level_min, level_max,
    voucher_eligible, price_cents, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		m.ProviderID, code, m.Title, m.Description, string(m.Format), m.Minutes, m.LevelMin, m.LevelMax,
		m.VoucherEligible, int64(m.Price), utc(now)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, ErrModuleExists.With(map[string]any{"Value": code})
	}
	if err != nil {
		return 0, fmt.Errorf("create module: %w", err)
	}
	return id, setSkills(ctx, tx, id, m.Skills)
}

func setSkills(ctx context.Context, tx *sql.Tx, moduleID int64, skills []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM training_module_skills WHERE module_id = $1", moduleID); err != nil {
		return fmt.Errorf("module skills: %w", err)
	}
	for i, sk := range skills {
		if _, err := tx.ExecContext(ctx, "INSERT INTO training_module_skills (module_id, skill_id, position) VALUES ($1, $2, $3)", moduleID, sk, i); err != nil {
			return fmt.Errorf("module skills: %w", err)
		}
	}
	return nil
}

// codeFrom makes a module code from a title: "Créer sa page Facebook" →
// "creer-sa-page-facebook".
func codeFrom(title string) string {
	var b strings.Builder
	for _, w := range strings.Fields(strings.ToLower(title)) {
		f := csvin.FoldHeader(w)
		var clean strings.Builder
		for _, r := range f {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				clean.WriteRune(r)
			}
		}
		if clean.Len() == 0 {
			continue
		}
		if b.Len()+clean.Len()+1 > 48 {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(clean.String())
	}
	if b.Len() == 0 {
		return "module"
	}
	return b.String()
}

// UpdateModule changes a module's description; the provider and the code
// stay. A module with sessions keeps its length (the sessions' days must
// match it).
func (s *TrainingStore) UpdateModule(ctx context.Context, id int64, m training.Module, scope int64, now time.Time) (training.Module, error) {
	m.Normalize()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := moduleIn(ctx, tx, id, scope)
		if err != nil {
			return err
		}
		m.Code = cur.Code
		if err := m.Validate(); err != nil {
			return err
		}
		if m.Minutes != cur.Minutes || m.Format != cur.Format {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM training_sessions WHERE module_id = $1", id).Scan(&n); err != nil {
				return fmt.Errorf("update module: %w", err)
			}
			if n > 0 {
				field := "hours"
				if m.Format != cur.Format {
					field = "format"
				}
				return apperr.Field(field, "training.module.has_sessions", nil)
			}
		}
		_, err = tx.ExecContext(ctx, `
UPDATE training_modules SET title = $1, description = $2, format = $3, minutes = $4, level_min = $5, level_max = $6,
    voucher_eligible = $7, price_cents = $8, updated_at = $9
WHERE id = $10`, m.Title, m.Description, string(m.Format), m.Minutes, m.LevelMin, m.LevelMax, m.VoucherEligible,
			int64(m.Price), utc(now), id)
		if err != nil {
			return fmt.Errorf("update module: %w", err)
		}
		return setSkills(ctx, tx, id, m.Skills)
	})
	if err != nil {
		return m, err
	}
	return s.Module(ctx, id)
}

// moduleIn reads a module inside tx, within scope.
func moduleIn(ctx context.Context, q queryer, id, scope int64) (training.Module, error) {
	m, err := scanModule(q.QueryRowContext(ctx, "SELECT "+moduleCols+" FROM training_modules m JOIN providers p ON p.id = m.provider_id WHERE m.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && scope != 0 && m.ProviderID != scope {
		return training.Module{}, ErrModuleNotFound
	}
	if err != nil {
		return m, fmt.Errorf("module %d: %w", id, err)
	}
	if err := loadSkills(ctx, q, []*training.Module{&m}); err != nil {
		return m, err
	}
	return m, nil
}

// Module returns one module with its provider and skills.
func (s *TrainingStore) Module(ctx context.Context, id int64) (training.Module, error) {
	return moduleIn(ctx, s.db.r, id, 0)
}

// ModuleIn returns a module if it is within scope (see TrainingStore).
func (s *TrainingStore) ModuleIn(ctx context.Context, id, scope int64) (training.Module, error) {
	return moduleIn(ctx, s.db.r, id, scope)
}

func loadSkills(ctx context.Context, q queryer, mods []*training.Module) error {
	if len(mods) == 0 {
		return nil
	}
	byID := map[int64]*training.Module{}
	var args []any
	var ids []any
	for _, m := range mods {
		byID[m.ID] = m
		m.Skills = nil
		ids = append(ids, m.ID)
	}
	if len(ids) > 5000 {
		return errSkillsQueryTooLarge
	}
	rows, err := q.QueryContext(ctx, "SELECT module_id, skill_id FROM training_module_skills WHERE module_id IN ("+
		placeholders(&args, ids...)+") ORDER BY module_id, position", args...)
	if err != nil {
		return fmt.Errorf("module skills: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sk string
		if err := rows.Scan(&id, &sk); err != nil {
			return fmt.Errorf("module skills: %w", err)
		}
		byID[id].Skills = append(byID[id].Skills, sk)
	}
	return rows.Err()
}

// ModuleFilter narrows a listing of modules. Zero fields do not filter.
type ModuleFilter struct {
	ProviderID int64
	Skill      string
	Level      int // -1: any level
}

// Modules returns modules with their provider and skills, by title.
func (s *TrainingStore) Modules(ctx context.Context, f ModuleFilter) ([]training.Module, error) {
	var where []string
	var args []any
	if f.ProviderID != 0 {
		where = append(where, "m.provider_id = "+placeholders(&args, f.ProviderID))
	}
	if f.Skill != "" {
		where = append(where, "EXISTS (SELECT 1 FROM training_module_skills ms WHERE ms.module_id = m.id AND ms.skill_id = "+placeholders(&args, f.Skill)+")")
	}
	if f.Level >= 0 {
		p := placeholders(&args, f.Level)
		where = append(where, "m.level_min <= "+p+" AND m.level_max >= "+p)
	}
	q := "SELECT " + moduleCols + " FROM training_modules m JOIN providers p ON p.id = m.provider_id"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.r.QueryContext(ctx, q+" ORDER BY m.title, m.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	var out []training.Module
	for rows.Next() {
		m, err := scanModule(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list modules: %w", err)
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	ptrs := make([]*training.Module, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, loadSkills(ctx, s.db.r, ptrs)
}

const trainingSessionCols = `s.id, s.module_id, s.code, COALESCE(s.site_id, 0), s.capacity, s.confirmed, s.waitlisted, s.status,
    s.created_at, s.updated_at, COALESCE(ps.name, ''), COALESCE(ps.commune_nis, ''), COALESCE(c.name, ''),
    COALESCE(ps.address, ''), COALESCE(ps.latitude, 0), COALESCE(ps.longitude, 0)`

const trainingSessionFrom = ` FROM training_sessions s
LEFT JOIN provider_sites ps ON ps.id = s.site_id
LEFT JOIN communes c ON c.nis_code = ps.commune_nis`

func scanTrainingSession(row interface{ Scan(...any) error }) (training.Session, error) {
	var s training.Session
	err := row.Scan(&s.ID, &s.ModuleID, &s.Code, &s.SiteID, &s.Capacity, &s.Confirmed, &s.Waitlisted, &s.Status,
		&s.CreatedAt, &s.UpdatedAt, &s.SiteName, &s.CommuneNIS, &s.Town, &s.Address, &s.Latitude, &s.Longitude)
	return s, err
}

func loadDays(ctx context.Context, q queryer, sessions []training.Session) error {
	if len(sessions) == 0 {
		return nil
	}
	index := map[int64]int{}
	var args []any
	var ids []any
	for i := range sessions {
		index[sessions[i].ID] = i
		sessions[i].Days = nil
		ids = append(ids, sessions[i].ID)
	}
	rows, err := q.QueryContext(ctx, "SELECT session_id, starts_at, ends_at FROM training_session_days WHERE session_id IN ("+
		placeholders(&args, ids...)+") ORDER BY session_id, day_no", args...)
	if err != nil {
		return fmt.Errorf("session days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d training.Day
		if err := rows.Scan(&id, &d.Start, &d.End); err != nil {
			return fmt.Errorf("session days: %w", err)
		}
		i := index[id]
		sessions[i].Days = append(sessions[i].Days, d)
	}
	return rows.Err()
}

// sessionIn reads one session with its days inside q.
func sessionIn(ctx context.Context, q queryer, id int64) (training.Session, error) {
	s, err := scanTrainingSession(q.QueryRowContext(ctx, "SELECT "+trainingSessionCols+trainingSessionFrom+" WHERE s.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrTrainingNotFound
	}
	if err != nil {
		return s, fmt.Errorf("training session %d: %w", id, err)
	}
	one := []training.Session{s}
	if err := loadDays(ctx, q, one); err != nil {
		return s, err
	}
	return one[0], nil
}

// Session returns a training session with its days and its module.
func (s *TrainingStore) Session(ctx context.Context, id int64) (training.Session, training.Module, error) {
	ss, err := sessionIn(ctx, s.db.r, id)
	if err != nil {
		return ss, training.Module{}, err
	}
	m, err := moduleIn(ctx, s.db.r, ss.ModuleID, 0)
	return ss, m, err
}

// SessionIn returns a session whose module is within scope.
func (s *TrainingStore) SessionIn(ctx context.Context, id, scope int64) (training.Session, training.Module, error) {
	ss, m, err := s.Session(ctx, id)
	if err == nil && scope != 0 && m.ProviderID != scope {
		return training.Session{}, training.Module{}, ErrTrainingNotFound
	}
	return ss, m, err
}

// SessionFilter narrows a listing of sessions.
type SessionsFilter struct {
	ModuleIDs []int64   // nil: every module
	From      time.Time // sessions starting after From; zero: all
	Scheduled bool      // only scheduled sessions
}

// Sessions returns sessions with their days, by start.
func (s *TrainingStore) Sessions(ctx context.Context, f SessionsFilter) ([]training.Session, error) {
	return listSessions(ctx, s.db.r, f)
}

func listSessions(ctx context.Context, q queryer, f SessionsFilter) ([]training.Session, error) {
	var where []string
	var args []any
	if f.ModuleIDs != nil {
		if len(f.ModuleIDs) == 0 {
			return nil, nil
		}
		ids := make([]any, len(f.ModuleIDs))
		for i, id := range f.ModuleIDs {
			ids[i] = id
		}
		where = append(where, "s.module_id IN ("+placeholders(&args, ids...)+")")
	}
	if !f.From.IsZero() {
		where = append(where, "s.starts_at > "+placeholders(&args, utc(f.From)))
	}
	if f.Scheduled {
		where = append(where, "s.status = 'scheduled'")
	}
	qs := "SELECT " + trainingSessionCols + trainingSessionFrom
	if len(where) > 0 {
		qs += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := q.QueryContext(ctx, qs+" ORDER BY s.starts_at, s.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list training sessions: %w", err)
	}
	var out []training.Session
	for rows.Next() {
		ss, err := scanTrainingSession(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list training sessions: %w", err)
		}
		out = append(out, ss)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list training sessions: %w", err)
	}
	return out, loadDays(ctx, q, out)
}

// CatalogueFilter narrows the public catalogue.
type CatalogueFilter struct {
	Skill string
	Level int       // -1: any
	From  time.Time // upcoming sessions: those starting after From
}

// Catalogue returns the modules matching f, each with its upcoming
// scheduled sessions, by date (the caller sorts by distance when it knows
// the shop's place).
func (s *TrainingStore) Catalogue(ctx context.Context, f CatalogueFilter) ([]training.Offer, error) {
	mods, err := s.Modules(ctx, ModuleFilter{Skill: f.Skill, Level: f.Level})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(mods))
	index := map[int64]int{}
	offers := make([]training.Offer, len(mods))
	for i, m := range mods {
		ids[i] = m.ID
		index[m.ID] = i
		offers[i].Module = m
	}
	sess, err := s.Sessions(ctx, SessionsFilter{ModuleIDs: ids, From: f.From, Scheduled: true})
	if err != nil {
		return nil, err
	}
	for _, ss := range sess {
		i := index[ss.ModuleID]
		offers[i].Sessions = append(offers[i].Sessions, training.Placed{Session: ss})
	}
	training.SortByDate(offers)
	return offers, nil
}

// Sites returns a provider's sites.
func (s *TrainingStore) Sites(ctx context.Context, providerID int64) ([]training.Site, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT id, provider_id, slug, name, commune_nis, address, latitude, longitude
FROM provider_sites WHERE provider_id = $1 ORDER BY name`, providerID)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	defer rows.Close()
	var out []training.Site
	for rows.Next() {
		var st training.Site
		if err := rows.Scan(&st.ID, &st.ProviderID, &st.Slug, &st.Name, &st.CommuneNIS, &st.Address, &st.Latitude, &st.Longitude); err != nil {
			return nil, fmt.Errorf("sites: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CreateSession adds a session to a module within scope, after checking it
// against the module (days, hours, site) and that the site is the
// provider's. Without a code, the first day's date and time make one.
func (s *TrainingStore) CreateSession(ctx context.Context, moduleID int64, ss training.Session, scope int64, loc *time.Location, now time.Time) (training.Session, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := moduleIn(ctx, tx, moduleID, scope)
		if err != nil {
			return err
		}
		id, err = insertSession(ctx, tx, m, ss, loc, now)
		return err
	})
	if err != nil {
		return ss, err
	}
	out, _, err := s.Session(ctx, id)
	return out, err
}

func insertSession(ctx context.Context, tx *sql.Tx, m training.Module, ss training.Session, loc *time.Location, now time.Time) (int64, error) {
	if err := ss.ValidateFor(m, now, loc, true); err != nil {
		return 0, err
	}
	if err := siteOf(ctx, tx, m.ProviderID, ss.SiteID); err != nil {
		return 0, err
	}
	if ss.Code == "" {
		ss.Code = ss.StartsAt().In(loc).Format("2006-01-02t15-04")
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM training_sessions WHERE module_id = $1 AND code = $2", m.ID, ss.Code).Scan(&n); err != nil {
		return 0, fmt.Errorf("create training session: %w", err)
	}
	if n > 0 {
		return 0, ErrTrainingExists.With(map[string]any{"Value": ss.Code})
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO training_sessions (module_id, code, site_id, starts_at, ends_at, minutes, capacity, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $8) RETURNING id`,
		m.ID, ss.Code, nullInt(ss.SiteID), utc(ss.StartsAt()), utc(ss.EndsAt()), ss.Minutes(), ss.Capacity, utc(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create training session: %w", err)
	}
	return id, writeDays(ctx, tx, id, ss.Days)
}

func writeDays(ctx context.Context, tx *sql.Tx, id int64, days []training.Day) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM training_session_days WHERE session_id = $1", id); err != nil {
		return fmt.Errorf("session days: %w", err)
	}
	for i, d := range days {
		if _, err := tx.ExecContext(ctx, "INSERT INTO training_session_days (session_id, day_no, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
			id, i, utc(d.Start), utc(d.End)); err != nil {
			return fmt.Errorf("session days: %w", err)
		}
	}
	return nil
}

// siteOf checks that a site (0: online) belongs to the provider.
func siteOf(ctx context.Context, tx *sql.Tx, providerID, siteID int64) error {
	if siteID == 0 {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM provider_sites WHERE id = $1 AND provider_id = $2", siteID, providerID).Scan(&n); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if n == 0 {
		return apperr.Field("site", "training.session.site_unknown", nil)
	}
	return nil
}

// UpdateSession changes a session's days, site and capacity. The capacity
// never drops below the seats taken (one conditional UPDATE); a larger one
// gives the new seats to the waiting list, in order, through promote. Days
// and site change only while nobody is enrolled.
func (s *TrainingStore) UpdateSession(ctx context.Context, id int64, ss training.Session, scope int64, loc *time.Location,
	promote func(ctx context.Context, tx *sql.Tx, sessionID int64) error, now time.Time) (training.Session, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := sessionIn(ctx, tx, id)
		if err != nil {
			return err
		}
		m, err := moduleIn(ctx, tx, cur.ModuleID, scope)
		if errors.Is(err, ErrModuleNotFound) {
			return ErrTrainingNotFound
		}
		if err != nil {
			return err
		}
		if err := ss.ValidateFor(m, now, loc, !sameDays(cur.Days, ss.Days)); err != nil {
			return err
		}
		if !sameDays(cur.Days, ss.Days) || cur.SiteID != ss.SiteID {
			if cur.Confirmed+cur.Waitlisted > 0 {
				return ErrTrainingHasPeople
			}
			if err := siteOf(ctx, tx, m.ProviderID, ss.SiteID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE training_sessions SET site_id = $1, starts_at = $2, ends_at = $3, minutes = $4 WHERE id = $5`,
				nullInt(ss.SiteID), utc(ss.StartsAt()), utc(ss.EndsAt()), ss.Minutes(), id); err != nil {
				return fmt.Errorf("update training session: %w", err)
			}
			if err := writeDays(ctx, tx, id, ss.Days); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE training_sessions SET capacity = $1, updated_at = $2 WHERE id = $3 AND confirmed <= $1",
			ss.Capacity, utc(now), id)
		if err != nil {
			return fmt.Errorf("update training session: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrTrainingCapacity.With(map[string]any{"Confirmed": cur.Confirmed})
		}
		if ss.Capacity > cur.Capacity && promote != nil {
			return promote(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return ss, err
	}
	out, _, err := s.Session(ctx, id)
	return out, err
}

func sameDays(a, b []training.Day) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}

// ImportResult counts what an import did.
type ImportResult struct {
	ModulesAdded, ModulesUpdated, ModulesUnchanged    int
	SessionsAdded, SessionsUpdated, SessionsUnchanged int
}

// ImportCatalogue stores a parsed trainings file for its provider, all or
// nothing: modules are added or updated by code, sessions added or updated
// by module and code. Lines that need the database (an unknown provider or
// site, a session for an unknown module, days that do not fit the module,
// a session with people whose days change) come back as line errors, and
// then nothing is written.
func (s *TrainingStore) ImportCatalogue(ctx context.Context, c training.Catalogue, loc *time.Location, now time.Time) (ImportResult, []csvin.LineError, error) {
	var res ImportResult
	var bad []csvin.LineError
	errRejected := errors.New("rejected lines")
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, bad = ImportResult{}, nil
		fail := func(line int, field, key string, args map[string]any) {
			bad = append(bad, csvin.LineError{Line: line, Field: field, Key: key, Args: args})
		}
		var providerID int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM providers WHERE slug = $1", c.ProviderSlug).Scan(&providerID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.Invalid, "provider_unknown", "training.import.provider_unknown", map[string]any{"Value": c.ProviderSlug})
		}
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		sites := map[string]int64{}
		rows, err := tx.QueryContext(ctx, "SELECT slug, id FROM provider_sites WHERE provider_id = $1", providerID)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for rows.Next() {
			var slug string
			var id int64
			if err := rows.Scan(&slug, &id); err != nil {
				rows.Close()
				return fmt.Errorf("import: %w", err)
			}
			sites[slug] = id
		}
		rows.Close()
		modules := map[string]training.Module{}
		existing, err := tx.QueryContext(ctx, "SELECT "+moduleCols+" FROM training_modules m JOIN providers p ON p.id = m.provider_id WHERE m.provider_id = $1", providerID)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for existing.Next() {
			m, err := scanModule(existing)
			if err != nil {
				existing.Close()
				return fmt.Errorf("import: %w", err)
			}
			modules[m.Code] = m
		}
		existing.Close()
		for _, row := range c.Modules {
			m := row.Module
			m.ProviderID = providerID
			cur, ok := modules[m.Code]
			if !ok {
				id, err := insertModule(ctx, tx, m, m.Code, now)
				if err != nil {
					return err
				}
				m.ID = id
				res.ModulesAdded++
				modules[m.Code] = m
				continue
			}
			mods := []*training.Module{&cur}
			if err := loadSkills(ctx, tx, mods); err != nil {
				return err
			}
			m.ID = cur.ID
			if cur.SameAs(m) {
				res.ModulesUnchanged++
				continue
			}
			if cur.Minutes != m.Minutes || cur.Format != m.Format {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM training_sessions WHERE module_id = $1", cur.ID).Scan(&n); err != nil {
					return fmt.Errorf("import: %w", err)
				}
				if n > 0 {
					fail(row.Line, "hours", "training.module.has_sessions", nil)
					continue
				}
			}
			if _, err := tx.ExecContext(ctx, `
UPDATE training_modules SET title = $1, description = $2, format = $3, minutes = $4, level_min = $5, level_max = $6,
    voucher_eligible = $7, price_cents = $8, updated_at = $9 WHERE id = $10`,
				m.Title, m.Description, string(m.Format), m.Minutes, m.LevelMin, m.LevelMax, m.VoucherEligible, int64(m.Price), utc(now), cur.ID); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			if err := setSkills(ctx, tx, cur.ID, m.Skills); err != nil {
				return err
			}
			modules[m.Code] = m
			res.ModulesUpdated++
		}
		for _, row := range c.Sessions {
			m, ok := modules[row.ModuleCode]
			if !ok {
				fail(row.Line, "module", "training.import.module_unknown", map[string]any{"Value": row.ModuleCode})
				continue
			}
			ss := training.Session{Code: row.Code, Capacity: row.Capacity, Days: row.Days}
			if row.SiteSlug != "" {
				id, ok := sites[row.SiteSlug]
				if !ok {
					fail(row.Line, "site", "training.import.site_unknown", map[string]any{"Value": row.SiteSlug})
					continue
				}
				ss.SiteID = id
			}
			var curID int64
			err := tx.QueryRowContext(ctx, "SELECT id FROM training_sessions WHERE module_id = $1 AND code = $2", m.ID, row.Code).Scan(&curID)
			if errors.Is(err, sql.ErrNoRows) {
				if err := ss.ValidateFor(m, now, loc, true); err != nil {
					e, _ := apperr.As(err)
					f := e.Fields[0]
					fail(row.Line, f.Field, f.Key, f.Args)
					continue
				}
				if _, err := insertSession(ctx, tx, m, ss, loc, now); err != nil {
					return err
				}
				res.SessionsAdded++
				continue
			}
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			cur, err := sessionIn(ctx, tx, curID)
			if err != nil {
				return err
			}
			if sameDays(cur.Days, ss.Days) && cur.SiteID == ss.SiteID && cur.Capacity == ss.Capacity {
				res.SessionsUnchanged++
				continue
			}
			if (!sameDays(cur.Days, ss.Days) || cur.SiteID != ss.SiteID) && cur.Confirmed+cur.Waitlisted > 0 {
				fail(row.Line, "date", "training.session.has_enrolments", nil)
				continue
			}
			if ss.Capacity < cur.Confirmed {
				fail(row.Line, "capacity", "training.session.capacity_below_confirmed", map[string]any{"Confirmed": cur.Confirmed})
				continue
			}
			if err := ss.ValidateFor(m, now, loc, !sameDays(cur.Days, ss.Days)); err != nil {
				e, _ := apperr.As(err)
				f := e.Fields[0]
				fail(row.Line, f.Field, f.Key, f.Args)
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE training_sessions SET site_id = $1, starts_at = $2, ends_at = $3, minutes = $4,
    capacity = $5, updated_at = $6 WHERE id = $7 AND confirmed <= $5`,
				nullInt(ss.SiteID), utc(ss.StartsAt()), utc(ss.EndsAt()), ss.Minutes(), ss.Capacity, utc(now), curID); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			if err := writeDays(ctx, tx, curID, ss.Days); err != nil {
				return err
			}
			res.SessionsUpdated++
		}
		if len(bad) > 0 {
			return errRejected // roll everything back
		}
		return nil
	})
	if errors.Is(err, errRejected) {
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Line < bad[j].Line })
		return ImportResult{}, bad, nil
	}
	if err != nil {
		return ImportResult{}, nil, err
	}
	return res, nil, nil
}
