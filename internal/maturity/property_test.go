package maturity

import (
	"math/rand/v2"
	"testing"
)

// Property tests run on the real questionnaire with random answer sets,
// from fixed seeds so that a failure can be replayed.

const iterations = 5000

// randomAnswer picks a valid answer to x: one option, or for a multiple
// choice a random non-empty set of its scoring options, or an exclusive one.
func randomAnswer(rng *rand.Rand, x *Question) []string {
	if x.Kind != Multiple {
		return []string{x.Options[rng.IntN(len(x.Options))].ID}
	}
	var scoring, alone []string
	for _, o := range x.Options {
		if o.Exclusive || o.DontKnow {
			alone = append(alone, o.ID)
		} else {
			scoring = append(scoring, o.ID)
		}
	}
	if rng.IntN(4) == 0 {
		return []string{alone[rng.IntN(len(alone))]}
	}
	var out []string
	for _, id := range scoring {
		if rng.IntN(2) == 0 {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		out = append(out, scoring[rng.IntN(len(scoring))])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// randomAnswers answers each question with probability pAnswer.
func randomAnswers(rng *rand.Rand, q *Questionnaire, pAnswer float64) Answers {
	a := Answers{}
	for _, ref := range q.questions {
		if rng.Float64() < pAnswer {
			a[ref.q.ID] = randomAnswer(rng, ref.q)
		}
	}
	return a
}

func answerPoints(x *Question, opts []string) int {
	if opts == nil {
		return 0
	}
	return points(x, opts)
}

func mustScore(t *testing.T, q *Questionnaire, a Answers) *Result {
	t.Helper()
	r, err := q.Score(a, "fr")
	if err != nil {
		t.Fatalf("Score(%v): %v", a, err)
	}
	return r
}

// Raising any one answer to one that scores more never lowers the index,
// a dimension or the level.
func TestPropertyRaisingNeverLowers(t *testing.T) {
	q := Current()
	rng := rand.New(rand.NewPCG(1, 2))
	raised := 0
	for i := 0; i < iterations; i++ {
		a := randomAnswers(rng, q, 0.5+rng.Float64()/2)
		ref := q.questions[rng.IntN(len(q.questions))]
		x := ref.q
		old := answerPoints(x, a[x.ID])
		// Draw candidates until one scores more (the best scores 10, so
		// there is one unless the answer is already the best).
		var better []string
		for try := 0; try < 50 && old < MaxPoints; try++ {
			if c := randomAnswer(rng, x); points(x, c) > old {
				better = c
				break
			}
		}
		if better == nil {
			continue
		}
		raised++
		before := mustScore(t, q, a)
		b := Answers{}
		for k, v := range a {
			b[k] = v
		}
		b[x.ID] = better
		after := mustScore(t, q, b)
		if after.Index < before.Index || after.Level < before.Level {
			t.Fatalf("seed run %d: raising %s from %v (%d) to %v (%d) took index %v → %v, level %d → %d",
				i, x.ID, a[x.ID], old, better, points(x, better), before.Index, after.Index, before.Level, after.Level)
		}
		for d := range after.Dimensions {
			if after.Dimensions[d].Score < before.Dimensions[d].Score {
				t.Fatalf("raising %s lowered dimension %s", x.ID, after.Dimensions[d].ID)
			}
		}
	}
	if raised < iterations/2 {
		t.Fatalf("only %d of %d runs raised an answer: the generator is too weak", raised, iterations)
	}
}

// Every answer at its lowest points (any 0-point option, "don't know"
// included) gives level 0; every answer at its highest gives level 5.
func TestPropertyExtremes(t *testing.T) {
	q := Current()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < iterations; i++ {
		low, high := Answers{}, Answers{}
		for _, ref := range q.questions {
			x := ref.q
			var zeros []string
			for _, o := range x.Options {
				if o.Points == 0 {
					zeros = append(zeros, o.ID)
				}
			}
			low[x.ID] = []string{zeros[rng.IntN(len(zeros))]}
			for {
				c := randomAnswer(rng, x)
				if points(x, c) == MaxPoints {
					high[x.ID] = c
					break
				}
			}
		}
		if r := mustScore(t, q, low); r.Level != 0 || r.Index != 0 {
			t.Fatalf("lowest answers %v: level %d index %v, want 0 and 0", low, r.Level, r.Index)
		}
		if r := mustScore(t, q, high); r.Level != 5 || r.Index != 100 || len(r.Blocking) != 0 {
			t.Fatalf("highest answers %v: level %d index %v blocking %v, want 5, 100, none", high, r.Level, r.Index, r.Blocking)
		}
	}
}

// A shop that says it has no findable listing never exceeds level 2,
// whatever else it answers.
func TestPropertyNoListingAtMostTwo(t *testing.T) {
	q := Current()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < iterations; i++ {
		a := randomAnswers(rng, q, 0.9+rng.Float64()/10)
		a["listing"] = []string{"no"}
		if rng.IntN(2) == 0 { // and often everything else at its best
			for _, ref := range q.questions {
				if ref.q.ID != "listing" {
					a[ref.q.ID] = []string{best(ref.q)}
				}
			}
		}
		if r := mustScore(t, q, a); r.Level > 2 {
			t.Fatalf("no listing, yet level %d: %v", r.Level, a)
		}
	}
}

func best(x *Question) string {
	for _, o := range x.Options {
		if o.Points == MaxPoints {
			return o.ID
		}
	}
	return x.Options[0].ID
}

// Whatever the answers, the result is consistent: figures in bounds, the
// level is the lowest of its limits, and a level below 5 always says what
// blocks the next one.
func TestPropertyResultInvariants(t *testing.T) {
	q := Current()
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < iterations; i++ {
		r := mustScore(t, q, randomAnswers(rng, q, rng.Float64()))
		checkInvariants(t, q, r)
	}
}

func checkInvariants(t testing.TB, q *Questionnaire, r *Result) {
	t.Helper()
	if r.Index < 0 || r.Index > 100 {
		t.Fatalf("index %v out of 0–100", r.Index)
	}
	for _, d := range r.Dimensions {
		if d.Score < 0 || d.Score > 100 || d.Band < 0 || d.Band > 5 {
			t.Fatalf("dimension %+v out of bounds", d)
		}
	}
	if r.Answered+r.Missing != q.NumQuestions() || r.Answered < 0 || r.Missing < 0 {
		t.Fatalf("answered %d + missing %d != %d", r.Answered, r.Missing, q.NumQuestions())
	}
	if r.HasLevel != (r.Level >= 0) || r.Level < -1 || r.Level > 5 {
		t.Fatalf("level %d has %v", r.Level, r.HasLevel)
	}
	if r.HasLevel != (r.Answered*100 >= q.MinAnsweredPct*q.NumQuestions()) {
		t.Fatalf("has level %v with %d of %d answered", r.HasLevel, r.Answered, q.NumQuestions())
	}
	if !r.HasLevel {
		if len(r.Blocking) != 1 || r.Blocking[0].Kind != BlockAnswers || r.Blocking[0].Need < 1 {
			t.Fatalf("no level: blocking %+v", r.Blocking)
		}
		return
	}
	want := min(r.Limits.Ladder, r.Limits.IndexBand)
	for _, c := range r.Limits.Caps {
		want = min(want, c)
	}
	if r.Level != want {
		t.Fatalf("level %d, lowest limit %d (%+v)", r.Level, want, r.Limits)
	}
	if (r.Level < 5) != (len(r.Blocking) > 0) {
		t.Fatalf("level %d with blocking %+v", r.Level, r.Blocking)
	}
	for _, b := range r.Blocking {
		if (b.Kind == BlockRequirement) != (b.Text != "") || b.Key == "" || b.Level < 1 || b.Level > r.Level+1 {
			t.Fatalf("blocker %+v", b)
		}
	}
}
