package funding

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"vitrine/internal/apperr"
)

func TestCanCommit(t *testing.T) {
	line := BudgetLine{Name: "Année 1", Year: 2027, Amount: Euros(400_000), Committed: Euros(399_000)}
	tests := []struct {
		name      string
		line      BudgetLine
		amount    Cents
		want      error // nil, ErrBudgetExhausted, or an invalid field error
		remaining Cents
	}{
		{"fits", line, Euros(500), nil, Euros(1_000)},
		{"exactly what is left", line, Euros(1_000), nil, Euros(1_000)},
		{"one cent too many", line, Euros(1_000) + 1, ErrBudgetExhausted, Euros(1_000)},
		{"empty line", BudgetLine{Amount: Euros(10), Committed: Euros(10)}, 1, ErrBudgetExhausted, 0},
		{"overspent line stays refused", BudgetLine{Amount: Euros(10), Committed: Euros(11)}, 1, ErrBudgetExhausted, -Euros(1)},
		{"zero amount", line, 0, errInvalid, Euros(1_000)},
		{"negative amount", line, -Euros(5), errInvalid, Euros(1_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.line.Remaining(); got != tt.remaining {
				t.Errorf("Remaining() = %s, want %s", got, tt.remaining)
			}
			err := CanCommit(tt.line, tt.amount)
			switch tt.want {
			case nil:
				if err != nil {
					t.Fatalf("CanCommit = %v, want nil", err)
				}
			case errInvalid:
				if !hasField(err, "amount_eur", "funding.budget.amount_invalid") {
					t.Fatalf("CanCommit = %v, want an invalid amount", err)
				}
			default:
				if !errors.Is(err, tt.want) || apperr.KindOf(err) != apperr.Conflict {
					t.Fatalf("CanCommit = %v, want %v", err, tt.want)
				}
				e, _ := apperr.As(err)
				if e.Key != "funding.budget.exhausted" || e.Args["remaining"] != tt.remaining {
					t.Fatalf("error = %+v, want key funding.budget.exhausted with remaining %s", e, tt.remaining)
				}
			}
		})
	}
}

var errInvalid = errors.New("invalid")

func TestBudgetLineValidate(t *testing.T) {
	ok := BudgetLine{Name: "Partenariats", Year: 2027, Amount: Euros(50_000)}
	tests := []struct {
		name       string
		edit       func(*BudgetLine)
		field, key string
	}{
		{"valid", func(*BudgetLine) {}, "", ""},
		{"blank name", func(l *BudgetLine) { l.Name = "  " }, "name", "funding.budget.name_invalid"},
		{"long name", func(l *BudgetLine) { l.Name = strings.Repeat("é", 201) }, "name", "funding.budget.name_invalid"},
		{"old year", func(l *BudgetLine) { l.Year = 1999 }, "year", "funding.budget.year_invalid"},
		{"far year", func(l *BudgetLine) { l.Year = 2101 }, "year", "funding.budget.year_invalid"},
		{"zero amount", func(l *BudgetLine) { l.Amount = 0 }, "amount_eur", "funding.budget.amount_invalid"},
		{"absurd amount", func(l *BudgetLine) { l.Amount = MaxCents + 1 }, "amount_eur", "funding.budget.amount_invalid"},
		{"partnerships", func(l *BudgetLine) { l.Kind = BudgetPartnerships }, "", ""},
		{"unknown kind", func(l *BudgetLine) { l.Kind = "gifts" }, "kind", "funding.budget.kind_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ok
			tt.edit(&l)
			err := l.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if !hasField(err, tt.field, tt.key) {
				t.Fatalf("Validate = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}
}

func TestBudgetLineJSON(t *testing.T) {
	l := BudgetLine{ID: 3, Name: "Année 1", Year: 2027, Amount: Euros(400_000), Committed: 123_45}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":3,"name":"Année 1","year":2027,"amount_eur":400000.00,"committed_eur":123.45}`
	if string(b) != want {
		t.Fatalf("JSON = %s, want %s", b, want)
	}
	var back BudgetLine
	if err := json.Unmarshal(b, &back); err != nil || back != l {
		t.Fatalf("round trip = %+v, %v; want %+v", back, err, l)
	}
}
