// Package diagnostic is the shopkeeper's side of the digital-maturity
// diagnostic: what a submission holds besides the answers (commune, sector,
// an optional shop name and email), how answers sent as JSON are read, the
// private tokens of a diagnostic and of its draft, how a submission becomes
// a result and a plan (Evaluate), the progress since the first diagnostic,
// and the anonymous summary of a workshop room.
//
// The scoring is package maturity's, the plan package plan's. A domain
// package: standard library, apperr and its sibling domain packages only.
package diagnostic

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/maturity"
	"vitrine/internal/person"
	"vitrine/internal/plan"
	"vitrine/internal/sessions"
)

// Sectors are the kinds of shop a shopkeeper chooses from, in display order:
// those of the information-session registrations, named by the catalogue
// keys "sector.ID".
var Sectors = sessions.Sectors

// Limits.
const (
	MaxShopName = person.MaxShop
	// DraftLifetime is how long an unfinished diagnostic can be resumed
	// after its last change.
	DraftLifetime = 90 * 24 * time.Hour
)

// Message keys of the field errors this package raises (the maturity keys
// cover the answers themselves).
const (
	KeySectorUnknown  = "error.sector.unknown"
	KeyAnswerType     = "diagnostic.error.answer_type"     // an answer that is neither an option ID nor a list of them
	KeySessionUnknown = "diagnostic.error.session_unknown" // no such information session
	KeyPreviousToken  = "diagnostic.error.previous_token"  // no diagnostic has this token
	KeyCommuneUnknown = "error.commune.unknown"
	KeyRequired       = "error.required"
	KeyTooLong        = "error.too_long"
	KeyEmailInvalid   = "error.email.invalid"
)

// Profile is what the shopkeeper says about the shop.
type Profile struct {
	CommuneNIS string
	Sector     string
	ShopName   string // optional; printed on the plan
	Email      string // optional; the private link is mailed to it, and a later diagnostic with it shows progress
}

// Normalize cleans the text fields.
func (p *Profile) Normalize() {
	p.CommuneNIS = strings.TrimSpace(p.CommuneNIS)
	p.Sector = strings.TrimSpace(p.Sector)
	p.ShopName = person.CleanText(p.ShopName)
	p.Email = person.NormalizeEmail(p.Email)
}

// Check records what is wrong with a profile. knownCommune says whether a
// NIS code names a Walloon commune.
func (p Profile) Check(v *apperr.Validation, knownCommune func(nis string) bool) {
	switch {
	case p.CommuneNIS == "":
		v.Add("commune_nis", KeyRequired, nil)
	case !knownCommune(p.CommuneNIS):
		v.Add("commune_nis", KeyCommuneUnknown, map[string]any{"Value": clip(p.CommuneNIS)})
	}
	switch {
	case p.Sector == "":
		v.Add("sector", KeyRequired, nil)
	case !slices.Contains(Sectors, p.Sector):
		v.Add("sector", KeySectorUnknown, nil)
	}
	v.Check(utf8.RuneCountInString(p.ShopName) <= MaxShopName, "shop_name", KeyTooLong)
	if p.Email != "" {
		v.Check(person.ValidEmail(p.Email), "email", KeyEmailInvalid)
	}
}

// EmailKey is the form in which two diagnostics' emails are compared.
func (p Profile) EmailKey() string {
	if p.Email == "" {
		return ""
	}
	return person.EmailKey(p.Email)
}

// Secrets. A diagnostic's token is the private key to its result and plan;
// a draft and the diagnostic it becomes share one token, so the link that
// resumes a draft later opens the result. Only hashes are stored.
const (
	TokenPrefix   = "dg_"
	MailKeyPrefix = "dk_"
	// A mail key, and a token made before tokens began with their time:
	// 32 random bytes.
	tokenBytes = 32
	// A token: the milliseconds of its creation in 6 bytes (big-endian),
	// then 27 random bytes.
	timedBytes = 33
	timeBytes  = 6
)

// NewSecret returns a random secret with a prefix, and its stored hash.
func NewSecret(prefix string) (plain, hash string) {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// NewToken returns a new diagnostic token, made at now, and its stored
// hash. The token begins with its time and its stored hash with that time in
// hex, so that new hashes sort in the order they were made: each new
// diagnostic lands at the end of the unique index on the hashes, the one
// page a group commit writes there, instead of on a random page of it, one
// per diagnostic (a third of the bytes written). The time is not secret:
// the result shows its date. 27 random bytes stay.
func NewToken(now time.Time) (plain, hash string) {
	b := make([]byte, timedBytes)
	ms := uint64(max(now.UnixMilli(), 0))
	for i := range timeBytes {
		b[i] = byte(ms >> (8 * (timeBytes - 1 - i)))
	}
	rand.Read(b[timeBytes:])
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// Hash returns the stored form of a secret: its SHA-256 in hex, preceded for
// a token made by NewToken by the token's time in hex. Secrets hold at
// least 216 random bits, nothing to brute-force.
func Hash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	h := hex.EncodeToString(sum[:])
	if rest, ok := strings.CutPrefix(plain, TokenPrefix); ok && len(rest) == base64.RawURLEncoding.EncodedLen(timedBytes) {
		// 6 bytes are 8 characters of base64.
		if t, err := base64.RawURLEncoding.DecodeString(rest[:8]); err == nil {
			return hex.EncodeToString(t) + h
		}
	}
	return h
}

// WellFormed reports whether s has the shape of a secret with this prefix,
// so that a mistyped link is turned away without a database query. A token
// has either shape: made by NewToken, or by NewSecret before.
func WellFormed(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return false
	}
	switch len(rest) {
	case base64.RawURLEncoding.EncodedLen(tokenBytes):
	case base64.RawURLEncoding.EncodedLen(timedBytes):
		if prefix != TokenPrefix {
			return false
		}
	default:
		return false
	}
	// The decoder skips line breaks: only its alphabet is taken.
	for _, c := range []byte(rest) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}

// Draft is a diagnostic being filled in, screen by screen.
type Draft struct {
	ID         int64
	Version    string // questionnaire version
	Lang       string
	Answers    maturity.Answers
	Step       int // the screen last shown, 1 to Steps
	Profile    Profile
	SessionID  int64 // the information session it was started from, 0 for none
	PreviousID int64 // the diagnostic it retakes, 0 for none
	MailedAt   time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Steps is the number of screens of the flow on questionnaire q: the shop
// first, then one screen per dimension.
func Steps(q *maturity.Questionnaire) int { return 1 + len(q.Dimensions) }

// Link says how a diagnostic was linked to the shop's first one.
type Link string

const (
	LinkNone  Link = ""
	LinkToken Link = "token" // retaken from the result page, or with the previous token: the same person
	LinkEmail Link = "email" // the same email: progress shows once the mailed link proves the address
)

// Record is a completed diagnostic as stored.
type Record struct {
	ID           int64
	Version      string // questionnaire version
	RulesVersion string
	Lang         string
	Answers      maturity.Answers
	Profile      Profile
	SessionID    int64
	Level        int
	Index        float64 // 0–100, one decimal
	Dimensions   []maturity.DimensionScore
	Answered     int
	FirstID      int64 // the shop's first diagnostic, 0 when this is the first
	FirstVia     Link
	// EmailVerifiedAt is set when the mailed link was opened: the person
	// holds the address.
	EmailVerifiedAt time.Time
	CreatedAt       time.Time // the start, for a diagnostic taken screen by screen
	CompletedAt     time.Time
}

// ShowsProgress reports whether the result may show the change since the
// first diagnostic: only to someone who proved to be the same shop.
// Anyone can type someone else's email, so a link made by email alone
// shows nothing until the mailed link proves the address.
func (r Record) ShowsProgress() bool {
	switch r.FirstVia {
	case LinkToken:
		return r.FirstID != 0
	case LinkEmail:
		return r.FirstID != 0 && !r.EmailVerifiedAt.IsZero()
	}
	return false
}

// Outcome is a scored diagnostic and its plan.
type Outcome struct {
	Result *maturity.Result
	Plan   *plan.Plan
	// Candidates is how many training sessions were considered; 0 means
	// the catalogue had nothing to offer yet.
	Candidates int
}

// tooFewAnswers is the error of a submission that answers too few
// questions for a level: count more are needed.
func tooFewAnswers(count int) error {
	return apperr.Field("answers", maturity.KeyBlockAnswers, map[string]any{"count": count})
}

// Trainings finds the upcoming training sessions that teach any of the
// given skills (see plan.Choose); nil finds none.
type Trainings func(skills []string) ([]plan.Session, error)

// Evaluate scores the answers on q, builds the plan with rules and chooses
// the training sessions that teach its skills among those find returns. A
// submission needs a level: too few answers is an Invalid error on
// "answers" that says how many more are needed.
func Evaluate(q *maturity.Questionnaire, rules *plan.Rules, a maturity.Answers, lang string, find Trainings, now time.Time) (*Outcome, error) {
	r, err := q.Score(a, lang)
	if err != nil {
		return nil, err
	}
	if !r.HasLevel {
		return nil, tooFewAnswers(minAnswered(q) - r.Answered)
	}
	return planFor(r, rules, lang, find, now)
}

// Reevaluate scores a stored diagnostic again, with its plan: the rules are
// those given (today's), and so are the training sessions.
func Reevaluate(rec Record, rules *plan.Rules, lang string, find Trainings, now time.Time) (*Outcome, error) {
	q, err := maturity.Version(rec.Version)
	if err != nil {
		return nil, err
	}
	r, err := q.Score(rec.Answers, lang)
	if err != nil {
		return nil, fmt.Errorf("diagnostic %d: %w", rec.ID, err)
	}
	return planFor(r, rules, lang, find, now)
}

func planFor(r *maturity.Result, rules *plan.Rules, lang string, find Trainings, now time.Time) (*Outcome, error) {
	p, err := rules.Build(r, lang)
	if err != nil {
		return nil, err
	}
	skills := p.SkillIDs()
	var candidates []plan.Session
	if find != nil && len(skills) > 0 {
		if candidates, err = find(skills); err != nil {
			return nil, err
		}
	}
	c := plan.Choose(skills, candidates, now)
	p.Trainings = &c
	return &Outcome{Result: r, Plan: p, Candidates: len(candidates)}, nil
}

// minAnswered is the number of answers a level needs on q.
func minAnswered(q *maturity.Questionnaire) int {
	return (q.MinAnsweredPct*q.NumQuestions() + 99) / 100
}

// Missing returns how many more answers a level needs, 0 when there are
// enough.
func Missing(q *maturity.Questionnaire, a maturity.Answers) int {
	n := 0
	for _, id := range q.QuestionIDs() {
		if len(a[id]) > 0 {
			n++
		}
	}
	return max(0, minAnswered(q)-n)
}

// Progress compares the shop's first diagnostic with a later one, names in
// lang.
func Progress(first, later Record, lang string) (*maturity.Progress, error) {
	qa, err := maturity.Version(first.Version)
	if err != nil {
		return nil, err
	}
	qb, err := maturity.Version(later.Version)
	if err != nil {
		return nil, err
	}
	return maturity.Compare(qa, first.Answers, qb, later.Answers, lang)
}

// clip shortens s for an error argument.
func clip(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return strings.ToValidUTF8(s, "?")
}
