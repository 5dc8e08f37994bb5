package i18n

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"text/template/parse"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The fast path of T. go-i18n executes a text/template for every message
// with values; most of the catalogue's texts are literal words and
// {{.Name}} actions only, which this file renders directly with the same
// result. Anything else (plural messages, pipes, functions, conditions,
// trim markers, comments, custom delimiters, a value this file is not sure
// prints the same) goes through go-i18n as before. T passes no plural
// count, so go-i18n adds nothing to the data and always takes the "other"
// form, the only form a fast message has.

// part is a piece of a compiled message: literal text, or the value of the
// data entry name.
type part struct {
	text  string
	field bool
}

// compiled is a message text split into parts.
type compiled struct {
	parts []part
	size  int // bytes of literal text, to size the output
}

// fastEntry is the message T would show for a key in one language.
type fastEntry struct {
	msg *compiled
	// fallback: the message is the default language's, the key lacking in
	// the asked one. go-i18n then reports an error next to the text, and
	// localize treats an empty text with an error as a missing key.
	fallback bool
}

// compile splits a message text into parts, or returns nil when the text
// is more than literal text and {{.Name}} actions.
func compile(src string) *compiled {
	if !strings.Contains(src, "{{") {
		// go-i18n shows a text without "{{" as it is, unparsed.
		return &compiled{parts: []part{{text: src}}, size: len(src)}
	}
	if strings.Contains(src, "{{-") || strings.Contains(src, "-}}") {
		return nil // trim markers
	}
	t := parse.New("message")
	t.Mode = parse.ParseComments // a comment becomes a node, and is refused below
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(src, "{{", "}}", trees); err != nil {
		return nil // functions are not declared: any call fails here
	}
	if len(trees) != 1 || trees["message"] != t || t.Root == nil {
		return nil // {{define}} or {{block}}
	}
	c := &compiled{}
	for _, n := range t.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			c.parts = append(c.parts, part{text: string(n.Text)})
			c.size += len(n.Text)
		case *parse.ActionNode:
			p := n.Pipe
			if p == nil || len(p.Decl) != 0 || p.IsAssign || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil
			}
			f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil
			}
			c.parts = append(c.parts, part{text: f.Ident[0], field: true})
		default:
			return nil
		}
	}
	return c
}

// fastMessages compiles what can be of one language's messages: the map
// holds every message go-i18n knows for the language (a message with no
// text at all, which go-i18n treats as absent, is left out), with nil for
// the messages the fast path must leave to go-i18n.
func fastMessages(msgs []*goi18n.Message) map[string]*compiled {
	out := make(map[string]*compiled, len(msgs))
	for _, m := range msgs {
		if m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == "" && m.Other == "" {
			continue
		}
		var c *compiled
		if m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == "" &&
			m.LeftDelim == "" && m.RightDelim == "" {
			c = compile(m.Other)
		}
		out[m.ID] = c
	}
	return out
}

// resolveTag is the bundle language a go-i18n localizer made with
// NewLocalizer(bundle, lang, Default) takes its messages from.
func resolveTag(b *goi18n.Bundle, lang string) language.Tag {
	var prefs []language.Tag
	for _, s := range []string{lang, Default} {
		t, _, err := language.ParseAcceptLanguage(s)
		if err != nil {
			continue
		}
		prefs = append(prefs, t...)
	}
	tags := b.LanguageTags()
	_, i, _ := language.NewMatcher(tags).Match(prefs...)
	return tags[i]
}

// fastTable is, for one language, the message go-i18n picks for each key
// the fast path can render: the language's own message when it has one,
// else the default language's.
func fastTable(byTag map[language.Tag]map[string]*compiled, tag, def language.Tag) map[string]fastEntry {
	own := byTag[tag]
	out := make(map[string]fastEntry, len(own))
	for id, c := range own {
		if c != nil {
			out[id] = fastEntry{msg: c}
		}
	}
	if tag == def {
		return out
	}
	for id, c := range byTag[def] {
		if _, ok := own[id]; !ok && c != nil {
			out[id] = fastEntry{msg: c, fallback: true}
		}
	}
	return out
}

// fast renders key through the fast path; ok is false when go-i18n must.
func (l *Localizer) fast(key string, args []any) (s string, ok bool) {
	e, found := l.table[key]
	if !found {
		return "", false
	}
	s, ok = e.msg.render(args)
	if ok && s == "" && e.fallback {
		return "", false // localize turns this into a missing key
	}
	return s, ok
}

// render fills in the values from args, read as localize reads them.
func (c *compiled) render(args []any) (string, bool) {
	if len(c.parts) == 1 && !c.parts[0].field {
		return c.parts[0].text, true
	}
	var stack [256]byte
	b := stack[:0]
	if c.size+64 > len(stack) {
		b = make([]byte, 0, c.size+64)
	}
	for _, p := range c.parts {
		if !p.field {
			b = append(b, p.text...)
			continue
		}
		v, found := lookup(args, p.text)
		if !found {
			return "", false // text/template shows <no value>; go-i18n does it
		}
		var ok bool
		if b, ok = appendValue(b, v); !ok {
			return "", false
		}
	}
	return string(b), true
}

// lookup finds name in args the way localize builds its data map: one
// map[string]any, or pairs of name and value (the last pair wins).
func lookup(args []any, name string) (v any, found bool) {
	if len(args) == 1 {
		if m, ok := args[0].(map[string]any); ok {
			v, found = m[name]
		}
		return v, found
	}
	for i := 0; i+1 < len(args); i += 2 {
		if n, ok := args[i].(string); ok && n == name {
			v, found = args[i+1], true
		}
	}
	return v, found
}

// appendValue appends v as text/template prints a value taken from a
// map[string]any: fmt.Fprint of the value, except for nil (<no value>) and
// pointers (followed, then a method of the pointer may be used), which are
// left to go-i18n, as are channels and functions (an error).
func appendValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		return append(b, v...), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64), true
	case bool:
		return strconv.AppendBool(b, v), true
	case nil:
		return b, false
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Pointer, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return b, false
	}
	return fmt.Append(b, v), true
}
