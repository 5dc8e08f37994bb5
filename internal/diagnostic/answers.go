package diagnostic

import (
	"fmt"
	"sort"
	"strings"

	"vitrine/internal/apperr"
	"vitrine/internal/maturity"
)

// MaxAnswers bounds the number of answers a submission may carry: the
// questionnaire has a few dozen questions, and each wrong one costs an
// error message.
const MaxAnswers = 100

// KeyTooManyAnswers is the message key of a submission with more than
// MaxAnswers answers.
const KeyTooManyAnswers = "diagnostic.error.too_many_answers"

// DecodeAnswers reads answers sent as JSON and decoded into a map of any,
// each question ID mapped to one option ID or a list of them. An answer of
// another kind (a number, an object, a list holding something else than
// text) is a field error on "answers.<question_id>"; null counts as
// unanswered. Whether the questions and options exist is for
// Submission.Check.
func DecodeAnswers(raw map[string]any, v *apperr.Validation) maturity.Answers {
	if len(raw) > MaxAnswers {
		v.Add("answers", KeyTooManyAnswers, map[string]any{"max": MaxAnswers})
		return maturity.Answers{}
	}
	out := make(maturity.Answers, len(raw))
	// The options of all answers share one array (a few grow it).
	all := make([]string, 0, len(raw)+len(raw)/2)
	bad := false
	for id, x := range raw {
		start := len(all)
		var ok bool
		if all, ok = appendAnswer(all, x); !ok {
			bad = true
		} else if x != nil {
			out[id] = all[start:len(all):len(all)]
		}
	}
	if bad {
		// The errors in the order of the IDs, the same at every try.
		ids := make([]string, 0, len(raw))
		for id := range raw {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if _, ok := appendAnswer(nil, raw[id]); !ok {
				field, args := answerField(id)
				v.Add(field, KeyAnswerType, args)
			}
		}
	}
	return out
}

// appendAnswer appends the options of one answer (a string or an array of
// strings; none for null) and reports whether it had one of those shapes.
func appendAnswer(dst []string, x any) ([]string, bool) {
	switch a := x.(type) {
	case nil:
		return dst, true
	case string:
		return append(dst, a), true
	case []any:
		start := len(dst)
		for _, o := range a {
			s, ok := o.(string)
			if !ok {
				return dst[:start], false
			}
			dst = append(dst, s)
		}
		return dst, true
	}
	return dst, false
}

// answerField names the field of an answer's error: answers.<question_id>,
// or "answers" with the ID as an argument when the ID is not a plain one,
// so that no arbitrary bytes go into a field name.
func answerField(id string) (string, map[string]any) {
	if plainID(id) {
		return "answers." + id, nil
	}
	return "answers", map[string]any{"question": clip(id)}
}

// plainID reports whether s is a kebab-case identifier of at most 64 bytes,
// as question IDs are.
func plainID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Submission is a completed diagnostic sent in one go (the API), or a
// finished draft.
type Submission struct {
	Answers maturity.Answers
	Profile Profile
	// SessionID ties the diagnostic to an information session (workshop
	// mode); 0 for none.
	SessionID int64
	// PreviousToken is the token of the shop's earlier diagnostic, to
	// show progress; "" for none.
	PreviousToken string
}

// Check validates a submission on questionnaire q and collects every
// problem in v: the profile, each answer (the field answers.<question_id>
// with the maturity message keys), and, when the answers are right but too
// few for a level, "answers" with the number still needed.
func (s *Submission) Check(q *maturity.Questionnaire, v *apperr.Validation, knownCommune func(string) bool) {
	s.Profile.Check(v, knownCommune)
	if err := q.Validate(s.Answers); err != nil {
		e, ok := apperr.As(err)
		if !ok {
			v.Add("answers", maturity.KeyUnknownQuestion, nil)
		} else {
			for _, f := range e.Fields {
				v.Add(f.Field, f.Key, f.Args)
			}
		}
	}
	if !answerErrors(v) {
		if n := Missing(q, s.Answers); n > 0 {
			v.Add("answers", maturity.KeyBlockAnswers, map[string]any{"count": n})
		}
	}
	if s.PreviousToken != "" && !WellFormed(TokenPrefix, s.PreviousToken) {
		v.Add("previous_token", KeyPreviousToken, nil)
	}
}

// answerErrors reports whether v holds an error about the answers.
func answerErrors(v *apperr.Validation) bool {
	e, ok := apperr.As(v.Err())
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == "answers" || strings.HasPrefix(f.Field, "answers.") {
			return true
		}
	}
	return false
}

// String is a summary for logs and test failures, without personal data.
func (s *Submission) String() string {
	return fmt.Sprintf("submission of %d answers, commune %s, session %d", len(s.Answers), s.Profile.CommuneNIS, s.SessionID)
}
