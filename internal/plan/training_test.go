package plan

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return now.AddDate(0, 0, n) }

func sess(id string, hours, km float64, start time.Time, skills ...string) Session {
	return Session{ModuleID: "m-" + id, SessionID: id, Title: id, Provider: "p", Skills: skills,
		Hours: hours, DistanceKm: km, Start: start, SeatsLeft: 5, Format: InPerson}
}

func sessionIDs(c Choice) []string {
	var out []string
	for _, s := range c.Sessions {
		out = append(out, s.SessionID)
	}
	return out
}

func TestChoose(t *testing.T) {
	full := sess("full", 1, 1, day(1), "a")
	full.SeatsLeft = 0
	nan := sess("nan", 1, math.NaN(), day(1), "a")
	tests := []struct {
		name      string
		skills    []string
		cands     []Session
		want      []string // session IDs, nearest first then soonest
		hours     float64
		uncovered []string
	}{
		{"two short beat one long", []string{"a", "b"},
			[]Session{sess("long", 7, 5, day(3), "a", "b"), sess("sa", 2, 5, day(3), "a"), sess("sb", 2, 5, day(4), "b")},
			[]string{"sa", "sb"}, 4, nil},
		{"more skills per hour wins", []string{"a", "b"},
			[]Session{sess("long", 3, 5, day(3), "a", "b"), sess("sa", 2, 5, day(3), "a"), sess("sb", 2, 5, day(4), "b")},
			[]string{"long"}, 3, nil},
		{"tie: nearest", []string{"a"},
			[]Session{sess("far", 3, 30, day(2), "a"), sess("near", 3, 4, day(20), "a")},
			[]string{"near"}, 3, nil},
		{"tie and same distance: soonest", []string{"a"},
			[]Session{sess("later", 3, 4, day(9), "a"), sess("sooner", 3, 4, day(2), "a")},
			[]string{"sooner"}, 3, nil},
		{"online counts as distance 0", []string{"a"},
			[]Session{sess("room", 3, 2, day(2), "a"), {SessionID: "web", ModuleID: "w", Skills: []string{"a"}, Hours: 3, Format: Online, Start: day(5), SeatsLeft: 1}},
			[]string{"web"}, 3, nil},
		{"full, past, empty and broken sessions skipped", []string{"a"},
			[]Session{full, sess("past", 1, 1, day(-1), "a"), sess("zero", 0, 1, day(1), "a"), nan, sess("ok", 4, 9, day(1), "a")},
			[]string{"ok"}, 4, nil},
		{"starting right now is not past", []string{"a"}, []Session{sess("now", 2, 1, now, "a")}, []string{"now"}, 2, nil},
		{"uncovered skills reported", []string{"a", "z", "y"},
			[]Session{sess("sa", 2, 1, day(1), "a", "q")},
			[]string{"sa"}, 2, []string{"z", "y"}},
		// Greedy takes "one" (1 skill an hour), then "abc" (3 skills in 4 h
		// beats 1 in 3 h); "one" is then redundant and dropped: 4 h, not 5.
		{"redundant session dropped", []string{"a", "b", "c"},
			[]Session{sess("abc", 4, 5, day(2), "a", "b", "c"), sess("one", 1, 5, day(2), "a"), sess("b3", 3, 5, day(2), "b"), sess("c3", 3, 5, day(2), "c")},
			[]string{"abc"}, 4, nil},
		{"sorted nearest first, then soonest", []string{"a", "b", "c"},
			[]Session{sess("c", 1, 10, day(1), "c"), sess("a", 1, 2, day(9), "a"), sess("b", 1, 2, day(3), "b")},
			[]string{"b", "a", "c"}, 3, nil},
		{"nothing needed", nil, []Session{sess("sa", 2, 1, day(1), "a")}, nil, 0, nil},
		{"duplicate skills asked once", []string{"a", "a"}, []Session{sess("sa", 2, 1, day(1), "a")}, []string{"sa"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Choose(tt.skills, tt.cands, now)
			if got := sessionIDs(c); !slices.Equal(got, tt.want) {
				t.Errorf("sessions %v, want %v", got, tt.want)
			}
			if c.Hours != tt.hours {
				t.Errorf("hours %v, want %v", c.Hours, tt.hours)
			}
			if !slices.Equal(c.Uncovered, tt.uncovered) && !(len(c.Uncovered) == 0 && len(tt.uncovered) == 0) {
				t.Errorf("uncovered %v, want %v", c.Uncovered, tt.uncovered)
			}
		})
	}
}

// The choice never depends on the order of the candidates, always covers
// what can be covered, and never keeps a session the others make useless.
func TestPropertyChoose(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	skills := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for i := 0; i < 2000; i++ {
		var cands []Session
		for j := 0; j < 1+rng.IntN(30); j++ {
			var sk []string
			for _, s := range skills {
				if rng.IntN(4) == 0 {
					sk = append(sk, s)
				}
			}
			s := sess(string(rune('A'+j)), float64(1+rng.IntN(8)), float64(rng.IntN(60)), day(rng.IntN(40)-5), sk...)
			s.SeatsLeft = rng.IntN(3)
			cands = append(cands, s)
		}
		need := skills[:1+rng.IntN(len(skills))]
		c := Choose(need, cands, now)
		shuffled := slices.Clone(cands)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if d := Choose(need, shuffled, now); !slices.Equal(sessionIDs(c), sessionIDs(d)) {
			t.Fatalf("order matters: %v vs %v", sessionIDs(c), sessionIDs(d))
		}
		teachable := map[string]bool{}
		for _, s := range cands {
			if s.SeatsLeft > 0 && !s.Start.Before(now) {
				for _, sk := range s.Skills {
					teachable[sk] = true
				}
			}
		}
		for _, sk := range need {
			if teachable[sk] == slices.Contains(c.Uncovered, sk) {
				t.Fatalf("skill %s teachable %v but uncovered %v", sk, teachable[sk], c.Uncovered)
			}
		}
		for k, s := range c.Sessions {
			if s.SeatsLeft <= 0 || s.Start.Before(now) {
				t.Fatalf("chose a full or past session %+v", s)
			}
			others := map[string]bool{}
			for m, o := range c.Sessions {
				if m != k {
					for _, sk := range o.Skills {
						others[sk] = true
					}
				}
			}
			useful := false
			for _, sk := range s.Skills {
				if slices.Contains(need, sk) && !others[sk] {
					useful = true
				}
			}
			if !useful {
				t.Fatalf("session %s is redundant in %v", s.SessionID, sessionIDs(c))
			}
		}
	}
}
