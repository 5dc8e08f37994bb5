package maturity

import (
	"encoding/json"
	"strconv"
	"testing"

	"vitrine/internal/apperr"
)

// FuzzScoreJSON feeds Validate and Score with answer maps decoded from JSON,
// as the API receives them: never a panic, Score refuses exactly what
// Validate refuses, with Invalid field errors, and results stay in bounds.
func FuzzScoreJSON(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"listing":"claimed","listing-info":"yes","payment":["card","mobile"]}`,
		`{"listing":["no","claimed"]}`,
		`{"payment":["cash-only","card"]}`,
		`{"payment":["card","card"]}`,
		`{"listing":[]}`,
		`{"nope":"x","listing":"maybe"}`,
		`{"listing":"dont-know","photos":"weekly","website":"ordering","reviews":"always"}`,
	} {
		f.Add([]byte(s))
	}
	q := Current()
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Answers
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		checkScore(t, q, a)
	})
}

// FuzzScoreBytes builds answer maps from raw bytes, so that most of them use
// real question and option IDs in every combination, with some unknown ones.
func FuzzScoreBytes(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 1, 1, 3, 2, 2, 1, 0})
	f.Add([]byte{255, 255, 255, 7, 3, 200, 1, 2, 3})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice over"))
	q := Current()
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScore(t, q, answersFromBytes(q, data))
	})
}

// answersFromBytes reads (question, count, option…) groups: a question byte
// past the last question names an unknown one; an option byte past the last
// option names an unknown option.
func answersFromBytes(q *Questionnaire, data []byte) Answers {
	a := Answers{}
	next := func() (byte, bool) {
		if len(data) == 0 {
			return 0, false
		}
		b := data[0]
		data = data[1:]
		return b, true
	}
	for {
		qb, ok := next()
		if !ok {
			return a
		}
		id := "unknown-" + strconv.Itoa(int(qb))
		var x *Question
		if int(qb) < len(q.questions) {
			x = q.questions[qb].q
			id = x.ID
		}
		n, _ := next()
		opts := []string{}
		for i := 0; i < int(n%5); i++ {
			ob, ok := next()
			if !ok {
				break
			}
			if x != nil && int(ob) < len(x.Options) {
				opts = append(opts, x.Options[ob].ID)
			} else {
				opts = append(opts, "opt-"+strconv.Itoa(int(ob)))
			}
		}
		a[id] = opts
	}
}

func checkScore(t *testing.T, q *Questionnaire, a Answers) {
	verr := q.Validate(a)
	r, err := q.Score(a, "nl")
	if (verr == nil) != (err == nil) {
		t.Fatalf("Validate says %v, Score says %v", verr, err)
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
			t.Fatalf("Score error %v is not an Invalid error with fields", err)
		}
		for _, fe := range e.Fields {
			if fe.Key == "" || fe.Field == "" {
				t.Fatalf("field error without field or key: %+v", fe)
			}
		}
		return
	}
	checkInvariants(t, q, r)
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("result does not marshal: %v", err)
	}
}
