package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"vitrine/internal/diagnostic"
	"vitrine/internal/i18n"
	"vitrine/internal/maturity"
	"vitrine/internal/plan"
)

// The hand-written encoder of a result (diagnostic_json.go) must write the
// very bytes json.Marshal writes. These tests compare the two on results
// built the real way, on every field filled by reflection, and on fuzzed
// strings and numbers.

// oddStrings are strings with every case of escaping encoding/json has.
var oddStrings = []string{
	"plain",
	`a "quoted" word and a back\slash`,
	"<script>alert('&amp;')</script>",
	"Être trouvé — « Zoé » “Chez Léon” ß ü ë",
	"controls \x00\x01\x07\x1b\x1f and \b\f\n\r\t, and DEL \x7f",
	"line\u2028separator, paragraph\u2029separator, near ones \u2027\u202a",
	"invalid \xff\xfe UTF-8, cut \xe2\x80, surrogate \xed\xa0\x80, overlong \xc0\xaf",
	"emoji 😀 and CJK 漢字",
	"\u00a0non-breaking\u202fnarrow",
	"&",
	"\\",
	"\xe2\x80\xa8",
}

// oddFloats are numbers in both of encoding/json's formats and at their
// edges.
var oddFloats = []float64{
	1, -1, 0.1, -0.5, 3.5, 12.4, 67.5, 100, 1.0 / 3, -2.0 / 3,
	1e-6, 9.99999e-7, 1e-7, -1e-7, 2.5e-10, 1e-100, 5e-324,
	1e20, 999999999999999999999.0, 1e21, -1e21, 1.5e300, math.MaxFloat64,
	123456789.125, math.Copysign(0, -1) + 1e-300,
}

var (
	jsonTestCatalog = sync.OnceValue(i18n.MustLoad)
	// jsonTestServer is enough of a server for apiResult: the base URL.
	jsonTestServer = &Server{cfg: Config{BaseURL: "https://vitrine.example"}}
)

// checkResultJSON fails the test when appendJSON does not write what
// json.Marshal writes.
func checkResultJSON(t testing.TB, b *apiResultBody) {
	t.Helper()
	want, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	prefix := []byte("prefix")
	got, err := b.appendJSON(slices.Clip(prefix))
	if err != nil {
		t.Fatalf("appendJSON: %v", err)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("appendJSON lost what dst held: %.20q", got)
	}
	if got = got[len(prefix):]; !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		from := max(0, i-80)
		t.Fatalf("appendJSON differs from json.Marshal at byte %d:\n got …%s\nwant …%s", i,
			got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
	}
}

// ---- Results built the real way ----

// randomAnswers answers a random part of q with random, valid options.
func randomAnswers(rng *rand.Rand, q *maturity.Questionnaire) maturity.Answers {
	a := maturity.Answers{}
	skip := rng.Float64() * 0.25
	for _, d := range q.Dimensions {
		for _, x := range d.Questions {
			if rng.Float64() < skip {
				continue
			}
			o := x.Options[rng.IntN(len(x.Options))]
			a[x.ID] = []string{o.ID}
			if x.Kind != maturity.Multiple || o.Exclusive || o.DontKnow {
				continue
			}
			for _, p := range x.Options {
				if p.ID != o.ID && !p.Exclusive && !p.DontKnow && rng.IntN(2) == 0 {
					a[x.ID] = append(a[x.ID], p.ID)
				}
			}
		}
	}
	return a
}

// oddSessions is a catalogue of training sessions that teach random parts
// of the skills, with odd strings in their texts.
func oddSessions(rng *rand.Rand, skills []string, now time.Time) []plan.Session {
	var out []plan.Session
	for i := range 1 + rng.IntN(6) {
		var taught []string
		for _, s := range skills {
			if rng.IntN(3) == 0 {
				taught = append(taught, s)
			}
		}
		if len(taught) == 0 {
			taught = skills[:1]
		}
		format, km := plan.InPerson, oddFloats[rng.IntN(12)]
		if rng.IntN(3) == 0 {
			format, km = plan.Online, 0
		}
		price := int64(rng.IntN(3) * 6000)
		out = append(out, plan.Session{
			ModuleID:         "m" + strconv.Itoa(i),
			SessionID:        strconv.Itoa(40 + i),
			Title:            oddStrings[rng.IntN(len(oddStrings))],
			Provider:         oddStrings[rng.IntN(len(oddStrings))],
			ProviderPrivate:  rng.IntN(2) == 0,
			Skills:           taught,
			Hours:            []float64{0.5, 1, 2, 3.5, 7, 1.0 / 3}[rng.IntN(6)],
			Format:           format,
			DistanceKm:       km,
			Start:            now.Add(time.Duration(1+rng.IntN(90*24*3600)) * time.Second).Add(time.Duration(rng.IntN(1e9))),
			SeatsLeft:        1 + rng.IntN(12),
			VoucherEligible:  rng.IntN(2) == 0,
			PriceCents:       price,
			VoucherCostCents: price / 2,
		})
	}
	return out
}

// TestResultJSONMatchesEncodingJSON compares the two encoders on many
// results scored and planned the real way, in every language: random
// answers, with and without trainings, progress and a workshop session.
func TestResultJSONMatchesEncodingJSON(t *testing.T) {
	q, rules := maturity.Current(), plan.Current()
	rng := rand.New(rand.NewPCG(2026, 11))
	now := testStart
	checked, withTrainings, withProgress := 0, 0, 0
	for _, lang := range []string{"fr", "de", "nl", "en"} {
		l := jsonTestCatalog().For(lang)
		for i := range 60 {
			var find diagnostic.Trainings
			if i%3 != 0 {
				find = func(skills []string) ([]plan.Session, error) { return oddSessions(rng, skills, now), nil }
			}
			out, err := diagnostic.Evaluate(q, rules, randomAnswers(rng, q), lang, find, now)
			if err != nil {
				continue // too few answers for a level
			}
			rec := diagnostic.Record{ID: rng.Int64N(1 << 40), Version: q.Version,
				CompletedAt: now.Add(-time.Duration(rng.Int64N(1 << 50)))}
			if i%2 == 0 {
				rec.SessionID = 1 + rng.Int64N(1000)
			}
			var progress *maturity.Progress
			if i%4 < 2 {
				if progress, err = maturity.Compare(q, randomAnswers(rng, q), q, randomAnswers(rng, q), lang); err != nil {
					t.Fatal(err)
				}
				withProgress++
			}
			b := jsonTestServer.apiResult(l, "dg_"+strconv.Itoa(i)+"\"<&>", rec, out, progress)
			if len(b.Plan.Trainings) > 0 {
				withTrainings++
			}
			checkResultJSON(t, &b)
			checked++
		}
	}
	t.Logf("%d results checked, %d with trainings, %d with progress", checked, withTrainings, withProgress)
	if checked < 150 || withTrainings < 50 || withProgress < 50 {
		t.Errorf("only %d results checked, %d with trainings, %d with progress", checked, withTrainings, withProgress)
	}
}

// The answer on the wire is writeJSON's: same status, headers and body.
func TestWriteResultLikeWriteJSON(t *testing.T) {
	b := benchResult(t)
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	if err := writeJSON(want, 201, b); err != nil {
		t.Fatal(err)
	}
	if err := writeResult(got, 201, b); err != nil {
		t.Fatal(err)
	}
	if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
		t.Errorf("writeResult: %d %v\n%s\nwriteJSON: %d %v\n%s", got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}
	// Again, from a buffer of the pool.
	again := httptest.NewRecorder()
	if err := writeResult(again, 201, b); err != nil || !bytes.Equal(again.Body.Bytes(), want.Body.Bytes()) {
		t.Errorf("second writeResult differs (%v)", err)
	}
}

// ---- Every field, by reflection ----

// filler fills values of any type the result holds, walking the types, so
// that a field added to any struct of the result is filled too, and the
// encoder that forgot it differs from json.Marshal.
type filler struct {
	t   *testing.T
	rng *rand.Rand
	// full fills every field with a value that is not zero (json.Marshal
	// writes it even when omitempty); otherwise a field is left zero, or a
	// slice empty, now and then.
	full bool
}

var timeType = reflect.TypeFor[time.Time]()

func (f *filler) fill(v reflect.Value, path string) {
	if v.Type() == timeType {
		zones := []*time.Location{time.UTC, i18n.Brussels, time.FixedZone("", -(9*3600 + 30*60)), time.FixedZone("", 14*3600)}
		d := time.Date(f.rng.IntN(10000), time.Month(1+f.rng.IntN(12)), 1+f.rng.IntN(28),
			f.rng.IntN(24), f.rng.IntN(60), f.rng.IntN(60), []int{0, 1, 500_000_000, 123_456_789, 120_000}[f.rng.IntN(5)], time.UTC)
		v.Set(reflect.ValueOf(d.In(zones[f.rng.IntN(len(zones))])))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(oddStrings[f.rng.IntN(len(oddStrings))])
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		for {
			n := []int64{1, -1, 42, -123456789, math.MaxInt32, math.MinInt64, math.MaxInt64}[f.rng.IntN(7)]
			if !v.OverflowInt(n) {
				v.SetInt(n)
				return
			}
		}
	case reflect.Float64:
		x := oddFloats[f.rng.IntN(len(oddFloats))]
		if f.rng.IntN(2) == 0 {
			x = -x
		}
		v.SetFloat(x)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), path)
	case reflect.Slice:
		n := 1 + f.rng.IntN(3)
		if !f.full && f.rng.IntN(3) == 0 {
			n = 0 // empty, not nil
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() && !sf.Anonymous {
				continue // encoding/json ignores it
			}
			if !f.full && f.rng.IntN(3) == 0 {
				continue // left zero
			}
			f.fill(v.Field(i), path+"."+sf.Name)
		}
	default:
		// A field of a new kind: teach this filler and the encoder.
		f.t.Fatalf("%s is a %s, which the result's encoder does not write", path, v.Type())
	}
}

// TestResultJSONEveryField fills every field of a result and of each struct
// it holds, and compares the encoders; then fields left zero or empty at
// random, for omitempty and null.
func TestResultJSONEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2028))
	for i := range 400 {
		f := filler{t: t, rng: rng, full: i%2 == 0}
		var b apiResultBody
		f.fill(reflect.ValueOf(&b).Elem(), "apiResultBody")
		checkResultJSON(t, &b)
	}
	// Every field zero: null slices, omitted fields, the zero time.
	checkResultJSON(t, &apiResultBody{})
	// Empty, not nil.
	checkResultJSON(t, &apiResultBody{Dimensions: []apiScore{}, Blocking: []apiBlocker{}, Progress: &maturity.Progress{Dimensions: []maturity.DimensionChange{}},
		Plan: apiPlan{Actions: []plan.PlanAction{{Alternatives: []plan.AltView{}, Skills: []string{}, Topics: []string{}}}, Skills: []plan.SkillRef{},
			Trainings: []apiTraining{{Session: plan.Session{Skills: []string{}}}}, UncoveredSkills: []string{}}})
}

// What json.Marshal cannot write, appendJSON cannot either.
func TestResultJSONErrors(t *testing.T) {
	for name, b := range map[string]apiResultBody{
		"NaN":          {Index: math.NaN()},
		"infinity":     {Plan: apiPlan{TrainingHours: math.Inf(1)}},
		"-infinity":    {Progress: &maturity.Progress{Dimensions: []maturity.DimensionChange{{Change: math.Inf(-1)}}}},
		"year 10000":   {CompletedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year -1":      {Plan: apiPlan{Trainings: []apiTraining{{Session: plan.Session{Start: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}}}},
		"zone of 24 h": {CompletedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))},
	} {
		_, want := json.Marshal(&b)
		_, got := b.appendJSON(nil)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%s: appendJSON error %v, json.Marshal error %v", name, got, want)
		}
	}
}

// ---- Fuzzing the values ----

func FuzzResultJSONString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: appendJSONString %s, json.Marshal %s", s, got, want)
		}
	})
}

func FuzzResultJSONFloat(f *testing.F) {
	for _, x := range oddFloats {
		f.Add(x)
		f.Add(-x)
	}
	f.Add(0.0)
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, x); !bytes.Equal(got, want) {
			t.Fatalf("%v: appendJSONFloat %s, json.Marshal %s", x, got, want)
		}
	})
}

// ---- Cost ----

// benchResult is a result as the load benchmark gets them: weak answers,
// in French, a plan with trainings from the catalogue.
func benchResult(tb testing.TB) *apiResultBody {
	q := maturity.Current()
	a := maturity.Answers{}
	for id, v := range lowAnswers() {
		a[id] = v.([]string)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	find := func(skills []string) ([]plan.Session, error) {
		s := oddSessions(rng, skills, testStart)
		for i := range s {
			s[i].Title, s[i].Provider = "Être trouvé sur les cartes", "Technofutur TIC"
		}
		return s, nil
	}
	out, err := diagnostic.Evaluate(q, plan.Current(), a, "fr", find, testStart)
	if err != nil {
		tb.Fatal(err)
	}
	rec := diagnostic.Record{ID: 12345, Version: q.Version, CompletedAt: testStart}
	b := jsonTestServer.apiResult(jsonTestCatalog().For("fr"), "dg_0123456789abcdefghijklmnopqrstuv", rec, out, nil)
	return &b
}

// BenchmarkResultJSON: json.Marshal against appendJSON, on a new buffer of
// the right size and on a buffer of the pool, as writeResult has.
func BenchmarkResultJSON(b *testing.B) {
	body := benchResult(b)
	size, _ := json.Marshal(body)
	b.Logf("%d bytes, %d actions, %d trainings", len(size), len(body.Plan.Actions), len(body.Plan.Trainings))
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON-new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := body.appendJSON(make([]byte, 0, 16<<10)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON-pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bp := resultBufs.Get().(*[]byte)
			out, err := body.appendJSON((*bp)[:0])
			if err != nil {
				b.Fatal(err)
			}
			*bp = out
			resultBufs.Put(bp)
		}
	})
}
