package web

import (
	"strconv"
	"sync"
	"unicode/utf8"

	"vitrine/internal/maturity"
)

// parseSubmission reads the body of POST /api/v1/diagnostics the quick way
// when it is written the plain way every client writes it: one object with
// the known keys in lower case, each once; answers that are a text, a list
// of texts or null; texts with no escape, no control character and valid
// UTF-8; session_id a plain integer. Anything else — a syntax error, an
// escape, an unknown or repeated key, a value of another kind — makes it
// give up (ok false), and decodeJSON reads the body instead, with its
// strictness and its error messages. So it never decides what is wrong,
// only reads what is plainly right, with the same result as encoding/json
// (FuzzParseSubmission checks that).
//
// It exists because this is the hottest request of the load benchmark, and
// encoding/json, decoding into a map of any through reflection, took a
// tenth of the server's time.
func parseSubmission(b []byte) (in apiSubmission, ok bool) {
	p := jsonScanner{b: b}
	if !p.byte('{') {
		return in, false
	}
	var seen [7]bool
	first := true
	for {
		p.space()
		if p.peek() == '}' && first {
			p.i++
			break
		}
		if !first && !p.byte(',') {
			return in, false
		}
		first = false
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return in, false
		}
		p.space()
		var k int
		switch key {
		case "answers":
			k = 0
			if in.Answers, ok = p.answers(); !ok {
				return in, false
			}
		case "commune_nis":
			k = 1
			in.CommuneNIS, ok = p.str()
		case "sector":
			k = 2
			in.Sector, ok = p.str()
		case "email":
			k = 3
			in.Email, ok = p.str()
		case "shop_name":
			k = 4
			in.ShopName, ok = p.str()
		case "session_id":
			k = 5
			in.SessionID, ok = p.int()
		case "previous_token":
			k = 6
			in.PreviousToken, ok = p.str()
		default:
			return in, false
		}
		if !ok || seen[k] {
			return in, false
		}
		seen[k] = true
		p.space()
		if p.peek() == '}' {
			p.i++
			break
		}
	}
	p.space()
	return in, p.i == len(p.b)
}

// failingReader returns its error: what was left of a body whose reading
// failed.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// jsonScanner reads plain JSON from b at i.
type jsonScanner struct {
	b []byte
	i int
}

func (p *jsonScanner) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// space skips JSON white space.
func (p *jsonScanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte skips white space and then c.
func (p *jsonScanner) byte(c byte) bool {
	p.space()
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// str reads a string with no escape and no control character, in valid
// UTF-8.
func (p *jsonScanner) str() (string, bool) {
	p.space()
	if p.peek() != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[start:j]
			if !utf8.Valid(s) {
				return "", false
			}
			p.i = j + 1
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// knownIDs holds the IDs of the questionnaires' questions and options, each
// also as an any: a submission's IDs are taken from here rather than
// copied (and boxed) one by one, a third of the allocations of a read.
var knownIDs = sync.OnceValue(func() map[string]any {
	m := map[string]any{}
	for _, v := range maturity.Versions() {
		q, err := maturity.Version(v)
		if err != nil {
			continue
		}
		for _, d := range q.Dimensions {
			for _, x := range d.Questions {
				m[x.ID] = x.ID
				for _, o := range x.Options {
					m[o.ID] = o.ID
				}
			}
		}
	}
	return m
})

// id reads a string as str does, as an any, shared when it is a known ID.
func (p *jsonScanner) id() (any, bool) {
	start := p.i
	p.space()
	if p.peek() == '"' {
		for j := p.i + 1; j < len(p.b); j++ {
			if c := p.b[j]; c == '"' {
				if v, ok := knownIDs()[string(p.b[p.i+1:j])]; ok {
					p.i = j + 1
					return v, true
				}
				break
			} else if c == '\\' || c < 0x20 {
				break
			}
		}
	}
	p.i = start
	s, ok := p.str()
	return s, ok
}

// int reads an integer written plainly: digits, maybe a minus sign, no
// leading zero, within int64.
func (p *jsonScanner) int() (int64, bool) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.b[digits] == '0') {
		return 0, false
	}
	switch p.peek() {
	case '.', 'e', 'E':
		return 0, false
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return v, err == nil
}

// null reads the literal null.
func (p *jsonScanner) null() bool {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// answers reads the answers object as encoding/json decodes it into a map
// of any: each question ID to a string, a list of strings ([]any) or nil.
func (p *jsonScanner) answers() (map[string]any, bool) {
	if !p.byte('{') {
		return nil, false
	}
	out := make(map[string]any, 40)
	p.space()
	if p.peek() == '}' {
		p.i++
		return out, true
	}
	for {
		key, ok := p.id()
		if !ok || !p.byte(':') {
			return nil, false
		}
		id := key.(string)
		if _, dup := out[id]; dup {
			return nil, false
		}
		p.space()
		switch p.peek() {
		case '"':
			s, ok := p.id()
			if !ok {
				return nil, false
			}
			out[id] = s
		case '[':
			list, ok := p.list()
			if !ok {
				return nil, false
			}
			out[id] = list
		case 'n':
			if !p.null() {
				return nil, false
			}
			out[id] = nil
		default:
			return nil, false
		}
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// list reads a list of strings.
func (p *jsonScanner) list() ([]any, bool) {
	p.i++ // [
	out := []any{}
	p.space()
	if p.peek() == ']' {
		p.i++
		return out, true
	}
	for {
		s, ok := p.id()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}
