package campaign

import (
	"testing"
	"time"

	"vitrine/internal/funding"
	"vitrine/internal/training"
)

var brussels, _ = time.LoadLocation("Europe/Brussels")

func TestFirstSession(t *testing.T) {
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), "2027-03-17 18:30"},
		{time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC), "2027-03-17 18:30"},
		{time.Date(2027, 3, 17, 18, 0, 0, 0, time.UTC), "2028-03-17 18:30"}, // 19:00 in Brussels: too late
		{time.Date(2027, 12, 31, 12, 0, 0, 0, time.UTC), "2028-03-17 18:30"},
	}
	for _, tt := range tests {
		t.Run(tt.now.String(), func(t *testing.T) {
			if got := FirstSession(tt.now, brussels).Format("2006-01-02 15:04"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d, err := NewDemo(now, brussels)
	if err != nil {
		t.Fatal(err)
	}
	wantTowns := []string{"52012", "57096", "84043", "62051", "57003", "83034", "92142", "83012", "56078", "63079", "63035"}
	if len(d.Sessions) != len(wantTowns) {
		t.Fatalf("%d sessions, want 11", len(d.Sessions))
	}
	for i, s := range d.Sessions {
		if s.CommuneNIS != wantTowns[i] {
			t.Errorf("session %d in %s, want %s", i, s.CommuneNIS, wantTowns[i])
		}
		if err := s.Validate(now, true); err != nil {
			t.Errorf("session %d invalid: %v", i, err)
		}
		if i > 0 && !s.StartsAt.After(d.Sessions[i-1].StartsAt) {
			t.Errorf("session %d does not follow session %d", i, i-1)
		}
		if wd := s.StartsAt.In(brussels).Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("session %d on a %s", i, wd)
		}
	}
	if got := d.Sessions[0].StartsAt.In(brussels).Format("2006-01-02"); got != "2027-03-17" {
		t.Errorf("first session on %s", got)
	}
	if last := d.Sessions[10].StartsAt.Sub(d.Sessions[0].StartsAt); last > 8*7*24*time.Hour {
		t.Errorf("sessions spread over %v, want the following weeks", last)
	}
	centres, private := 0, 0
	for _, p := range d.Providers {
		if p.Kind.Private() {
			private++
		} else {
			centres++
			if len(p.Sites) == 0 {
				t.Errorf("%s has no site", p.Name)
			}
		}
	}
	if centres != 6 || private != 1 {
		t.Errorf("providers: %d centres and local trainers, %d private; want 6 and 1", centres, private)
	}
	var total funding.Cents
	for _, b := range d.BudgetLines {
		if err := b.Validate(); err != nil {
			t.Errorf("budget line %s: %v", b.Name, err)
		}
		total += b.Amount
	}
	if total != funding.Euros(750_000) {
		t.Errorf("budget total %d cents, want 750,000 €", total)
	}
	roles := map[string]bool{}
	for _, u := range d.Users {
		roles[string(u.Role)] = true
	}
	if len(roles) != 5 {
		t.Errorf("roles %v, want one account per role", roles)
	}
}

// The demo catalogue is valid, covers every provider, labels Google as
// private with six in-person modules and one online, and dates every
// session after the first information session.
func TestDemoCatalogue(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d, err := NewDemo(now, brussels)
	if err != nil {
		t.Fatal(err)
	}
	sites := map[string]string{} // site → provider
	kinds := map[string]training.ProviderKind{}
	for _, p := range d.Providers {
		kinds[p.Slug] = p.Kind
		for _, s := range p.Sites {
			sites[s.Slug] = p.Slug
		}
	}
	first := FirstSession(now, brussels)
	perProvider := map[string]int{}
	googleInPerson, googleOnline := 0, 0
	for _, m := range d.Modules {
		if _, ok := kinds[m.ProviderSlug]; !ok {
			t.Fatalf("module %s: unknown provider %s", m.Module.Code, m.ProviderSlug)
		}
		perProvider[m.ProviderSlug]++
		if err := m.Module.Validate(); err != nil {
			t.Errorf("module %s: %v", m.Module.Code, err)
		}
		if m.ProviderSlug == "google-ateliers-numeriques" {
			if m.Module.Format == training.Online {
				googleOnline++
			} else {
				googleInPerson++
			}
		}
		if len(m.Sessions) == 0 {
			t.Errorf("module %s has no session", m.Module.Code)
		}
		for i, s := range m.Sessions {
			ts := training.Session{Capacity: s.Capacity, Days: s.Days}
			if s.SiteSlug != "" {
				ts.SiteID = 1
				if sites[s.SiteSlug] != m.ProviderSlug {
					t.Errorf("module %s session %d at %s, not a site of %s", m.Module.Code, i, s.SiteSlug, m.ProviderSlug)
				}
			}
			if err := ts.ValidateFor(m.Module, now, brussels, true); err != nil {
				t.Errorf("module %s session %d: %v", m.Module.Code, i, err)
			}
			if !ts.StartsAt().After(first) || ts.StartsAt().After(first.AddDate(0, 4, 0)) {
				t.Errorf("module %s session %d on %v: not in the months after %v", m.Module.Code, i, ts.StartsAt(), first)
			}
		}
	}
	for slug := range kinds {
		if perProvider[slug] == 0 {
			t.Errorf("provider %s has no module", slug)
		}
	}
	if kinds["google-ateliers-numeriques"] != training.PrivateCompany || googleInPerson != 6 || googleOnline != 1 {
		t.Errorf("Google: kind %s, %d in person, %d online; want private, 6 and 1", kinds["google-ateliers-numeriques"], googleInPerson, googleOnline)
	}
}
