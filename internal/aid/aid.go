// Package aid is the domain of the campaign's aid for digital tools: a
// shopkeeper applies for a tool or service (what, from whom, at what cost),
// gets a rate from the configurable aid table (package funding), and staff
// approve — committing the aid to a budget line — or refuse. Standard
// library, apperr and the pure domain packages funding and person only.
package aid

import (
	"crypto/rand"
	"encoding/base64"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
	"vitrine/internal/person"
)

// Status is where an application stands.
type Status string

const (
	Submitted  Status = "submitted"  // waits for a decision
	Ineligible Status = "ineligible" // the shop fits no row of the table: no aid to decide
	Approved   Status = "approved"   // the aid is committed to a budget line
	Refused    Status = "refused"
	Cancelled  Status = "cancelled" // after approval: the money went back to its line
)

// Limits on what an application carries.
const (
	MaxItem     = 300
	MaxSupplier = 200
	MaxStaff    = 100_000
)

// Application is one shop's request for aid.
type Application struct {
	ID         int64
	Token      string // private: the applicant's link
	FirstName  string
	LastName   string
	Email      string
	ShopName   string
	CommuneNIS string
	Employees  int
	Turnover   funding.Cents
	Item       string // the tool or service
	Supplier   string
	Cost       funding.Cents
	Lang       string

	TableVersion int
	Quote        funding.Quote // rate and amount, from the table version above
	Status       Status
	BudgetLineID int64 // set once approved
	DecidedBy    int64
	DecidedAt    time.Time
	CancelledAt  time.Time
	CreatedAt    time.Time
}

// Pending reports whether staff still have to decide.
func (a Application) Pending() bool { return a.Status == Submitted }

// Form is what a shopkeeper types.
type Form struct {
	FirstName  string
	LastName   string
	Email      string
	ShopName   string
	CommuneNIS string // already resolved by the caller
	Employees  int
	Turnover   funding.Cents
	Item       string
	Supplier   string
	Cost       funding.Cents
	Lang       string
}

// Normalize cleans what was typed.
func (f *Form) Normalize() {
	f.FirstName = person.CleanText(f.FirstName)
	f.LastName = person.CleanText(f.LastName)
	f.Email = person.NormalizeEmail(person.CleanText(f.Email))
	f.ShopName = person.CleanText(f.ShopName)
	f.CommuneNIS = person.CleanText(f.CommuneNIS)
	f.Item = person.CleanText(f.Item)
	f.Supplier = person.CleanText(f.Supplier)
}

// Validate checks a form and returns the application to store (without
// quote, status or token), or an Invalid error naming each wrong field with
// the API's names.
func (f Form) Validate() (Application, error) {
	var v apperr.Validation
	for _, n := range []struct{ field, value string }{{"first_name", f.FirstName}, {"last_name", f.LastName}} {
		switch {
		case n.value == "":
			v.Add(n.field, "error.required", nil)
		case !person.ValidName(n.value, person.MaxName):
			v.Add(n.field, "training.enrolment.name_invalid", nil)
		}
	}
	switch {
	case f.Email == "":
		v.Add("email", "error.required", nil)
	case !person.ValidEmail(f.Email):
		v.Add("email", "error.email.invalid", nil)
	}
	text := func(field, value string, max int) {
		if v.Check(value != "", field, "error.required") {
			v.Check(utf8.RuneCountInString(value) <= max, field, "error.too_long")
		}
	}
	text("shop_name", f.ShopName, person.MaxShop)
	text("item", f.Item, MaxItem)
	text("supplier", f.Supplier, MaxSupplier)
	v.Check(f.CommuneNIS != "", "commune_nis", "error.required")
	v.Check(f.Employees >= 0 && f.Employees <= MaxStaff, "employees", "funding.aid.employees_invalid")
	v.Check(f.Turnover >= 0 && f.Turnover <= funding.MaxCents, "turnover_eur", "funding.aid.turnover_invalid")
	v.Check(f.Cost > 0 && f.Cost <= funding.MaxCents, "cost_eur", "funding.aid.cost_invalid")
	if err := v.Err(); err != nil {
		return Application{}, err
	}
	lang := f.Lang
	if lang == "" {
		lang = "fr"
	}
	return Application{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, ShopName: f.ShopName,
		CommuneNIS: f.CommuneNIS, Employees: f.Employees, Turnover: f.Turnover, Item: f.Item, Supplier: f.Supplier,
		Cost: f.Cost, Lang: lang}, nil
}

// Decide quotes the application with table (version) and sets its status:
// submitted when there is aid to decide, ineligible when the shop fits no
// row (0 %).
func (a *Application) Decide(table funding.AidTable, version int) error {
	q, err := table.Quote(a.Employees, a.Turnover, a.Cost)
	if err != nil {
		return err
	}
	a.Quote, a.TableVersion = q, version
	a.Status = Submitted
	if q.Aid == 0 {
		a.Status = Ineligible
	}
	return nil
}

// TokenPrefix marks the private application tokens.
const TokenPrefix = "ta_"

// NewToken returns a random private token (192 bits).
func NewToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}
