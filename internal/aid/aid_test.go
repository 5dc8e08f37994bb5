package aid

import (
	"slices"
	"strings"
	"testing"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
)

func fieldsOf(err error) []string {
	e, _ := apperr.As(err)
	if e == nil {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestFormValidate(t *testing.T) {
	good := Form{FirstName: "Zoé", LastName: "Lœuvre", Email: "zoe@example.be", ShopName: "Au cœur du goût",
		CommuneNIS: "52012", Employees: 2, Turnover: funding.Euros(90_000), Item: "Caisse enregistreuse connectée",
		Supplier: "Un fournisseur local", Cost: funding.Euros(1_200)}
	tests := []struct {
		name   string
		change func(*Form)
		want   []string
	}{
		{"good", func(*Form) {}, nil},
		{"empty", func(f *Form) { *f = Form{} }, []string{"first_name", "last_name", "email", "shop_name", "item", "supplier", "commune_nis", "cost_eur"}},
		{"negative staff", func(f *Form) { f.Employees = -1 }, []string{"employees"}},
		{"negative turnover", func(f *Form) { f.Turnover = -1 }, []string{"turnover_eur"}},
		{"free tool", func(f *Form) { f.Cost = 0 }, []string{"cost_eur"}},
		{"long item", func(f *Form) { f.Item = strings.Repeat("x", MaxItem+1) }, []string{"item"}},
		{"bad email", func(f *Form) { f.Email = "zoe" }, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.change(&f)
			f.Normalize()
			a, err := f.Validate()
			if got := fieldsOf(err); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
			if err == nil && (a.Cost != f.Cost || a.Lang != "fr") {
				t.Errorf("application = %+v", a)
			}
		})
	}
}

// The more modest the shop, the larger the share; beyond the table there
// is nothing to decide.
func TestDecide(t *testing.T) {
	table := funding.DefaultAidTable()
	tests := []struct {
		name      string
		employees int
		turnover  funding.Cents
		cost      funding.Cents
		status    Status
		rate      funding.BasisPoints
		aid       funding.Cents
	}{
		{"very small", 2, funding.Euros(90_000), funding.Euros(1_000), Submitted, 6000, funding.Euros(600)},
		{"very small, capped", 1, funding.Euros(50_000), funding.Euros(10_000), Submitted, 6000, funding.Euros(3_000)},
		{"small", 5, funding.Euros(300_000), funding.Euros(1_000), Submitted, 4000, funding.Euros(400)},
		{"medium", 40, funding.Euros(1_500_000), 333_33, Submitted, 2500, 83_33},
		{"too large", 80, funding.Euros(5_000_000), funding.Euros(1_000), Ineligible, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Application{Employees: tt.employees, Turnover: tt.turnover, Cost: tt.cost}
			if err := a.Decide(table, 3); err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.status || a.Quote.RateBasisPoints != tt.rate || a.Quote.Aid != tt.aid || a.TableVersion != 3 {
				t.Errorf("got %s %v %v, want %s %v %v", a.Status, a.Quote.RateBasisPoints, a.Quote.Aid, tt.status, tt.rate, tt.aid)
			}
		})
	}
	if tok := NewToken(); !strings.HasPrefix(tok, TokenPrefix) || tok == NewToken() {
		t.Error("tokens")
	}
}
