// Package csvin reads the CSV files people bring: UTF-8 or Windows-1252,
// comma or semicolon, with or without a byte-order mark, quoted newlines, and
// header names matched without regard to case, accents, spaces or language.
// Standard library only.
package csvin

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LineError says why one line of a file was rejected. Key names a message in
// the translation catalogue; Args fills it.
type LineError struct {
	Line  int
	Field string
	Key   string
	Args  map[string]any
}

// ErrEmpty is returned for a file with no header row.
var ErrEmpty = errors.New("the file is empty")

// Reader yields the records of a CSV file after its header row.
type Reader struct {
	data    []byte // the decoded file
	comma   rune
	r       *csv.Reader // reads data[start:]
	start   int         // byte offset in data where r began
	base    int         // lines of data before start
	rescan  int         // bytes left that restarts may read again
	header  []string    // folded header names
	columns map[string]int
}

// rescanAllowance bounds the work of restarts after unclosed quotes: each
// reads the rest of the file again, so a file of broken lines would cost
// the square of its size. A reader may read again four times its file
// plus this much, enough for every broken line of any ordinary file.
const rescanAllowance = 1 << 20

// Decode returns data as UTF-8 text: a UTF-8 byte-order mark is dropped, and
// text that is not valid UTF-8 is read as Windows-1252.
func Decode(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data
	}
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c >= 0x80 && c <= 0x9f:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c)) // Latin-1 range coincides with Unicode
		}
	}
	return b.Bytes()
}

// cp1252 maps bytes 0x80–0x9F of Windows-1252 to Unicode (undefined bytes map
// to U+FFFD).
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

// sniffDelimiter picks the delimiter that occurs most often on the header
// line outside quoted fields: ';' over ',' on a tie, ',' when there is none.
// A quote opens a quoted field only at the start of a field, as in
// encoding/csv, so an inch mark in a header name (Taille 5") does not hide
// the rest of the line.
func sniffDelimiter(data []byte) rune {
	var commas, semis, tabs int
	inQuote, fieldStart := false, true
loop:
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inQuote {
			if c == '"' {
				if i+1 < len(data) && data[i+1] == '"' {
					i++
					continue
				}
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			inQuote = fieldStart
		case ',':
			commas++
		case ';':
			semis++
		case '\t':
			tabs++
		case '\n':
			break loop
		}
		fieldStart = c == ',' || c == ';' || c == '\t' || (fieldStart && c == ' ')
	}
	switch {
	case semis > commas && semis >= tabs:
		return ';'
	case tabs > commas && tabs > semis:
		return '\t'
	}
	return ','
}

// NewReader reads the header row of data. aliases maps each canonical column
// name to the names it may carry in a file (English, French…); the canonical
// name itself is always accepted.
func NewReader(data []byte, aliases map[string][]string) (*Reader, error) {
	data = Decode(data)
	// Classic Mac line endings (a lone CR, still written by Excel's "CSV
	// (Macintosh)" format) would make the whole file one header line.
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	rd := &Reader{data: data, comma: sniffDelimiter(data), columns: map[string]int{}, rescan: 4*len(data) + rescanAllowance}
	rd.restart(0, 0)
	head, _, err := rd.read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header row: %w", err)
	}
	lookup, err := aliasLookup(aliases)
	if err != nil {
		return nil, err
	}
	for i, h := range head {
		f := FoldHeader(h)
		rd.header = append(rd.header, f)
		if canon, ok := lookup[f]; ok {
			if _, dup := rd.columns[canon]; !dup {
				rd.columns[canon] = i
			}
		}
	}
	return rd, nil
}

// aliasLookup maps each folded name to its canonical column. A canonical
// name always means itself; a folded name claimed by two canonical columns
// is a mistake in the caller's table, reported rather than settled by the
// random order of a map.
func aliasLookup(aliases map[string][]string) (map[string]string, error) {
	lookup := map[string]string{}
	for canon := range aliases {
		f := FoldHeader(canon)
		if other, ok := lookup[f]; ok {
			a, b := min(canon, other), max(canon, other)
			return nil, fmt.Errorf("csvin: the columns %q and %q have the same folded name", a, b)
		}
		lookup[f] = canon
	}
	for canon, names := range aliases {
		for _, n := range names {
			f := FoldHeader(n)
			if other, ok := lookup[f]; ok && other != canon {
				a, b := min(canon, other), max(canon, other)
				return nil, fmt.Errorf("csvin: the header name %q would mean both %q and %q", n, a, b)
			}
			lookup[f] = canon
		}
	}
	return lookup, nil
}

// Has reports whether the file has the canonical column.
func (rd *Reader) Has(column string) bool { _, ok := rd.columns[column]; return ok }

// Missing returns the canonical columns among want that the file lacks.
func (rd *Reader) Missing(want ...string) []string {
	var out []string
	for _, w := range want {
		if !rd.Has(w) {
			out = append(out, w)
		}
	}
	return out
}

// Record is one data row, read by canonical column name.
type Record struct {
	Line   int // line number of the record's first line in the file (header = 1)
	fields []string
	cols   map[string]int
}

// Get returns the trimmed value of a canonical column, "" when absent.
func (rec Record) Get(column string) string {
	i, ok := rec.cols[column]
	if !ok || i >= len(rec.fields) {
		return ""
	}
	return strings.TrimSpace(rec.fields[i])
}

// Blank reports whether every field of the record is empty.
func (rec Record) Blank() bool {
	for _, f := range rec.fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Next returns the next record, or io.EOF. A malformed line returns a
// *csv.ParseError with line numbers of the whole file; the reader can go on
// after it.
//
// Quotes are read leniently (a stray quote inside a field is kept as
// text), but a quoted field that is never closed would silently swallow
// every following line into one value. Next reports it as a ParseError
// (csv.ErrQuote) at the record's line and starts reading again on the
// line after the one where the quote opened. (A file so full of unclosed
// quotes that restarting would cost more than reading it a few times over
// ends at the error that gives up.)
func (rd *Reader) Next() (Record, error) {
	fields, line, err := rd.read()
	if err != nil {
		return Record{}, err
	}
	return Record{Line: line, fields: fields, cols: rd.columns}, nil
}

// read returns the next record and the file line it starts on.
func (rd *Reader) read() ([]string, int, error) {
	from := rd.start + int(rd.r.InputOffset())
	fields, err := rd.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += rd.base
			pe.Line += rd.base
		}
		return nil, 0, err
	}
	line, _ := rd.r.FieldPos(0)
	line += rd.base
	to := rd.start + int(rd.r.InputOffset())
	open, broken := brokenQuote(rd.data[from:to], byte(rd.comma), rd.r.TrimLeadingSpace)
	if !broken {
		return fields, line, nil
	}
	open += from
	lineStart := bytes.LastIndexByte(rd.data[:open], '\n') + 1
	quoteLine := 1 + bytes.Count(rd.data[:open], []byte{'\n'})
	perr := &csv.ParseError{StartLine: line, Line: quoteLine, Column: open - lineStart + 1, Err: csv.ErrQuote}
	next := len(rd.data)
	if nl := bytes.IndexByte(rd.data[open:], '\n'); nl >= 0 {
		next = open + nl + 1
	}
	if len(rd.data)-next <= rd.rescan {
		rd.rescan -= len(rd.data) - next
		rd.restart(next, quoteLine)
	}
	return nil, 0, perr
}

// brokenQuote looks at the bytes of one record as encoding/csv read them
// with LazyQuotes, and finds a quoted field that runs over a line break
// while its quoting is broken: it holds a quote that is neither doubled nor
// followed by the delimiter or the line's end (LazyQuotes keeps such a
// quote as text and reads on, across lines), or it is never closed. Such a
// field has swallowed the lines that follow. It returns the offset of the
// field's opening quote. A broken quote within one line ("Le "Petit"
// bistrot") is left to LazyQuotes.
func brokenQuote(raw []byte, comma byte, trimSpace bool) (int, bool) {
	n := len(raw)
	fieldStart := true
	for i := 0; i < n; {
		if !fieldStart {
			fieldStart = raw[i] == comma || raw[i] == '\n'
			i++
			continue
		}
		fieldStart = false
		for trimSpace && i < n && raw[i] != '\n' && raw[i] != '\r' {
			r, size := utf8.DecodeRune(raw[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i >= n || raw[i] != '"' {
			continue
		}
		open := i
		multiline, stray, closed := false, false, false
		for i++; i < n && !closed; i++ {
			switch raw[i] {
			case '\n':
				multiline = multiline || i+1 < n // not the record's own end
			case '"':
				switch rest := raw[i+1:]; {
				case len(rest) > 0 && rest[0] == '"':
					i++
				case len(rest) == 0, rest[0] == comma, rest[0] == '\n', rest[0] == '\r' && (len(rest) == 1 || rest[1] == '\n'):
					closed = true
				default:
					stray = true
				}
			}
		}
		if multiline && (stray || !closed) {
			return open, true
		}
	}
	return 0, false
}

// restart reads on from byte offset off, which begins line base+1.
func (rd *Reader) restart(off, base int) {
	r := csv.NewReader(bytes.NewReader(rd.data[off:]))
	r.Comma = rd.comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	// "a, \"b, c\"": spaces after a delimiter must not keep the quote from
	// opening a quoted field. Not for tabs, which are themselves blank.
	r.TrimLeadingSpace = rd.comma != '\t'
	r.ReuseRecord = false
	rd.r, rd.start, rd.base = r, off, base
}

// FoldHeader normalises a header name: lower case, no accents, no spaces of
// any kind, underscores, dashes, dots or apostrophes. Accents are dropped
// whether the letter is precomposed (é) or decomposed (e followed by a
// combining acute accent, as files from macOS may hold).
func FoldHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := headerFold[r]; ok {
			b.WriteString(f)
			continue
		}
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Mn, r) || r == '\uFEFF':
		case r == '_' || r == '-' || r == '.' || r == '\'' || r == '’':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var headerFold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ô': "o", 'ö': "o", 'ó': "o", 'ù': "u", 'û': "u", 'ü': "u", 'ú': "u",
	'œ': "oe", 'æ': "ae", 'ß': "ss",
}

// SafeCell protects a value written to a CSV export against spreadsheet
// formula injection: a cell starting with =, +, -, @, tab or carriage return
// is prefixed with a quote so spreadsheets show it as text.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Unguard undoes SafeCell: a quote followed by one of the characters that
// SafeCell guards is dropped, so a file exported by Vitrine imports back
// unchanged.
func Unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r':
			return s[1:]
		}
	}
	return s
}
