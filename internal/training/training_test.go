package training

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/funding"
)

var brussels, _ = time.LoadLocation("Europe/Brussels")

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// fields returns the fields an error names, in order.
func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func goodModule() Module {
	return Module{Code: "page-facebook", Title: "Créer la page de son commerce", Skills: []string{"social-page"},
		Format: InPerson, Minutes: 7 * 60, LevelMin: 0, LevelMax: 2, VoucherEligible: true, Price: funding.Euros(210)}
}

func TestModuleValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Module)
		want   []string
	}{
		{"good", func(*Module) {}, nil},
		{"no title", func(m *Module) { m.Title = "" }, []string{"title"}},
		{"title too long", func(m *Module) { m.Title = strings.Repeat("é", MaxTitle+1) }, []string{"title"}},
		{"no skill", func(m *Module) { m.Skills = nil }, []string{"skills"}},
		{"unknown skill", func(m *Module) { m.Skills = []string{"social-page", "facebook"} }, []string{"skills"}},
		{"bad format", func(m *Module) { m.Format = "hybrid" }, []string{"format"}},
		{"zero hours", func(m *Module) { m.Minutes = 0 }, []string{"hours"}},
		{"odd minutes", func(m *Module) { m.Minutes = 61 }, []string{"hours"}},
		{"level out of range", func(m *Module) { m.LevelMax = 6 }, []string{"level_max"}},
		{"levels reversed", func(m *Module) { m.LevelMin, m.LevelMax = 3, 1 }, []string{"level_max"}},
		{"negative price", func(m *Module) { m.Price = -1 }, []string{"price_eur"}},
		{"bad code", func(m *Module) { m.Code = "Page Facebook" }, []string{"code"}},
		{"free module", func(m *Module) { m.Price = 0 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodModule()
			tt.change(&m)
			if got := fields(m.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestModuleNormalize(t *testing.T) {
	m := Module{Code: " Page-FB ", Title: "  Créer\tsa   page ", Skills: []string{" Social-Page", "map-listings", "social-page", ""}}
	m.Normalize()
	if m.Code != "page-fb" || m.Title != "Créer sa page" || !slices.Equal(m.Skills, []string{"social-page", "map-listings"}) {
		t.Errorf("normalized = %+v", m)
	}
	if !m.Teaches("map-listings") || m.Teaches("newsletter") {
		t.Error("Teaches")
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"3", 180, true}, {"3,5", 210, true}, {"3.5", 210, true}, {"3.25", 195, true}, {"3h30", 210, true},
		{"3 h 30", 210, true}, {"3h", 180, true}, {"0,5", 30, true}, {"", 0, false}, {"0", 0, false},
		{"3h3", 0, false}, {"3h60", 0, false}, {"3.333", 0, false}, {"3.33", 0, false}, {"-1", 0, false},
		{"trois", 0, false}, {"3.", 0, false}, {"99999", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseHours(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseHours(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDateAndClock(t *testing.T) {
	dates := []struct {
		in      string
		y, m, d int
		ok      bool
	}{
		{"2027-04-12", 2027, 4, 12, true}, {"12/04/2027", 2027, 4, 12, true}, {"2.4.2027", 2027, 4, 2, true},
		{"31/04/2027", 0, 0, 0, false}, {"2027-13-01", 0, 0, 0, false}, {"12/04/27", 0, 0, 0, false},
		{"demain", 0, 0, 0, false}, {"", 0, 0, 0, false}, {"29/02/2028", 2028, 2, 29, true}, {"29/02/2027", 0, 0, 0, false},
	}
	for _, tt := range dates {
		y, m, d, ok := ParseDate(tt.in)
		if y != tt.y || m != tt.m || d != tt.d || ok != tt.ok {
			t.Errorf("ParseDate(%q) = %d-%d-%d %v", tt.in, y, m, d, ok)
		}
	}
	clocks := []struct {
		in   string
		h, m int
		ok   bool
	}{
		{"9:00", 9, 0, true}, {"09:30", 9, 30, true}, {"9h", 9, 0, true}, {"9h30", 9, 30, true}, {"9 h 30", 9, 30, true},
		{"24:00", 0, 0, false}, {"9:5", 0, 0, false}, {"9", 0, 0, false}, {"9:60", 0, 0, false}, {"", 0, 0, false},
	}
	for _, tt := range clocks {
		h, m, ok := ParseClock(tt.in)
		if h != tt.h || m != tt.m || ok != tt.ok {
			t.Errorf("ParseClock(%q) = %d:%d %v", tt.in, h, m, ok)
		}
	}
}

func day(y int, m time.Month, d, h1, m1, h2, m2 int) Day {
	return Day{Start: time.Date(y, m, d, h1, m1, 0, 0, brussels), End: time.Date(y, m, d, h2, m2, 0, 0, brussels)}
}

func TestSessionValidate(t *testing.T) {
	mod := goodModule() // 7 hours, in person
	online := goodModule()
	online.Format, online.Minutes = Online, 150
	tests := []struct {
		name  string
		m     Module
		s     Session
		isNew bool
		want  []string
	}{
		{"one day", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2027, 4, 12, 9, 0, 16, 0)}}, true, nil},
		{"two half days", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2027, 4, 12, 9, 0, 12, 30), day(2027, 4, 19, 13, 0, 16, 30)}}, true, nil},
		{"online without site", online, Session{Capacity: 100, Days: []Day{day(2027, 4, 12, 19, 0, 21, 30)}}, true, nil},
		{"online with a site", online, Session{SiteID: 1, Capacity: 100, Days: []Day{day(2027, 4, 12, 19, 0, 21, 30)}}, true, []string{"site"}},
		{"in person without site", mod, Session{Capacity: 12, Days: []Day{day(2027, 4, 12, 9, 0, 16, 0)}}, true, []string{"site"}},
		{"no day", mod, Session{SiteID: 1, Capacity: 12}, true, []string{"days"}},
		{"hours do not match", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2027, 4, 12, 9, 0, 12, 0)}}, true, []string{"days"}},
		{"in the past", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2026, 4, 12, 9, 0, 16, 0)}}, true, []string{"days[0]"}},
		{"past is fine when editing", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2026, 4, 12, 9, 0, 16, 0)}}, false, nil},
		{"end before start", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2027, 4, 12, 16, 0, 9, 0)}}, true, []string{"days[0]"}},
		{"days out of order", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{day(2027, 4, 19, 13, 0, 16, 30), day(2027, 4, 12, 9, 0, 12, 30)}}, true, []string{"days[1]"}},
		{"over midnight", mod, Session{SiteID: 1, Capacity: 12, Days: []Day{{Start: time.Date(2027, 4, 12, 20, 0, 0, 0, brussels), End: time.Date(2027, 4, 13, 3, 0, 0, 0, brussels)}}}, true, []string{"days[0]"}},
		{"no capacity", mod, Session{SiteID: 1, Days: []Day{day(2027, 4, 12, 9, 0, 16, 0)}}, true, []string{"capacity"}},
		{"huge capacity", mod, Session{SiteID: 1, Capacity: MaxCapacity + 1, Days: []Day{day(2027, 4, 12, 9, 0, 16, 0)}}, true, []string{"capacity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fields(tt.s.ValidateFor(tt.m, now, brussels, tt.isNew)); !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

// The session's days and the module's price feed the voucher rules: 7 h a
// day are counted, so a 9-hour day pays 7 vouchers.
func TestSessionVoucherQuote(t *testing.T) {
	m := goodModule()
	m.Minutes, m.Price = 9*60+3*60, funding.Euros(360) // a long day and a short one
	s := Session{SiteID: 1, Capacity: 10, Days: []Day{day(2027, 4, 12, 8, 0, 17, 0), day(2027, 4, 13, 9, 0, 12, 0)}}
	if err := s.ValidateFor(m, now, brussels, true); err != nil {
		t.Fatal(err)
	}
	q, err := funding.QuoteVouchers(funding.VoucherInput{Training: s.VoucherTraining(m, brussels),
		Shop: funding.Shop{FTE: funding.Headcount(3)}, UseVouchers: true})
	if err != nil {
		t.Fatal(err)
	}
	if q.VoucherHours != 10 || q.RegionPays != funding.Euros(150) || q.ShopPays != funding.Euros(210) {
		t.Errorf("quote = %+v, want 10 vouchers, Region €150, shop €210", q)
	}
	if s.VoucherYear(brussels) != 2027 || s.Minutes() != 12*60 || !s.StartsAt().Equal(s.Days[0].Start) || !s.EndsAt().Equal(s.Days[1].End) {
		t.Error("session figures")
	}
	// The year is the year of the first day in Brussels, even at midnight UTC.
	ny := Session{Days: []Day{{Start: time.Date(2027, 1, 1, 0, 30, 0, 0, brussels), End: time.Date(2027, 1, 1, 3, 0, 0, 0, brussels)}}}
	if ny.VoucherYear(brussels) != 2027 {
		t.Error("year of a session just after midnight in Brussels")
	}
}

func TestEnrolmentForm(t *testing.T) {
	good := EnrolmentForm{FirstName: " Zoé ", LastName: "Lœuvre", Email: "Zoe@Example.BE ", ShopName: "Au cœur du goût",
		CommuneNIS: "52012", Employees: "2,5", UseVouchers: true}
	tests := []struct {
		name   string
		change func(*EnrolmentForm)
		want   []string
	}{
		{"good", func(*EnrolmentForm) {}, nil},
		{"nothing", func(f *EnrolmentForm) { *f = EnrolmentForm{} }, []string{"first_name", "last_name", "email", "shop_name", "commune_nis"}},
		{"bad email", func(f *EnrolmentForm) { f.Email = "zoe@" }, []string{"email"}},
		{"digits for a name", func(f *EnrolmentForm) { f.FirstName = "1234" }, []string{"first_name"}},
		{"bad size", func(f *EnrolmentForm) { f.Employees = "beaucoup" }, []string{"employees"}},
		{"shop name too long", func(f *EnrolmentForm) { f.ShopName = strings.Repeat("x", 151) }, []string{"shop_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.change(&f)
			f.Normalize()
			e, err := f.Validate()
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
			if err == nil && (e.Email != "Zoe@example.be" || e.FirstName != "Zoé" || e.FTE != 250 || e.Lang != "fr") {
				t.Errorf("enrolment = %+v", e)
			}
		})
	}
	f := good
	f.Employees = ""
	f.Normalize()
	if e, _ := f.Validate(); e.FTE != funding.Headcount(1) {
		t.Errorf("no size given: FTE %v, want 1", e.FTE)
	}
}

func TestShopKey(t *testing.T) {
	a := ShopKey("Au Cœur du Goût", "52012")
	for _, same := range []string{"au coeur du gout", "AU  CŒUR DU GOÛT", "Au cœur-du-goût"} {
		if ShopKey(same, "52012") != a {
			t.Errorf("%q is another shop than %q", same, "Au Cœur du Goût")
		}
	}
	if ShopKey("Au Cœur du Goût", "62063") == a {
		t.Error("the same name in another commune is the same shop")
	}
	if tok := NewToken(); !strings.HasPrefix(tok, TokenPrefix) || len(tok) < 30 || tok == NewToken() {
		t.Errorf("token %q", tok)
	}
}

func TestSortNear(t *testing.T) {
	at := func(d int) []Day { return []Day{day(2027, 4, d, 9, 0, 12, 0)} }
	far := Session{ID: 1, SiteID: 1, Latitude: 50.0, Longitude: 5.0, Days: at(10)}
	near := Session{ID: 2, SiteID: 2, Latitude: 50.41, Longitude: 4.4, Days: at(20)}
	nearEarly := Session{ID: 3, SiteID: 2, Latitude: 50.41, Longitude: 4.4, Days: at(12)}
	online := Session{ID: 4, Days: at(30)}
	offers := []Offer{
		{Module: Module{Title: "A"}, Sessions: []Placed{{Session: far}, {Session: near}}},
		{Module: Module{Title: "B"}},
		{Module: Module{Title: "C"}, Sessions: []Placed{{Session: online}}},
		{Module: Module{Title: "D"}, Sessions: []Placed{{Session: nearEarly}, {Session: far}}},
	}
	dist := func(lat, lon float64) float64 { return math.Abs(lat-50.4)*100 + math.Abs(lon-4.4)*100 }
	SortNear(offers, dist)
	var order []string
	for _, o := range offers {
		order = append(order, o.Module.Title)
	}
	// Online is 0 km away; D's nearest is as near as A's but earlier.
	if strings.Join(order, "") != "CDAB" {
		t.Fatalf("offers in order %v, want C D A B", order)
	}
	if s := offers[2].Sessions; s[0].ID != 2 || s[1].ID != 1 || !s[0].Known || math.Round(s[0].Km) != 1 || math.Round(s[1].Km) != 100 {
		t.Errorf("A's sessions = %+v", s)
	}
	if s := offers[0].Sessions[0]; s.Km != 0 || !s.Online() {
		t.Errorf("online session %+v", s)
	}
	SortByDate(offers)
	order = order[:0]
	for _, o := range offers {
		order = append(order, o.Module.Title)
	}
	if strings.Join(order, "") != "ADCB" {
		t.Fatalf("by date: %v, want A D C B", order)
	}
}
