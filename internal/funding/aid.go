package funding

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"vitrine/internal/apperr"
)

// AidRow is one band of the aid table: a shop with at most MaxEmployees
// workers and at most MaxTurnover of yearly turnover gets Rate of the cost
// of its digital tool, at most Cap.
type AidRow struct {
	Name         string      `json:"name"`
	MaxEmployees int         `json:"max_employees"`
	MaxTurnover  Cents       `json:"max_turnover_eur"`
	Rate         BasisPoints `json:"rate_bp"`
	Cap          Cents       `json:"cap_eur"`
}

// AidTable is the campaign's configurable aid rule for digital tools. Rows go
// from the most modest shops to the largest; a shop takes the first row that
// it fits on both employees and turnover, and a shop that fits no row gets
// nothing (0 %).
//
// Validate keeps the table fair: rates and caps never increase from one row
// to the next and no row is hidden behind an earlier one. With first-match
// rows, a shop with no more employees and no more turnover than another
// fits every row the other fits, so it lands on the same row or an earlier
// one, and therefore never gets a lower rate, nor less aid for the same cost.
type AidTable struct {
	Rows []AidRow `json:"rows"`
}

// Quote is the aid for one digital tool. Row is the index of the table row
// that applied, -1 when the shop is beyond every row.
type Quote struct {
	RateBasisPoints BasisPoints `json:"rate_bp"`
	Aid             Cents       `json:"aid_eur"`
	Row             int         `json:"row"`
	Capped          bool        `json:"capped"` // the row's cap limited the aid
}

// DefaultAidTable returns an example table, to be replaced by the
// programme's own figures in configuration:
//
//	row          employees  turnover     rate  cap
//	very small   ≤ 2        ≤ €100,000   60 %  €3,000
//	small        ≤ 9        ≤ €700,000   40 %  €2,500
//	medium       ≤ 49       ≤ €2,000,000 25 %  €1,500
//	beyond that: 0 %
func DefaultAidTable() AidTable {
	return AidTable{Rows: []AidRow{
		{Name: "very_small", MaxEmployees: 2, MaxTurnover: Euros(100_000), Rate: 6000, Cap: Euros(3_000)},
		{Name: "small", MaxEmployees: 9, MaxTurnover: Euros(700_000), Rate: 4000, Cap: Euros(2_500)},
		{Name: "medium", MaxEmployees: 49, MaxTurnover: Euros(2_000_000), Rate: 2500, Cap: Euros(1_500)},
	}}
}

// ParseAidTable reads a table from JSON, such as
//
//	{"rows": [{"name": "very_small", "max_employees": 2,
//	  "max_turnover_eur": 100000, "rate_bp": 6000, "cap_eur": 3000}]}
//
// and validates it. Unknown fields are refused so a typo cannot silently
// drop a limit.
func ParseAidTable(data []byte) (AidTable, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t AidTable
	if err := dec.Decode(&t); err != nil {
		return AidTable{}, apperr.Errorf(apperr.Invalid, "invalid_aid_table", "funding.aid.table_json", nil).Wrap(err)
	}
	if dec.More() {
		return AidTable{}, apperr.Errorf(apperr.Invalid, "invalid_aid_table", "funding.aid.table_json", nil)
	}
	if err := t.Validate(); err != nil {
		return AidTable{}, err
	}
	return t, nil
}

// Validate checks every row and the order of rows; see AidTable. Problems
// are field errors named like "rows[2].rate_bp".
func (t AidTable) Validate() error {
	var v apperr.Validation
	if !v.Check(len(t.Rows) > 0, "rows", "funding.aid.table_empty") {
		return v.Err()
	}
	effCap := func(r AidRow) Cents {
		if r.Rate == 0 {
			return 0
		}
		return r.Cap
	}
	for i, r := range t.Rows {
		f := "rows[" + strconv.Itoa(i) + "]."
		v.Check(r.MaxEmployees >= 0, f+"max_employees", "funding.aid.row_employees_invalid")
		v.Check(r.MaxTurnover >= 0 && r.MaxTurnover <= MaxCents, f+"max_turnover_eur", "funding.aid.row_turnover_invalid")
		v.Check(r.Rate >= 0 && r.Rate <= 10000, f+"rate_bp", "funding.aid.row_rate_invalid")
		v.Check(r.Cap >= 0 && r.Cap <= MaxCents && (r.Rate == 0 || r.Cap > 0), f+"cap_eur", "funding.aid.row_cap_invalid")
		if i == 0 {
			continue
		}
		prev := t.Rows[i-1]
		if !v.Has(f+"rate_bp") && r.Rate > prev.Rate {
			v.Add(f+"rate_bp", "funding.aid.row_rate_order", map[string]any{"row": i + 1, "previous": i})
		}
		if !v.Has(f+"cap_eur") && effCap(r) > effCap(prev) {
			v.Add(f+"cap_eur", "funding.aid.row_cap_order", map[string]any{"row": i + 1, "previous": i})
		}
		for j, e := range t.Rows[:i] {
			if e.MaxEmployees >= r.MaxEmployees && e.MaxTurnover >= r.MaxTurnover {
				v.Add(f+"max_employees", "funding.aid.row_unreachable", map[string]any{"row": i + 1, "previous": j + 1})
				break
			}
		}
	}
	return v.Err()
}

// Quote returns the aid for a tool costing cost, for a shop with employees
// workers and a yearly turnover: the rate of the first row the shop fits,
// applied to the cost with ApplyRate (halves of a cent rounded up), at most
// the row's cap. Wrong input is an Invalid error with field errors named
// after the API fields (employees, turnover_eur, cost_eur); a table that
// does not validate is an Internal error, since it is configuration.
func (t AidTable) Quote(employees int, turnover, cost Cents) (Quote, error) {
	var v apperr.Validation
	v.Check(employees >= 0, "employees", "funding.aid.employees_invalid")
	v.Check(turnover >= 0 && turnover <= MaxCents, "turnover_eur", "funding.aid.turnover_invalid")
	v.Check(cost > 0 && cost <= MaxCents, "cost_eur", "funding.aid.cost_invalid")
	if err := v.Err(); err != nil {
		return Quote{}, err
	}
	if err := t.Validate(); err != nil {
		return Quote{}, &apperr.Error{Kind: apperr.Internal, Code: "invalid_aid_table", Err: fmt.Errorf("quoting aid: %w", err)}
	}
	for i, r := range t.Rows {
		if employees <= r.MaxEmployees && turnover <= r.MaxTurnover {
			q := Quote{RateBasisPoints: r.Rate, Aid: cost.ApplyRate(r.Rate), Row: i}
			if q.Aid > r.Cap {
				q.Aid, q.Capped = r.Cap, true
			}
			return q, nil
		}
	}
	return Quote{Row: -1}, nil
}
