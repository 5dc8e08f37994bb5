package plan

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"vitrine/internal/maturity"
	"vitrine/internal/skill"
)

// answersFromBytes reads (question, count, option…) groups; bytes past the
// last question or option name unknown ones, which Validate refuses.
func answersFromBytes(q *maturity.Questionnaire, data []byte) maturity.Answers {
	ids := q.QuestionIDs()
	a := maturity.Answers{}
	for len(data) >= 2 {
		qb, n := data[0], data[1]
		data = data[2:]
		id := "unknown-" + strconv.Itoa(int(qb))
		var x *maturity.Question
		if int(qb) < len(ids) {
			id = ids[qb]
			x, _, _ = q.Question(id)
		}
		opts := []string{}
		for i := 0; i < int(n%5) && len(data) > 0; i++ {
			ob := data[0]
			data = data[1:]
			if x != nil && int(ob) < len(x.Options) {
				opts = append(opts, x.Options[ob].ID)
			} else {
				opts = append(opts, "opt-"+strconv.Itoa(int(ob)))
			}
		}
		a[id] = opts
	}
	return a
}

// FuzzPlan scores arbitrary answers and builds their plan and training
// choice: never a panic, and every plan keeps its promises.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 1, 1, 0, 14, 2, 1, 2})
	f.Add([]byte{0, 1, 0, 1, 1, 0, 7, 1, 1, 8, 1, 2, 9, 1, 2, 14, 2, 1, 3})
	f.Add([]byte("some bytes that decode to a handful of answers, some of them wrong"))
	rs := Current()
	q := rs.Questionnaire()
	sessions := benchSessions(rand.New(rand.NewPCG(1, 1)), 40)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := q.Score(answersFromBytes(q, data), "fr")
		if err != nil {
			return // refused answers are FuzzScore's business in package maturity
		}
		p, err := rs.Build(r, "fr")
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, rs, r, p)
		c := Choose(p.SkillIDs(), sessions, benchNow)
		if c.Hours < 0 || len(c.Covered)+len(c.Uncovered) != len(p.Skills) {
			t.Fatalf("choice %+v for skills %v", c, p.SkillIDs())
		}
	})
}

// FuzzParseRules feeds Parse with mutated rule files: it never panics, and
// whatever it accepts builds valid plans.
func FuzzParseRules(f *testing.F) {
	embedded, _ := files.ReadFile("rules/v1.json")
	f.Add(embedded)
	f.Add([]byte(`{"version":"x","questionnaire":"v1","max_actions":3,"max_gates":1,"quick_wins":1,
	 "efforts":[{"id":"1h","label":{"fr":"a","de":"a","nl":"a","en":"a"},"quick":true}],
	 "costs":[{"id":"free","label":{"fr":"a","de":"a","nl":"a","en":"a"}}],
	 "provider_kinds":[{"id":"public","label":{"fr":"a","de":"a","nl":"a","en":"a"}},{"id":"non-profit","label":{"fr":"a","de":"a","nl":"a","en":"a"}},
	  {"id":"open-source","label":{"fr":"a","de":"a","nl":"a","en":"a"}},{"id":"private","label":{"fr":"a","de":"a","nl":"a","en":"a"}}],
	 "rules":[{"id":"r","dimension":"visibility","improves":["listing"],
	  "when":{"any":[{"question":"listing","below":7},{"not":{"level":true,"at_least":2}}]},
	  "action":{"text":{"fr":"a","de":"a","nl":"a","en":"a"},"why":{"fr":"a","de":"a","nl":"a","en":"a"},"effort":"1h","cost":"free","platform":false},
	  "skills":["map-listings"],"topics":[{"fr":"a","de":"a","nl":"a","en":"a"}]}]}`))
	f.Add([]byte(`{"rules":[{"when":{"all":[{"not":{"not":{"index":true,"below":1e309}}}]}}]}`))
	q := maturity.Current()
	var results []*maturity.Result
	for _, a := range []maturity.Answers{{}, lowest(q), with(lowest(q), "listing", "claimed", "listing-info", "yes")} {
		r, _ := q.Score(a, "fr")
		results = append(results, r)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse(data, q)
		if err != nil {
			return
		}
		for _, r := range results {
			p, err := rs.Build(r, "en")
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, rs, r, p)
			for _, s := range p.Skills {
				if !skill.Exists(s.ID) {
					t.Fatalf("unknown skill %s", s.ID)
				}
			}
		}
	})
}

var benchNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// benchSessions makes n sessions of realistic shape: 1 to 3 skills each,
// 2 to 14 hours, a third online, the rest 0–80 km away, over the next
// months, some full, some past.
func benchSessions(rng *rand.Rand, n int) []Session {
	all := skill.All()
	out := make([]Session, n)
	for i := range out {
		s := Session{ModuleID: "module-" + strconv.Itoa(i%60), SessionID: "session-" + strconv.Itoa(i),
			Title: "Formation " + strconv.Itoa(i), Provider: "Centre " + strconv.Itoa(i%7), ProviderPrivate: i%7 == 0,
			Hours: float64(2 + rng.IntN(13)), Format: InPerson, DistanceKm: float64(rng.IntN(80)),
			Start: benchNow.Add(time.Duration(rng.IntN(24*120)-24*5) * time.Hour), SeatsLeft: rng.IntN(12) - 1,
			VoucherEligible: rng.IntN(3) > 0, PriceCents: int64(rng.IntN(300)) * 100}
		if rng.IntN(3) == 0 {
			s.Format, s.DistanceKm = Online, 0
		}
		for k := 0; k < 1+rng.IntN(3); k++ {
			s.Skills = append(s.Skills, all[rng.IntN(len(all))].ID)
		}
		out[i] = s
	}
	return out
}
