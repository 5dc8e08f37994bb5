package contact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/person"
)

var dir = commune.NewDirectory(commune.Embedded())

const header = "email;first_name;last_name;shop_name;sector;commune;phone;legal_basis\n"

func TestLineRules(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		want  Contact // checked when key is ""
		field string
		key   string
	}{
		{"full line", "anne@Boulangerie.BE;Anne;Dupont;Boulangerie Dupont;alimentation;Châtelet;071 24 32 11;consentement",
			Contact{Email: "anne@boulangerie.be", FirstName: "Anne", LastName: "Dupont", ShopName: "Boulangerie Dupont", Sector: "alimentation", CommuneNIS: "52012", Phone: "+3271243211", LegalBasis: Consent}, "", ""},
		{"postal code", "b@example.be;;;;;6200;;contract", Contact{Email: "b@example.be", CommuneNIS: "52012", LegalBasis: Contract}, "", ""},
		{"NIS code", "c@example.be;;;;;56078;;legitimate_interest", Contact{Email: "c@example.be", CommuneNIS: "56078", LegalBasis: LegitimateInterest}, "", ""},
		{"name without accent", "d@example.be;;;;;chatelet;;membre", Contact{Email: "d@example.be", CommuneNIS: "52012", LegalBasis: Contract}, "", ""},
		{"German name", "e@example.be;;;;;Eupen;;Einwilligung", Contact{Email: "e@example.be", CommuneNIS: "63023", LegalBasis: Consent}, "", ""},
		{"legal basis in words", "f@example.be;;;;;;;Intérêt légitime", Contact{Email: "f@example.be", LegalBasis: LegitimateInterest}, "", ""},
		{"no email", ";Anne;;;;;;consent", Contact{}, "email", "import.contact.email_missing"},
		{"bad email", "x@;Anne;;;;;;consent", Contact{}, "email", "import.contact.email_invalid"},
		{"email with a name", "Anne <anne@example.be>;;;;;;;consent", Contact{}, "email", "import.contact.email_invalid"},
		{"no legal basis", "g@example.be;;;;;;;", Contact{}, "legal_basis", "import.contact.legal_basis_missing"},
		{"unknown legal basis", "g@example.be;;;;;;;because", Contact{}, "legal_basis", "import.contact.legal_basis_unknown"},
		{"commune outside Wallonia", "h@example.be;;;;;Bruxelles;;consent", Contact{}, "commune", "import.contact.commune_unknown"},
		{"unknown postal code", "h@example.be;;;;;1000;;consent", Contact{}, "commune", "import.contact.commune_unknown"},
		{"bad phone", "i@example.be;;;;;;call me;consent", Contact{}, "phone", "import.contact.phone_invalid"},
		{"long shop name", "j@example.be;;;" + strings.Repeat("x", MaxShop+1) + ";;;;consent", Contact{}, "shop_name", "import.contact.too_long"},
		{"long first name", "j@example.be;" + strings.Repeat("é", MaxName+1) + ";;;;;;consent", Contact{}, "first_name", "import.contact.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(header+tt.line+"\n"), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.key != "" {
				if len(p.Bad) != 1 || len(p.Rows) != 0 {
					t.Fatalf("rows %v, bad %v; want one rejected line", p.Rows, p.Bad)
				}
				if b := p.Bad[0]; b.Line != 2 || b.Field != tt.field || b.Key != tt.key {
					t.Errorf("rejected as %+v, want line 2, %s, %s", b, tt.field, tt.key)
				}
				return
			}
			if len(p.Bad) != 0 || len(p.Rows) != 1 {
				t.Fatalf("rows %v, bad %v; want one row", p.Rows, p.Bad)
			}
			got := p.Rows[0].Contact
			tt.want.Source = "import"
			if got != tt.want || p.Rows[0].Line != 2 {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Files as people bring them: both encodings, both delimiters, a BOM,
// quoted line breaks, French headers, blank lines, and a repeated address.
func TestParseFiles(t *testing.T) {
	latin1 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			if r > 255 {
				t.Fatalf("%q is not Latin-1", r)
			}
			b = append(b, byte(r))
		}
		return b
	}
	tests := []struct {
		name  string
		data  []byte
		rows  int
		bad   []int // rejected line numbers
		check func(t *testing.T, p Parsed)
	}{
		{"UTF-8 with commas", []byte("email,first_name,last_name,legal_basis\na@example.be,Zoé,Lefèvre,consent\nb@example.be,Luc,,contract\n"), 2, nil,
			func(t *testing.T, p Parsed) {
				if p.Rows[0].Contact.FirstName != "Zoé" || p.Rows[0].Contact.LastName != "Lefèvre" {
					t.Errorf("accents: %+v", p.Rows[0].Contact)
				}
			}},
		{"Windows-1252 with semicolons and French headers", latin1("Courriel;Prénom;Nom;Commerce;Secteur;Commune;Téléphone;Base légale\r\na@example.be;Zoé;Lefèvre;Café de la Gare;horeca;Liège;04 222 33 44;consentement\r\n"), 1, nil,
			func(t *testing.T, p Parsed) {
				c := p.Rows[0].Contact
				if c.FirstName != "Zoé" || c.ShopName != "Café de la Gare" || c.CommuneNIS != "62063" || c.Phone != "+3242223344" {
					t.Errorf("cp1252 row: %+v", c)
				}
			}},
		{"BOM", []byte("\xef\xbb\xbfemail;legal_basis\na@example.be;consent\n"), 1, nil, nil},
		{"quoted line break", []byte("email;shop_name;legal_basis\n\"a@example.be\";\"Chez Paul\net fils\";consent\nb@example.be;x;consent\n"), 2, nil,
			func(t *testing.T, p Parsed) {
				if p.Rows[0].Contact.ShopName != "Chez Paul et fils" || p.Rows[1].Line != 4 {
					t.Errorf("quoted line: %+v, second on line %d", p.Rows[0].Contact, p.Rows[1].Line)
				}
			}},
		{"blank lines skipped", []byte("email;legal_basis\n\na@example.be;consent\n;\n"), 1, nil, nil},
		{"same address twice, any case", []byte("email;legal_basis\na@example.be;consent\nA@EXAMPLE.BE;consent\n"), 1, []int{3},
			func(t *testing.T, p Parsed) {
				if p.Bad[0].Key != "import.line.duplicate" || p.Bad[0].Args["First"] != 2 {
					t.Errorf("duplicate: %+v", p.Bad[0])
				}
			}},
		{"unclosed quote", []byte("email;shop_name;legal_basis\na@example.be;\"Chez Paul;consent\nb@example.be;x;consent\n"), 1, []int{2}, nil},
		{"bad lines keep their numbers", []byte("email;legal_basis\na@example.be;consent\nx@;consent\nb@example.be;\nc@example.be;consent\n"), 2, []int{3, 4}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.data, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			var bad []int
			for _, b := range p.Bad {
				bad = append(bad, b.Line)
			}
			if len(p.Rows) != tt.rows || fmt.Sprint(bad) != fmt.Sprint(tt.bad) {
				t.Fatalf("%d rows, bad lines %v; want %d rows, bad %v (%+v)", len(p.Rows), bad, tt.rows, tt.bad, p.Bad)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestParseWholeFileErrors(t *testing.T) {
	if _, err := Parse(nil, dir, nil); !errors.Is(err, ErrFileEmpty) {
		t.Errorf("empty file: %v", err)
	}
	_, err := Parse([]byte("first_name;last_name\nAnne;Dupont\n"), dir, nil)
	if !errors.Is(err, ErrColumnMissing) {
		t.Fatalf("missing columns: %v", err)
	}
	if e, _ := apperr.As(err); e.Args["Columns"] != "email, legal_basis" {
		t.Errorf("missing columns named %v", e.Args)
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	b.WriteString("email;legal_basis\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "p%d@example.be;consent\n", i)
	}
	var calls []int
	p, err := Parse([]byte(b.String()), dir, func(done, total int) { calls = append(calls, done) })
	if err != nil || len(p.Rows) != 5000 {
		t.Fatalf("%d rows, %v", len(p.Rows), err)
	}
	if fmt.Sprint(calls) != "[2000 4000 5000]" {
		t.Errorf("progress calls %v", calls)
	}
}

func TestMergeKeepsWhatTheFileLeavesOut(t *testing.T) {
	old := Contact{ID: 7, Email: "a@example.be", FirstName: "Anne", ShopName: "Old shop", Phone: "+3271000000", LegalBasis: Consent, ImportID: 1}
	file := Contact{Email: "A@example.be", ShopName: "New shop", LegalBasis: Contract}
	m := Merge(old, file)
	want := Contact{ID: 7, Email: "A@example.be", FirstName: "Anne", ShopName: "New shop", Phone: "+3271000000", LegalBasis: Contract, ImportID: 1}
	if m != want {
		t.Errorf("Merge = %+v, want %+v", m, want)
	}
	if Same(old, m) || !Same(m, Merge(m, file)) {
		t.Error("Same is wrong")
	}
}

// FuzzParse: whatever the bytes, Parse never panics, and every row it
// accepts is a valid contact, once in the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "anne@example.be;Anne;Dupont;Boulangerie;alimentation;Châtelet;071 24 32 11;consent\n"))
	f.Add([]byte("email,legal_basis\n\"a@example.be\",\"consent\"\n\"b@example.be,contract\n"))
	f.Add([]byte("\xef\xbb\xbfCourriel;Base l\xe9gale;Commune\na@example.be;contrat;4000\n"))
	f.Add([]byte("email;legal_basis\nA@x.be;consent\na@X.be;consent\n\r\n;;\n"))
	f.Add([]byte("email\tlegal_basis\tphone\na@example.be\tconsent\t+32 470 12 34 56\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, dir, nil)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("error without a kind: %v", err)
			}
			return
		}
		keys := map[string]bool{}
		for _, r := range p.Rows {
			c := r.Contact
			if !person.ValidEmail(c.Email) {
				t.Errorf("line %d: accepted address %q", r.Line, c.Email)
			}
			if keys[c.Key()] {
				t.Errorf("line %d: %q accepted twice", r.Line, c.Email)
			}
			keys[c.Key()] = true
			if _, ok := ParseLegalBasis(string(c.LegalBasis)); !ok {
				t.Errorf("line %d: legal basis %q", r.Line, c.LegalBasis)
			}
			if c.CommuneNIS != "" {
				if _, ok := dir.ByNIS(c.CommuneNIS); !ok {
					t.Errorf("line %d: commune %q", r.Line, c.CommuneNIS)
				}
			}
			if c.Phone != "" {
				if n, ok := person.NormalizePhone(c.Phone); !ok || n != c.Phone {
					t.Errorf("line %d: phone %q", r.Line, c.Phone)
				}
			}
			for _, s := range []string{c.FirstName, c.LastName, c.ShopName, c.Sector} {
				if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxShop || strings.ContainsAny(s, "\r\n\t") {
					t.Errorf("line %d: field %q", r.Line, s)
				}
			}
			if r.Line < 2 {
				t.Errorf("row on line %d", r.Line)
			}
		}
		for _, b := range p.Bad {
			if b.Key == "" {
				t.Errorf("rejected line %d without a reason", b.Line)
			}
		}
		if len(p.Rows)+len(p.Bad) > p.Lines+len(p.Bad) {
			t.Errorf("%d rows and %d bad from %d lines", len(p.Rows), len(p.Bad), p.Lines)
		}
	})
}
