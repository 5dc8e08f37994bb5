package funding

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"vitrine/internal/apperr"
)

func TestDefaultAidTableIsValid(t *testing.T) {
	if err := DefaultAidTable().Validate(); err != nil {
		t.Fatalf("default table: %v", err)
	}
}

func TestAidQuote(t *testing.T) {
	tab := DefaultAidTable()
	tests := []struct {
		name      string
		employees int
		turnover  Cents
		cost      Cents
		rate      BasisPoints
		aid       Cents
		row       int
		capped    bool
	}{
		{"very small shop", 1, Euros(80_000), Euros(1_000), 6000, Euros(600), 0, false},
		{"very small at both limits", 2, Euros(100_000), Euros(1_000), 6000, Euros(600), 0, false},
		{"very small hits the cap", 0, 0, Euros(10_000), 6000, Euros(3_000), 0, true},
		{"exactly at the cap", 2, Euros(50_000), Euros(5_000), 6000, Euros(3_000), 0, false},
		{"one employee too many", 3, Euros(50_000), Euros(1_000), 4000, Euros(400), 1, false},
		{"one cent of turnover too many", 1, Euros(100_000) + 1, Euros(1_000), 4000, Euros(400), 1, false},
		{"small capped", 9, Euros(700_000), Euros(10_000), 4000, Euros(2_500), 1, true},
		{"medium", 10, Euros(700_000), Euros(1_000), 2500, Euros(250), 2, false},
		{"medium capped", 49, Euros(2_000_000), Euros(100_000), 2500, Euros(1_500), 2, true},
		{"too many employees", 50, Euros(100_000), Euros(1_000), 0, 0, -1, false},
		{"too much turnover", 1, Euros(2_000_000) + 1, Euros(1_000), 0, 0, -1, false},
		{"half cent rounds up", 1, 0, 1, 6000, 1, 0, false},
		{"cents", 1, 0, 12_345, 6000, 7_407, 0, false},
		{"rounding of 40 percent", 5, 0, 1_001, 4000, 400, 1, false},
		{"rounding of 25 percent up", 20, 0, 1_002, 2500, 251, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tab.Quote(tt.employees, tt.turnover, tt.cost)
			if err != nil {
				t.Fatalf("Quote: %v", err)
			}
			want := Quote{RateBasisPoints: tt.rate, Aid: tt.aid, Row: tt.row, Capped: tt.capped}
			if q != want {
				t.Fatalf("Quote(%d, %s, %s) = %+v, want %+v", tt.employees, tt.turnover, tt.cost, q, want)
			}
			if q.Aid > tt.cost {
				t.Fatalf("aid %s exceeds cost %s", q.Aid, tt.cost)
			}
		})
	}
}

func TestAidQuoteInvalidInput(t *testing.T) {
	tests := []struct {
		name       string
		employees  int
		turnover   Cents
		cost       Cents
		field, key string
	}{
		{"negative employees", -1, 0, 100, "employees", "funding.aid.employees_invalid"},
		{"negative turnover", 1, -1, 100, "turnover_eur", "funding.aid.turnover_invalid"},
		{"zero cost", 1, 0, 0, "cost_eur", "funding.aid.cost_invalid"},
		{"negative cost", 1, 0, -100, "cost_eur", "funding.aid.cost_invalid"},
		{"absurd cost", 1, 0, MaxCents + 1, "cost_eur", "funding.aid.cost_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DefaultAidTable().Quote(tt.employees, tt.turnover, tt.cost)
			if apperr.KindOf(err) != apperr.Invalid || !hasField(err, tt.field, tt.key) {
				t.Fatalf("error = %v, want Invalid with %s: %s", err, tt.field, tt.key)
			}
		})
	}
	t.Run("invalid table is internal", func(t *testing.T) {
		bad := AidTable{Rows: []AidRow{{MaxEmployees: 2, MaxTurnover: 1, Rate: 20000, Cap: 1}}}
		_, err := bad.Quote(1, 0, 100)
		if err == nil || apperr.KindOf(err) != apperr.Internal {
			t.Fatalf("error = %v, want an internal error", err)
		}
	})
}

func TestAidTableValidate(t *testing.T) {
	row := func(emp int, turnover, rate, capEur int64) AidRow {
		return AidRow{MaxEmployees: emp, MaxTurnover: Euros(turnover), Rate: BasisPoints(rate), Cap: Euros(capEur)}
	}
	tests := []struct {
		name       string
		rows       []AidRow
		field, key string // empty: valid
	}{
		{"default", DefaultAidTable().Rows, "", ""},
		{"one row", []AidRow{row(5, 1000, 5000, 100)}, "", ""},
		{"equal rates and caps", []AidRow{row(2, 10, 5000, 100), row(5, 20, 5000, 100)}, "", ""},
		{"zero rate row with no cap", []AidRow{row(2, 10, 5000, 100), row(5, 20, 0, 0)}, "", ""},
		{"wider on one limit only", []AidRow{row(2, 100, 5000, 100), row(5, 50, 4000, 100)}, "", ""},
		{"empty", nil, "rows", "funding.aid.table_empty"},
		{"negative employees", []AidRow{row(-1, 10, 5000, 100)}, "rows[0].max_employees", "funding.aid.row_employees_invalid"},
		{"negative turnover", []AidRow{row(1, -10, 5000, 100)}, "rows[0].max_turnover_eur", "funding.aid.row_turnover_invalid"},
		{"rate over 100 percent", []AidRow{row(1, 10, 10001, 100)}, "rows[0].rate_bp", "funding.aid.row_rate_invalid"},
		{"negative rate", []AidRow{row(1, 10, -1, 100)}, "rows[0].rate_bp", "funding.aid.row_rate_invalid"},
		{"rate without cap", []AidRow{row(1, 10, 5000, 0)}, "rows[0].cap_eur", "funding.aid.row_cap_invalid"},
		{"bigger shops get a higher rate", []AidRow{row(2, 10, 4000, 100), row(5, 20, 5000, 100)}, "rows[1].rate_bp", "funding.aid.row_rate_order"},
		{"bigger shops get a higher cap", []AidRow{row(2, 10, 5000, 100), row(5, 20, 4000, 200)}, "rows[1].cap_eur", "funding.aid.row_cap_order"},
		{"hidden row", []AidRow{row(5, 20, 5000, 100), row(2, 10, 4000, 100)}, "rows[1].max_employees", "funding.aid.row_unreachable"},
		{"duplicate limits", []AidRow{row(5, 20, 5000, 100), row(5, 20, 4000, 100)}, "rows[1].max_employees", "funding.aid.row_unreachable"},
		{"hidden behind an older row", []AidRow{row(5, 100, 5000, 100), row(9, 50, 4000, 100), row(4, 80, 3000, 100)}, "rows[2].max_employees", "funding.aid.row_unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AidTable{Rows: tt.rows}.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if apperr.KindOf(err) != apperr.Invalid || !hasField(err, tt.field, tt.key) {
				t.Fatalf("Validate = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}
}

func TestParseAidTable(t *testing.T) {
	def, err := json.Marshal(DefaultAidTable())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		wantErr string // expected message key, "" when valid
		rows    int
	}{
		{"default round trip", string(def), "", 3},
		{"documented example", `{"rows": [{"name": "very_small", "max_employees": 2,
			"max_turnover_eur": 100000, "rate_bp": 6000, "cap_eur": 3000}]}`, "", 1},
		{"amounts as strings", `{"rows":[{"max_employees":2,"max_turnover_eur":"100 000,00","rate_bp":6000,"cap_eur":"3000"}]}`, "", 1},
		{"not json", `{"rows":`, "funding.aid.table_json", 0},
		{"unknown field", `{"rows":[{"max_employee":2,"max_turnover_eur":1,"rate_bp":1,"cap_eur":1}]}`, "funding.aid.table_json", 0},
		{"two documents", `{"rows":[]} {}`, "funding.aid.table_json", 0},
		{"bad amount", `{"rows":[{"max_employees":2,"max_turnover_eur":1.005,"rate_bp":1,"cap_eur":1}]}`, "funding.aid.table_json", 0},
		{"empty rows", `{"rows":[]}`, "error.invalid_input", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := ParseAidTable([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil || len(tab.Rows) != tt.rows {
					t.Fatalf("ParseAidTable = %d rows, %v; want %d rows", len(tab.Rows), err, tt.rows)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || e.Key != tt.wantErr {
				t.Fatalf("ParseAidTable error = %v, want key %s", err, tt.wantErr)
			}
		})
	}
	t.Run("default survives the round trip", func(t *testing.T) {
		tab, err := ParseAidTable(def)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range DefaultAidTable().Rows {
			if tab.Rows[i] != r {
				t.Errorf("row %d = %+v, want %+v", i, tab.Rows[i], r)
			}
		}
	})
}

// randomValidTable builds a table that Validate accepts: limits grow on at
// least one side, rates and caps never grow.
func randomValidTable(r *rand.Rand) AidTable {
	n := 1 + r.IntN(5)
	var rows []AidRow
	emp, turnover := r.IntN(3), Cents(r.Int64N(int64(Euros(100_000))))
	rate, capC := BasisPoints(r.Int64N(10001)), Cents(1+r.Int64N(int64(Euros(10_000))))
	for range n {
		rows = append(rows, AidRow{MaxEmployees: emp, MaxTurnover: turnover, Rate: rate, Cap: capC})
		emp += r.IntN(20)
		turnover += Cents(r.Int64N(int64(Euros(1_000_000))))
		if r.IntN(2) == 0 {
			emp++
		} else {
			turnover++
		}
		rate = BasisPoints(r.Int64N(int64(rate) + 1))
		capC = 1 + Cents(r.Int64N(int64(capC)))
	}
	return AidTable{Rows: rows}
}

// TestAidTableFavoursSmallerShops is the table's promise: a shop with no
// more employees and no more turnover than another never gets a lower rate,
// nor less aid for the same cost, from any table that validates.
func TestAidTableFavoursSmallerShops(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	tables := []AidTable{DefaultAidTable()}
	for range 200 {
		tab := randomValidTable(r)
		if err := tab.Validate(); err != nil {
			t.Fatalf("generator made an invalid table %+v: %v", tab, err)
		}
		tables = append(tables, tab)
	}
	for ti, tab := range tables {
		for range 300 {
			bigEmp, bigTurn := r.IntN(80), Cents(r.Int64N(int64(Euros(5_000_000))))
			smallEmp, smallTurn := r.IntN(bigEmp+1), Cents(r.Int64N(int64(bigTurn)+1))
			cost := 1 + Cents(r.Int64N(int64(Euros(20_000))))
			big, err := tab.Quote(bigEmp, bigTurn, cost)
			if err != nil {
				t.Fatal(err)
			}
			small, err := tab.Quote(smallEmp, smallTurn, cost)
			if err != nil {
				t.Fatal(err)
			}
			if small.RateBasisPoints < big.RateBasisPoints || small.Aid < big.Aid {
				t.Fatalf("table %d: shop (%d, %s) gets %+v, less than bigger shop (%d, %s) with %+v",
					ti, smallEmp, smallTurn, small, bigEmp, bigTurn, big)
			}
		}
	}
}

// TestValidateRejectsUnfairTables: whenever Validate passes a random table,
// the promise holds; tables that break it must be refused.
func TestValidateRejectsUnfairTables(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	rejected := 0
	for range 2000 {
		var rows []AidRow
		for range 1 + r.IntN(4) {
			rows = append(rows, AidRow{
				MaxEmployees: r.IntN(10), MaxTurnover: Cents(r.Int64N(10)),
				Rate: BasisPoints(r.Int64N(5) * 2500), Cap: Cents(1 + r.Int64N(5)),
			})
		}
		tab := AidTable{Rows: rows}
		if tab.Validate() != nil {
			rejected++
			continue
		}
		// Exhaustive over the small grid the rows live on.
		for be := 0; be <= 10; be++ {
			for bt := Cents(0); bt <= 10; bt++ {
				big, _ := tab.Quote(be, bt, 100)
				for se := 0; se <= be; se++ {
					for st := Cents(0); st <= bt; st++ {
						small, _ := tab.Quote(se, st, 100)
						if small.RateBasisPoints < big.RateBasisPoints || small.Aid < big.Aid {
							t.Fatalf("valid table %+v: (%d,%d) gets %+v < (%d,%d) %+v", rows, se, st, small, be, bt, big)
						}
					}
				}
			}
		}
	}
	if rejected == 0 || rejected == 2000 {
		t.Fatalf("rejected %d of 2000 random tables: the generator does not test both sides", rejected)
	}
}
