package funding

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"vitrine/internal/apperr"
)

func TestParseCents(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Cents
		err  error
	}{
		{"comma decimals", "12,50", 1250, nil},
		{"point decimals", "12.50", 1250, nil},
		{"whole euros", "1234", 123400, nil},
		{"one decimal", "3,5", 350, nil},
		{"trailing comma", "12,", 1200, nil},
		{"leading comma", ",5", 50, nil},
		{"zero", "0", 0, nil},
		{"french with euro sign", "1 234,56 €", 123456, nil},
		{"french no-break spaces", "1\u202f234,56\u00a0€", 123456, nil},
		{"thin space", "1\u2009234", 123400, nil},
		{"euro sign first", "€ 1234", 123400, nil},
		{"EUR suffix", "1234,00 EUR", 123400, nil},
		{"eur prefix lower", "eur 12", 1200, nil},
		{"belgian thousands dot", "1.234,56", 123456, nil},
		{"english thousands comma", "1,234.56", 123456, nil},
		{"several dots group thousands", "1.234.567", 123456700, nil},
		{"several commas group thousands", "1,234,567", 123456700, nil},
		{"swiss apostrophe", "1'234.50", 123450, nil},
		{"negative", "-3,5", -350, nil},
		{"unicode minus", "−3,50 €", -350, nil},
		{"negative euro first", "-€5", -500, nil},
		{"plus sign", "+7", 700, nil},
		{"spaces around", "  42  ", 4200, nil},
		{"leading zeros", "007,10", 710, nil},
		{"max", "10000000000000", MaxCents, nil},

		{"empty", "", 0, ErrMoneyInvalid},
		{"only spaces", "   ", 0, ErrMoneyInvalid},
		{"only euro", "€", 0, ErrMoneyInvalid},
		{"only comma", ",", 0, ErrMoneyInvalid},
		{"letters", "12a", 0, ErrMoneyInvalid},
		{"words", "douze euros", 0, ErrMoneyInvalid},
		{"exponent", "1e3", 0, ErrMoneyInvalid},
		{"two decimal commas", "1,234,5", 0, ErrMoneyInvalid},
		{"bad group", "1.23,45", 0, ErrMoneyInvalid},
		{"group too long", "1234.567,00", 0, ErrMoneyInvalid},
		{"both twice", "1.234,567,89", 0, ErrMoneyInvalid},
		{"double sign", "--5", 0, ErrMoneyInvalid},
		{"spaces not in groups of three", "12 34", 0, ErrMoneyInvalid},
		{"two spaces", "1  234", 0, ErrMoneyInvalid},
		{"space in the decimals", "12,3 4", 0, ErrMoneyInvalid},
		{"space before the decimals", "1 234 ,56", 0, ErrMoneyInvalid},
		{"group of four after a space", "1 2345", 0, ErrMoneyInvalid},
		{"sign and euro spaced", "- 5 €", -500, nil},
		{"spaces and dots", "1 234.567,89", 123456789, nil},
		{"ambiguous dot", "1.234", 0, ErrMoneyAmbiguous},
		{"ambiguous comma", "1,234", 0, ErrMoneyAmbiguous},
		{"ambiguous hundreds", "250,000", 0, ErrMoneyAmbiguous},
		{"three decimals after zero", "0,125", 0, ErrMoneyPrecision},
		{"three decimals after long part", "1234,567", 0, ErrMoneyPrecision},
		{"four decimals", "1,2345", 0, ErrMoneyPrecision},
		{"mixed three decimals", "1.234,567", 0, ErrMoneyPrecision},
		{"too large", "10000000000000,01", 0, ErrMoneyTooLarge},
		{"far too large", "99999999999999999999999", 0, ErrMoneyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCents(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseCents(%q) = %d, %v; want error %v", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCents(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseCentsErrorCarriesKey(t *testing.T) {
	_, err := ParseCents("1.234")
	e, ok := apperr.As(err)
	if !ok || e.Key != "funding.money.ambiguous" {
		t.Fatalf("error = %#v, want the key funding.money.ambiguous", err)
	}
}

func TestFormat(t *testing.T) {
	const nnbsp, nbsp = "\u202f", "\u00a0"
	tests := []struct {
		name            string
		in              Cents
		decimal, french string
	}{
		{"zero", 0, "0.00", "0,00" + nbsp + "€"},
		{"one cent", 1, "0.01", "0,01" + nbsp + "€"},
		{"ten cents", 10, "0.10", "0,10" + nbsp + "€"},
		{"hundreds", 99999, "999.99", "999,99" + nbsp + "€"},
		{"thousand", 100000, "1000.00", "1" + nnbsp + "000,00" + nbsp + "€"},
		{"brief example", 123456, "1234.56", "1" + nnbsp + "234,56" + nbsp + "€"},
		{"budget", Euros(400_000), "400000.00", "400" + nnbsp + "000,00" + nbsp + "€"},
		{"millions", 123456789, "1234567.89", "1" + nnbsp + "234" + nnbsp + "567,89" + nbsp + "€"},
		{"negative cent", -5, "-0.05", "-0,05" + nbsp + "€"},
		{"negative thousands", -123456, "-1234.56", "-1" + nnbsp + "234,56" + nbsp + "€"},
		{"min int64", math.MinInt64, "-92233720368547758.08", "-92" + nnbsp + "233" + nnbsp + "720" + nnbsp + "368" + nnbsp + "547" + nnbsp + "758,08" + nbsp + "€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Decimal(); got != tt.decimal {
				t.Errorf("Decimal() = %q, want %q", got, tt.decimal)
			}
			if got := tt.in.String(); got != tt.decimal {
				t.Errorf("String() = %q, want %q", got, tt.decimal)
			}
			if got := tt.in.French(); got != tt.french {
				t.Errorf("French() = %q, want %q", got, tt.french)
			}
		})
	}
}

// TestRoundTrip checks that what we print, we read back.
func TestRoundTrip(t *testing.T) {
	for _, c := range []Cents{0, 1, 99, 100, 12345, 100000, 123456789, -1, -123456, MaxCents} {
		for _, s := range []string{c.Decimal(), c.French()} {
			got, err := ParseCents(s)
			if err != nil || got != c {
				t.Errorf("ParseCents(%q) = %d, %v; want %d", s, got, err, c)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	type body struct {
		Amount Cents `json:"amount_eur"`
	}
	marshal := []struct {
		name string
		in   Cents
		want string
	}{
		{"zero", 0, `{"amount_eur":0.00}`},
		{"cents", 1250, `{"amount_eur":12.50}`},
		{"whole", Euros(400_000), `{"amount_eur":400000.00}`},
		{"negative", -7, `{"amount_eur":-0.07}`},
	}
	for _, tt := range marshal {
		t.Run("marshal "+tt.name, func(t *testing.T) {
			b, err := json.Marshal(body{tt.in})
			if err != nil || string(b) != tt.want {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
		})
	}
	unmarshal := []struct {
		name string
		in   string
		want Cents
		ok   bool
	}{
		{"integer", `{"amount_eur":400000}`, Euros(400_000), true},
		{"two decimals", `{"amount_eur":12.50}`, 1250, true},
		{"one decimal", `{"amount_eur":12.5}`, 1250, true},
		{"negative", `{"amount_eur":-0.07}`, -7, true},
		{"string french", `{"amount_eur":"1 234,56 €"}`, 123456, true},
		{"string decimal", `{"amount_eur":"12.50"}`, 1250, true},
		{"three decimals", `{"amount_eur":12.505}`, 0, false},
		{"exponent", `{"amount_eur":1e3}`, 0, false},
		{"float noise", `{"amount_eur":0.1000000000000000055511151231257827}`, 0, false},
		{"bool", `{"amount_eur":true}`, 0, false},
		{"ambiguous string", `{"amount_eur":"1.234"}`, 0, false},
		{"huge", `{"amount_eur":100000000000000000000}`, 0, false},
	}
	for _, tt := range unmarshal {
		t.Run("unmarshal "+tt.name, func(t *testing.T) {
			var b body
			err := json.Unmarshal([]byte(tt.in), &b)
			if tt.ok != (err == nil) {
				t.Fatalf("Unmarshal(%s) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && b.Amount != tt.want {
				t.Fatalf("Unmarshal(%s) = %d, want %d", tt.in, b.Amount, tt.want)
			}
		})
	}
	t.Run("null keeps value", func(t *testing.T) {
		b := body{Amount: 5}
		if err := json.Unmarshal([]byte(`{"amount_eur":null}`), &b); err != nil || b.Amount != 5 {
			t.Fatalf("got %d, %v; want 5, nil", b.Amount, err)
		}
	})
}

func TestApplyRate(t *testing.T) {
	tests := []struct {
		name string
		c    Cents
		bp   BasisPoints
		want Cents
	}{
		{"exact", 12345, 6000, 7407},
		{"full", 12345, 10000, 12345},
		{"zero rate", 12345, 0, 0},
		{"zero amount", 0, 6000, 0},
		{"half a cent rounds up", 1, 5000, 1},
		{"2.5 rounds up, not to even", 5, 5000, 3},
		{"3.5 rounds up", 7, 5000, 4},
		{"just below half", 1, 4999, 0},
		{"just above half", 1, 5001, 1},
		{"thirds", 333, 3333, 111},
		{"60 percent of 0.01", 1, 6000, 1},
		{"negative half away from zero", -5, 5000, -3},
		{"negative rate", 5, -5000, -3},
		{"large exact", MaxCents, 6000, MaxCents / 10 * 6},
		{"max int64 full", math.MaxInt64, 10000, math.MaxInt64},
		{"max int64 half", math.MaxInt64, 5000, math.MaxInt64/2 + 1},
		{"min int64 full", math.MinInt64, 10000, math.MinInt64},
		{"saturates up", math.MaxInt64, 20000, math.MaxInt64},
		{"saturates down", math.MinInt64, 20000, math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.ApplyRate(tt.bp); got != tt.want {
				t.Fatalf("(%d).ApplyRate(%d) = %d, want %d", tt.c, tt.bp, got, tt.want)
			}
		})
	}
}

// TestApplyRateMatchesDefinition compares ApplyRate with the textbook
// definition, floor((c×bp + 5000) / 10000), on amounts where int64 suffices.
func TestApplyRateMatchesDefinition(t *testing.T) {
	for c := Cents(0); c < 3000; c += 7 {
		for bp := BasisPoints(0); bp <= 10000; bp += 13 {
			want := (int64(c)*int64(bp) + 5000) / 10000
			if got := c.ApplyRate(bp); int64(got) != want {
				t.Fatalf("(%d).ApplyRate(%d) = %d, want %d", c, bp, got, want)
			}
		}
	}
}

func TestBasisPointsPercent(t *testing.T) {
	tests := []struct {
		name string
		in   BasisPoints
		want string
	}{
		{"whole", 6000, "60"},
		{"half", 1250, "12.5"},
		{"smallest", 1, "0.01"},
		{"zero", 0, "0"},
		{"hundred", 10000, "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Percent(); got != tt.want {
				t.Fatalf("Percent() = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseCents(f *testing.F) {
	for _, s := range []string{"12,50", "1 234,56 €", "1.234", "-€5", "1,234.56", "", "€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCents(s)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("ParseCents(%q) error %v is not an apperr", s, err)
			}
			return
		}
		if c > MaxCents || c < -MaxCents {
			t.Fatalf("ParseCents(%q) = %d, beyond MaxCents", s, c)
		}
		for _, out := range []string{c.Decimal(), c.French()} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 %q", out)
			}
			back, err := ParseCents(out)
			if err != nil || back != c {
				t.Fatalf("ParseCents(%q) = %d, %v; printed from %d (input %q)", out, back, err, c, s)
			}
		}
		if strings.Contains(c.French(), ".") {
			t.Fatalf("French(%d) = %q has a point", c, c.French())
		}
	})
}
