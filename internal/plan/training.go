package plan

import (
	"math"
	"math/bits"
	"slices"
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
	need := newSkillIndex(skills)
	order := need.order
	words := (len(order) + 63) / 64
	// A candidate is its index in candidates and the offset of its mask
	// in masks, one array for every mask (no pointers: nothing for the
	// garbage collector to follow). The sessions of a module share their
	// skills (the same slice), and then their mask.
	type cand struct{ i, m int }
	masks := make([]uint64, words*len(candidates)+2*words)
	missing, rest := masks[:words:words], masks[words:2*words:2*words]
	mask := func(c cand) []uint64 { return masks[c.m : c.m+words : c.m+words] }
	cs := make([]cand, 0, len(candidates))
	var prevSkills []string
	prev := -1 // the offset of prevSkills' mask, -1 when it teaches nothing needed
	for i := range candidates {
		s := &candidates[i]
		if s.SeatsLeft <= 0 || s.Start.Before(now) || !(s.Hours > 0) || math.IsInf(s.Hours, 0) ||
			!(s.DistanceKm >= 0) || math.IsInf(s.DistanceKm, 0) || len(s.Skills) == 0 {
			continue
		}
		if len(s.Skills) == len(prevSkills) && &s.Skills[0] == &prevSkills[0] {
			if prev >= 0 {
				cs = append(cs, cand{i, prev})
			}
			continue
		}
		c := cand{i, (i + 2) * words}
		m, any := mask(c), false
		for _, sk := range s.Skills {
			if j := need.find(sk); j >= 0 {
				m[j/64] |= 1 << (j % 64)
				any = true
			}
		}
		prevSkills, prev = s.Skills, -1
		if any {
			prev = c.m
			cs = append(cs, c)
		}
	}
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
		// A candidate that teaches nothing missing never will: it leaves
		// the list, which keeps its order.
		best, bestNew, kept := -1, 0, 0
		for _, c := range cs {
			n := covers(mask(c), missing)
			if n == 0 {
				continue
			}
			cs[kept] = c
			if best < 0 || better(n, &candidates[c.i], bestNew, &candidates[cs[best].i]) {
				best, bestNew = kept, n
			}
			kept++
		}
		cs = cs[:kept]
		if best < 0 {
			break
		}
		chosen = append(chosen, cs[best])
		for w, word := range mask(cs[best]) {
			missing[w] &^= word
		}
	}
	// Drop what the others make redundant, the last chosen (the least
	// efficient) first.
	for i := len(chosen) - 1; i >= 0; i-- {
		clear(rest)
		for j, c := range chosen {
			if j != i {
				for w, word := range mask(c) {
					rest[w] |= word
				}
			}
		}
		if m := mask(chosen[i]); covers(m, rest) == covers(m, m) {
			chosen = append(chosen[:i], chosen[i+1:]...)
		}
	}
	uncovered := 0
	for j := range order {
		if missing[j/64]&(1<<(j%64)) != 0 {
			uncovered++
		}
	}
	// Covered and Uncovered share one array, each with no room to grow
	// into the other's.
	names := make([]string, len(order))
	out := Choice{Sessions: make([]Session, 0, len(chosen)),
		Covered: names[: 0 : len(order)-uncovered], Uncovered: names[len(order)-uncovered : len(order)-uncovered]}
	for _, c := range chosen {
		out.Sessions = append(out.Sessions, candidates[c.i])
		out.Hours += candidates[c.i].Hours
	}
	slices.SortStableFunc(out.Sessions, func(a, b Session) int {
		switch {
		case a.DistanceKm != b.DistanceKm:
			return cmpBool(a.DistanceKm < b.DistanceKm)
		case a.Start.Before(b.Start):
			return -1
		case b.Start.Before(a.Start):
			return 1
		}
		return 0
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

// cmpBool is -1 for before, 1 for after.
func cmpBool(before bool) int {
	if before {
		return -1
	}
	return 1
}

// skillIndex numbers the skills a plan needs, in order, each once: a list
// searched in turn while it is short (quicker than hashing a few), with a
// map when it is long.
type skillIndex struct {
	order []string
	m     map[string]int
}

const shortSkillList = 16

func newSkillIndex(skills []string) skillIndex {
	x := skillIndex{order: make([]string, 0, len(skills))}
	if len(skills) > shortSkillList {
		x.m = make(map[string]int, len(skills))
	}
	for _, s := range skills {
		if x.find(s) < 0 {
			if x.m != nil {
				x.m[s] = len(x.order)
			}
			x.order = append(x.order, s)
		}
	}
	return x
}

// find returns the number of skill id, -1 when not needed.
func (x *skillIndex) find(id string) int {
	if x.m == nil {
		return slices.Index(x.order, id)
	}
	if j, ok := x.m[id]; ok {
		return j
	}
	return -1
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
