package funding

import (
	"math"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
)

// The Walloon training voucher (chèque-formation): one voucher, worth €30,
// pays one training hour for one worker; the firm buys it for €15 and the
// Region adds the other €15.
const (
	VoucherFaceValue   Cents = 3000
	VoucherShopShare   Cents = 1500
	VoucherRegionShare Cents = 1500

	// At most 7 training hours are counted per day, 4 for a half-day.
	MaxMinutesPerDay     = 7 * 60
	MaxMinutesPerHalfDay = 4 * 60

	// MaxVoucherFTE is the largest firm that may use vouchers: 250 workers.
	MaxVoucherFTE FTE = 250_00

	// PartTimeSelfEmployedVouchers is the yearly allowance of a self-employed
	// person working part-time (à titre complémentaire) with no staff.
	PartTimeSelfEmployedVouchers = 80
)

// FTE is a size in full-time equivalents, in hundredths: 190 is 1.9 FTE,
// 5000 is 50 workers.
type FTE int64

// Headcount returns the FTE of n full-time workers.
func Headcount(n int) FTE { return FTE(n) * 100 }

// ParseFTE reads a size such as "3", "1,9" or "12.75" (two decimals at most).
func ParseFTE(s string) (FTE, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasSep := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || (hasSep && frac == "") ||
		strings.Trim(whole+frac, "0123456789") != "" {
		return 0, apperr.Field("employees", "funding.shop.fte_invalid", nil)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, apperr.Field("employees", "funding.shop.fte_invalid", nil)
	}
	return FTE(n), nil
}

// String writes the size with a point and only the decimals it needs: "1.9".
func (f FTE) String() string { return BasisPoints(f).Percent() }

// Status says how the shop's owner works; it matters for the smallest
// voucher allowances.
type Status string

const (
	StatusFirm                 Status = "firm"                    // a company or an employer: allowance by FTE (the default)
	StatusSelfEmployed         Status = "self_employed"           // self-employed full-time (à titre principal)
	StatusSelfEmployedPartTime Status = "self_employed_part_time" // self-employed part-time (à titre complémentaire)
)

// allowanceBand is one row of the yearly voucher allowance table.
type allowanceBand struct {
	MaxFTE   FTE // inclusive upper bound of the band
	Vouchers int
}

// allowanceBands is the yearly number of training vouchers a firm may use,
// by size, as the Walloon chèque-formation rule sets it (see
// design/maturity.md, "Money facts"): 100 from 0 to 1.9 FTE (and for a
// full-time self-employed person), 400 from 2 to 50 workers, 600 from 51 to
// 100, 700 from 101 to 200, 800 from 201 to 250; firms over 250 workers are
// not eligible. A part-time self-employed person without staff gets
// PartTimeSelfEmployedVouchers instead. The rule publishes whole numbers; a
// fractional size belongs to the first band whose upper bound it does not
// pass (1.95 FTE is under 2, so 100; 50.5 FTE is over 50, so 600).
var allowanceBands = [...]allowanceBand{
	{MaxFTE: 199, Vouchers: 100},
	{MaxFTE: 50_00, Vouchers: 400},
	{MaxFTE: 100_00, Vouchers: 600},
	{MaxFTE: 200_00, Vouchers: 700},
	{MaxFTE: MaxVoucherFTE, Vouchers: 800},
}

// Shop is what the voucher rules need to know of a shop.
type Shop struct {
	FTE    FTE    `json:"fte_hundredths"`
	Status Status `json:"status"`
}

// YearlyAllowance returns the number of vouchers the shop may use in a year,
// and false when its size makes it ineligible.
func YearlyAllowance(s Shop) (int, bool) {
	if s.Status == StatusSelfEmployedPartTime && s.FTE == 0 {
		return PartTimeSelfEmployedVouchers, true
	}
	for _, b := range allowanceBands {
		if s.FTE <= b.MaxFTE {
			return b.Vouchers, true
		}
	}
	return 0, false
}

// TrainingDay is one day of a training. Entries that share a date are added
// up before the daily cap is applied, so splitting a day in two does not
// lift it; a date holding a single half-day entry is capped at 4 hours, any
// other date at 7.
type TrainingDay struct {
	Date    time.Time `json:"date"`     // only the calendar date counts
	Minutes int       `json:"minutes"`  // training time that day
	HalfDay bool      `json:"half_day"` // a half-day session
}

// Training is what the voucher rules need to know of a training.
type Training struct {
	Days            []TrainingDay `json:"days"`
	Price           Cents         `json:"price_eur"` // for one participant, the whole training
	VoucherEligible bool          `json:"voucher_eligible"`
}

// VoucherInput asks what one worker's enrolment costs.
type VoucherInput struct {
	Training     Training
	Shop         Shop
	UsedThisYear int  // vouchers the shop has already used this calendar year
	UseVouchers  bool // the shop wants to pay with vouchers
}

// Reason explains in a message key why vouchers cover less than the whole
// training, or nothing.
type Reason struct {
	Code string         `json:"code"`
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// Reasons a quote can give. The blocking ones leave VoucherHours at zero.
const (
	ReasonNotWanted       = "not_wanted"          // blocking
	ReasonNotEligible     = "module_not_eligible" // blocking
	ReasonFirmTooLarge    = "firm_too_large"      // blocking
	ReasonAllowanceUsedUp = "allowance_used_up"   // blocking
	ReasonFreeTraining    = "free_training"       // blocking
	ReasonDailyCap        = "daily_cap"
	ReasonWholeHours      = "whole_hours"
	ReasonAllowanceShort  = "allowance_short"
	ReasonPriceLimit      = "price_limit"
)

// VoucherQuote is the cost of one worker's enrolment. ShopPays +
// RegionPays always equals the training's price.
type VoucherQuote struct {
	VoucherHours       int      `json:"voucher_hours"`
	ShopPays           Cents    `json:"shop_pays_eur"`
	RegionPays         Cents    `json:"region_pays_eur"`
	RemainingAllowance int      `json:"remaining_allowance"` // after this enrolment
	CountedHours       int      `json:"counted_hours"`       // whole hours within the daily caps
	Reasons            []Reason `json:"reasons"`
}

func reason(code string, args map[string]any) Reason {
	return Reason{Code: code, Key: "funding.voucher." + code, Args: args}
}

// QuoteVouchers computes what the shop and the Region pay for one worker's
// enrolment. Hours are capped per day (7, or 4 for a half-day), vouchers
// count whole hours, stay within the shop's remaining yearly allowance, and
// their face value never exceeds the price. Every hour vouchers do not cover
// is paid by the shop at the normal price: ShopPays = Price − VoucherHours ×
// €15 (the shop buys each voucher for €15 and pays the rest of the price
// itself). Wrong input is an Invalid error with field errors.
func QuoteVouchers(in VoucherInput) (VoucherQuote, error) {
	if err := in.validate(); err != nil {
		return VoucherQuote{}, err
	}
	t := in.Training
	q := VoucherQuote{Reasons: []Reason{}}

	type dayTotal struct {
		minutes, entries int
		halfDay          bool
	}
	days := map[[3]int]*dayTotal{}
	var order [][3]int
	for _, d := range t.Days {
		y, m, dd := d.Date.Date()
		k := [3]int{y, int(m), dd}
		tot, ok := days[k]
		if !ok {
			tot = &dayTotal{}
			days[k] = tot
			order = append(order, k)
		}
		tot.minutes += d.Minutes
		tot.entries++
		tot.halfDay = d.HalfDay
	}
	counted, capped := 0, 0
	for _, k := range order {
		tot := days[k]
		limit := MaxMinutesPerDay
		if tot.entries == 1 && tot.halfDay {
			limit = MaxMinutesPerHalfDay
		}
		if tot.minutes > limit {
			capped++
			counted += limit
		} else {
			counted += tot.minutes
		}
	}
	q.CountedHours = counted / 60

	allowance, sizeOK := YearlyAllowance(in.Shop)
	remaining := max(0, allowance-in.UsedThisYear)
	q.RemainingAllowance = remaining

	blocked := false
	block := func(code string, args map[string]any) {
		blocked = true
		q.Reasons = append(q.Reasons, reason(code, args))
	}
	if !in.UseVouchers {
		block(ReasonNotWanted, nil)
	}
	if !t.VoucherEligible {
		block(ReasonNotEligible, nil)
	}
	if !sizeOK {
		block(ReasonFirmTooLarge, map[string]any{"max": int(MaxVoucherFTE / 100)})
	} else if remaining == 0 {
		block(ReasonAllowanceUsedUp, map[string]any{"allowance": allowance})
	}
	if t.Price == 0 {
		block(ReasonFreeTraining, nil)
	}
	if blocked {
		q.ShopPays = t.Price
		return q, nil
	}

	if capped > 0 {
		q.Reasons = append(q.Reasons, reason(ReasonDailyCap, map[string]any{"days": capped}))
	}
	if rest := counted % 60; rest > 0 {
		q.Reasons = append(q.Reasons, reason(ReasonWholeHours, map[string]any{"minutes": rest}))
	}
	v := q.CountedHours
	if remaining < v {
		v = remaining
		q.Reasons = append(q.Reasons, reason(ReasonAllowanceShort, map[string]any{"remaining": remaining, "hours": q.CountedHours}))
	}
	if byPrice := int(min(int64(t.Price/VoucherFaceValue), math.MaxInt32)); byPrice < v {
		v = byPrice
		q.Reasons = append(q.Reasons, reason(ReasonPriceLimit, map[string]any{"vouchers": byPrice}))
	}
	q.VoucherHours = v
	q.RegionPays = Cents(v) * VoucherRegionShare
	q.ShopPays = t.Price - q.RegionPays
	q.RemainingAllowance = remaining - v
	return q, nil
}

func (in VoucherInput) validate() error {
	var v apperr.Validation
	t := in.Training
	if v.Check(len(t.Days) > 0, "days", "funding.training.days_required") {
		for i, d := range t.Days {
			f := "days[" + strconv.Itoa(i) + "]"
			v.Check(!d.Date.IsZero(), f+".date", "funding.training.date_required")
			v.Check(d.Minutes > 0 && d.Minutes <= 24*60, f+".minutes", "funding.training.minutes_invalid")
		}
	}
	v.Check(t.Price >= 0 && t.Price <= MaxCents, "price_eur", "funding.training.price_invalid")
	v.Check(in.Shop.FTE >= 0 && in.Shop.FTE <= 1_000_000_00, "employees", "funding.shop.fte_invalid")
	switch in.Shop.Status {
	case "", StatusFirm, StatusSelfEmployed, StatusSelfEmployedPartTime:
	default:
		v.Add("status", "funding.shop.status_invalid", nil)
	}
	v.Check(in.UsedThisYear >= 0, "vouchers_used", "funding.voucher.used_invalid")
	return v.Err()
}
