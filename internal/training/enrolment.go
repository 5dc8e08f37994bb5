package training

import (
	"crypto/rand"
	"encoding/base64"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/csvin"
	"vitrine/internal/funding"
	"vitrine/internal/person"
)

// EnrolmentStatus is where an enrolment stands. The values are those of the
// information sessions' registrations, so both read alike.
type EnrolmentStatus string

const (
	Confirmed  EnrolmentStatus = "confirmed"  // has a seat
	Waitlisted EnrolmentStatus = "waitlisted" // waits for a seat, in arrival order
	Withdrawn  EnrolmentStatus = "cancelled"  // cancelled by the person or by staff
)

// Enrolment is one worker's seat (or place in line) at a training session,
// with what vouchers pay for it.
type Enrolment struct {
	ID          int64
	SessionID   int64
	FirstName   string
	LastName    string
	Email       string
	ShopName    string
	CommuneNIS  string
	FTE         funding.FTE // the shop's size
	UseVouchers bool
	Lang        string
	Status      EnrolmentStatus
	WaitlistPos int    // 1 for the first in line; 0 unless waitlisted
	Token       string // private: the manage link

	// What the enrolment costs, fixed when it was made. The vouchers and the
	// Region's share are reserved then, and released if it is cancelled.
	VoucherHours int
	ShopPays     funding.Cents
	RegionPays   funding.Cents
	VoucherYear  int

	AttendedAt  time.Time // the provider saw the person there
	CompletedAt time.Time // the provider says the person completed the module
	CancelledAt time.Time
	CreatedAt   time.Time
}

// Active reports whether the enrolment holds a seat or a place in line.
func (e Enrolment) Active() bool { return e.Status == Confirmed || e.Status == Waitlisted }

// Certified reports whether an attendance certificate can be issued.
func (e Enrolment) Certified() bool { return e.Status == Confirmed && !e.AttendedAt.IsZero() }

// ShopKey identifies a shop for its yearly voucher allowance: the shop's
// name folded (case, accents, spaces and punctuation ignored) within its
// commune. Two workers of the same shop share the allowance.
func ShopKey(shopName, communeNIS string) string {
	return communeNIS + ":" + csvin.FoldHeader(person.CleanText(shopName))
}

// EnrolmentForm is what a shopkeeper types to enrol.
type EnrolmentForm struct {
	FirstName   string
	LastName    string
	Email       string
	ShopName    string
	CommuneNIS  string // a NIS code, already resolved by the caller
	Employees   string // workers in full-time equivalents: "3", "1,5"
	UseVouchers bool
	Lang        string
}

// Normalize cleans what was typed.
func (f *EnrolmentForm) Normalize() {
	f.FirstName = person.CleanText(f.FirstName)
	f.LastName = person.CleanText(f.LastName)
	f.Email = person.NormalizeEmail(person.CleanText(f.Email))
	f.ShopName = person.CleanText(f.ShopName)
	f.CommuneNIS = person.CleanText(f.CommuneNIS)
	f.Employees = person.CleanText(f.Employees)
}

// Validate checks a form and returns the enrolment to store (without
// session, status, cost or token), or an Invalid error naming each wrong
// field. An empty number of employees means a shop of one.
func (f EnrolmentForm) Validate() (Enrolment, error) {
	var v apperr.Validation
	name := func(field, value string) {
		switch {
		case value == "":
			v.Add(field, "error.required", nil)
		case !person.ValidName(value, person.MaxName):
			v.Add(field, "training.enrolment.name_invalid", nil)
		}
	}
	name("first_name", f.FirstName)
	name("last_name", f.LastName)
	switch {
	case f.Email == "":
		v.Add("email", "error.required", nil)
	case !person.ValidEmail(f.Email):
		v.Add("email", "error.email.invalid", nil)
	}
	switch {
	case f.ShopName == "":
		v.Add("shop_name", "error.required", nil)
	case utf8.RuneCountInString(f.ShopName) > person.MaxShop:
		v.Add("shop_name", "error.too_long", nil)
	}
	v.Check(f.CommuneNIS != "", "commune_nis", "error.required")
	fte := funding.Headcount(1)
	if f.Employees != "" {
		n, err := funding.ParseFTE(f.Employees)
		if err != nil {
			v.Add("employees", "funding.shop.fte_invalid", nil)
		} else {
			fte = n
		}
	}
	if err := v.Err(); err != nil {
		return Enrolment{}, err
	}
	lang := f.Lang
	if lang == "" {
		lang = "fr"
	}
	return Enrolment{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, ShopName: f.ShopName,
		CommuneNIS: f.CommuneNIS, FTE: fte, UseVouchers: f.UseVouchers, Lang: lang}, nil
}

// VoucherShop is the shop as the voucher rules see it.
func (e Enrolment) VoucherShop() funding.Shop {
	return funding.Shop{FTE: e.FTE, Status: funding.StatusFirm}
}

// Prefix of the private enrolment tokens, so a leaked one is recognisable.
const TokenPrefix = "te_"

// NewToken returns a random private token (192 bits).
func NewToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}
