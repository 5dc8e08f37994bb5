// Package pdf builds the small documents Vitrine hands out — attendance
// certificates, personal plans — as plain, printable, black-and-white A4
// pages: headings, paragraphs, bullet lists, key–value blocks, tables, small
// grey notes and page numbers.
//
// Text is set in DejaVu Sans, embedded as a TrueType font (see
// fonts/LICENSE), so accents, œ, €, ’, — and no-break spaces print as
// typed; PDF core fonts only know Windows-1252 and would break them. Lines
// wrap at spaces and after a hyphen inside a word, never at a no-break
// space; a word wider than the line is cut.
package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Layout, in millimetres and points.
const (
	family       = "DejaVuSans"
	margin       = 20.0 // left, right and top
	bottomMargin = 22.0 // leaves room for the footer
	footerY      = -14.0

	bodySize  = 10.5
	bodyLine  = 5.2
	smallSize = 8.0
	smallLine = 3.9
	h1Size    = 16.0
	h1Line    = 7.6
	h2Size    = 12.5
	h2Line    = 6.2

	paraGap     = 2.6 // after a paragraph or a block
	bulletInset = 5.5
	cellPad     = 1.2 // inside table cells
	grey        = 90  // small text and footer, on a 0–255 scale
)

// Doc is a document being built. Its methods record blocks; Bytes lays
// them out. The zero value is not usable: call New.
type Doc struct {
	title, author, lang string
	created             time.Time
	footer              func(page, pages int) string
	blocks              []func(*renderer)
}

// Option sets a property of a new document.
type Option func(*Doc)

// WithCreationDate fixes the creation and modification dates written in the
// document's metadata, so the same input gives the same bytes (for golden
// files). Without it the time of Bytes is used.
func WithCreationDate(t time.Time) Option { return func(d *Doc) { d.created = t.UTC() } }

// WithLanguage sets the document's natural language, a BCP 47 tag such as
// "fr-BE" (the default), "de-BE", "nl-BE" or "en".
func WithLanguage(tag string) Option {
	return func(d *Doc) {
		if tag = strings.TrimSpace(tag); tag != "" && isTag(tag) {
			d.lang = tag
		}
	}
}

// WithAuthor sets the author written in the metadata.
func WithAuthor(name string) Option { return func(d *Doc) { d.author = clean(name, false) } }

// New starts an A4 document. The title goes into the metadata only; add a
// Heading to print it.
func New(title string, opts ...Option) *Doc {
	d := &Doc{title: clean(title, false), lang: "fr-BE"}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Heading adds a first-level heading.
func (d *Doc) Heading(text string) {
	text = clean(text, true)
	d.blocks = append(d.blocks, func(r *renderer) { r.heading(text, h1Size, h1Line, 5, 2.5) })
}

// Subheading adds a second-level heading.
func (d *Doc) Subheading(text string) {
	text = clean(text, true)
	d.blocks = append(d.blocks, func(r *renderer) { r.heading(text, h2Size, h2Line, 3.5, 1.5) })
}

// Paragraph adds body text; a "\n" in it starts a new line.
func (d *Doc) Paragraph(text string) {
	text = clean(text, true)
	d.blocks = append(d.blocks, func(r *renderer) {
		r.font("", bodySize)
		for _, l := range r.wrap(text, r.content) {
			r.line(margin, r.content, bodyLine, l)
		}
		r.gap(paraGap)
	})
}

// Bullets adds a bulleted list, one item per argument.
func (d *Doc) Bullets(items ...string) {
	items = cleanAll(items)
	d.blocks = append(d.blocks, func(r *renderer) {
		r.font("", bodySize)
		for i, item := range items {
			for j, l := range r.wrap(item, r.content-bulletInset) {
				r.need(bodyLine)
				if j == 0 {
					r.cell(margin, bulletInset, bodyLine, "•")
				}
				r.line(margin+bulletInset, r.content-bulletInset, bodyLine, l)
			}
			if i < len(items)-1 {
				r.gap(0.8)
			}
		}
		r.gap(paraGap)
	})
}

// KeyValue is one row of a KeyValues block.
type KeyValue struct{ Key, Value string }

// KeyValues adds a two-column block: keys in bold on the left, values on
// the right, both wrapped.
func (d *Doc) KeyValues(rows ...KeyValue) {
	rows = append([]KeyValue(nil), rows...)
	for i := range rows {
		rows[i] = KeyValue{clean(rows[i].Key, true), clean(rows[i].Value, true)}
	}
	d.blocks = append(d.blocks, func(r *renderer) {
		const gap = 4.0
		r.font("B", bodySize)
		keyW := 0.0
		for _, kv := range rows {
			for _, part := range strings.Split(kv.Key, "\n") {
				keyW = max(keyW, r.f.GetStringWidth(part)+gap)
			}
		}
		keyW = min(max(keyW, r.content*0.25), r.content*0.45)
		valW := r.content - keyW
		for _, kv := range rows {
			r.font("B", bodySize)
			keys := r.wrap(kv.Key, keyW-gap)
			r.font("", bodySize)
			vals := r.wrap(kv.Value, valW)
			n := max(len(keys), len(vals))
			r.keepTogether(float64(n) * bodyLine)
			for i := range n {
				r.need(bodyLine)
				if i < len(keys) {
					r.font("B", bodySize)
					r.cell(margin, keyW, bodyLine, keys[i])
				}
				r.font("", bodySize)
				if i < len(vals) {
					r.cell(margin+keyW, valW, bodyLine, vals[i])
				}
				r.f.SetY(r.f.GetY() + bodyLine)
			}
			r.gap(0.8)
		}
		r.gap(paraGap)
	})
}

// Table adds a table with an optional header row (nil for none), repeated
// at the top of each page the table runs onto. Column widths follow the
// length of their content; cells wrap.
func (d *Doc) Table(header []string, rows ...[]string) {
	header = cleanAll(header)
	cp := make([][]string, len(rows))
	for i, row := range rows {
		cp[i] = cleanAll(row)
	}
	d.blocks = append(d.blocks, func(r *renderer) { r.table(header, cp) })
}

// SmallText adds a line (or a few) of small grey text, for references,
// dates of issue and the like.
func (d *Doc) SmallText(text string) {
	text = clean(text, true)
	d.blocks = append(d.blocks, func(r *renderer) {
		r.font("", smallSize)
		r.f.SetTextColor(grey, grey, grey)
		for _, l := range r.wrap(text, r.content) {
			r.line(margin, r.content, smallLine, l)
		}
		r.f.SetTextColor(0, 0, 0)
		r.gap(paraGap)
	})
}

// PageBreak starts a new page.
func (d *Doc) PageBreak() {
	d.blocks = append(d.blocks, func(r *renderer) { r.f.AddPage() })
}

// PageNumbers prints text(page, pages) centred in small grey type at the
// foot of every page. The caller writes it in the reader's language, for
// instance "page 1 / 2" or "Seite 1 von 2".
func (d *Doc) PageNumbers(text func(page, pages int) string) { d.footer = text }

// Pages lays the document out and returns how many pages it takes.
func (d *Doc) Pages() (int, error) {
	f, err := d.render(0)
	if err != nil {
		return 0, err
	}
	return f.PageCount(), nil
}

// Bytes lays the document out and returns the PDF. With page numbers the
// layout runs twice: once to count the pages, once to print them.
func (d *Doc) Bytes() ([]byte, error) {
	f, err := d.render(0)
	if err != nil {
		return nil, err
	}
	if d.footer != nil {
		pages := f.PageCount()
		if f, err = d.render(pages); err != nil {
			return nil, err
		}
		if f.PageCount() != pages {
			return nil, fmt.Errorf("pdf: %d pages on the second pass, %d on the first", f.PageCount(), pages)
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: writing %q: %w", d.title, err)
	}
	return buf.Bytes(), nil
}

// render lays the blocks out; pages > 0 prints the footer with that total.
func (d *Doc) render(pages int) (*fpdf.Fpdf, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetTitle(d.title, true)
	f.SetCreator("Vitrine", true)
	if d.author != "" {
		f.SetAuthor(d.author, true)
	}
	f.SetLang(d.lang)
	if !d.created.IsZero() {
		f.SetCreationDate(d.created)
		f.SetModificationDate(d.created)
	}
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, bottomMargin)
	f.SetCellMargin(0)
	f.SetDrawColor(0, 0, 0)
	f.SetTextColor(0, 0, 0)
	if pages > 0 {
		f.SetFooterFunc(func() {
			f.SetY(footerY)
			f.SetFont(family, "", smallSize)
			f.SetTextColor(grey, grey, grey)
			f.CellFormat(0, smallLine, clean(d.footer(f.PageNo(), pages), false), "", 0, "C", false, 0, "")
			f.SetTextColor(0, 0, 0)
		})
	}
	w, h := f.GetPageSize()
	r := &renderer{f: f, content: w - 2*margin, bottom: h - bottomMargin, widths: map[widthKey]float64{}}
	f.AddPage()
	r.font("", bodySize)
	for _, b := range d.blocks {
		if f.Err() {
			break
		}
		b(r)
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: laying out %q: %w", d.title, err)
	}
	return f, nil
}

// renderer lays blocks out on an fpdf document.
type renderer struct {
	f       *fpdf.Fpdf
	content float64 // width between the margins
	bottom  float64 // y where the page's text area ends
	style   string
	size    float64
	widths  map[widthKey]float64
}

type widthKey struct {
	style string
	size  float64
	r     rune
}

func (r *renderer) font(style string, size float64) {
	r.style, r.size = style, size
	r.f.SetFont(family, style, size)
}

// need starts a new page unless h millimetres fit on this one.
func (r *renderer) need(h float64) {
	if r.f.GetY()+h > r.bottom {
		r.f.AddPage()
	}
}

// keepTogether starts a new page for a block of height h that does not fit
// here but would fit on an empty page.
func (r *renderer) keepTogether(h float64) {
	if h <= r.bottom-margin {
		r.need(h)
	}
}

// gap moves down by h, unless at the top of a page.
func (r *renderer) gap(h float64) {
	if y := r.f.GetY(); y > margin+0.01 {
		r.f.SetY(min(y+h, r.bottom))
	}
}

// cell writes one line of text at x without moving down.
func (r *renderer) cell(x, w, h float64, s string) {
	y := r.f.GetY()
	r.f.SetXY(x, y)
	r.f.CellFormat(w, h, s, "", 0, "L", false, 0, "")
	r.f.SetY(y)
}

// line writes one line of text at x and moves down by h.
func (r *renderer) line(x, w, h float64, s string) {
	r.need(h)
	r.cell(x, w, h, s)
	r.f.SetY(r.f.GetY() + h)
}

func (r *renderer) heading(text string, size, lh, before, after float64) {
	r.font("B", size)
	lines := r.wrap(text, r.content)
	r.gap(before)
	// Keep the heading with two lines of what follows.
	r.keepTogether(float64(len(lines))*lh + after + 2*bodyLine)
	for _, l := range lines {
		r.line(margin, r.content, lh, l)
	}
	r.gap(after)
	r.font("", bodySize)
}

func (r *renderer) table(header []string, rows [][]string) {
	cols := len(header)
	for _, row := range rows {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return
	}
	// Widths: each column gets a floor, the rest shared by content length.
	natural := make([]float64, cols)
	r.font("B", bodySize)
	for i, h := range header {
		natural[i] = r.longestLine(h)
	}
	r.font("", bodySize)
	for _, row := range rows {
		for i, c := range row {
			natural[i] = max(natural[i], r.longestLine(c))
		}
	}
	floor := min(r.content/float64(cols), 15)
	total := 0.0
	for i := range natural {
		natural[i] = min(natural[i]+2*cellPad, r.content)
		total += natural[i]
	}
	widths := make([]float64, cols)
	for i := range widths {
		share := 1 / float64(cols)
		if total > 0 {
			share = natural[i] / total
		}
		widths[i] = floor + (r.content-floor*float64(cols))*share
	}

	drawRow := func(cells []string, style string) {
		r.font(style, bodySize)
		wrapped := make([][]string, cols)
		n := 1
		for i := range cols {
			if i < len(cells) {
				wrapped[i] = r.wrap(cells[i], widths[i]-2*cellPad)
			}
			n = max(n, len(wrapped[i]))
		}
		r.f.SetY(r.f.GetY() + cellPad/2)
		for l := range n {
			r.need(bodyLine)
			x := margin
			for i := range cols {
				if l < len(wrapped[i]) {
					r.cell(x+cellPad, widths[i]-2*cellPad, bodyLine, wrapped[i][l])
				}
				x += widths[i]
			}
			r.f.SetY(r.f.GetY() + bodyLine)
		}
		r.f.SetY(r.f.GetY() + cellPad/2)
	}
	rule := func(width float64) {
		y := r.f.GetY()
		r.f.SetLineWidth(width)
		r.f.Line(margin, y, margin+r.content, y)
	}
	drawHeader := func() {
		if len(header) == 0 {
			return
		}
		drawRow(header, "B")
		rule(0.35)
	}
	rowHeight := func(cells []string) float64 {
		r.font("", bodySize)
		n := 1
		for i, c := range cells {
			n = max(n, len(r.wrap(c, widths[i]-2*cellPad)))
		}
		return float64(n)*bodyLine + cellPad
	}

	if len(rows) > 0 {
		r.keepTogether(rowHeight(header) + rowHeight(rows[0]))
	}
	drawHeader()
	for _, row := range rows {
		if h := rowHeight(row); r.f.GetY()+h > r.bottom && h <= r.bottom-margin-rowHeight(header) {
			r.f.AddPage()
			drawHeader()
		}
		drawRow(row, "")
		rule(0.1)
	}
	r.f.SetLineWidth(0.2)
	r.font("", bodySize)
	r.gap(paraGap)
}

// longestLine is the width of the widest explicit line of s, in the
// current font.
func (r *renderer) longestLine(s string) float64 {
	w := 0.0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, r.f.GetStringWidth(l))
	}
	return w
}

func (r *renderer) runeWidth(c rune) float64 {
	k := widthKey{r.style, r.size, c}
	w, ok := r.widths[k]
	if !ok {
		w = r.f.GetStringWidth(string(c))
		r.widths[k] = w
	}
	return w
}

// wrap splits text into lines no wider than width in the current font.
// Lines break at "\n", at spaces (which are dropped) and after a hyphen
// between two letters; never at a no-break space. A word longer than a
// line is cut where it overflows. An empty text gives one empty line.
func (r *renderer) wrap(text string, width float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = append(out, r.wrapLine([]rune(para), width)...)
	}
	return out
}

func (r *renderer) wrapLine(s []rune, width float64) []string {
	var lines []string
	start := 0
	for start < len(s) {
		w, i := 0.0, start
		brk, resume := -1, -1 // line is s[start:brk], the next one starts at resume
		for ; i < len(s); i++ {
			c := s[i]
			if c == ' ' {
				brk, resume = i, i+1
			}
			w += r.runeWidth(c)
			if w > width && c != ' ' {
				break
			}
			if c == '-' && i > start && i+1 < len(s) && unicode.IsLetter(s[i-1]) && unicode.IsLetter(s[i+1]) {
				brk, resume = i+1, i+1
			}
		}
		switch {
		case i == len(s):
			lines = append(lines, strings.TrimRight(string(s[start:]), " "))
			start = len(s)
		case brk > start:
			lines = append(lines, strings.TrimRight(string(s[start:brk]), " "))
			start = resume
		default: // no place to break: cut the word
			end := max(i, start+1)
			lines = append(lines, string(s[start:end]))
			start = end
		}
		for start < len(s) && s[start] == ' ' {
			start++
		}
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// clean makes text safe for the font and the layout: invalid UTF-8 and
// characters beyond the Basic Multilingual Plane (which the embedded font
// tables cannot index) become U+FFFD, line separators become "\n" (or a
// space when multiline is false), tabs become spaces, and control
// characters and soft hyphens are dropped.
func clean(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c == '\n' || c == '\v' || c == '\f' || c == '\u0085' || c == '\u2028' || c == '\u2029':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case c == '\t':
			b.WriteByte(' ')
		case c == '\u00ad' || unicode.IsControl(c):
		case c > 0xFFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s, true)
	}
	return out
}

// isTag accepts the characters of a BCP 47 language tag, which fpdf
// writes into the catalogue unescaped.
func isTag(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return len(s) <= 35
}
