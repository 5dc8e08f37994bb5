package plan

import (
	"math"
	"math/bits"
	"sort"
	"time"
)

// Training formats.
const (
	InPerson = "in_person"
	Online   = "online"
)

// Session is a dated training session offered to the shopkeeper, as the
// training catalogue describes it.
type Session struct {
	ModuleID        string    `json:"module_id"`
	SessionID       string    `json:"session_id"`
	Title           string    `json:"title"`
	Provider        string    `json:"provider"`
	ProviderPrivate bool      `json:"provider_private"`
	Skills          []string  `json:"skills"` // skill IDs the module teaches
	Hours           float64   `json:"hours"`
	Format          string    `json:"format"`      // InPerson or Online
	DistanceKm      float64   `json:"distance_km"` // from the shop; 0 online
	Start           time.Time `json:"starts_at"`
	SeatsLeft       int       `json:"seats_left"`
	VoucherEligible bool      `json:"voucher_eligible"`
	PriceCents      int64     `json:"price_cents"`
	// VoucherCostCents is what the shop pays when it uses training
	// vouchers (the catalogue computes it with package funding); equal to
	// PriceCents when the session takes none.
	VoucherCostCents int64 `json:"voucher_cost_cents"`
}

// Choice is the sessions chosen for a plan.
type Choice struct {
	Sessions  []Session `json:"sessions"` // nearest first, then soonest
	Hours     float64   `json:"hours"`
	Covered   []string  `json:"covered"`
	Uncovered []string  `json:"uncovered"` // skills no open session teaches
}

// Choose picks sessions that teach the needed skills in few hours: a greedy
// weighted set cover that takes, each time, the session teaching the most
// still-missing skills per hour — ties going to the nearest, then the
// soonest — and then drops any session the others make redundant. Full
// sessions, sessions starting before now and sessions with no hours or no
// valid distance are skipped. Skills nobody teaches are reported.
func Choose(skills []string, candidates []Session, now time.Time) Choice {
	need := map[string]int{}
	var order []string
	for _, s := range skills {
		if _, ok := need[s]; !ok {
			need[s] = len(order)
			order = append(order, s)
		}
	}
	words := (len(order) + 63) / 64
	type cand struct {
		s    *Session
		mask []uint64
	}
	var cs []cand
	for i := range candidates {
		s := &candidates[i]
		if s.SeatsLeft <= 0 || s.Start.Before(now) || !(s.Hours > 0) || math.IsInf(s.Hours, 0) ||
			!(s.DistanceKm >= 0) || math.IsInf(s.DistanceKm, 0) {
			continue
		}
		mask := make([]uint64, words)
		any := false
		for _, sk := range s.Skills {
			if j, ok := need[sk]; ok {
				mask[j/64] |= 1 << (j % 64)
				any = true
			}
		}
		if any {
			cs = append(cs, cand{s, mask})
		}
	}
	missing := make([]uint64, words)
	for j := range order {
		missing[j/64] |= 1 << (j % 64)
	}
	covers := func(mask, set []uint64) int {
		n := 0
		for w := range mask {
			n += bits.OnesCount64(mask[w] & set[w])
		}
		return n
	}
	var chosen []cand
	for {
		best, bestNew := -1, 0
		for i, c := range cs {
			n := covers(c.mask, missing)
			if n == 0 {
				continue
			}
			if best < 0 || better(n, c.s, bestNew, cs[best].s) {
				best, bestNew = i, n
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, cs[best])
		for w := range missing {
			missing[w] &^= cs[best].mask[w]
		}
	}
	// Drop what the others make redundant, the last chosen (the least
	// efficient) first.
	for i := len(chosen) - 1; i >= 0; i-- {
		rest := make([]uint64, words)
		for j, c := range chosen {
			if j != i {
				for w := range rest {
					rest[w] |= c.mask[w]
				}
			}
		}
		if covers(chosen[i].mask, rest) == covers(chosen[i].mask, chosen[i].mask) {
			chosen = append(chosen[:i], chosen[i+1:]...)
		}
	}
	out := Choice{Sessions: make([]Session, 0, len(chosen)), Covered: []string{}, Uncovered: []string{}}
	for _, c := range chosen {
		out.Sessions = append(out.Sessions, *c.s)
		out.Hours += c.s.Hours
	}
	sort.SliceStable(out.Sessions, func(i, j int) bool {
		a, b := &out.Sessions[i], &out.Sessions[j]
		if a.DistanceKm != b.DistanceKm {
			return a.DistanceKm < b.DistanceKm
		}
		return a.Start.Before(b.Start)
	})
	for j, s := range order {
		if missing[j/64]&(1<<(j%64)) != 0 {
			out.Uncovered = append(out.Uncovered, s)
		} else {
			out.Covered = append(out.Covered, s)
		}
	}
	return out
}

// better reports whether a session teaching n missing skills beats the
// current best: more skills per hour, then nearer, then sooner, then by ID
// so that the choice never depends on the order of the candidates.
func better(n int, s *Session, bestN int, b *Session) bool {
	x, y := float64(n)*b.Hours, float64(bestN)*s.Hours
	if x != y {
		return x > y
	}
	if s.DistanceKm != b.DistanceKm {
		return s.DistanceKm < b.DistanceKm
	}
	if !s.Start.Equal(b.Start) {
		return s.Start.Before(b.Start)
	}
	if s.SessionID != b.SessionID {
		return s.SessionID < b.SessionID
	}
	return s.ModuleID < b.ModuleID
}
