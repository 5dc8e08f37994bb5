package funding

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"vitrine/internal/apperr"
)

func TestYearlyAllowance(t *testing.T) {
	tests := []struct {
		name   string
		shop   Shop
		want   int
		wantOK bool
	}{
		{"part-time self-employed alone", Shop{Status: StatusSelfEmployedPartTime}, 80, true},
		{"part-time self-employed with staff uses the bands", Shop{Status: StatusSelfEmployedPartTime, FTE: Headcount(3)}, 400, true},
		{"full-time self-employed alone", Shop{Status: StatusSelfEmployed}, 100, true},
		{"firm with no FTE", Shop{}, 100, true},
		{"1 FTE", Shop{FTE: Headcount(1)}, 100, true},
		{"1.9 FTE", Shop{FTE: 190}, 100, true},
		{"1.99 FTE", Shop{FTE: 199}, 100, true},
		{"2 FTE", Shop{FTE: Headcount(2)}, 400, true},
		{"50 workers", Shop{FTE: Headcount(50)}, 400, true},
		{"50.01 FTE", Shop{FTE: 5001}, 600, true},
		{"51 workers", Shop{FTE: Headcount(51)}, 600, true},
		{"100 workers", Shop{FTE: Headcount(100)}, 600, true},
		{"101 workers", Shop{FTE: Headcount(101)}, 700, true},
		{"200 workers", Shop{FTE: Headcount(200)}, 700, true},
		{"201 workers", Shop{FTE: Headcount(201)}, 800, true},
		{"250 workers", Shop{FTE: Headcount(250)}, 800, true},
		{"250.01 FTE", Shop{FTE: 25001}, 0, false},
		{"251 workers", Shop{FTE: Headcount(251)}, 0, false},
		{"self-employed cannot dodge the size limit", Shop{Status: StatusSelfEmployed, FTE: Headcount(300)}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := YearlyAllowance(tt.shop)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("YearlyAllowance(%+v) = %d, %v; want %d, %v", tt.shop, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAllowanceBandsAreOrdered(t *testing.T) {
	for i := 1; i < len(allowanceBands); i++ {
		if allowanceBands[i].MaxFTE <= allowanceBands[i-1].MaxFTE || allowanceBands[i].Vouchers <= allowanceBands[i-1].Vouchers {
			t.Errorf("band %d (%+v) does not follow band %d (%+v)", i, allowanceBands[i], i-1, allowanceBands[i-1])
		}
	}
	if last := allowanceBands[len(allowanceBands)-1]; last.MaxFTE != MaxVoucherFTE {
		t.Errorf("last band ends at %v FTE, want %v", last.MaxFTE, MaxVoucherFTE)
	}
}

func TestParseFTE(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want FTE
		ok   bool
	}{
		{"whole", "3", 300, true},
		{"comma", "1,9", 190, true},
		{"point", "12.75", 1275, true},
		{"spaces", " 2 ", 200, true},
		{"zero", "0", 0, true},
		{"three decimals", "1,999", 0, false},
		{"negative", "-1", 0, false},
		{"empty", "", 0, false},
		{"trailing separator", "2,", 0, false},
		{"text", "deux", 0, false},
		{"too long", "12345678901", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFTE(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseFTE(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !hasField(err, "employees", "funding.shop.fte_invalid") {
				t.Fatalf("ParseFTE(%q) error = %v, want a field error on employees", tt.in, err)
			}
		})
	}
	if got := FTE(190).String(); got != "1.9" {
		t.Errorf("FTE(190).String() = %q, want 1.9", got)
	}
}

var day0 = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)

// days returns one full-day entry per duration (in hours), on consecutive dates.
func days(hours ...int) []TrainingDay {
	var out []TrainingDay
	for i, h := range hours {
		out = append(out, TrainingDay{Date: day0.AddDate(0, 0, i), Minutes: h * 60})
	}
	return out
}

func codes(rs []Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestQuoteVouchers(t *testing.T) {
	small := Shop{FTE: Headcount(3)} // 400 vouchers a year
	eligible := func(price Cents, d ...TrainingDay) Training {
		return Training{Days: d, Price: price, VoucherEligible: true}
	}
	tests := []struct {
		name      string
		in        VoucherInput
		hours     int
		shop      Cents
		region    Cents
		remaining int
		counted   int
		reasons   []string
	}{
		{
			name:  "one day at 30 euros an hour is half paid by the Region",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: small, UseVouchers: true},
			hours: 7, shop: Euros(105), region: Euros(105), remaining: 393, counted: 7, reasons: []string{},
		},
		{
			name:  "price above face value: the shop pays the difference",
			in:    VoucherInput{Training: eligible(Euros(400), days(7)...), Shop: small, UseVouchers: true},
			hours: 7, shop: Euros(400 - 105), region: Euros(105), remaining: 393, counted: 7, reasons: []string{},
		},
		{
			name:  "eight hours a day count as seven",
			in:    VoucherInput{Training: eligible(Euros(240), days(8)...), Shop: small, UseVouchers: true},
			hours: 7, shop: Euros(240 - 105), region: Euros(105), remaining: 393, counted: 7, reasons: []string{ReasonDailyCap},
		},
		{
			name: "a half-day counts four hours at most",
			in: VoucherInput{Training: eligible(Euros(150), TrainingDay{Date: day0, Minutes: 5 * 60, HalfDay: true}),
				Shop: small, UseVouchers: true},
			hours: 4, shop: Euros(150 - 60), region: Euros(60), remaining: 396, counted: 4, reasons: []string{ReasonDailyCap},
		},
		{
			name: "two half-days on one date make a full day",
			in: VoucherInput{Training: eligible(Euros(300),
				TrainingDay{Date: day0.Add(9 * time.Hour), Minutes: 4 * 60, HalfDay: true},
				TrainingDay{Date: day0.Add(14 * time.Hour), Minutes: 4 * 60, HalfDay: true}),
				Shop: small, UseVouchers: true},
			hours: 7, shop: Euros(300 - 105), region: Euros(105), remaining: 393, counted: 7, reasons: []string{ReasonDailyCap},
		},
		{
			name: "splitting a day does not lift the daily cap",
			in: VoucherInput{Training: eligible(Euros(300),
				TrainingDay{Date: day0, Minutes: 5 * 60}, TrainingDay{Date: day0, Minutes: 5 * 60}),
				Shop: small, UseVouchers: true},
			hours: 7, shop: Euros(300 - 105), region: Euros(105), remaining: 393, counted: 7, reasons: []string{ReasonDailyCap},
		},
		{
			name: "vouchers count whole hours",
			in: VoucherInput{Training: eligible(Euros(105), TrainingDay{Date: day0, Minutes: 3*60 + 30, HalfDay: true}),
				Shop: small, UseVouchers: true},
			hours: 3, shop: Euros(105 - 45), region: Euros(45), remaining: 397, counted: 3, reasons: []string{ReasonWholeHours},
		},
		{
			name:  "several days add up",
			in:    VoucherInput{Training: eligible(Euros(630), days(7, 7, 7)...), Shop: small, UseVouchers: true},
			hours: 21, shop: Euros(315), region: Euros(315), remaining: 379, counted: 21, reasons: []string{},
		},
		{
			name:  "allowance covers part of the hours",
			in:    VoucherInput{Training: eligible(Euros(420), days(7, 7)...), Shop: small, UsedThisYear: 395, UseVouchers: true},
			hours: 5, shop: Euros(420 - 75), region: Euros(75), remaining: 0, counted: 14, reasons: []string{ReasonAllowanceShort},
		},
		{
			name:  "cheap training: face value never exceeds the price",
			in:    VoucherInput{Training: eligible(Euros(100), days(7)...), Shop: small, UseVouchers: true},
			hours: 3, shop: Euros(100 - 45), region: Euros(45), remaining: 397, counted: 7, reasons: []string{ReasonPriceLimit},
		},
		{
			name:  "part-time self-employed has 80 a year",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: Shop{Status: StatusSelfEmployedPartTime}, UsedThisYear: 75, UseVouchers: true},
			hours: 5, shop: Euros(210 - 75), region: Euros(75), remaining: 0, counted: 7, reasons: []string{ReasonAllowanceShort},
		},
		{
			name:  "vouchers not wanted",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: small},
			hours: 0, shop: Euros(210), region: 0, remaining: 400, counted: 7, reasons: []string{ReasonNotWanted},
		},
		{
			name:  "module not eligible",
			in:    VoucherInput{Training: Training{Days: days(7), Price: Euros(210)}, Shop: small, UseVouchers: true},
			hours: 0, shop: Euros(210), region: 0, remaining: 400, counted: 7, reasons: []string{ReasonNotEligible},
		},
		{
			name:  "firm over 250 workers",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: Shop{FTE: Headcount(251)}, UseVouchers: true},
			hours: 0, shop: Euros(210), region: 0, remaining: 0, counted: 7, reasons: []string{ReasonFirmTooLarge},
		},
		{
			name:  "allowance used up",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: small, UsedThisYear: 400, UseVouchers: true},
			hours: 0, shop: Euros(210), region: 0, remaining: 0, counted: 7, reasons: []string{ReasonAllowanceUsedUp},
		},
		{
			name:  "more than used up counts as used up",
			in:    VoucherInput{Training: eligible(Euros(210), days(7)...), Shop: small, UsedThisYear: 450, UseVouchers: true},
			hours: 0, shop: Euros(210), region: 0, remaining: 0, counted: 7, reasons: []string{ReasonAllowanceUsedUp},
		},
		{
			name:  "free training",
			in:    VoucherInput{Training: eligible(0, days(7)...), Shop: small, UseVouchers: true},
			hours: 0, shop: 0, region: 0, remaining: 400, counted: 7, reasons: []string{ReasonFreeTraining},
		},
		{
			name:  "every blocking reason is given",
			in:    VoucherInput{Training: Training{Days: days(7), Price: Euros(210)}, Shop: Shop{FTE: Headcount(300)}},
			hours: 0, shop: Euros(210), region: 0, remaining: 0, counted: 7,
			reasons: []string{ReasonNotWanted, ReasonNotEligible, ReasonFirmTooLarge},
		},
		{
			name:  "odd price in cents",
			in:    VoucherInput{Training: eligible(12_345, days(2)...), Shop: small, UseVouchers: true},
			hours: 2, shop: 12_345 - 3000, region: 3000, remaining: 398, counted: 2, reasons: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := QuoteVouchers(tt.in)
			if err != nil {
				t.Fatalf("QuoteVouchers: %v", err)
			}
			if q.VoucherHours != tt.hours || q.ShopPays != tt.shop || q.RegionPays != tt.region ||
				q.RemainingAllowance != tt.remaining || q.CountedHours != tt.counted {
				t.Errorf("got hours=%d shop=%s region=%s remaining=%d counted=%d; want %d %s %s %d %d",
					q.VoucherHours, q.ShopPays, q.RegionPays, q.RemainingAllowance, q.CountedHours,
					tt.hours, tt.shop, tt.region, tt.remaining, tt.counted)
			}
			if got := codes(q.Reasons); !slices.Equal(got, tt.reasons) {
				t.Errorf("reasons = %v, want %v", got, tt.reasons)
			}
			if q.ShopPays+q.RegionPays != tt.in.Training.Price {
				t.Errorf("shop %s + region %s != price %s", q.ShopPays, q.RegionPays, tt.in.Training.Price)
			}
			for _, r := range q.Reasons {
				if r.Key != "funding.voucher."+r.Code {
					t.Errorf("reason %s has key %q", r.Code, r.Key)
				}
			}
		})
	}
}

func TestQuoteVouchersInvalid(t *testing.T) {
	ok := VoucherInput{Training: Training{Days: days(7), Price: Euros(210), VoucherEligible: true}, UseVouchers: true}
	tests := []struct {
		name       string
		edit       func(*VoucherInput)
		field, key string
	}{
		{"no days", func(in *VoucherInput) { in.Training.Days = nil }, "days", "funding.training.days_required"},
		{"no date", func(in *VoucherInput) { in.Training.Days = []TrainingDay{{Minutes: 60}} }, "days[0].date", "funding.training.date_required"},
		{"zero minutes", func(in *VoucherInput) { in.Training.Days[0].Minutes = 0 }, "days[0].minutes", "funding.training.minutes_invalid"},
		{"more than a day", func(in *VoucherInput) { in.Training.Days[0].Minutes = 24*60 + 1 }, "days[0].minutes", "funding.training.minutes_invalid"},
		{"negative price", func(in *VoucherInput) { in.Training.Price = -1 }, "price_eur", "funding.training.price_invalid"},
		{"negative size", func(in *VoucherInput) { in.Shop.FTE = -1 }, "employees", "funding.shop.fte_invalid"},
		{"unknown status", func(in *VoucherInput) { in.Shop.Status = "retired" }, "status", "funding.shop.status_invalid"},
		{"negative used", func(in *VoucherInput) { in.UsedThisYear = -1 }, "vouchers_used", "funding.voucher.used_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			in.Training.Days = slices.Clone(ok.Training.Days)
			tt.edit(&in)
			_, err := QuoteVouchers(in)
			if apperr.KindOf(err) != apperr.Invalid || !hasField(err, tt.field, tt.key) {
				t.Fatalf("error = %v, want Invalid with %s: %s", err, tt.field, tt.key)
			}
		})
	}
}

// TestQuoteVouchersInvariants walks many inputs and checks what must always
// hold: the split adds up to the price, the Region pays €15 a voucher, the
// allowance and the daily caps are respected.
func TestQuoteVouchersInvariants(t *testing.T) {
	for _, fte := range []FTE{0, 190, 200, 5000, 5100, 25000, 25100} {
		for _, used := range []int{0, 50, 99, 100, 399, 400, 800} {
			for _, minutes := range []int{30, 60, 200, 240, 420, 480, 600} {
				for _, price := range []Cents{0, 1, 2999, 3000, Euros(100), Euros(1000)} {
					in := VoucherInput{
						Training:     Training{Days: append(days(1), TrainingDay{Date: day0.AddDate(0, 0, 5), Minutes: minutes, HalfDay: minutes <= 240}), Price: price, VoucherEligible: true},
						Shop:         Shop{FTE: fte},
						UsedThisYear: used,
						UseVouchers:  true,
					}
					q, err := QuoteVouchers(in)
					if err != nil {
						t.Fatal(err)
					}
					allowance, ok := YearlyAllowance(in.Shop)
					switch {
					case q.ShopPays+q.RegionPays != price:
						t.Fatalf("%+v: shop+region = %s, want %s", in, q.ShopPays+q.RegionPays, price)
					case q.RegionPays != Cents(q.VoucherHours)*VoucherRegionShare:
						t.Fatalf("%+v: region pays %s for %d vouchers", in, q.RegionPays, q.VoucherHours)
					case q.VoucherHours < 0 || q.ShopPays < 0:
						t.Fatalf("%+v: negative quote %+v", in, q)
					case !ok && q.VoucherHours != 0:
						t.Fatalf("%+v: ineligible firm got %d vouchers", in, q.VoucherHours)
					case used+q.VoucherHours > max(allowance, used):
						t.Fatalf("%+v: %d used + %d > allowance %d", in, used, q.VoucherHours, allowance)
					case q.VoucherHours > 1+min(minutes, 420)/60:
						t.Fatalf("%+v: %d vouchers beyond the daily caps", in, q.VoucherHours)
					case Cents(q.VoucherHours)*VoucherFaceValue > price:
						t.Fatalf("%+v: face value of %d vouchers exceeds the price", in, q.VoucherHours)
					case q.VoucherHours == 0 && len(q.Reasons) == 0:
						t.Fatalf("%+v: no vouchers and no reason", in)
					}
				}
			}
		}
	}
}

func TestVoucherQuoteJSON(t *testing.T) {
	q, err := QuoteVouchers(VoucherInput{Training: Training{Days: days(7), Price: Euros(210), VoucherEligible: true}, UseVouchers: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"voucher_hours":7,"shop_pays_eur":105.00,"region_pays_eur":105.00,"remaining_allowance":93,"counted_hours":7,"reasons":[]}`
	if string(b) != want {
		t.Fatalf("JSON = %s\nwant   %s", b, want)
	}
}

func hasField(err error, field, key string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Key == key {
			return true
		}
	}
	return false
}
