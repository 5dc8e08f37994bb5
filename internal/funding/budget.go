package funding

import (
	"strings"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
)

// BudgetLine is an amount set aside for a year (the campaign's first year,
// the next one, partnerships) and what has been committed against it:
// vouchers, aid, partnerships. The store keeps Committed ≤ Amount with one
// conditional update; the helpers here only say what the rule is.
type BudgetLine struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Year      int        `json:"year"`
	Kind      BudgetKind `json:"kind,omitempty"` // "" reads as BudgetCampaign
	Amount    Cents      `json:"amount_eur"`
	Committed Cents      `json:"committed_eur"`
}

// BudgetKind says what a budget line pays for.
type BudgetKind string

const (
	BudgetCampaign     BudgetKind = "campaign"     // the Region's share of training vouchers, and aid
	BudgetPartnerships BudgetKind = "partnerships" // partnerships with training providers
)

// CommitmentKind says what a commitment pays for.
type CommitmentKind string

const (
	CommitVoucher     CommitmentKind = "voucher"     // the Region's share of an enrolment's vouchers
	CommitAid         CommitmentKind = "aid"         // an approved aid application
	CommitPartnership CommitmentKind = "partnership" // an agreement with a training provider
)

// Commitment is an amount committed against a budget line. Released
// commitments stay, for the record; only active ones count.
type Commitment struct {
	ID         int64          `json:"id"`
	LineID     int64          `json:"budget_line_id"`
	Kind       CommitmentKind `json:"kind"`
	RefType    string         `json:"ref_type,omitempty"` // the row it pays for: "enrolment", "aid_application"
	RefID      int64          `json:"ref_id,omitempty"`
	Amount     Cents          `json:"amount_eur"`
	Note       string         `json:"note,omitempty"`
	Active     bool           `json:"active"`
	CreatedAt  time.Time      `json:"created_at"`
	ReleasedAt *time.Time     `json:"released_at,omitempty"`
}

// ErrBudgetExhausted refuses a commitment larger than what a line has left.
var ErrBudgetExhausted = apperr.New(apperr.Conflict, "budget_exhausted", "funding.budget.exhausted")

// Remaining returns what the line still has: Amount − Committed.
func (l BudgetLine) Remaining() Cents { return l.Amount - l.Committed }

// CanCommit reports whether amount can be committed against the line: nil,
// an Invalid field error for an amount that is not positive, or
// ErrBudgetExhausted (a Conflict, carrying "remaining") when the line has
// less left. It is advice for forms; the guarantee is the store's
// conditional update.
func CanCommit(l BudgetLine, amount Cents) error {
	if amount <= 0 || amount > MaxCents {
		return apperr.Field("amount_eur", "funding.budget.amount_invalid", nil)
	}
	if amount > l.Remaining() {
		return ErrBudgetExhausted.With(map[string]any{"remaining": l.Remaining()})
	}
	return nil
}

// Validate checks a new line: a name, a plausible year, a positive amount.
func (l BudgetLine) Validate() error {
	var v apperr.Validation
	name := strings.TrimSpace(l.Name)
	v.Check(name != "" && utf8.RuneCountInString(name) <= 200, "name", "funding.budget.name_invalid")
	v.Check(l.Year >= 2000 && l.Year <= 2100, "year", "funding.budget.year_invalid")
	v.Check(l.Amount > 0 && l.Amount <= MaxCents, "amount_eur", "funding.budget.amount_invalid")
	switch l.Kind {
	case "", BudgetCampaign, BudgetPartnerships:
	default:
		v.Add("kind", "funding.budget.kind_invalid", nil)
	}
	return v.Err()
}
