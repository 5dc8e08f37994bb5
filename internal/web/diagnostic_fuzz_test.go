package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/diagnostic"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
)

// FuzzSubmissionJSON feeds arbitrary bodies to what POST /api/v1/diagnostics
// does before the database: decode, check, score and plan. Whatever the
// body, the answer is a 400 or a 422 naming fields, or a diagnostic: never
// a panic, never an error that would become a 500.
func FuzzSubmissionJSON(f *testing.F) {
	good, _ := json.Marshal(submission(bestAnswers()))
	low, _ := json.Marshal(submission(lowAnswers(), "email", "a@b.be", "shop_name", "Zoé"))
	for _, seed := range [][]byte{
		good, low,
		[]byte(`{}`),
		[]byte(`{"answers": null}`),
		[]byte(`{"answers": {"listing": 3}, "commune_nis": 52012}`),
		[]byte(`{"answers": {"listing": ["no", "no"]}, "commune_nis": "52012", "sector": "food"}`),
		[]byte(`{"answers": {"remote-order": ["none", "dont-know"]}, "commune_nis": "52012", "sector": "food"}`),
		[]byte(`{"answers": {"\u0000": {}}, "session_id": -1, "previous_token": "dg_"}`),
		[]byte(`{"answers": {"listing": "claimed"}} trailing`),
		[]byte(`[1, 2, 3]`),
		[]byte(``),
	} {
		f.Add(seed)
	}
	q := maturity.Current()
	rules := plan.Current()
	known := func(nis string) bool { return nis == "52012" || nis == "57096" }
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/diagnostics", bytes.NewReader(body))
		sub, err := readSubmission(r, q, known)
		if err == nil {
			var out *diagnostic.Outcome
			out, err = diagnostic.Evaluate(q, rules, sub.Answers, "fr", nil, now)
			if err == nil {
				if out.Result.Level < 0 || out.Result.Level > 5 || out.Plan == nil {
					t.Fatalf("accepted %q: level %d", body, out.Result.Level)
				}
				return
			}
		}
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			t.Fatalf("body %q: error %v would be a 500", body, err)
		}
		if e.Code == "invalid_input" && len(e.Fields) == 0 {
			t.Fatalf("body %q: a 422 that names no field", body)
		}
		for _, fe := range e.Fields {
			if fe.Field == "" || fe.Key == "" || len(fe.Field) > 80 {
				t.Fatalf("body %q: field error %+v", body, fe)
			}
		}
	})
}
