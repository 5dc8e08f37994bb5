// Package funding holds the money rules of the campaign: exact amounts in
// cents, the Walloon training vouchers (chèques-formation), the campaign's aid
// for digital tools and the budget lines that pay for them. Pure rules over
// the standard library; storage and the race-safe commitment live elsewhere.
package funding

import (
	"bytes"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"vitrine/internal/apperr"
)

// Cents is an amount of money in euro cents. Arithmetic stays in integers:
// no float ever touches an amount.
//
// In JSON a Cents is written as a number of euros with exactly two decimals
// (1234.5 euros is 1234.50, one cent is 0.01), so API fields carry the "_eur"
// suffix. Decoding accepts a JSON number with at most two decimals and no
// exponent, or a string in any form ParseCents accepts; the text is parsed as
// a decimal, never through a float.
type Cents int64

// Euros returns n whole euros.
func Euros(n int64) Cents { return Cents(n * 100) }

// Errors of ParseCents. Each is an Invalid apperr with a message key, so a
// caller can turn it into a field error with Key.
var (
	ErrMoneyInvalid   = apperr.New(apperr.Invalid, "invalid_money", "funding.money.invalid")
	ErrMoneyAmbiguous = apperr.New(apperr.Invalid, "ambiguous_money", "funding.money.ambiguous")
	ErrMoneyPrecision = apperr.New(apperr.Invalid, "money_too_precise", "funding.money.too_precise")
	ErrMoneyTooLarge  = apperr.New(apperr.Invalid, "money_too_large", "funding.money.too_large")
)

// MaxCents is the largest amount ParseCents accepts: ten thousand billion
// euros, far beyond any budget, and small enough that a sum of a few thousand
// amounts cannot overflow.
const MaxCents Cents = 1_000_000_000_000_000

// ParseCents reads an amount typed by a person: "12,50", "12.50",
// "1 234,56 €", "1.234,56", "1,234.56", "€ 1234", "1234 EUR", "-3,5".
//
// Rules: a euro sign or "EUR" may stand before or after the number. Spaces
// of any kind (including no-break and narrow no-break spaces) and
// apostrophes group digits. When both '.' and ',' appear, the last one is
// the decimal separator and the other groups digits. When one of them
// appears several times it groups digits. When it appears once it is the
// decimal separator if one or two digits follow; with three digits after it
// ("1.234", "1,234") the amount is ambiguous (a thousand euros or one?) and
// is refused with ErrMoneyAmbiguous rather than guessed. Groups must have
// three digits after the first ("12 34" is refused). More than two decimals
// is ErrMoneyPrecision.
func ParseCents(s string) (Cents, error) {
	t := trimCurrency(strings.TrimSpace(s))
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "−"):
		neg, t = true, strings.TrimPrefix(t, "−")
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	t = trimCurrency(t) // "-€5", "- 5 €"
	var b strings.Builder
	for _, r := range t {
		switch {
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\'' || r == '’':
			b.WriteByte(' ')
		case r >= '0' && r <= '9' || r == '.' || r == ',':
			b.WriteRune(r)
		default:
			return 0, ErrMoneyInvalid
		}
	}
	t = b.String()

	intPart, frac := t, ""
	dots, commas := strings.Count(t, "."), strings.Count(t, ",")
	var group string
	switch {
	case dots > 0 && commas > 0:
		dec := "."
		group = ","
		if strings.LastIndexByte(t, ',') > strings.LastIndexByte(t, '.') {
			dec, group = ",", "."
		}
		if strings.Count(t, dec) > 1 {
			return 0, ErrMoneyInvalid
		}
		intPart, frac, _ = strings.Cut(t, dec)
	case dots+commas == 1:
		intPart, frac, _ = strings.Cut(strings.ReplaceAll(t, ",", "."), ".")
		// Three digits after a lone separator could be a thousands group,
		// unless what stands before it cannot open one ("0,125", "1234,567").
		if len(frac) == 3 && !strings.Contains(frac, " ") && intPart != "" && intPart[0] != '0' && len(intPart) <= 3 {
			return 0, ErrMoneyAmbiguous
		}
	case dots > 1:
		group = "."
	case commas > 1:
		group = ","
	}
	if group != "" {
		intPart = strings.ReplaceAll(intPart, group, " ")
	}
	if parts := strings.Split(intPart, " "); len(parts) > 1 {
		if len(parts[0]) == 0 || len(parts[0]) > 3 {
			return 0, ErrMoneyInvalid
		}
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return 0, ErrMoneyInvalid
			}
		}
		intPart = strings.Join(parts, "")
	}
	if strings.ContainsAny(intPart, ".,") || strings.ContainsAny(frac, "., ") || intPart == "" && frac == "" {
		return 0, ErrMoneyInvalid
	}
	if len(frac) > 2 {
		return 0, ErrMoneyPrecision
	}
	for len(frac) < 2 {
		frac += "0"
	}
	c, err := digitsToCents(intPart, frac)
	if err != nil {
		return 0, err
	}
	if neg {
		c = -c
	}
	return c, nil
}

// trimCurrency drops a euro sign or "EUR" (any case) at either end, and
// the spaces around them.
func trimCurrency(t string) string {
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "€"), "€"))
	if n := len(t); n >= 3 && strings.EqualFold(t[n-3:], "eur") {
		t = t[:n-3]
	}
	if len(t) >= 3 && strings.EqualFold(t[:3], "eur") {
		t = t[3:]
	}
	return strings.TrimSpace(t)
}

// digitsToCents combines validated digit strings, refusing amounts above
// MaxCents.
func digitsToCents(intPart, frac string) (Cents, error) {
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 16 {
		return 0, ErrMoneyTooLarge
	}
	var euros int64
	if intPart != "" {
		var err error
		euros, err = strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return 0, ErrMoneyInvalid
		}
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, ErrMoneyInvalid
	}
	if euros > int64(MaxCents/100) || euros*100+f > int64(MaxCents) {
		return 0, ErrMoneyTooLarge
	}
	return Cents(euros*100 + f), nil
}

// Decimal returns the amount in euros with a point and exactly two decimals,
// without grouping: "1234.56", "-0.05". It is the form used in JSON and CSV.
func (c Cents) Decimal() string {
	var b []byte
	u := uint64(c)
	if c < 0 {
		b = append(b, '-')
		u = uint64(-c) // also right for math.MinInt64, read as unsigned
	}
	b = strconv.AppendUint(b, u/100, 10)
	r := u % 100
	b = append(b, '.', byte('0'+r/10), byte('0'+r%10))
	return string(b)
}

// String returns Decimal, a form that is plain in logs.
func (c Cents) String() string { return c.Decimal() }

// French returns the amount as French typography writes it: a narrow
// no-break space (U+202F) between groups of three digits, a decimal comma,
// and a no-break space (U+00A0) before the euro sign: "1 234,56 €",
// "-0,05 €".
func (c Cents) French() string {
	d := c.Decimal()
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimPrefix(d, "-")
	whole, frac, _ := strings.Cut(d, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteByte(whole[i])
	}
	b.WriteByte(',')
	b.WriteString(frac)
	b.WriteString("\u00a0€")
	return b.String()
}

// MarshalJSON writes the amount as a JSON number of euros with two decimals.
func (c Cents) MarshalJSON() ([]byte, error) { return []byte(c.Decimal()), nil }

// UnmarshalJSON reads a JSON number of euros (at most two decimals, no
// exponent) or a string that ParseCents accepts. null leaves c unchanged.
func (c *Cents) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		s, err := strconv.Unquote(string(data))
		if err != nil {
			return ErrMoneyInvalid
		}
		v, err := ParseCents(s)
		if err != nil {
			return err
		}
		*c = v
		return nil
	}
	s := string(data)
	if strings.ContainsAny(s, "eE+") || strings.Contains(s, ",") {
		return ErrMoneyInvalid
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || strings.Trim(whole+frac, "0123456789") != "" {
		return ErrMoneyInvalid
	}
	if len(frac) > 2 {
		return ErrMoneyPrecision
	}
	for len(frac) < 2 {
		frac += "0"
	}
	v, err := digitsToCents(whole, frac)
	if err != nil {
		return err
	}
	if neg {
		v = -v
	}
	*c = v
	return nil
}

// BasisPoints is a rate in hundredths of a percent: 10000 is 100 %, 6000 is
// 60 %, 1 is 0.01 %.
type BasisPoints int64

// Percent returns the rate as text with its decimals only when needed:
// "60", "12.5", "0.01".
func (bp BasisPoints) Percent() string {
	s := Cents(bp).Decimal() // same digits: two decimals of a percent
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// ApplyRate returns c × bp / 10000 rounded to the nearest cent, halves
// rounded away from zero (half up for the positive amounts of aid): this is
// the commercial rounding of Belgian invoices and the euro regulation, and it
// never gives a shop a cent less than a pocket calculator would. The
// product is computed in 128 bits, so it cannot overflow; a result beyond the
// range of Cents saturates at math.MaxInt64 or math.MinInt64.
func (c Cents) ApplyRate(bp BasisPoints) Cents {
	if c == 0 || bp == 0 {
		return 0
	}
	neg := (c < 0) != (bp < 0)
	ua, ub := abs64(int64(c)), abs64(int64(bp))
	hi, lo := bits.Mul64(ua, ub)
	const div = 10000
	if hi >= div {
		return saturate(neg)
	}
	q, r := bits.Div64(hi, lo, div)
	if r*2 >= div {
		q++
	}
	if neg {
		switch {
		case q > 1<<63:
			return saturate(true)
		case q == 1<<63:
			return math.MinInt64
		}
		return Cents(-int64(q))
	}
	if q > math.MaxInt64 {
		return saturate(false)
	}
	return Cents(q)
}

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-v) // math.MinInt64 wraps to 1<<63, its true magnitude
	}
	return uint64(v)
}

func saturate(neg bool) Cents {
	if neg {
		return math.MinInt64
	}
	return math.MaxInt64
}
