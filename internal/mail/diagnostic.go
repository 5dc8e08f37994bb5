package mail

import (
	"bytes"
	htmltemplate "html/template"
	"maps"
	"strings"
)

// DiagnosticResultData is what the mail with the link to a diagnostic's
// result shows.
type DiagnosticResultData struct {
	Link      string // the private link to the result
	Level     int
	LevelName string
}

// DiagnosticResultMail composes the mail with the private link to a
// diagnostic's result, in lang, for to: the mail Compose("diagnostic_result",
// lang, to, d) writes.
//
// Every such mail is the same but for the link, given the language and the
// level, so the templates run once per language, level and level name (see
// resultMemo) and each mail is that one with the link put in, escaped in
// the HTML part as the template escapes it.
func (c *Composer) DiagnosticResultMail(lang, to string, d DiagnosticResultData) (Message, error) {
	l := c.cat.For(lang)
	key := resultKey{lang: l.Lang, level: d.Level, levelName: d.LevelName}
	t, ok := c.results.get(key)
	if !ok {
		m, err := c.Compose("diagnostic_result", l.Lang, "", DiagnosticResultData{Link: linkMark, Level: d.Level, LevelName: d.LevelName})
		if err != nil {
			return Message{}, err
		}
		t = resultTemplate{m: m, text: strings.Split(m.Text, linkMark), html: strings.Split(m.HTML, linkMark)}
		t.m.Text, t.m.HTML = "", ""
		c.results.put(key, t, resultMemoSize)
	}
	m := t.m
	m.Headers = maps.Clone(m.Headers) // the memo's own stays as it is
	m.MessageID = c.NewMessageID()
	m.To = to
	m.Text = strings.Join(t.text, d.Link)
	if len(t.html) > 1 {
		link, err := htmlLink(d.Link)
		if err != nil {
			return Message{}, err
		}
		m.HTML = strings.Join(t.html, link)
	} else {
		m.HTML = strings.Join(t.html, "")
	}
	return m, nil
}

// linkMark stands for the link in a memoized result mail: letters only, so
// that in the HTML part the template keeps it as it is (a relative URL
// with nothing to escape), and the link put in its place is escaped by
// htmlLink in the same place, the start of a double-quoted href.
const linkMark = "VitrineResultLinkMark"

// htmlLink escapes a link as the mail templates escape a link written
// whole in a double-quoted href attribute: unsafe schemes filtered out,
// the URL normalized, then escaped for the attribute. A plain link (see
// plainLink) comes out as it is, so only the others run a template.
func htmlLink(link string) (string, error) {
	if plainLink(link) {
		return link, nil
	}
	var b bytes.Buffer
	b.Grow(len(hrefStart) + len(link) + 16 + len(hrefEnd))
	if err := htmlHref.Execute(&b, link); err != nil {
		return "", err
	}
	s := b.String()
	return s[len(hrefStart) : len(s)-len(hrefEnd)], nil
}

var htmlHref = htmltemplate.Must(htmltemplate.New("").Parse(hrefStart + "{{.}}" + hrefEnd))

const hrefStart, hrefEnd = `<a href="`, `">`

// plainLink reports whether the templates leave a link in an href as it
// is: an http or https URL (a safe scheme) made only of ASCII letters,
// digits and the URL characters that are neither percent-encoded by the
// URL normalizer nor escaped in an attribute (so no '&', '+', '%' or
// quote). The tests check each byte against the template.
func plainLink(link string) bool {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return false
	}
	for i := 0; i < len(link); i++ {
		c := link[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// resultKey is what a result mail depends on, but for the link and the
// address.
type resultKey struct {
	lang      string
	level     int
	levelName string
}

// resultTemplate is a result mail composed with linkMark for the link: its
// text and HTML parts cut where the link goes.
type resultTemplate struct {
	m          Message // without Text and HTML
	text, html []string
}

// resultMemo keeps the result mails of each language and level; level
// names change only with the questionnaire's version.
type resultMemo = memo[resultKey, resultTemplate]

const resultMemoSize = 128
