package plan

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"vitrine/internal/maturity"
)

// lowest answers every question with its first 0-point option.
func lowest(q *maturity.Questionnaire) maturity.Answers {
	a := maturity.Answers{}
	for _, id := range q.QuestionIDs() {
		x, _, _ := q.Question(id)
		for _, o := range x.Options {
			if o.Points == 0 {
				a[id] = []string{o.ID}
				break
			}
		}
	}
	return a
}

func with(a maturity.Answers, kv ...string) maturity.Answers {
	b := maturity.Answers{}
	for k, v := range a {
		b[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b[kv[i]] = []string{kv[i+1]}
	}
	return b
}

func score(t testing.TB, a maturity.Answers) *maturity.Result {
	t.Helper()
	r, err := maturity.Current().Score(a, "fr")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func f(v float64) *float64 { return &v }
func b(v bool) *bool       { return &v }

func TestCondEval(t *testing.T) {
	q := maturity.Current()
	full := with(lowest(q), "listing", "claimed", "listing-info", "yes", "photos", "monthly")
	r := score(t, full) // level 1; visibility (2·7 + 1·10 + 2·8) / 100 = 40
	partial := score(t, maturity.Answers{"listing": {"claimed"}, "payment": {"card", "mobile"}, "help": {maturity.DontKnowID}})
	tests := []struct {
		name string
		c    Cond
		r    *maturity.Result
		want bool
	}{
		{"points below, true", Cond{Question: "listing", Below: f(8)}, r, true},
		{"points below, false", Cond{Question: "listing", Below: f(7)}, r, false},
		{"points at least", Cond{Question: "listing", AtLeast: f(7)}, r, true},
		{"multiple sums", Cond{Question: "payment", AtLeast: f(10)}, partial, true},
		{"unanswered counts 0", Cond{Question: "website", Below: f(1)}, partial, true},
		{"answered", Cond{Question: "listing", Answered: b(true)}, partial, true},
		{"not answered", Cond{Question: "website", Answered: b(false)}, partial, true},
		{"don't know is answered", Cond{Question: "help", Answered: b(true)}, partial, true},
		{"chose", Cond{Question: "payment", Chose: []string{"mobile", "transfer"}}, partial, true},
		{"chose, none of them", Cond{Question: "payment", Chose: []string{"transfer", "cash-only"}}, partial, false},
		{"dimension", Cond{Dimension: "visibility", AtLeast: f(40)}, r, true},
		{"dimension below", Cond{Dimension: "visibility", Below: f(40)}, r, false},
		{"index", Cond{Index: true, Below: f(10)}, r, true},
		{"level", Cond{Level: true, AtLeast: f(1)}, r, true},
		{"no level is -1", Cond{Level: true, Below: f(0)}, partial, true},
		{"all", Cond{All: []Cond{{Question: "listing", AtLeast: f(7)}, {Level: true, AtLeast: f(2)}}}, r, false},
		{"any", Cond{Any: []Cond{{Question: "listing", AtLeast: f(10)}, {Level: true, AtLeast: f(1)}}}, r, true},
		{"not", Cond{Not: &Cond{Question: "listing", AtLeast: f(7)}}, r, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := 0
			if err := tt.c.check(q, 1, &nodes); err != nil {
				t.Fatalf("condition does not check: %v", err)
			}
			if got := tt.c.Eval(tt.r); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func ids(p *Plan, reason string) []string {
	var out []string
	for _, a := range p.Actions {
		if reason == "" || a.Reason == reason {
			out = append(out, a.ID)
		}
	}
	return out
}

func TestBuild(t *testing.T) {
	rs := Current()
	q := maturity.Current()
	zero := lowest(q)
	level1 := with(zero, "listing", "claimed", "listing-info", "yes")
	level2 := with(level1, "social-page", "page", "social-posts", "monthly", "reviews", "often")
	level3capped := with(level2, "payment", "card", "till", "connected", "backups", "monthly", "passwords", "yes",
		"two-factor", "partly", "remote-order", "marketplace", "remote-payment", "payment-link")

	t.Run("level 0: the listing first", func(t *testing.T) {
		p, _ := rs.Build(score(t, zero), "fr")
		if got := ids(p, ReasonGate); !slices.Equal(got, []string{"claim-listing", "fix-listing-info"}) {
			t.Errorf("gates %v, want the two listing actions", got)
		}
		for _, a := range p.Actions {
			if a.Reason == ReasonGate && a.Level != 1 {
				t.Errorf("%s leads to level %d, want 1", a.ID, a.Level)
			}
			// Look-ahead: nothing for levels 3 and up yet.
			if slices.Contains([]string{"card-payment", "online-ordering", "stock-sync", "shared-customers", "connected-till"}, a.ID) {
				t.Errorf("a level-0 shop is advised %s", a.ID)
			}
		}
		if len(ids(p, ReasonQuickWin)) != rs.QuickWins {
			t.Errorf("quick wins %v, want %d", ids(p, ReasonQuickWin), rs.QuickWins)
		}
		if len(p.Actions) != rs.MaxActions {
			t.Errorf("%d actions, want the cap %d for a shop with everything to do", len(p.Actions), rs.MaxActions)
		}
	})

	t.Run("level 2: the easiest way through each rung", func(t *testing.T) {
		r := score(t, level2)
		if r.Level != 2 {
			t.Fatalf("level %d, want 2", r.Level)
		}
		p, _ := rs.Build(r, "fr")
		gates := ids(p, ReasonGate)
		// Level 3 has five rungs; "digital records" can be met by a
		// connected till (days, €100–500), a stock sheet (days, free) or a
		// customer file (half a day, free): the customer file is easiest.
		want := []string{"card-payment", "customer-file", "backups", "password-manager", "two-step"}
		if !slices.Equal(gates, want) {
			t.Errorf("gates %v, want %v", gates, want)
		}
	})

	t.Run("capped by visibility: a visibility action opens the way", func(t *testing.T) {
		r := score(t, level3capped)
		if r.Level != 3 || r.Limits.Ladder != 4 || r.Limits.Caps["visibility"] != 3 {
			t.Fatalf("level %d limits %+v, want 3 held by the visibility cap", r.Level, r.Limits)
		}
		p, _ := rs.Build(r, "fr")
		if len(p.Actions) == 0 || p.Actions[0].Reason != ReasonGate || p.Actions[0].Dimension != "visibility" || p.Actions[0].Level != 4 {
			t.Errorf("first action %+v, want a visibility gate to level 4", p.Actions[0])
		}
	})

	t.Run("everything best: nothing to do", func(t *testing.T) {
		a := maturity.Answers{}
		for _, id := range q.QuestionIDs() {
			x, _, _ := q.Question(id)
			var all []string
			for _, o := range x.Options {
				if !o.Exclusive && !o.DontKnow {
					all = append(all, o.ID)
				}
			}
			if x.Kind == maturity.Multiple {
				a[id] = all
			} else {
				for _, o := range x.Options {
					if o.Points == maturity.MaxPoints {
						a[id] = []string{o.ID}
					}
				}
			}
		}
		r := score(t, a)
		p, _ := rs.Build(r, "fr")
		if r.Level != 5 || len(p.Actions) != 0 || len(p.Skills) != 0 {
			t.Errorf("level %d, plan %v / %v; want 5 and an empty plan", r.Level, ids(p, ""), p.SkillIDs())
		}
	})

	t.Run("skills merged in order", func(t *testing.T) {
		p, _ := rs.Build(score(t, zero), "de")
		var want []string
		for _, a := range p.Actions {
			for _, s := range a.Skills {
				if !slices.Contains(want, s) {
					want = append(want, s)
				}
			}
		}
		if !slices.Equal(p.SkillIDs(), want) {
			t.Errorf("skills %v, want %v", p.SkillIDs(), want)
		}
		if p.Skills[0].Name == "" || p.Lang != "de" || p.Actions[0].EffortLabel != "Etwa eine Stunde" {
			t.Errorf("not localised: %+v %+v", p.Skills[0], p.Actions[0])
		}
	})

	t.Run("other questionnaire", func(t *testing.T) {
		small, err := maturity.Parse(mustRead(t, "../maturity/testdata/small.json"))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := small.Score(maturity.Answers{}, "fr")
		if _, err := rs.Build(r, "fr"); err == nil {
			t.Error("Build accepted a result of another questionnaire")
		}
	})
}

// Over thousands of random diagnostics, every plan keeps its promises.
func TestPropertyPlans(t *testing.T) {
	rs := Current()
	q := maturity.Current()
	rng := rand.New(rand.NewPCG(11, 12))
	gated := 0
	for i := 0; i < 5000; i++ {
		r := score(t, randomAnswers(rng, q, 0.6+0.4*rng.Float64()))
		p, err := rs.Build(r, "en")
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, rs, r, p)
		// Every unmet rung of the next level has its action, when the
		// rungs fit under MaxGates.
		var reqs []string
		for _, bl := range r.Blocking {
			if bl.Kind == maturity.BlockRequirement {
				reqs = append(reqs, bl.ID)
			}
		}
		if len(reqs) == 0 || len(r.Blocking) > rs.MaxGates {
			continue
		}
		gated++
		for _, req := range reqs {
			found := false
			for _, a := range p.Actions {
				if a.Reason == ReasonGate && rs.rule(a.ID).Gate == req {
					found = true
				}
			}
			if !found {
				t.Fatalf("run %d: requirement %s blocks level %d but no action meets it: %v", i, req, r.Level+1, ids(p, ""))
			}
		}
	}
	if gated < 500 {
		t.Fatalf("only %d runs had rungs to meet: the generator proves little", gated)
	}
}

func checkPlan(t testing.TB, rs *Rules, r *maturity.Result, p *Plan) {
	t.Helper()
	if len(p.Actions) > rs.MaxActions {
		t.Fatalf("%d actions, more than %d", len(p.Actions), rs.MaxActions)
	}
	seen := map[string]bool{}
	gates, wins := 0, 0
	var skills []string
	for _, a := range p.Actions {
		if seen[a.ID] {
			t.Fatalf("action %s twice", a.ID)
		}
		seen[a.ID] = true
		rule := rs.rule(a.ID)
		if rule == nil || !rule.When.Eval(r) {
			t.Fatalf("action %s does not apply", a.ID)
		}
		switch a.Reason {
		case ReasonGate:
			gates++
		case ReasonQuickWin:
			wins++
			if !rs.efforts[a.Effort].Quick || a.Cost != "free" {
				t.Fatalf("quick win %s takes %s and costs %s", a.ID, a.Effort, a.Cost)
			}
		case ReasonGap:
		default:
			t.Fatalf("action %s has reason %q", a.ID, a.Reason)
		}
		if a.Text == "" || a.Why == "" || a.EffortLabel == "" || a.CostLabel == "" {
			t.Fatalf("action %s lacks a text", a.ID)
		}
		for _, s := range a.Skills {
			if !slices.Contains(skills, s) {
				skills = append(skills, s)
			}
		}
	}
	if gates > rs.MaxGates || wins > rs.QuickWins {
		t.Fatalf("%d gates and %d quick wins", gates, wins)
	}
	if !slices.Equal(p.SkillIDs(), skills) {
		t.Fatalf("skills %v, want %v", p.SkillIDs(), skills)
	}
}

func (rs *Rules) rule(id string) *Rule {
	for i := range rs.Rules {
		if rs.Rules[i].ID == id {
			return &rs.Rules[i]
		}
	}
	return nil
}

func randomAnswers(rng *rand.Rand, q *maturity.Questionnaire, pAnswer float64) maturity.Answers {
	a := maturity.Answers{}
	for _, id := range q.QuestionIDs() {
		if rng.Float64() >= pAnswer {
			continue
		}
		x, _, _ := q.Question(id)
		if x.Kind != maturity.Multiple {
			a[id] = []string{x.Options[rng.IntN(len(x.Options))].ID}
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
		a[id] = opts
	}
	return a
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The embedded questionnaire and rules are shared by every request: many
// goroutines may score and plan at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	rs := Current()
	q := maturity.Current()
	sessions := benchSessions(rand.New(rand.NewPCG(5, 5)), 50)
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(seed uint64) {
			rng := rand.New(rand.NewPCG(seed, seed))
			for i := 0; i < 200; i++ {
				r, err := q.Score(randomAnswers(rng, q, 0.9), []string{"fr", "de", "nl", "en"}[i%4])
				if err != nil {
					done <- err
					return
				}
				p, err := rs.Build(r.In("nl"), "nl")
				if err != nil {
					done <- err
					return
				}
				Choose(p.SkillIDs(), sessions, benchNow)
			}
			done <- nil
		}(uint64(g))
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
