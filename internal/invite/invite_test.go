package invite

import (
	"errors"
	"slices"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
)

func TestNext(t *testing.T) {
	tests := []struct {
		from Status
		act  Action
		want Status
		ok   bool
	}{
		{Draft, Send, Sending, true},
		{Sending, Pause, Paused, true},
		{Paused, Resume, Sending, true},
		{Sending, Finish, Done, true},
		{Paused, Cancel, Cancelled, true},
		{Draft, Cancel, Cancelled, true},
		{Draft, Pause, Draft, false},
		{Sending, Resume, Sending, false},
		{Paused, Finish, Paused, false},
		{Done, Cancel, Done, false},
		{Cancelled, Resume, Cancelled, false},
		{Done, Send, Done, false},
		{Sending, "explode", Sending, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+string(tt.act), func(t *testing.T) {
			got, err := Next(tt.from, tt.act)
			if got != tt.want || (err == nil) != tt.ok {
				t.Fatalf("Next(%s, %s) = %s, %v; want %s, ok=%v", tt.from, tt.act, got, err, tt.want, tt.ok)
			}
			if err != nil && (!errors.Is(err, ErrTransition) || apperr.KindOf(err) != apperr.Conflict) {
				t.Fatalf("error %v is not a conflict ErrTransition", err)
			}
		})
	}
}

func TestCriteriaValidate(t *testing.T) {
	tests := []struct {
		name   string
		c      Criteria
		fields []string
	}{
		{"communes", Criteria{SessionIDs: []int64{1}, Communes: []string{"52011"}}, nil},
		{"radius", Criteria{SessionIDs: []int64{1, 2}, RadiusKm: 15}, nil},
		{"no session", Criteria{Communes: []string{"52011"}}, []string{"session_ids"}},
		{"bad session id", Criteria{SessionIDs: []int64{0}, RadiusKm: 5}, []string{"session_ids"}},
		{"neither", Criteria{SessionIDs: []int64{1}}, []string{"communes"}},
		{"both", Criteria{SessionIDs: []int64{1}, Communes: []string{"52011"}, RadiusKm: 3}, []string{"communes"}},
		{"radius too large", Criteria{SessionIDs: []int64{1}, RadiusKm: 500}, []string{"radius_km"}},
		{"negative radius", Criteria{SessionIDs: []int64{1}, RadiusKm: -2}, []string{"radius_km"}},
		{"bad nis", Criteria{SessionIDs: []int64{1}, Communes: []string{"Thuin"}}, []string{"communes"}},
		{"too many sessions", Criteria{SessionIDs: manyIDs(MaxSessions + 1), RadiusKm: 1}, []string{"session_ids"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			var got []string
			if e, ok := apperr.As(err); ok {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatalf("not an apperr: %v", err)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	c := Criteria{SessionIDs: []int64{3, 1, 3}, Communes: []string{" 52011", "", "51009", "52011"}}.Normalize()
	if !slices.Equal(c.SessionIDs, []int64{1, 3}) || !slices.Equal(c.Communes, []string{"51009", "52011"}) {
		t.Fatalf("got %+v", c)
	}
}

func TestWithin(t *testing.T) {
	communes := []commune.Commune{
		{NIS: "52011", Latitude: 50.4108, Longitude: 4.4446}, // Charleroi
		{NIS: "56078", Latitude: 50.3397, Longitude: 4.2859}, // Thuin, ~13 km
		{NIS: "63079", Latitude: 50.6660, Longitude: 6.0820}, // far east
	}
	charleroi := Point{50.4108, 4.4446}
	if got := Within([]Point{charleroi}, communes, 5); !slices.Equal(got, []string{"52011"}) {
		t.Errorf("5 km: %v", got)
	}
	if got := Within([]Point{charleroi}, communes, 20); !slices.Equal(got, []string{"52011", "56078"}) {
		t.Errorf("20 km: %v", got)
	}
	if got := Within([]Point{charleroi, {50.66, 6.08}}, communes, 1); !slices.Equal(got, []string{"52011", "63079"}) {
		t.Errorf("two venues: %v", got)
	}
}

func TestPercent(t *testing.T) {
	for _, tt := range []struct {
		p    Progress
		want int
	}{
		{Progress{}, 100},
		{Progress{Recipients: 4, Pending: 4}, 0},
		{Progress{Recipients: 4, Sent: 2, Failed: 1, Pending: 1}, 75},
	} {
		if got := tt.p.Percent(); got != tt.want {
			t.Errorf("%+v: %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestPacerRate(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := NewPacer(10, 0)
	if n, _ := p.Take(t0, 100, 0); n != 10 {
		t.Fatalf("first second: %d, want a burst of 10", n)
	}
	n, wait := p.Take(t0, 100, 0)
	if n != 0 || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("right after: n=%d wait=%v", n, wait)
	}
	if n, _ := p.Take(t0.Add(500*time.Millisecond), 100, 0); n != 5 {
		t.Fatalf("half a second later: %d, want 5", n)
	}
	if n, _ := p.Take(t0.Add(10*time.Second), 100, 0); n != 10 {
		t.Fatalf("after a long pause: %d, want at most one second's worth (10)", n)
	}
	if n, _ := p.Take(t0.Add(20*time.Second), 3, 0); n != 3 {
		t.Fatalf("want 3: %d", n)
	}
}

func TestPacerUnlimitedAndCap(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := NewPacer(0, 0)
	for i := range 3 {
		if n, w := p.Take(t0, 500, 1_000_000); n != 500 || w != 0 {
			t.Fatalf("round %d: n=%d wait=%v", i, n, w)
		}
	}
	c := NewPacer(0, 1000)
	if n, _ := c.Take(t0, 500, 800); n != 200 {
		t.Fatalf("cap: %d, want the 200 left this hour", n)
	}
	if n, w := c.Take(t0, 500, 1000); n != 0 || w <= 0 {
		t.Fatalf("cap reached: n=%d wait=%v", n, w)
	}
}

func TestPacerBackoff(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := NewPacer(100, 0)
	p.Take(t0, 100, 0)
	p.Failed(t0)
	if n, w := p.Take(t0, 10, 0); n != 0 || w != time.Second {
		t.Fatalf("after one failure: n=%d wait=%v, want a 1 s pause", n, w)
	}
	p.Failed(t0.Add(time.Second))
	if p.Backoff() != 2*time.Second {
		t.Fatalf("second failure: backoff %v, want 2s", p.Backoff())
	}
	for range 20 {
		p.Failed(t0)
	}
	if p.Backoff() != 5*time.Minute {
		t.Fatalf("backoff grows to %v, want the 5 min ceiling", p.Backoff())
	}
	later := t0.Add(10 * time.Minute)
	n, _ := p.Take(later, 1000, 0)
	if n < 1 || n >= 100 {
		t.Fatalf("after the pause: %d mails, want a slower pace than 100", n)
	}
	p.Succeeded()
	if p.Backoff() != 0 {
		t.Fatal("success keeps the pause")
	}
	for range 10 {
		p.Succeeded()
	}
	if n, _ := p.Take(later.Add(time.Hour), 1000, 0); n != 100 {
		t.Fatalf("recovered: %d, want the full 100", n)
	}

	u := NewPacer(0, 0)
	u.Failed(t0)
	if n, w := u.Take(t0.Add(500*time.Millisecond), 10, 0); n != 0 || w != 500*time.Millisecond {
		t.Fatalf("unlimited while backing off: n=%d wait=%v", n, w)
	}
	if n, _ := u.Take(t0.Add(2*time.Second), 1000, 0); n == 0 || n == 1000 {
		t.Fatalf("unlimited recovering: %d, want a modest pace", n)
	}
}

func TestParseToken(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"0123456789abcdef0123456789abcdef", true},
		{"0123456789ABCDEF0123456789abcdef", false},
		{"0123456789abcdef0123456789abcde", false},
		{"0123456789abcdef0123456789abcdef0", false},
		{"0123456789abcdef0123456789abcdeg", false},
		{"", false},
		{"../../../../etc/passwd/........", false},
	} {
		if _, ok := ParseToken(tt.in); ok != tt.ok {
			t.Errorf("ParseToken(%q) ok=%v", tt.in, ok)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef")
	f.Add("zz")
	f.Add("0123456789abcdef0123456789abcdeF")
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := ParseToken(s)
		if !ok {
			if tok != "" {
				t.Fatal("a refused token returned text")
			}
			return
		}
		if tok != s || len(tok) != TokenLen {
			t.Fatalf("accepted %q as %q", s, tok)
		}
		for _, c := range tok {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				t.Fatalf("accepted %q with %q", s, c)
			}
		}
	})
}

func manyIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}
