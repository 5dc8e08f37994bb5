// Package bench holds Vitrine's benchmarks and load generators; the figures
// and how to re-run them are in README.md.
package bench

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/diagnostic"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
	"vitrine/internal/skill"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// bodies makes n submission bodies as a client sends them: nine in ten
// questions answered, at random, a quarter with an email.
func bodies(rng *rand.Rand, q *maturity.Questionnaire, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		answers := map[string][]string{}
		for _, id := range q.QuestionIDs() {
			if rng.Float64() >= 0.9 {
				continue
			}
			x, _, _ := q.Question(id)
			if x.Kind != maturity.Multiple {
				answers[id] = []string{x.Options[rng.IntN(len(x.Options))].ID}
				continue
			}
			var opts []string
			for _, o := range x.Options {
				if !o.Exclusive && !o.DontKnow && rng.IntN(2) == 0 {
					opts = append(opts, o.ID)
				}
			}
			if len(opts) == 0 {
				opts = []string{maturity.DontKnowID}
			}
			answers[id] = opts
		}
		body := map[string]any{"answers": answers, "commune_nis": "52012", "sector": "food"}
		if i%4 == 0 {
			body["email"] = "shop" + strconv.Itoa(i) + "@example.org"
		}
		out[i], _ = json.Marshal(body)
	}
	return out
}

// sessions makes n upcoming training sessions of realistic shape, as the
// catalogue will offer them: 1 to 3 skills, 2 to 14 hours, a third online.
func sessions(rng *rand.Rand, n int) []plan.Session {
	all := skill.All()
	out := make([]plan.Session, n)
	for i := range out {
		s := plan.Session{ModuleID: "m" + strconv.Itoa(i%60), SessionID: strconv.Itoa(i), Title: "Formation " + strconv.Itoa(i),
			Provider: "Centre " + strconv.Itoa(i%7), ProviderPrivate: i%7 == 0, Hours: float64(2 + rng.IntN(13)),
			Format: plan.InPerson, DistanceKm: float64(rng.IntN(80)), Start: now.Add(time.Duration(rng.IntN(24*120)) * time.Hour),
			SeatsLeft: rng.IntN(12), VoucherEligible: rng.IntN(3) > 0, PriceCents: int64(rng.IntN(300)) * 100}
		if rng.IntN(3) == 0 {
			s.Format, s.DistanceKm = plan.Online, 0
		}
		for range 1 + rng.IntN(3) {
			s.Skills = append(s.Skills, all[rng.IntN(len(all))].ID)
		}
		out[i] = s
	}
	return out
}

type submission struct {
	Answers    map[string]any `json:"answers"`
	CommuneNIS string         `json:"commune_nis"`
	Sector     string         `json:"sector"`
	Email      string         `json:"email"`
}

// workload is what every submission in the benchmarks shares.
type workload struct {
	q     *maturity.Questionnaire
	rules *plan.Rules
	in    [][]byte
	find  diagnostic.Trainings
}

func newWorkload() *workload {
	rng := rand.New(rand.NewPCG(5, 5))
	q := maturity.Current()
	catalogue := sessions(rng, 200)
	return &workload{q: q, rules: plan.Current(), in: bodies(rng, q, 512),
		find: func([]string) ([]plan.Session, error) { return catalogue, nil }}
}

func known(nis string) bool { return nis == "52012" }

// submit handles body i as POST /api/v1/diagnostics does, without HTTP
// and the database: decode, check, score, plan, choose trainings, encode.
// It reports whether the submission was planned (too few answers is a 422).
func (w *workload) submit(b testing.TB, i int) bool {
	var s submission
	if err := json.Unmarshal(w.in[i%len(w.in)], &s); err != nil {
		b.Fatal(err)
	}
	var v apperr.Validation
	sub := diagnostic.Submission{Answers: diagnostic.DecodeAnswers(s.Answers, &v),
		Profile: diagnostic.Profile{CommuneNIS: s.CommuneNIS, Sector: s.Sector, Email: s.Email}}
	sub.Profile.Normalize()
	sub.Check(w.q, &v, known)
	if v.Err() != nil {
		return false
	}
	out, err := diagnostic.Evaluate(w.q, w.rules, sub.Answers, "fr", w.find, now)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := json.Marshal(map[string]any{"result": out.Result, "plan": out.Plan}); err != nil {
		b.Fatal(err)
	}
	return true
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds the rate and the CPU time per diagnostic: on a shared
// machine the rate follows the load, the CPU time much less.
func report(b *testing.B, n int, cpu time.Duration) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "diagnostics/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(max(n, 1)), "cpu-µs/op")
}

// BenchmarkSubmitAndPlan is one submission after another on one core: the
// body decoded and checked, scored, planned, trainings chosen among 200
// sessions, the answer encoded. Issue 5 asks for at least 3,000 a second.
func BenchmarkSubmitAndPlan(b *testing.B) {
	w := newWorkload()
	b.ReportAllocs()
	i, cpu := 0, cpuTime()
	for b.Loop() {
		w.submit(b, i)
		i++
	}
	report(b, i, cpuTime()-cpu)
}

// BenchmarkSubmitAndPlanParallel is the same on every core, as the server
// runs concurrent requests.
func BenchmarkSubmitAndPlanParallel(b *testing.B) {
	w := newWorkload()
	b.ReportAllocs()
	var n atomic.Int64
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.submit(b, int(n.Add(1)))
		}
	})
	report(b, int(n.Load()), cpuTime()-cpu)
}
