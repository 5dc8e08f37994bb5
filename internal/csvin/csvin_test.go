package csvin

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var contactColumns = map[string][]string{
	"email":       {"courriel", "e-mail", "mail"},
	"first_name":  {"prénom", "firstname"},
	"last_name":   {"nom", "lastname"},
	"postal_code": {"code postal", "cp", "zip"},
	"note":        {"remarque"},
}

// row is what a test expects of one record.
type row struct {
	line   int
	values map[string]string
}

// readAll reads every record, failing the test on any error but io.EOF.
func readAll(t *testing.T, rd *Reader) []Record {
	t.Helper()
	var out []Record
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, rec)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		rows []row
	}{
		{
			name: "utf-8 with comma",
			in:   "email,prénom,nom\na@b.be,Émile,Dupré\n",
			rows: []row{{2, map[string]string{"email": "a@b.be", "first_name": "Émile", "last_name": "Dupré"}}},
		},
		{
			name: "utf-8 with byte-order mark and semicolon",
			in:   "\xef\xbb\xbfE-mail;Prénom;Nom\r\na@b.be;Zoé;Lœuvre\r\n",
			rows: []row{{2, map[string]string{"email": "a@b.be", "first_name": "Zoé", "last_name": "Lœuvre"}}},
		},
		{
			name: "windows-1252 accents, euro and oe",
			in:   "Pr\xe9nom;Nom;Remarque\r\nL\xe9a;C\x9cur;Prix 5 \x80\r\n",
			rows: []row{{2, map[string]string{"first_name": "Léa", "last_name": "Cœur", "note": "Prix 5 €"}}},
		},
		{
			name: "windows-1252 typographic quotes and dashes",
			in:   "nom;remarque\nO\x92Brien;\x93oui\x94 \x96 non \x97 peut-\xeatre\n",
			rows: []row{{2, map[string]string{"last_name": "O’Brien", "note": "“oui” – non — peut-être"}}},
		},
		{
			name: "tab delimiter",
			in:   "Prénom\tNom\tCode postal\nJean\tDe Smet\t6000\n",
			rows: []row{{2, map[string]string{"first_name": "Jean", "last_name": "De Smet", "postal_code": "6000"}}},
		},
		{
			name: "headers in capitals with spaces and accents",
			in:   " PRÉNOM ; NOM ;CODE POSTAL;E-MAIL\nAnne;Lux;6700;x@y.be\n",
			rows: []row{{2, map[string]string{"first_name": "Anne", "last_name": "Lux", "postal_code": "6700", "email": "x@y.be"}}},
		},
		{
			name: "header with underscores and English names",
			in:   "first_name,last_name,postal_code,Email\nAnn,Lee,4000,ann@lee.be\n",
			rows: []row{{2, map[string]string{"first_name": "Ann", "last_name": "Lee", "postal_code": "4000", "email": "ann@lee.be"}}},
		},
		{
			name: "quoted field with a newline moves the line numbers on",
			in:   "nom;remarque\nA;\"ligne 1\nligne 2\nligne 3\"\nB;fin\nC;\"x\"\n",
			rows: []row{
				{2, map[string]string{"last_name": "A", "note": "ligne 1\nligne 2\nligne 3"}},
				{5, map[string]string{"last_name": "B", "note": "fin"}},
				{6, map[string]string{"last_name": "C", "note": "x"}},
			},
		},
		{
			name: "multi-line field with CRLF",
			in:   "nom;remarque\r\nA;\"un\r\ndeux\"\r\nB;trois\r\n",
			rows: []row{
				{2, map[string]string{"last_name": "A", "note": "un\ndeux"}},
				{4, map[string]string{"last_name": "B", "note": "trois"}},
			},
		},
		{
			name: "multi-line first field",
			in:   "remarque,nom\n\"a\nb\",X\nc,Y\n",
			rows: []row{
				{2, map[string]string{"last_name": "X", "note": "a\nb"}},
				{4, map[string]string{"last_name": "Y", "note": "c"}},
			},
		},
		{
			name: "semicolon inside quotes of a comma file",
			in:   "nom,remarque\nA,\"un; deux; trois\"\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "un; deux; trois"}}},
		},
		{
			name: "comma inside quotes of a semicolon file",
			in:   "nom;remarque\nA;\"1,5 heure, environ\"\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "1,5 heure, environ"}}},
		},
		{
			name: "quoted header with the other delimiter",
			in:   "\"nom\";\"remarque, libre\";\"e-mail\"\nA;B;c@d.be\n",
			rows: []row{{2, map[string]string{"last_name": "A", "email": "c@d.be"}}},
		},
		{
			name: "doubled quotes",
			in:   "nom;remarque\nA;\"il a dit \"\"oui\"\"\"\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "il a dit \"oui\""}}},
		},
		{
			name: "blank lines are skipped but counted",
			in:   "nom\n\nA\n\n\nB\n",
			rows: []row{
				{3, map[string]string{"last_name": "A"}},
				{6, map[string]string{"last_name": "B"}},
			},
		},
		{
			name: "short and long rows",
			in:   "nom;prénom;e-mail\nA\nB;b;b@b.be;extra\n",
			rows: []row{
				{2, map[string]string{"last_name": "A", "first_name": "", "email": ""}},
				{3, map[string]string{"last_name": "B", "first_name": "b", "email": "b@b.be"}},
			},
		},
		{
			name: "values are trimmed, no-break spaces too",
			in:   "nom;code postal\n  A \u00a0;\t6000 \n",
			rows: []row{{2, map[string]string{"last_name": "A", "postal_code": "6000"}}},
		},
		{
			name: "duplicate header: first column wins",
			in:   "nom;Nom\nfirst;second\n",
			rows: []row{{2, map[string]string{"last_name": "first"}}},
		},
		{
			name: "classic Mac line endings",
			in:   "Nom;Pr\xe9nom\rDupont;L\xe9a\rMartin;\"Jean\rPaul\"\rZ;z\r",
			rows: []row{
				{2, map[string]string{"last_name": "Dupont", "first_name": "Léa"}},
				{3, map[string]string{"last_name": "Martin", "first_name": "Jean\nPaul"}},
				{5, map[string]string{"last_name": "Z", "first_name": "z"}},
			},
		},
		{
			name: "a CR inside a field of an LF file is kept",
			in:   "nom;remarque\nA;\"un\rdeux\"\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "un\rdeux"}}},
		},
		{
			name: "inch mark in a header name",
			in:   "Taille 5\";Nom;Prénom\n12;Dupont;Léa\n",
			rows: []row{{2, map[string]string{"last_name": "Dupont", "first_name": "Léa"}}},
		},
		{
			name: "space after the delimiter before a quoted field",
			in:   "nom, remarque, e-mail\nA, \"un, deux\", a@b.be\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "un, deux", "email": "a@b.be"}}},
		},
		{
			name: "tab file keeps its empty fields",
			in:   "nom\tremarque\te-mail\nA\t\ta@b.be\n",
			rows: []row{{2, map[string]string{"last_name": "A", "note": "", "email": "a@b.be"}}},
		},
		{
			name: "no final newline",
			in:   "nom;prénom\nA;B",
			rows: []row{{2, map[string]string{"last_name": "A", "first_name": "B"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader([]byte(tt.in), contactColumns)
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			recs := readAll(t, rd)
			if len(recs) != len(tt.rows) {
				t.Fatalf("%d records, want %d", len(recs), len(tt.rows))
			}
			for i, want := range tt.rows {
				if recs[i].Line != want.line {
					t.Errorf("record %d: line %d, want %d", i, recs[i].Line, want.line)
				}
				for col, v := range want.values {
					if got := recs[i].Get(col); got != v {
						t.Errorf("record %d: %s = %q, want %q", i, col, got, v)
					}
				}
			}
		})
	}
}

func TestNewReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"only a byte-order mark", "\xef\xbb\xbf", ErrEmpty},
		{"only blank lines", "\n\n\r\n", ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader([]byte(tt.in), contactColumns)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewReader = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHeaderOnly(t *testing.T) {
	rd, err := NewReader([]byte("nom;prénom\r\n"), contactColumns)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
}

func TestDelimiter(t *testing.T) {
	tests := []struct {
		name string
		head string
		want rune
	}{
		{"comma", "a,b,c", ','},
		{"semicolon", "a;b;c", ';'},
		{"tab", "a\tb\tc", '\t'},
		{"one column", "a", ','},
		{"semicolons beat commas inside a name", "nom;\"rue, numéro\";cp", ';'},
		{"commas beat semicolons inside quotes", "nom,\"a;b;c\",cp", ','},
		{"tabs beat a stray comma", "nom\tadresse, rue\tcp\tville", '\t'},
		{"only the header line counts", "a;b\nx,y,z,w,v", ';'},
		{"newline in a quoted header does not end it", "\"a\nb\";c;d", ';'},
		{"inch mark in a header name", "Taille 5\";Nom;Prénom", ';'},
		{"quote inside a word", "l\"atelier,nom,\"x;y\"", ','},
		{"doubled quotes inside a quoted name", "\"dit \"\"x\"\", ou y\";a;b", ';'},
		{"quoted name after a space", "a; \"b,c,d\";e", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.head)); got != tt.want {
				t.Fatalf("sniffDelimiter(%q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii", "abc", "abc"},
		{"utf-8", "été €", "été €"},
		{"utf-8 bom dropped", "\xef\xbb\xbfété", "été"},
		{"latin-1 range", "\xe9t\xe9 \xe0 \xc7a", "été à Ça"},
		{"cp1252 specials", "\x80 \x9c \x8c \x92 \x85", "€ œ Œ ’ …"},
		{"undefined cp1252 bytes", "\x81\x8d\x8f\x90\x9d", "\ufffd\ufffd\ufffd\ufffd\ufffd"},
		{"bom then cp1252", "\xef\xbb\xbf\xe9", "é"},
		{"one bad byte makes the file cp1252", "é\xe9", "Ã©é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decode([]byte(tt.in))
			if string(got) != tt.want {
				t.Fatalf("Decode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.Valid(got) {
				t.Fatalf("Decode(%q) is not valid UTF-8", tt.in)
			}
		})
	}
}

func TestFoldHeader(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Prénom", "prenom"},
		{"PRÉNOM", "prenom"},
		{" E-mail ", "email"},
		{"e_mail", "email"},
		{"Code postal", "codepostal"},
		{"Code\u00a0postal", "codepostal"},
		{"Code\u202fpostal", "codepostal"},
		{"N° TVA", "n°tva"},
		{"Base légale", "baselegale"},
		{"Téléphone", "telephone"},
		{"Nom d’usage", "nomdusage"},
		{"Nom d'usage", "nomdusage"},
		{"Œuvre", "oeuvre"},
		{"Straße", "strasse"},
		{"Pre\u0301nom", "prenom"}, // decomposed é (macOS)
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := FoldHeader(tt.in); got != tt.want {
				t.Fatalf("FoldHeader(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMissingAndHas(t *testing.T) {
	tests := []struct {
		name    string
		head    string
		want    []string
		missing []string
	}{
		{"all there in French", "Courriel;Prénom;Nom", []string{"email", "first_name", "last_name"}, nil},
		{"some missing", "email;nom", []string{"email", "first_name", "last_name"}, []string{"first_name"}},
		{"none", "x;y", []string{"email", "last_name"}, []string{"email", "last_name"}},
		{"nothing asked", "x;y", nil, nil},
		{"unknown column asked", "email", []string{"iban"}, []string{"iban"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader([]byte(tt.head+"\n"), contactColumns)
			if err != nil {
				t.Fatal(err)
			}
			if got := rd.Missing(tt.want...); !slices.Equal(got, tt.missing) {
				t.Fatalf("Missing = %v, want %v", got, tt.missing)
			}
			for _, w := range tt.want {
				if rd.Has(w) == slices.Contains(tt.missing, w) {
					t.Errorf("Has(%s) = %v, Missing says %v", w, rd.Has(w), tt.missing)
				}
			}
		})
	}
}

func TestBlank(t *testing.T) {
	tests := []struct {
		name string
		line string
		want bool
	}{
		{"delimiters only", ";;", true},
		{"spaces", "  ;\t; ", true},
		{"empty quotes", "\"\";\"\"", true},
		{"no-break space", "\u00a0;", true},
		{"one value", ";x;", false},
		{"zero", "0;;", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader([]byte("nom;prénom;email\n"+tt.line+"\n"), contactColumns)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := rd.Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if got := rec.Blank(); got != tt.want {
				t.Fatalf("Blank() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGetUnknownColumn(t *testing.T) {
	rd, err := NewReader([]byte("nom\nA\n"), contactColumns)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Get("email"); got != "" {
		t.Fatalf("Get(email) = %q, want empty", got)
	}
	if got := rec.Get("not a column"); got != "" {
		t.Fatalf("Get(unknown) = %q, want empty", got)
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Dupont", "Dupont"},
		{"equals", "=1+1", "'=1+1"},
		{"plus", "+32 81 00 00 00", "'+32 81 00 00 00"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"hyperlink formula", "=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"equals later is fine", "a=b", "a=b"},
		{"accented first letter", "Émile", "Émile"},
		{"already quoted stays as typed", "'=1", "'=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SafeCell(tt.in); got != tt.want {
				t.Fatalf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAliasClash(t *testing.T) {
	tests := []struct {
		name    string
		aliases map[string][]string
		wantErr bool
	}{
		{"distinct", map[string][]string{"last_name": {"nom"}, "shop_name": {"commerce"}}, false},
		{"same alias twice for one column", map[string][]string{"last_name": {"nom", "Nom"}}, false},
		{"alias equal to its own canonical name", map[string][]string{"email": {"E-mail", "email"}}, false},
		{"alias claimed by two columns", map[string][]string{"last_name": {"nom"}, "shop_name": {"nom"}}, true},
		{"alias equal to another canonical name", map[string][]string{"name": nil, "shop_name": {"name"}}, true},
		{"clash after folding", map[string][]string{"a": {"Code postal"}, "b": {"code_postal"}}, true},
		{"two canonical names that fold alike", map[string][]string{"e_mail": nil, "email": nil}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A clash used to be settled by map order; run a few times so a
			// nondeterministic answer would show.
			for range 20 {
				_, err := NewReader([]byte("nom;name;x\n"), tt.aliases)
				if (err != nil) != tt.wantErr {
					t.Fatalf("NewReader error = %v, want error: %v", err, tt.wantErr)
				}
			}
		})
	}
}

func TestUnclosedQuote(t *testing.T) {
	// step is one call to Next: a record, or a ParseError when errLine > 0.
	type step struct {
		errLine, quoteLine int
		line               int
		name, note         string
	}
	tests := []struct {
		name  string
		in    string
		steps []step
	}{
		{
			name: "following lines are not swallowed",
			in:   "nom;remarque\nA;\"oops\nB;x\nC;y\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{line: 3, name: "B", note: "x"},
				{line: 4, name: "C", note: "y"},
			},
		},
		{
			name: "after a closed multi-line field",
			in:   "nom;remarque\nA;\"1\n2\"\nB;\"oops\nC;y\n",
			steps: []step{
				{line: 2, name: "A", note: "1\n2"},
				{errLine: 4, quoteLine: 4},
				{line: 5, name: "C", note: "y"},
			},
		},
		{
			name: "the record began on an earlier line",
			in:   "remarque;nom\n\"a\nb\";\"oops\nc;Y\n",
			steps: []step{
				{errLine: 2, quoteLine: 3},
				{line: 4, name: "Y", note: "c"},
			},
		},
		{
			name: "two in a row",
			in:   "nom;remarque\nA;\"x\nB;\"y\nC;z\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{errLine: 3, quoteLine: 3},
				{line: 4, name: "C", note: "z"},
			},
		},
		{
			name: "swallowed up to a later quote, not to the end",
			in:   "nom;remarque\nA;\"oops\nB;x\nC;\"y\"\nD;z\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{line: 3, name: "B", note: "x"},
				{line: 4, name: "C", note: "y"},
				{line: 5, name: "D", note: "z"},
			},
		},
		{
			name: "stray quotes within one line are kept as text",
			in:   "nom;remarque\nA;\"Le \"Petit\" bistrot\"\nB;5\" écran\n",
			steps: []step{
				{line: 2, name: "A", note: "Le \"Petit\" bistrot"},
				{line: 3, name: "B", note: "5\" écran"},
			},
		},
		{
			name: "a stray quote inside a multi-line field",
			in:   "nom;remarque\nA;\"dit \"oui\nB;x\"\nC;y\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{line: 3, name: "B", note: "x\""},
				{line: 4, name: "C", note: "y"},
			},
		},
		{
			name: "junk after the closing quote",
			in:   "nom;remarque\nA;\"x\"y\nB;z\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{line: 3, name: "B", note: "z"},
			},
		},
		{
			name:  "on the last line it swallows nothing",
			in:    "nom;remarque\nA;\"oops\n",
			steps: []step{{line: 2, name: "A", note: "oops"}},
		},
		{
			name:  "a closed multi-line field at the end is fine",
			in:    "nom;remarque\r\nA;\"x\r\ny\"\r\n",
			steps: []step{{line: 2, name: "A", note: "x\ny"}},
		},
		{
			name: "with CRLF line ends",
			in:   "nom;remarque\r\nA;\"oops\r\nB;x\r\n",
			steps: []step{
				{errLine: 2, quoteLine: 2},
				{line: 3, name: "B", note: "x"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader([]byte(tt.in), contactColumns)
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			for i, st := range tt.steps {
				rec, err := rd.Next()
				if st.errLine > 0 {
					var pe *csv.ParseError
					if !errors.As(err, &pe) || !errors.Is(err, csv.ErrQuote) || pe.StartLine != st.errLine || pe.Line != st.quoteLine {
						t.Fatalf("step %d: Next = %+v, %v; want a quote error on lines %d–%d", i, rec, err, st.errLine, st.quoteLine)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: Next: %v", i, err)
				}
				if rec.Line != st.line || rec.Get("last_name") != st.name || rec.Get("note") != st.note {
					t.Fatalf("step %d: got line %d %q %q; want line %d %q %q", i, rec.Line, rec.Get("last_name"), rec.Get("note"), st.line, st.name, st.note)
				}
			}
			if rec, err := rd.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the last step: %+v, %v; want io.EOF", rec, err)
			}
		})
	}
}

func TestUnclosedQuoteInHeader(t *testing.T) {
	_, err := NewReader([]byte("\"nom;remarque\nA;B\nC;D\n"), contactColumns)
	var pe *csv.ParseError
	if !errors.As(err, &pe) || pe.StartLine != 1 {
		t.Fatalf("NewReader = %v, want a ParseError on line 1", err)
	}
}

func TestManyUnclosedQuotes(t *testing.T) {
	tests := []struct {
		name       string
		lines      int
		wantErrors func(int) bool
	}{
		{"a small file gets every error", 300, func(n int) bool { return n == 299 }},
		{"a huge file gives up early", 400_000, func(n int) bool { return n > 1 && n < 20 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "nom;remarque\n" + strings.Repeat("A;\"x\n", tt.lines-1) + "A;\"x\"\n"
			rd, err := NewReader([]byte(data), contactColumns)
			if err != nil {
				t.Fatal(err)
			}
			errs := 0
			for {
				_, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err == nil {
					continue // the last line is well formed
				}
				errs++
				if errs > tt.lines {
					t.Fatal("the reader does not stop")
				}
			}
			if !tt.wantErrors(errs) {
				t.Fatalf("%d errors for %d broken lines", errs, tt.lines)
			}
		})
	}
}

func TestUnguardUndoesSafeCell(t *testing.T) {
	// (A text that itself starts with a quote and "=" does not come back:
	// no name, shop or address does.)
	for _, s := range []string{"", "=1+1", "+3271243211", "-5", "@SUM(A1)", "\tx", "'quoted", "plain"} {
		if got := Unguard(SafeCell(s)); got != s {
			t.Errorf("Unguard(SafeCell(%q)) = %q", s, got)
		}
	}
	if Unguard("'hello") != "'hello" || Unguard("'") != "'" {
		t.Error("Unguard drops a quote SafeCell did not add")
	}
}
