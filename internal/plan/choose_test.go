package plan

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"
)

// referenceChoose is Choose as first written, one mask allocated per
// candidate and every candidate scanned at each step: what Choose must
// still give.
func referenceChoose(skills []string, candidates []Session, now time.Time) Choice {
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

// Choose gives what referenceChoose gives, field for field, on random
// candidates: few skills and many (masks of one word and of several),
// duplicates, ties, full, past and broken sessions, sessions sharing their
// skills.
func TestChooseAsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for i := range 3000 {
		nSkills := []int{1, 3, 8, 24, 70, 150}[i%6]
		pool := make([]string, nSkills+2)
		for k := range pool {
			pool[k] = "s" + strconv.Itoa(k)
		}
		var need []string
		for range rng.IntN(nSkills + 3) {
			need = append(need, pool[rng.IntN(len(pool))])
		}
		var cands []Session
		for j := range rng.IntN(60) {
			var sk []string
			if j > 0 && rng.IntN(4) == 0 {
				sk = cands[j-1].Skills // the sessions of one module
			} else {
				for range rng.IntN(5) {
					sk = append(sk, pool[rng.IntN(len(pool))])
				}
			}
			s := Session{ModuleID: "m" + strconv.Itoa(rng.IntN(20)), SessionID: strconv.Itoa(rng.IntN(40)), Skills: sk,
				Hours: float64(rng.IntN(10)) / 2, DistanceKm: float64(rng.IntN(8)) * 2.5, Start: day(rng.IntN(12) - 2),
				SeatsLeft: rng.IntN(4) - 1}
			switch rng.IntN(40) {
			case 0:
				s.DistanceKm = math.NaN()
			case 1:
				s.Hours = math.Inf(1)
			case 2:
				s.DistanceKm = -1
			case 3:
				s.Start = now
			}
			cands = append(cands, s)
		}
		got, want := Choose(need, cands, now), referenceChoose(need, cands, now)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d, %v:\ngot  %+v\nwant %+v", i, need, got, want)
		}
	}
}

// BenchmarkChoose is the choice among 200 candidate sessions for the
// skills of a plan.
func BenchmarkChoose(b *testing.B) {
	rng := rand.New(rand.NewPCG(31, 32))
	sessions := benchSessions(rng, 200)
	var skills []string
	for _, s := range sessions[:12] {
		skills = append(skills, s.Skills[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		Choose(skills, sessions, benchNow)
	}
}
