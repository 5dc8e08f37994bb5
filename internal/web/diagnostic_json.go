package web

// A diagnostic's result, as POST /api/v1/diagnostics and
// GET /api/v1/diagnostics/{token} return it, written by hand.
//
// Why: the answer is some 10 KB of nested structs, and encoding/json spent
// about a tenth of the server's CPU on it under the load benchmark
// (reflection, and the garbage of its buffers). This encoder appends the
// same bytes field by field, without reflection, to a buffer that
// writeResult takes from a pool.
//
// It must write exactly what json.Marshal writes: the same field order,
// omitempty, null for a nil slice, the same escapes (HTML-safe ones
// included) and the same numbers. diagnostic_json_test.go holds it
// byte-identical to encoding/json, and fills every field of every struct
// by reflection, so a field added to apiResultBody, apiPlan, apiTraining,
// plan.PlanAction, plan.AltView, plan.SkillRef, plan.Session,
// maturity.Progress or maturity.DimensionChange without a line here makes
// the test fail.

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"vitrine/internal/maturity"
	"vitrine/internal/plan"
)

// writeResult answers a diagnostic's result as JSON, like writeJSON would.
func writeResult(w http.ResponseWriter, status int, b *apiResultBody) error {
	bp := resultBufs.Get().(*[]byte)
	out, err := b.appendJSON((*bp)[:0])
	if err != nil {
		resultBufs.Put(bp)
		return err
	}
	out = append(out, '\n')
	writeJSONBytes(w, status, out)
	if cap(out) <= maxPooledResult {
		*bp = out
		resultBufs.Put(bp)
	}
	return nil
}

// resultBufs holds the buffers results are written to; a result is about
// 10 KB, rarely more than 16 KB. A buffer that grew past maxPooledResult
// (a plan with very many trainings) is left to the garbage collector.
var resultBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledResult = 64 << 10

// jsonEncoder appends JSON to buf. The first value JSON cannot hold (a
// NaN or infinite number, a time RFC 3339 cannot write) is kept in err, as
// json.Marshal would return it, and the output is then to be thrown away.
type jsonEncoder struct {
	buf []byte
	err error
}

// appendJSON appends b to dst as json.Marshal(b) would write it.
func (b *apiResultBody) appendJSON(dst []byte) ([]byte, error) {
	e := jsonEncoder{buf: dst}
	e.raw(`{"id":`)
	e.int(b.ID)
	e.raw(`,"token":`)
	e.string(b.Token)
	e.raw(`,"url":`)
	e.string(b.URL)
	e.raw(`,"pdf_url":`)
	e.string(b.PDFURL)
	e.raw(`,"version":`)
	e.string(b.Version)
	e.raw(`,"lang":`)
	e.string(b.Lang)
	e.raw(`,"level":`)
	e.int(int64(b.Level))
	e.raw(`,"level_name":`)
	e.string(b.LevelName)
	e.raw(`,"level_description":`)
	e.string(b.LevelDescription)
	e.raw(`,"index":`)
	e.float(b.Index)
	e.raw(`,"answered":`)
	e.int(int64(b.Answered))
	e.raw(`,"questions":`)
	e.int(int64(b.Questions))

	e.raw(`,"dimensions":`)
	if b.Dimensions == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range b.Dimensions {
			if i > 0 {
				e.raw(",")
			}
			d := &b.Dimensions[i]
			e.raw(`{"id":`)
			e.string(d.ID)
			e.raw(`,"name":`)
			e.string(d.Name)
			e.raw(`,"score":`)
			e.float(d.Score)
			e.raw("}")
		}
		e.raw("]")
	}

	e.raw(`,"blocking":`)
	if b.Blocking == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range b.Blocking {
			if i > 0 {
				e.raw(",")
			}
			bl := &b.Blocking[i]
			e.raw(`{"kind":`)
			e.string(bl.Kind)
			e.raw(`,"level":`)
			e.int(int64(bl.Level))
			if bl.ID != "" {
				e.raw(`,"id":`)
				e.string(bl.ID)
			}
			if bl.Heading != "" {
				e.raw(`,"heading":`)
				e.string(bl.Heading)
			}
			e.raw(`,"text":`)
			e.string(bl.Text)
			e.raw("}")
		}
		e.raw("]")
	}

	e.raw(`,"plan":`)
	e.plan(&b.Plan)
	if b.Progress != nil {
		e.raw(`,"progress":`)
		e.progress(b.Progress)
	}
	if b.SessionID != 0 {
		e.raw(`,"session_id":`)
		e.int(b.SessionID)
	}
	e.raw(`,"completed_at":`)
	e.time(b.CompletedAt)
	e.raw("}")
	return e.buf, e.err
}

func (e *jsonEncoder) plan(p *apiPlan) {
	e.raw(`{"version":`)
	e.string(p.Version)

	e.raw(`,"actions":`)
	if p.Actions == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range p.Actions {
			if i > 0 {
				e.raw(",")
			}
			e.action(&p.Actions[i])
		}
		e.raw("]")
	}

	e.raw(`,"skills":`)
	if p.Skills == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range p.Skills {
			if i > 0 {
				e.raw(",")
			}
			s := &p.Skills[i]
			e.raw(`{"id":`)
			e.string(s.ID)
			e.raw(`,"name":`)
			e.string(s.Name)
			e.raw(`,"description":`)
			e.string(s.Description)
			e.raw("}")
		}
		e.raw("]")
	}

	e.raw(`,"trainings":`)
	if p.Trainings == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range p.Trainings {
			if i > 0 {
				e.raw(",")
			}
			e.training(&p.Trainings[i])
		}
		e.raw("]")
	}

	e.raw(`,"training_hours":`)
	e.float(p.TrainingHours)
	e.raw(`,"uncovered_skills":`)
	e.strings(p.UncoveredSkills)
	e.raw("}")
}

func (e *jsonEncoder) action(a *plan.PlanAction) {
	e.raw(`{"id":`)
	e.string(a.ID)
	e.raw(`,"reason":`)
	e.string(a.Reason)
	if a.Level != 0 {
		e.raw(`,"level":`)
		e.int(int64(a.Level))
	}
	e.raw(`,"dimension":`)
	e.string(a.Dimension)
	e.raw(`,"text":`)
	e.string(a.Text)
	e.raw(`,"why":`)
	e.string(a.Why)
	e.raw(`,"effort":`)
	e.string(a.Effort)
	e.raw(`,"effort_label":`)
	e.string(a.EffortLabel)
	e.raw(`,"cost":`)
	e.string(a.Cost)
	e.raw(`,"cost_label":`)
	e.string(a.CostLabel)
	if len(a.Alternatives) > 0 {
		e.raw(`,"alternatives":[`)
		for i := range a.Alternatives {
			if i > 0 {
				e.raw(",")
			}
			alt := &a.Alternatives[i]
			e.raw(`{"name":`)
			e.string(alt.Name)
			e.raw(`,"kind":`)
			e.string(alt.Kind)
			e.raw(`,"kind_label":`)
			e.string(alt.KindLabel)
			e.raw(`,"private":`)
			e.bool(alt.Private)
			if alt.Note != "" {
				e.raw(`,"note":`)
				e.string(alt.Note)
			}
			e.raw("}")
		}
		e.raw("]")
	}
	e.raw(`,"skills":`)
	e.strings(a.Skills)
	e.raw(`,"topics":`)
	e.strings(a.Topics)
	e.raw(`,"gain":`)
	e.float(a.Gain)
	e.raw("}")
}

// training is a plan.Session with its fields at the top level, as
// encoding/json writes an embedded struct, then the enrolment link.
func (e *jsonEncoder) training(t *apiTraining) {
	s := &t.Session
	e.raw(`{"module_id":`)
	e.string(s.ModuleID)
	e.raw(`,"session_id":`)
	e.string(s.SessionID)
	e.raw(`,"title":`)
	e.string(s.Title)
	e.raw(`,"provider":`)
	e.string(s.Provider)
	e.raw(`,"provider_private":`)
	e.bool(s.ProviderPrivate)
	e.raw(`,"skills":`)
	e.strings(s.Skills)
	e.raw(`,"hours":`)
	e.float(s.Hours)
	e.raw(`,"format":`)
	e.string(s.Format)
	e.raw(`,"distance_km":`)
	e.float(s.DistanceKm)
	e.raw(`,"starts_at":`)
	e.time(s.Start)
	e.raw(`,"seats_left":`)
	e.int(int64(s.SeatsLeft))
	e.raw(`,"voucher_eligible":`)
	e.bool(s.VoucherEligible)
	e.raw(`,"price_cents":`)
	e.int(s.PriceCents)
	e.raw(`,"voucher_cost_cents":`)
	e.int(s.VoucherCostCents)
	e.raw(`,"enrol_url":`)
	e.string(t.EnrolURL)
	e.raw("}")
}

func (e *jsonEncoder) progress(p *maturity.Progress) {
	e.raw(`{"from_version":`)
	e.string(p.FromVersion)
	e.raw(`,"to_version":`)
	e.string(p.ToVersion)
	e.raw(`,"same_version":`)
	e.bool(p.SameVersion)
	e.raw(`,"shared_questions":`)
	e.int(int64(p.SharedQuestions))
	e.raw(`,"level_from":`)
	e.int(int64(p.LevelFrom))
	e.raw(`,"level_to":`)
	e.int(int64(p.LevelTo))
	e.raw(`,"level_change":`)
	e.int(int64(p.LevelChange))
	e.raw(`,"has_level_change":`)
	e.bool(p.HasLevelChange)
	e.raw(`,"index_from":`)
	e.float(p.IndexFrom)
	e.raw(`,"index_to":`)
	e.float(p.IndexTo)
	e.raw(`,"index_change":`)
	e.float(p.IndexChange)
	e.raw(`,"dimensions":`)
	if p.Dimensions == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range p.Dimensions {
			if i > 0 {
				e.raw(",")
			}
			d := &p.Dimensions[i]
			e.raw(`{"id":`)
			e.string(d.ID)
			e.raw(`,"name":`)
			e.string(d.Name)
			e.raw(`,"from":`)
			e.float(d.From)
			e.raw(`,"to":`)
			e.float(d.To)
			e.raw(`,"change":`)
			e.float(d.Change)
			e.raw("}")
		}
		e.raw("]")
	}
	e.raw("}")
}

// ---- Values ----

// raw appends JSON text as it is.
func (e *jsonEncoder) raw(s string) { e.buf = append(e.buf, s...) }

func (e *jsonEncoder) int(i int64) { e.buf = strconv.AppendInt(e.buf, i, 10) }

func (e *jsonEncoder) bool(v bool) { e.buf = strconv.AppendBool(e.buf, v) }

func (e *jsonEncoder) string(s string) { e.buf = appendJSONString(e.buf, s) }

// strings appends a list of strings, null when it is nil.
func (e *jsonEncoder) strings(list []string) {
	if list == nil {
		e.raw("null")
		return
	}
	e.raw("[")
	for i, s := range list {
		if i > 0 {
			e.raw(",")
		}
		e.string(s)
	}
	e.raw("]")
}

// float appends f as encoding/json writes a float64; JSON has no NaN or
// infinity, so they are the error json.Marshal returns.
func (e *jsonEncoder) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail(&json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)})
		return
	}
	e.buf = appendJSONFloat(e.buf, f)
}

// time appends t as its MarshalJSON does: RFC 3339 with nanoseconds, in
// quotes; a year outside 0–9999 is an error.
func (e *jsonEncoder) time(t time.Time) {
	e.buf = append(e.buf, '"')
	b, err := t.AppendText(e.buf)
	if err != nil {
		_, err = t.MarshalJSON() // its own words for the error
		e.fail(&json.MarshalerError{Type: reflect.TypeFor[time.Time](), Err: err})
		return
	}
	e.buf = append(b, '"')
}

func (e *jsonEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// appendJSONFloat appends a finite f as encoding/json does: like
// strconv 'f', but 'e' for very small or very large numbers, the exponent
// without a leading zero (1e-7, not 1e-07).
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendJSONString appends s quoted as encoding/json does by default:
// quotes, backslashes and control characters escaped, and <, >, &, U+2028
// and U+2029 too, so the JSON is safe inside HTML and JavaScript; each byte
// of invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0 // s[start:i] is yet to be copied as it is
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control characters, <, > and &
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonSafe tells the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := range safe {
		switch {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
		default:
			safe[c] = true
		}
	}
	return safe
}()
