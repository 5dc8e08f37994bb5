package web

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkPage parses a page and checks what every page must have: a language,
// a title, one h1, a main landmark, unique ids, a label for every field, text
// on every link and button, and no inline script or style (the CSP forbids
// them). It returns the parsed document.
func checkPage(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("page does not parse: %v", err)
	}
	var problems []string
	ids := map[string]int{}
	labels := map[string]bool{}
	var fields []string
	h1, mains := 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				ids[id]++
			}
			if attr(n, "style") != "" {
				problems = append(problems, fmt.Sprintf("<%s> has an inline style", n.Data))
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					problems = append(problems, fmt.Sprintf("<%s> has an inline %s handler", n.Data, a.Key))
				}
			}
			switch n.Data {
			case "html":
				if attr(n, "lang") == "" {
					problems = append(problems, "<html> has no lang")
				}
			case "h1":
				h1++
			case "main":
				mains++
			case "script":
				if attr(n, "src") == "" && attr(n, "type") != "application/json" {
					problems = append(problems, "inline <script>")
				}
			case "style":
				problems = append(problems, "inline <style>")
			case "label":
				if f := attr(n, "for"); f != "" {
					labels[f] = true
				}
			case "input", "select", "textarea":
				typ := attr(n, "type")
				if typ != "hidden" && typ != "submit" {
					if attr(n, "id") == "" && attr(n, "aria-label") == "" {
						problems = append(problems, fmt.Sprintf("<%s name=%q> has no id for a label", n.Data, attr(n, "name")))
					} else if attr(n, "aria-label") == "" {
						fields = append(fields, attr(n, "id"))
					}
				}
			case "a", "button":
				if strings.TrimSpace(text(n)) == "" && attr(n, "aria-label") == "" {
					problems = append(problems, fmt.Sprintf("<%s> without text", n.Data))
				}
			case "img":
				if _, ok := attrOK(n, "alt"); !ok {
					problems = append(problems, "<img> without alt")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if h1 != 1 {
		problems = append(problems, fmt.Sprintf("%d <h1>, want 1", h1))
	}
	if mains != 1 {
		problems = append(problems, fmt.Sprintf("%d <main>, want 1", mains))
	}
	for id, n := range ids {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("id %q used %d times", id, n))
		}
	}
	for _, f := range fields {
		if !labels[f] {
			problems = append(problems, fmt.Sprintf("field #%s has no <label for>", f))
		}
	}
	if find(doc, "title") == nil || strings.TrimSpace(text(find(doc, "title"))) == "" {
		problems = append(problems, "no <title>")
	}
	if len(problems) > 0 {
		t.Errorf("page problems:\n- %s", strings.Join(problems, "\n- "))
	}
	return doc
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// text is the text content of n.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// find returns the first element named tag.
func find(n *html.Node, tag string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, tag); f != nil {
			return f
		}
	}
	return nil
}

// findAll returns the elements named tag.
func findAll(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	if n.Type == html.ElementNode && n.Data == tag {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, findAll(c, tag)...)
	}
	return out
}
