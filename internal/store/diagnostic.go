package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/diagnostic"
	"vitrine/internal/funding"
	"vitrine/internal/mail"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
	"vitrine/internal/training"
)

// DiagnosticStore keeps the digital-maturity diagnostics, their drafts and
// the short links of the workshops. Tokens arrive hashed: the plain tokens
// never reach the database.
type DiagnosticStore struct {
	db      *DB
	queue   createQueue
	metrics *batchMetrics

	// Where plans find their trainings.
	trainings  *TrainingStore
	communes   *CommuneStore
	candidates candidateCache
}

var (
	ErrDiagnosticNotFound = apperr.New(apperr.NotFound, "diagnostic_not_found", "diagnostic.error.not_found")
	ErrDraftNotFound      = apperr.New(apperr.NotFound, "diagnostic_draft_not_found", "diagnostic.error.draft_not_found")
	ErrWorkshopNotFound   = apperr.New(apperr.NotFound, "workshop_not_found", "diagnostic.error.workshop_not_found")
	ErrTooManyLinkMails   = apperr.New(apperr.Conflict, "diagnostic_too_many_mails", "diagnostic.error.too_many_mails")
)

// MaxLinkMails is how many times the private link of one diagnostic may be
// mailed: enough to fix a typo, too few to use the form to spam someone.
const MaxLinkMails = 5

// MailRefDiagnostic and MailRefDraft are the outbox references of the mails
// about a diagnostic and a draft.
const (
	MailRefDiagnostic = "diagnostic"
	MailRefDraft      = "diagnostic_draft"
)

// NewDiagnostic is a completed diagnostic to record.
type NewDiagnostic struct {
	TokenHash   string
	MailKeyHash string // of the key in the mailed link; "" without an email
	Record      diagnostic.Record
	// The shop's earlier diagnostic, named by its token (API) or by its ID
	// (a retake from the result page); otherwise the earliest with the
	// same email, if any.
	PreviousTokenHash string
	PreviousID        int64
	DraftID           int64         // a draft completed by this diagnostic: deleted with it
	Mail              *mail.Message // the mail with the private link, sent with the diagnostic
}

const diagnosticCols = `d.id, d.questionnaire_version, d.rules_version, d.lang, d.answers, d.commune_nis, d.sector,
    COALESCE(d.email, ''), d.shop_name, COALESCE(d.info_session_id, 0), COALESCE(d.first_id, 0), d.first_via,
    d.email_verified_at, d.level, d.index_tenths, d.answered, d.created_at, d.completed_at`

func scanDiagnostic(row interface{ Scan(...any) error }) (diagnostic.Record, error) {
	var r diagnostic.Record
	var answers, via string
	var verified sql.NullTime
	var index int
	err := row.Scan(&r.ID, &r.Version, &r.RulesVersion, &r.Lang, &answers, &r.Profile.CommuneNIS, &r.Profile.Sector,
		&r.Profile.Email, &r.Profile.ShopName, &r.SessionID, &r.FirstID, &via, &verified, &r.Level, &index,
		&r.Answered, &r.CreatedAt, &r.CompletedAt)
	if err != nil {
		return r, err
	}
	r.FirstVia, r.EmailVerifiedAt, r.Index = diagnostic.Link(via), verified.Time, float64(index)/10
	if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
		return r, fmt.Errorf("diagnostic %d: answers: %w", r.ID, err)
	}
	return r, nil
}

// ByToken returns the diagnostic whose token has this hash, with its
// dimension scores.
func (s *DiagnosticStore) ByToken(ctx context.Context, tokenHash string) (diagnostic.Record, error) {
	return s.one(ctx, "d.token_hash = $1", tokenHash)
}

// Collectors returns the diagnostic batches' metrics, for /metrics.
func (s *DiagnosticStore) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.size, s.metrics.duration}
}

// Get returns a diagnostic by ID, with its dimension scores.
func (s *DiagnosticStore) Get(ctx context.Context, id int64) (diagnostic.Record, error) {
	return s.one(ctx, "d.id = $1", id)
}

func (s *DiagnosticStore) one(ctx context.Context, where string, arg any) (diagnostic.Record, error) {
	r, err := scanDiagnostic(s.db.r.QueryRowContext(ctx, "SELECT "+diagnosticCols+" FROM diagnostics d WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrDiagnosticNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get diagnostic: %w", err)
	}
	rows, err := s.db.r.QueryContext(ctx, "SELECT dimension, score_tenths FROM diagnostic_scores WHERE diagnostic_id = $1", r.ID)
	if err != nil {
		return r, fmt.Errorf("get diagnostic scores: %w", err)
	}
	defer rows.Close()
	scores := map[string]int{}
	for rows.Next() {
		var dim string
		var t int
		if err := rows.Scan(&dim, &t); err != nil {
			return r, fmt.Errorf("get diagnostic scores: %w", err)
		}
		scores[dim] = t
	}
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("get diagnostic scores: %w", err)
	}
	// In the questionnaire's order.
	if q, err := maturity.Version(r.Version); err == nil {
		for _, d := range q.Dimensions {
			if t, ok := scores[d.ID]; ok {
				r.Dimensions = append(r.Dimensions, maturity.DimensionScore{ID: d.ID, Score: float64(t) / 10})
			}
		}
	}
	return r, nil
}

// VerifyEmail records that the mailed link of a diagnostic was opened,
// proving its email. It reports whether the key matched.
func (s *DiagnosticStore) VerifyEmail(ctx context.Context, tokenHash, mailKeyHash string, now time.Time) (bool, error) {
	res, err := s.db.w.ExecContext(ctx, `
UPDATE diagnostics SET email_verified_at = COALESCE(email_verified_at, $3)
WHERE token_hash = $1 AND mail_key_hash = $2`, tokenHash, mailKeyHash, utc(now))
	if err != nil {
		return false, fmt.Errorf("verify diagnostic email: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MailLink mails the private link of a diagnostic to email, which becomes
// the diagnostic's email: a new address must be proved again, and a
// diagnostic not yet linked to a first one is linked to the earliest with
// this email. At most MaxLinkMails such mails go out per diagnostic.
func (s *DiagnosticStore) MailLink(ctx context.Context, tokenHash, email, emailKey, mailKeyHash string, m mail.Message, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id, first int64
		err := tx.QueryRowContext(ctx, "SELECT id, COALESCE(first_id, 0) FROM diagnostics WHERE token_hash = $1", tokenHash).Scan(&id, &first)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrDiagnosticNotFound
		}
		if err != nil {
			return fmt.Errorf("mail diagnostic link: %w", err)
		}
		var sent int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE ref_type = $1 AND ref_id = $2",
			MailRefDiagnostic, id).Scan(&sent); err != nil {
			return fmt.Errorf("mail diagnostic link: %w", err)
		}
		if sent >= MaxLinkMails {
			return ErrTooManyLinkMails
		}
		_, err = tx.ExecContext(ctx, `
UPDATE diagnostics SET email = $2, email_key = $3, mail_key_hash = $4,
    email_verified_at = CASE WHEN email_key = $3 THEN email_verified_at ELSE NULL END
WHERE id = $1`, id, email, emailKey, mailKeyHash)
		if err != nil {
			return fmt.Errorf("mail diagnostic link: %w", err)
		}
		if first == 0 {
			f, via, err := firstByEmail(ctx, stmt{tx: tx, query: sqlFirstByEmail}, emailKey, id)
			if err != nil {
				return err
			}
			if f != 0 && f != id {
				if _, err := tx.ExecContext(ctx, "UPDATE diagnostics SET first_id = $2, first_via = $3 WHERE id = $1 AND first_id IS NULL",
					id, f, string(via)); err != nil {
					return fmt.Errorf("link diagnostic by email: %w", err)
				}
			}
		}
		m.RefType, m.RefID = MailRefDiagnostic, id
		_, err = enqueueMail(ctx, tx, m, now, now)
		return err
	})
}

// CreateDraft starts a diagnostic to fill in screen by screen.
func (s *DiagnosticStore) CreateDraft(ctx context.Context, tokenHash string, d diagnostic.Draft, now time.Time) (int64, error) {
	answers, err := json.Marshal(d.Answers)
	if err != nil {
		return 0, fmt.Errorf("create draft: %w", err)
	}
	if d.Answers == nil {
		answers = []byte("{}")
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if d.SessionID != 0 {
			if err := infoSessionExists(ctx, tx, d.SessionID); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `
INSERT INTO diagnostic_drafts (token_hash, questionnaire_version, lang, answers, step, commune_nis, sector, email,
    shop_name, info_session_id, previous_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			tokenHash, d.Version, d.Lang, string(answers), max(1, d.Step), nullString(d.Profile.CommuneNIS), d.Profile.Sector,
			nullString(d.Profile.Email), d.Profile.ShopName, nullInt(d.SessionID), nullInt(d.PreviousID), utc(now)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("create draft: %w", err)
	}
	return id, nil
}

// Draft returns the draft whose token has this hash.
func (s *DiagnosticStore) Draft(ctx context.Context, tokenHash string) (diagnostic.Draft, error) {
	var d diagnostic.Draft
	var answers string
	var mailed sql.NullTime
	err := s.db.r.QueryRowContext(ctx, `
SELECT id, questionnaire_version, lang, answers, step, COALESCE(commune_nis, ''), sector, COALESCE(email, ''),
    shop_name, COALESCE(info_session_id, 0), COALESCE(previous_id, 0), mailed_at, created_at, updated_at
FROM diagnostic_drafts WHERE token_hash = $1`, tokenHash).Scan(&d.ID, &d.Version, &d.Lang, &answers, &d.Step,
		&d.Profile.CommuneNIS, &d.Profile.Sector, &d.Profile.Email, &d.Profile.ShopName, &d.SessionID, &d.PreviousID,
		&mailed, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrDraftNotFound
	}
	if err != nil {
		return d, fmt.Errorf("get draft: %w", err)
	}
	d.MailedAt = mailed.Time
	if err := json.Unmarshal([]byte(answers), &d.Answers); err != nil {
		return d, fmt.Errorf("draft %d: answers: %w", d.ID, err)
	}
	return d, nil
}

// SaveDraft writes a draft's answers, step and profile. resume, when not
// nil, is the mail with the link that resumes the draft: it is sent once,
// the first time a draft is saved with an email.
func (s *DiagnosticStore) SaveDraft(ctx context.Context, d diagnostic.Draft, resume *mail.Message, now time.Time) error {
	answers, err := json.Marshal(d.Answers)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
UPDATE diagnostic_drafts SET answers = $2, step = $3, commune_nis = $4, sector = $5, email = $6, shop_name = $7,
    lang = $8, updated_at = $9
WHERE id = $1`, d.ID, string(answers), d.Step, nullString(d.Profile.CommuneNIS), d.Profile.Sector,
			nullString(d.Profile.Email), d.Profile.ShopName, d.Lang, utc(now))
		if err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrDraftNotFound
		}
		if resume == nil || d.Profile.Email == "" {
			return nil
		}
		res, err = tx.ExecContext(ctx, "UPDATE diagnostic_drafts SET mailed_at = $2 WHERE id = $1 AND mailed_at IS NULL", d.ID, utc(now))
		if err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		m := *resume
		m.RefType, m.RefID = MailRefDraft, d.ID
		_, err = enqueueMail(ctx, tx, m, now, now)
		return err
	})
}

// DeleteStaleDrafts deletes the drafts untouched since before, and says
// how many.
func (s *DiagnosticStore) DeleteStaleDrafts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.w.ExecContext(ctx, "DELETE FROM diagnostic_drafts WHERE updated_at < $1", utc(before))
	if err != nil {
		return 0, fmt.Errorf("delete stale drafts: %w", err)
	}
	return res.RowsAffected()
}

// WorkshopCode returns the code of an information session's short link,
// making one the first time.
func (s *DiagnosticStore) WorkshopCode(ctx context.Context, sessionID int64, now time.Time) (string, error) {
	var code string
	err := s.db.r.QueryRowContext(ctx, "SELECT code FROM workshop_links WHERE info_session_id = $1", sessionID).Scan(&code)
	if err == nil {
		return code, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("workshop code: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := infoSessionExists(ctx, tx, sessionID); err != nil {
			return ErrSessionNotFound
		}
		for range 5 {
			// Another request may have made the code meanwhile: keep it.
			err := tx.QueryRowContext(ctx, "SELECT code FROM workshop_links WHERE info_session_id = $1", sessionID).Scan(&code)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			c := diagnostic.NewWorkshopCode()
			res, err := tx.ExecContext(ctx, `
INSERT INTO workshop_links (code, info_session_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				c, sessionID, utc(now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				code = c
				return nil
			}
		}
		return errors.New("no free workshop code after 5 tries")
	})
	if err != nil {
		return "", fmt.Errorf("workshop code: %w", err)
	}
	return code, nil
}

// SessionByWorkshopCode returns the information session of a short link.
func (s *DiagnosticStore) SessionByWorkshopCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.db.r.QueryRowContext(ctx, "SELECT info_session_id FROM workshop_links WHERE code = $1", code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrWorkshopNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("workshop by code: %w", err)
	}
	return id, nil
}

// RoomTally counts the diagnostics taken in an information session: how
// many, how many at each level, and each dimension's average. It never
// returns a single diagnostic.
func (s *DiagnosticStore) RoomTally(ctx context.Context, sessionID int64) (diagnostic.Tally, error) {
	t := diagnostic.Tally{Levels: map[int]int{}, Averages: map[string]float64{}}
	rows, err := s.db.r.QueryContext(ctx, "SELECT level, COUNT(*) FROM diagnostics WHERE info_session_id = $1 GROUP BY level", sessionID)
	if err != nil {
		return t, fmt.Errorf("room tally: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var level, n int
		if err := rows.Scan(&level, &n); err != nil {
			return t, fmt.Errorf("room tally: %w", err)
		}
		t.Levels[level] = n
		t.Answered += n
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("room tally: %w", err)
	}
	rows.Close()
	rows, err = s.db.r.QueryContext(ctx, `
SELECT sc.dimension, SUM(sc.score_tenths), COUNT(*) FROM diagnostic_scores sc
JOIN diagnostics d ON d.id = sc.diagnostic_id WHERE d.info_session_id = $1 GROUP BY sc.dimension`, sessionID)
	if err != nil {
		return t, fmt.Errorf("room tally: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dim string
		var sum, n int64
		if err := rows.Scan(&dim, &sum, &n); err != nil {
			return t, fmt.Errorf("room tally: %w", err)
		}
		if n > 0 {
			t.Averages[dim] = float64(sum) / float64(n) / 10
		}
	}
	return t, rows.Err()
}

// TrainingCandidates returns the upcoming training sessions that could
// teach a shop in communeNIS the given skills, as the plan's training
// choice wants them: skills, hours, provider (and whether it is a private
// company), distance from the shop's commune, seats left, price and what
// the shop pays with training vouchers.
//
// Sessions that are full or start within the day are left out. The
// catalogue is read at most once every candidateTTL and shared by every
// diagnostic meanwhile, so a room of shopkeepers finishing together costs
// one read; seats left may be that much behind, and the enrolment itself
// is what guarantees a seat.
func (s *DiagnosticStore) TrainingCandidates(ctx context.Context, communeNIS string, skills []string, now time.Time) ([]plan.Session, error) {
	if s.trainings == nil || len(skills) == 0 {
		return nil, nil
	}
	cat, err := s.candidates.get(ctx, s.trainings, now)
	if err != nil {
		return nil, err
	}
	var from *place
	if s.communes != nil {
		dir, err := s.communes.Directory(ctx)
		if err != nil {
			return nil, err
		}
		if c, ok := dir.ByNIS(communeNIS); ok {
			from = &place{c.Latitude, c.Longitude}
		}
	}
	return cat.candidates(skills, from, now), nil
}

// candidateTTL is how long a read of the training catalogue serves plans.
const candidateTTL = 5 * time.Second

// candidateCache holds the training catalogue's open sessions for plans.
type candidateCache struct {
	mu  sync.Mutex
	at  time.Time
	cat *candidateCatalogue
}

func (c *candidateCache) get(ctx context.Context, ts *TrainingStore, now time.Time) (*candidateCatalogue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != nil && now.Sub(c.at) < candidateTTL && !now.Before(c.at) {
		return c.cat, nil
	}
	offers, err := ts.Catalogue(ctx, CatalogueFilter{Level: -1, From: now})
	if err != nil {
		return nil, err
	}
	c.at, c.cat = now, newCandidateCatalogue(offers)
	return c.cat, nil
}

// candidateCatalogue is a read of the catalogue as plans use it: the
// sessions that may be candidates, each already a plan.Session but for its
// distance, grouped by module with the module's skills as a bit set. What
// a plan asks for then costs a few bit tests and a copy per session; the
// distances from a place are computed once per read (see distances).
type candidateCatalogue struct {
	skills  map[string]int // skill ID → its bit in the masks
	words   int            // uint64 words of a mask
	modules []candidateModule

	mu    sync.Mutex
	dists map[placeKey][]float64 // from a place to each session, in catalogue order
	n     int                    // sessions in all
}

// candidateModule is a module teaching the skills of mask, with its
// sessions that may be candidates.
type candidateModule struct {
	mask     []uint64
	first    int // the index of its first session in catalogue order
	sessions []candidateSession
}

type candidateSession struct {
	plan.Session // DistanceKm left at 0
	online       bool
	lat, lon     float64
}

// place is where a shop is; placeKey is its coordinates' bits, so that
// any two equal points (NaN too) share their distances.
type place struct{ lat, lon float64 }

type placeKey struct{ lat, lon uint64 }

// maxCandidatePlaces bounds the distances kept per read of the catalogue;
// from more places, distances are computed for each plan.
const maxCandidatePlaces = 1024

// newCandidateCatalogue keeps the sessions of offers that are scheduled
// and have a seat left, as plans want them: skills, hours, provider,
// seats left, price, and the voucher cost of a small shop (one worker)
// using vouchers.
func newCandidateCatalogue(offers []training.Offer) *candidateCatalogue {
	cat := &candidateCatalogue{skills: map[string]int{}}
	for _, o := range offers {
		for _, id := range o.Module.Skills {
			if _, ok := cat.skills[id]; !ok {
				cat.skills[id] = len(cat.skills)
			}
		}
	}
	cat.words = (len(cat.skills) + 63) / 64
	masks := make([]uint64, cat.words*len(offers))
	for i, o := range offers {
		m := o.Module
		cm := candidateModule{mask: masks[i*cat.words : (i+1)*cat.words : (i+1)*cat.words], first: cat.n}
		for _, id := range m.Skills {
			j := cat.skills[id]
			cm.mask[j/64] |= 1 << (j % 64)
		}
		for _, ss := range o.Sessions {
			if ss.Status != training.Scheduled || ss.SeatsLeft() == 0 {
				continue
			}
			c := plan.Session{ModuleID: strconv.FormatInt(m.ID, 10), SessionID: strconv.FormatInt(ss.ID, 10),
				Title: m.Title, Provider: m.ProviderName, ProviderPrivate: m.ProviderKind.Private(), Skills: m.Skills,
				Hours: m.Hours(), Format: string(m.Format), Start: ss.StartsAt(), SeatsLeft: ss.SeatsLeft(),
				VoucherEligible: m.VoucherEligible, PriceCents: int64(m.Price), VoucherCostCents: int64(m.Price)}
			if m.VoucherEligible {
				q, err := funding.QuoteVouchers(funding.VoucherInput{Training: ss.VoucherTraining(m, campaignZone),
					Shop: funding.Shop{FTE: funding.Headcount(1)}, UseVouchers: true})
				if err == nil {
					c.VoucherCostCents = int64(q.ShopPays)
				}
			}
			cm.sessions = append(cm.sessions, candidateSession{Session: c, online: ss.Online(), lat: ss.Latitude, lon: ss.Longitude})
		}
		if len(cm.sessions) > 0 {
			cat.modules = append(cat.modules, cm)
			cat.n += len(cm.sessions)
		}
	}
	return cat
}

// candidates returns the plan's candidates: the sessions of modules
// teaching at least one of skills, open tomorrow or later (after now + 24
// h), placed from where the shop is (every distance is 0 when from is
// nil), in catalogue order; nil when there are none.
func (cat *candidateCatalogue) candidates(skills []string, from *place, now time.Time) []plan.Session {
	var buf [2]uint64
	need := buf[:0]
	if cat.words <= len(buf) {
		need = buf[:cat.words]
	} else {
		need = make([]uint64, cat.words)
	}
	wanted := false
	for _, id := range skills {
		if j, ok := cat.skills[id]; ok {
			need[j/64] |= 1 << (j % 64)
			wanted = true
		}
	}
	if !wanted {
		return nil
	}
	teaches := func(m *candidateModule) bool {
		for w, bits := range m.mask {
			if bits&need[w] != 0 {
				return true
			}
		}
		return false
	}
	open := now.Add(24 * time.Hour)
	n := 0
	for i := range cat.modules {
		if m := &cat.modules[i]; teaches(m) {
			for j := range m.sessions {
				if open.Before(m.sessions[j].Start) {
					n++
				}
			}
		}
	}
	if n == 0 {
		return nil
	}
	var dists []float64
	if from != nil {
		dists = cat.distances(*from)
	}
	out := make([]plan.Session, 0, n)
	for i := range cat.modules {
		m := &cat.modules[i]
		if !teaches(m) {
			continue
		}
		for j := range m.sessions {
			if s := &m.sessions[j]; open.Before(s.Start) {
				out = append(out, s.Session)
				if dists != nil {
					out[len(out)-1].DistanceKm = dists[m.first+j]
				}
			}
		}
	}
	return out
}

// distances returns the distance from p to each session, in catalogue
// order (0 online), computed the first time p asks.
func (cat *candidateCatalogue) distances(p place) []float64 {
	k := placeKey{math.Float64bits(p.lat), math.Float64bits(p.lon)}
	cat.mu.Lock()
	d, ok := cat.dists[k]
	cat.mu.Unlock()
	if ok {
		return d
	}
	d = make([]float64, 0, cat.n)
	for _, m := range cat.modules {
		for _, s := range m.sessions {
			km := 0.0
			if !s.online {
				km = commune.DistanceKm(p.lat, p.lon, s.lat, s.lon)
			}
			d = append(d, km)
		}
	}
	cat.mu.Lock()
	defer cat.mu.Unlock()
	if cat.dists == nil {
		cat.dists = map[placeKey][]float64{}
	}
	if len(cat.dists) < maxCandidatePlaces {
		cat.dists[k] = d
	}
	return d
}

// tenths writes a 0–100 score with one decimal as an integer.
func tenths(f float64) int { return int(math.Round(f * 10)) }
