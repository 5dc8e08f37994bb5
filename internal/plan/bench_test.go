package plan

import (
	"math/rand/v2"
	"testing"

	"vitrine/internal/maturity"
)

// BenchmarkScoreAndPlan measures one whole diagnostic in process: validate
// and score the answers, build the plan, choose trainings among 200
// candidate sessions. The issue asks for at least 3,000 a second.
func BenchmarkScoreAndPlan(b *testing.B) {
	rs := Current()
	q := maturity.Current()
	rng := rand.New(rand.NewPCG(31, 32))
	answers := make([]maturity.Answers, 256)
	for i := range answers {
		answers[i] = randomAnswers(rng, q, 0.95)
	}
	sessions := benchSessions(rng, 200)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		r, err := q.Score(answers[i%len(answers)], "fr")
		if err != nil {
			b.Fatal(err)
		}
		p, err := rs.Build(r, "fr")
		if err != nil {
			b.Fatal(err)
		}
		c := Choose(p.SkillIDs(), sessions, benchNow)
		p.Trainings = &c
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "diagnostics/s")
}
