package maturity

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Message keys of what blocks the next level; the validation keys are next
// to Validate. Their texts, in the four languages, are in messages_*.txt:
// "key = text" lines with {{.name}} placeholders, as the translation
// catalogue wants them.
const (
	KeyBlockRequirement = "diagnostic.blocking.requirement" // heading before a ladder requirement: {{.level}}, {{.level_name}}
	KeyBlockIndex       = "diagnostic.blocking.index"       // {{.have}}, {{.need}}, {{.level}}, {{.level_name}}
	KeyBlockDimension   = "diagnostic.blocking.dimension"   // {{.dimension}}, {{.have}}, {{.need}}, {{.level}}, {{.level_name}}
	KeyBlockAnswers     = "diagnostic.blocking.answers"     // {{.count}} more answers needed
	KeyNotComparable    = "diagnostic.error.not_comparable" // two diagnostics share no question
)

// MessageKeys lists every message key the package uses.
func MessageKeys() []string {
	return []string{
		KeyUnknownQuestion, KeyEmptyAnswer, KeyUnknownOption, KeyOneOptionOnly,
		KeyDuplicateOption, KeyExclusiveOption, KeyNotComparable,
		KeyBlockRequirement, KeyBlockIndex, KeyBlockDimension, KeyBlockAnswers,
	}
}

//go:embed messages_*.txt
var messageFiles embed.FS

var catalogue = sync.OnceValues(func() (map[string]map[string]string, error) {
	all := make(map[string]map[string]string, len(Langs))
	for _, lang := range Langs {
		data, err := messageFiles.ReadFile("messages_" + lang + ".txt")
		if err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		m, err := ParseMessages(data)
		if err != nil {
			return nil, fmt.Errorf("messages_%s.txt: %w", lang, err)
		}
		all[lang] = m
	}
	return all, nil
})

// ParseMessages reads "key = text" lines; blank lines and lines starting
// with # are skipped.
func ParseMessages(data []byte) (map[string]string, error) {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, text, ok := strings.Cut(line, "=")
		key, text = strings.TrimSpace(key), strings.TrimSpace(text)
		if !ok || key == "" || text == "" {
			return nil, fmt.Errorf("line %d: want key = text", n)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %d: key %s repeated", n, key)
		}
		m[key] = text
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	return m, nil
}

// Message returns the text of key in lang with its {{.name}} placeholders
// filled from args, or the key itself when it has no text.
func Message(lang, key string, args map[string]any) string {
	all, err := catalogue()
	if err != nil {
		return key
	}
	lang = Lang(lang)
	text, ok := all[lang][key]
	if !ok {
		return key
	}
	if !strings.Contains(text, "{{") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "{{.")
		if i < 0 {
			break
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		name := text[i+3 : i+j]
		if v, ok := args[name]; ok {
			b.WriteString(formatArg(lang, v))
		} else {
			b.WriteString(text[i : i+j+2])
		}
		text = text[i+j+2:]
	}
	b.WriteString(text)
	return b.String()
}

// formatArg writes numbers as people read them: one decimal at most, with a
// decimal comma except in English.
func formatArg(lang string, v any) string {
	switch x := v.(type) {
	case float64:
		s := strconv.FormatFloat(x, 'f', 1, 64)
		s = strings.TrimSuffix(s, ".0")
		if lang != "en" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
