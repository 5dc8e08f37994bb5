package sessions

import (
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
)

func TestRegistrationFormValidate(t *testing.T) {
	dir := commune.NewDirectory(commune.Embedded())
	good := RegistrationForm{FirstName: " Zoé ", LastName: "Martin", Email: "Zoe@Example.BE", Phone: "0470 12 34 56",
		ShopName: "Chez Zoé", Sector: "food", Commune: "6200", ConsentContact: true}
	tests := []struct {
		name   string
		change func(f *RegistrationForm)
		fields []string
	}{
		{"good", func(f *RegistrationForm) {}, nil},
		{"empty", func(f *RegistrationForm) { *f = RegistrationForm{} }, []string{"first_name", "last_name", "email", "shop_name", "sector", "commune_nis"}},
		{"long name", func(f *RegistrationForm) { f.FirstName = strings.Repeat("a", 101) }, []string{"first_name"}},
		{"bad email", func(f *RegistrationForm) { f.Email = "zoe@example" }, []string{"email"}},
		{"bad phone", func(f *RegistrationForm) { f.Phone = "12" }, []string{"phone"}},
		{"unknown sector", func(f *RegistrationForm) { f.Sector = "arms" }, []string{"sector"}},
		{"unknown commune", func(f *RegistrationForm) { f.Commune = "Paris" }, []string{"commune_nis"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.change(&f)
			f.Normalize()
			r, err := f.Validate(dir)
			if len(tt.fields) == 0 {
				if err != nil || r.CommuneNIS != "52012" || r.Phone != "+32470123456" || r.FirstName != "Zoé" || r.Email != "Zoe@example.be" {
					t.Fatalf("%+v %v", r, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid {
				t.Fatalf("err = %v", err)
			}
			got := map[string]bool{}
			for _, fe := range e.Fields {
				got[fe.Field] = true
			}
			for _, f := range tt.fields {
				if !got[f] {
					t.Errorf("no error for %s: %v", f, err)
				}
			}
			if len(got) != len(tt.fields) {
				t.Errorf("errors %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestNearestAndAttendance(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(id int64, lat float64, days int, full bool) Session {
		s := Session{ID: id, Latitude: lat, Longitude: 4.4, Status: Scheduled, StartsAt: now.AddDate(0, 0, days), Capacity: 10}
		if full {
			s.Confirmed = 10
		}
		return s
	}
	full := at(1, 50.4, 10, true)
	others := []Session{full, at(2, 51.0, 5, false), at(3, 50.5, 5, false), at(4, 50.41, -1, false), at(5, 50.42, 7, true)}
	got := Nearest(full, others, now, 3)
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 2 {
		t.Errorf("nearest = %+v", got)
	}
	if AttendanceRate(0, 0) != 0 || AttendanceRate(40, 30) != 75 {
		t.Error("attendance rate")
	}
}
