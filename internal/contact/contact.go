// Package contact is the shopkeepers' address book that a partner
// federation brings: the contacts, the legal basis for writing to them, and
// the reading and checking of its CSV files. Pure: the standard library,
// apperr and the domain packages it builds on (person, commune, csvin).
package contact

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/csvin"
	"vitrine/internal/person"
)

// LegalBasis is the ground on which the campaign may write to a contact
// (GDPR article 6).
type LegalBasis string

const (
	Consent            LegalBasis = "consent"             // the shopkeeper agreed
	Contract           LegalBasis = "contract"            // a member of the federation
	LegitimateInterest LegalBasis = "legitimate_interest" // the federation's legitimate interest
)

// LegalBases lists the bases in the order shown to people.
var LegalBases = []LegalBasis{Consent, Contract, LegitimateInterest}

// legalBasisNames maps what files write (folded, in the four languages) to a basis.
var legalBasisNames = map[string]LegalBasis{}

func init() {
	for basis, names := range map[LegalBasis][]string{
		Consent:            {"consent", "consentement", "opt-in", "einwilligung", "zustimmung", "toestemming"},
		Contract:           {"contract", "contrat", "membre", "member", "membership", "adhésion", "affiliation", "affilié", "vertrag", "mitglied", "overeenkomst", "lid"},
		LegitimateInterest: {"legitimate_interest", "intérêt légitime", "berechtigtes interesse", "gerechtvaardigd belang"},
	} {
		for _, n := range names {
			legalBasisNames[csvin.FoldHeader(n)] = basis
		}
	}
}

// ParseLegalBasis reads a legal basis as a file or a person writes it.
func ParseLegalBasis(s string) (LegalBasis, bool) {
	b, ok := legalBasisNames[csvin.FoldHeader(s)]
	return b, ok
}

// Limits on a contact's fields.
const (
	MaxName   = person.MaxName
	MaxShop   = person.MaxShop
	MaxSector = 100
)

// Contact is a shopkeeper in the address book.
type Contact struct {
	ID         int64
	Email      string
	FirstName  string
	LastName   string
	ShopName   string
	Sector     string
	CommuneNIS string // "" when unknown
	Phone      string // +32 form, "" when unknown
	LegalBasis LegalBasis
	Source     string // "import"
	ImportID   int64  // the import that last wrote it
	OptedOutAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Key is the contact's identity: the address in lower case.
func (c Contact) Key() string { return person.EmailKey(c.Email) }

// OptedOut reports whether the contact asked not to be written to.
func (c Contact) OptedOut() bool { return !c.OptedOutAt.IsZero() }

// Merge returns old updated with what a newer file says: a value the file
// leaves empty keeps the old one. The identity, the opt-out and the dates
// stay old's.
func Merge(old, file Contact) Contact {
	m := old
	m.Email = file.Email
	keep := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	keep(&m.FirstName, file.FirstName)
	keep(&m.LastName, file.LastName)
	keep(&m.ShopName, file.ShopName)
	keep(&m.Sector, file.Sector)
	keep(&m.CommuneNIS, file.CommuneNIS)
	keep(&m.Phone, file.Phone)
	if file.LegalBasis != "" {
		m.LegalBasis = file.LegalBasis
	}
	return m
}

// Same reports whether two contacts hold the same details (what an import
// may change).
func Same(a, b Contact) bool {
	return a.Email == b.Email && a.FirstName == b.FirstName && a.LastName == b.LastName && a.ShopName == b.ShopName &&
		a.Sector == b.Sector && a.CommuneNIS == b.CommuneNIS && a.Phone == b.Phone && a.LegalBasis == b.LegalBasis
}

// Columns are the file's columns and the names they may carry (English,
// French, German, Dutch); header names are matched without regard to case,
// accents or spaces.
var Columns = map[string][]string{
	"email":       {"courriel", "e-mail", "mail", "adresse e-mail", "adresse mail", "emailadres"},
	"first_name":  {"prénom", "firstname", "given name", "vorname", "voornaam"},
	"last_name":   {"nom", "lastname", "surname", "family name", "nom de famille", "nachname", "achternaam", "familienaam"},
	"shop_name":   {"commerce", "shop", "enseigne", "nom du commerce", "business", "geschäft", "winkel", "handelszaak"},
	"sector":      {"secteur", "activité", "branche", "sektor", "sector activiteit"},
	"commune":     {"municipality", "localité", "ville", "gemeinde", "gemeente", "code postal", "postal code", "code ins", "nis"},
	"phone":       {"téléphone", "telephone", "tel", "tél", "gsm", "mobile", "telefon", "telefoon"},
	"legal_basis": {"base légale", "base juridique", "rechtsgrundlage", "rechtsgrond"},
}

// Required columns of a contacts file.
var Required = []string{"email", "legal_basis"}

// Errors about a whole file.
var (
	ErrFileEmpty     = apperr.New(apperr.Invalid, "file_empty", "import.file_empty")
	ErrColumnMissing = apperr.New(apperr.Invalid, "columns_missing", "import.contact.columns_missing")
)

// Row is an accepted line of a file.
type Row struct {
	Line    int
	Contact Contact
}

// Parsed is what a file holds: the accepted rows, in file order, and the
// rejected lines with their reasons.
type Parsed struct {
	Rows  []Row
	Bad   []csvin.LineError
	Lines int // data lines read (blank lines aside)
}

// ProgressFunc hears how far a step has come: done of about total lines.
// It is called every few thousand lines, and at the end of the step.
type ProgressFunc func(done, total int)

// progressEvery is how many lines pass between two progress calls.
const progressEvery = 2000

// Parse reads a contacts file and checks every line: a valid address, said
// once in the file; a known legal basis; a commune of the directory (by
// name, NIS code or postal code) when one is given; a phone number when one
// is given; lengths within the limits. It never stops at a bad line: every
// rejected line is returned with its reason.
func Parse(data []byte, dir *commune.Directory, progress ProgressFunc) (Parsed, error) {
	var p Parsed
	rd, err := csvin.NewReader(data, Columns)
	if errors.Is(err, csvin.ErrEmpty) {
		return p, ErrFileEmpty
	}
	if err != nil {
		return p, apperr.Errorf(apperr.Invalid, "file_unreadable", "import.file_unreadable", nil).Wrap(err)
	}
	if miss := rd.Missing(Required...); len(miss) > 0 {
		return p, ErrColumnMissing.With(map[string]any{"Columns": strings.Join(miss, ", ")})
	}
	total := estimateLines(data)
	p.Rows = make([]Row, 0, total)
	seen := make(map[string]int, total)
	communes := map[string]string{} // what the file says → NIS code, "" when unknown
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.Lines++
			p.Bad = append(p.Bad, csvin.LineError{Line: lineOf(err), Key: "import.line.malformed"})
			continue
		}
		if rec.Blank() {
			continue
		}
		p.Lines++
		if progress != nil && p.Lines%progressEvery == 0 {
			progress(p.Lines, max(total, p.Lines))
		}
		c, lerr := fromRecord(rec, dir, communes)
		if lerr != nil {
			p.Bad = append(p.Bad, *lerr)
			continue
		}
		key := c.Key()
		if first, dup := seen[key]; dup {
			p.Bad = append(p.Bad, csvin.LineError{Line: rec.Line, Field: "email", Key: "import.line.duplicate", Args: map[string]any{"Value": c.Email, "First": first}})
			continue
		}
		seen[key] = rec.Line
		p.Rows = append(p.Rows, Row{Line: rec.Line, Contact: c})
	}
	if progress != nil {
		progress(p.Lines, p.Lines)
	}
	return p, nil
}

// estimateLines guesses the number of data lines from the line breaks.
func estimateLines(data []byte) int {
	n := 0
	for _, b := range data {
		if b == '\n' {
			n++
		}
	}
	return max(n, 1)
}

func lineOf(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	return 0
}

// fromRecord checks one line; communes caches the resolution of each
// commune the file names.
func fromRecord(rec csvin.Record, dir *commune.Directory, communes map[string]string) (Contact, *csvin.LineError) {
	fail := func(field, key string, args map[string]any) (Contact, *csvin.LineError) {
		return Contact{}, &csvin.LineError{Line: rec.Line, Field: field, Key: key, Args: args}
	}
	// Cells that an export guarded against formulas come back as they were.
	get := func(column string) string { return csvin.Unguard(rec.Get(column)) }
	c := Contact{
		Email:     person.NormalizeEmail(get("email")),
		FirstName: person.CleanText(get("first_name")),
		LastName:  person.CleanText(get("last_name")),
		ShopName:  person.CleanText(get("shop_name")),
		Sector:    person.CleanText(get("sector")),
		Source:    "import",
	}
	if c.Email == "" {
		return fail("email", "import.contact.email_missing", nil)
	}
	if !person.ValidEmail(c.Email) {
		return fail("email", "import.contact.email_invalid", map[string]any{"Value": c.Email})
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"first_name", c.FirstName, MaxName}, {"last_name", c.LastName, MaxName}, {"shop_name", c.ShopName, MaxShop}, {"sector", c.Sector, MaxSector}} {
		if utf8.RuneCountInString(f.value) > f.max {
			return fail(f.field, "import.contact.too_long", map[string]any{"Field": f.field, "Max": f.max})
		}
	}
	basis := get("legal_basis")
	if basis == "" {
		return fail("legal_basis", "import.contact.legal_basis_missing", nil)
	}
	var ok bool
	if c.LegalBasis, ok = ParseLegalBasis(basis); !ok {
		return fail("legal_basis", "import.contact.legal_basis_unknown", map[string]any{"Value": basis})
	}
	if where := get("commune"); where != "" {
		nis, seen := communes[where]
		if !seen {
			if cm, err := dir.Resolve(where); err == nil {
				nis = cm.NIS
			}
			communes[where] = nis
		}
		if nis == "" {
			return fail("commune", "import.contact.commune_unknown", map[string]any{"Value": where})
		}
		c.CommuneNIS = nis
	}
	if phone := get("phone"); phone != "" {
		n, ok := person.NormalizePhone(phone)
		if !ok {
			return fail("phone", "import.contact.phone_invalid", map[string]any{"Value": phone})
		}
		c.Phone = n
	}
	return c, nil
}
