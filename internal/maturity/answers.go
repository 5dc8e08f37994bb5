package maturity

import (
	"encoding/json"
	"fmt"
	"sort"

	"vitrine/internal/apperr"
)

// Answers maps a question ID to the IDs of the options chosen. Single-choice,
// frequency and yes/partly/no questions take exactly one option.
type Answers map[string][]string

// UnmarshalJSON accepts, for each question, one option ID or a list of them:
// {"listing": "claimed", "payment": ["card", "mobile"]}.
func (a *Answers) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode answers: %w", err)
	}
	out := make(Answers, len(raw))
	for id, v := range raw {
		var one string
		if err := json.Unmarshal(v, &one); err == nil {
			out[id] = []string{one}
			continue
		}
		var many []string
		if err := json.Unmarshal(v, &many); err != nil {
			return fmt.Errorf("decode answer to %q: want an option ID or a list of them: %w", id, err)
		}
		out[id] = many
	}
	*a = out
	return nil
}

// Message keys of the validation errors, for the translation catalogue.
const (
	KeyUnknownQuestion = "diagnostic.error.unknown_question" // no such question in this version
	KeyEmptyAnswer     = "diagnostic.error.empty_answer"     // a question listed without an option
	KeyUnknownOption   = "diagnostic.error.unknown_option"   // {{.option}} is not an option of the question
	KeyOneOptionOnly   = "diagnostic.error.one_option_only"  // several options for a one-choice question
	KeyDuplicateOption = "diagnostic.error.duplicate_option" // {{.option}} given twice
	KeyExclusiveOption = "diagnostic.error.exclusive_option" // {{.option}} ("none", "don't know") combined with others
)

// maxErrorID is the longest question ID echoed back in a field name.
const maxErrorID = 64

// Validate checks answers against the questionnaire. It returns an apperr
// Invalid error with one field error per wrong question, named
// "answers.<question_id>" and carrying a message key (see MessageKeys).
// Missing questions are not an error: Score counts them.
func (q *Questionnaire) Validate(a Answers) error {
	if len(a) == 0 {
		return nil
	}
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var v apperr.Validation
	for _, id := range ids {
		if key, args := q.checkAnswer(id, a[id]); key != "" {
			field := "answers." + id
			if !validID(id) {
				// Do not echo arbitrary bytes into a field name.
				field = "answers"
				args = map[string]any{"question": clip(id)}
			}
			v.Add(field, key, args)
		}
	}
	if err := v.Err(); err != nil {
		return fmt.Errorf("validate answers to questionnaire %s: %w", q.Version, err)
	}
	return nil
}

// checkAnswer returns the message key and arguments of what is wrong with
// one answer, or "" when it is right.
func (q *Questionnaire) checkAnswer(id string, opts []string) (string, map[string]any) {
	i, ok := q.byID[id]
	if !ok {
		return KeyUnknownQuestion, nil
	}
	x := q.questions[i].q
	if len(opts) == 0 {
		return KeyEmptyAnswer, nil
	}
	if x.Kind != Multiple && len(opts) > 1 {
		return KeyOneOptionOnly, nil
	}
	for j, o := range opts {
		opt, ok := x.Option(o)
		if !ok {
			return KeyUnknownOption, map[string]any{"option": clip(o)}
		}
		for _, p := range opts[:j] {
			if p == o {
				return KeyDuplicateOption, map[string]any{"option": o}
			}
		}
		if len(opts) > 1 && (opt.Exclusive || opt.DontKnow) {
			return KeyExclusiveOption, map[string]any{"option": o}
		}
	}
	return "", nil
}

// clip shortens s for an error argument and replaces what is not printable ASCII.
func clip(s string) string {
	b := make([]byte, 0, min(len(s), maxErrorID))
	for i := 0; i < len(s) && len(b) < maxErrorID; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b = append(b, c)
	}
	return string(b)
}
