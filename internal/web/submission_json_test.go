package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// slowSubmission decodes a body the way decodeJSON does.
func slowSubmission(b []byte) (apiSubmission, error) {
	var in apiSubmission
	err := decodeJSONFrom(bytes.NewReader(b), &in)
	return in, err
}

func TestParseSubmission(t *testing.T) {
	good, _ := json.Marshal(submission(bestAnswers(), "email", "zoé@example.be", "shop_name", "Chez Zoé", "session_id", 12))
	cases := []struct {
		name string
		body string
		ok   bool // read the quick way
	}{
		{"as clients send it", string(good), true},
		{"empty object", `{}`, true},
		{"white space everywhere", " \t\r\n{ \"answers\" : { \"a\" : [ \"x\" , \"y\" ] , \"b\" : null , \"c\" : [ ] } , \"session_id\" : -7 } \n", true},
		{"accents", `{"shop_name":"Fleurs d'Élise ✿","answers":{"a":"b"}}`, true},
		{"escape in a text", `{"shop_name":"a\"b"}`, false},
		{"unicode escape", `{"shop_name":"\u00e9"}`, false},
		{"key in capitals", `{"Answers":{}}`, false},
		{"unknown key", `{"answers":{},"extra":1}`, false},
		{"repeated key", `{"sector":"a","sector":"b"}`, false},
		{"repeated answer", `{"answers":{"a":"x","a":"y"}}`, false},
		{"answers null", `{"answers":null}`, false},
		{"answer a number", `{"answers":{"a":3}}`, false},
		{"answer an object", `{"answers":{"a":{}}}`, false},
		{"list holding a number", `{"answers":{"a":["x",1]}}`, false},
		{"session_id a float", `{"session_id":1.5}`, false},
		{"session_id with exponent", `{"session_id":1e3}`, false},
		{"session_id leading zero", `{"session_id":01}`, false},
		{"session_id too large", `{"session_id":9223372036854775808}`, false},
		{"session_id a text", `{"session_id":"1"}`, false},
		{"text null", `{"email":null}`, false},
		{"trailing data", `{} {}`, false},
		{"trailing brace", `{}}`, false},
		{"trailing comma", `{"sector":"a",}`, false},
		{"invalid UTF-8", "{\"shop_name\":\"\xff\"}", false},
		{"control character", "{\"shop_name\":\"a\tb\"}", false},
		{"not an object", `[1]`, false},
		{"empty", ``, false},
		{"cut short", `{"answers":{"a":"b"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseSubmission([]byte(tc.body))
			if ok != tc.ok {
				t.Fatalf("quick read = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			want, err := slowSubmission([]byte(tc.body))
			if err != nil {
				t.Fatalf("read quickly, but encoding/json says %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("quick read\n%#v\nencoding/json\n%#v", got, want)
			}
		})
	}
}

// FuzzParseSubmission: whatever the body, a quick read gives exactly what
// encoding/json gives, and only bodies encoding/json accepts are read
// quickly.
func FuzzParseSubmission(f *testing.F) {
	good, _ := json.Marshal(submission(bestAnswers(), "email", "a@b.be", "session_id", 3))
	for _, s := range []string{string(good), `{}`, `{"answers":{"a":["x"],"b":null,"c":[]}}`,
		`{"session_id":-0}`, `{"answers":{"a":"\u00e9"}}`, `{"Sector":"x"}`, "{\"shop_name\":\"\xc3\"}",
		strings.Repeat(" ", 3) + `{"previous_token":"dg_x"}` + "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := parseSubmission(body)
		if !ok {
			return
		}
		want, err := slowSubmission(body)
		if err != nil {
			t.Fatalf("%q read quickly, but encoding/json says %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: quick read\n%#v\nencoding/json\n%#v", body, got, want)
		}
	})
}

func BenchmarkReadSubmission(b *testing.B) {
	body, _ := json.Marshal(submission(bestAnswers(), "email", "zoe@example.be"))
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := slowSubmission(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("quick", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseSubmission(body); !ok {
				b.Fatal("not read")
			}
		}
	})
}
