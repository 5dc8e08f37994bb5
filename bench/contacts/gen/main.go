// Command gen writes a realistic contacts file for the import benchmark: a
// federation's export in Windows-1252 with semicolons and CRLF line ends,
// French headers, communes written as names, NIS codes or postal codes,
// some quoted fields (a semicolon, a line break in a shop name), and, when
// asked, a few hundred bad lines spread through the file.
//
//	go run ./bench/contacts/gen -rows 100000 -bad 300 -o contacts.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"vitrine/internal/commune"
)

func main() {
	rows := flag.Int("rows", 100000, "data lines")
	bad := flag.Int("bad", 300, "bad lines among them")
	out := flag.String("o", "contacts.csv", "file to write")
	seed := flag.Uint64("seed", 1, "random seed (the same seed writes the same file)")
	changed := flag.Int("changed", 0, "lines whose details differ from the same seed's file with -changed 0")
	flag.Parse()
	if err := write(*out, *rows, *bad, *changed, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

var (
	firstNames = []string{"Marie", "Jean", "Anne", "Luc", "Zoé", "Hélène", "François", "Chloé", "Noël", "Léa", "Thierry", "Cécile", "Jérôme", "Inès", "Grégoire", "Françoise", "Benoît", "Aurélie", "Stéphane", "Maëlle"}
	lastNames  = []string{"Dupont", "Lambert", "Martin", "Dubois", "Lefèvre", "Leclercq", "Renard", "Mertens", "Peeters", "Jacobs", "Goffin", "Delvaux", "Wéry", "Lemaître", "Herman", "Collard", "Piérard", "Noël", "Gérard", "Thiry"}
	shops      = []string{"Boulangerie", "Boucherie", "Librairie", "Fleuriste", "Café", "Épicerie fine", "Pharmacie", "Opticien", "Salon de coiffure", "Quincaillerie", "Fromagerie", "Chocolaterie", "Boutique", "Friterie", "Brasserie"}
	sectors    = []string{"alimentation", "horeca", "mode", "santé et beauté", "maison et déco", "loisirs", "services", "culture"}
	bases      = []string{"contrat", "membre", "consentement", "intérêt légitime", "contract", "consent"}
	badLines   = []func(i int, r *rand.Rand) string{
		func(i int, r *rand.Rand) string {
			return fmt.Sprintf("shop%d@;Anne;Dupont;Boulangerie;alimentation;Namur;081 22 33 44;contrat", i)
		},
		func(i int, r *rand.Rand) string {
			return fmt.Sprintf("bad%d@example.be;Luc;Martin;Café;horeca;Atlantis;;contrat", i)
		},
		func(i int, r *rand.Rand) string {
			return fmt.Sprintf("bad%d@example.be;Luc;Martin;Café;horeca;Liège;appelez-moi;contrat", i)
		},
		func(i int, r *rand.Rand) string {
			return fmt.Sprintf("bad%d@example.be;Luc;Martin;Café;horeca;Liège;;", i)
		},
		func(i int, r *rand.Rand) string {
			return fmt.Sprintf("bad%d@example.be;Luc;Martin;Café;horeca;1000;;contrat", i)
		},
		func(i int, r *rand.Rand) string {
			return lastEmail + ";Marie;Dupont;Boulangerie;alimentation;Namur;;contrat" // the line before says it already
		},
	}
)

// lastEmail is the address of the last good line written.
var lastEmail string

func write(path string, rows, bad, changed int, seed uint64) error {
	communes, _ := commune.Embedded()
	r := rand.New(rand.NewPCG(seed, 42))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	line := func(s string) { w.Write(cp1252(s)); w.WriteString("\r\n") }
	line("Courriel;Prénom;Nom;Commerce;Secteur;Commune;Téléphone;Base légale")
	badEvery := 0
	if bad > 0 {
		badEvery = rows / bad
	}
	nBad := 0
	for i := range rows {
		if badEvery > 0 && i%badEvery == badEvery/2 && nBad < bad {
			line(badLines[nBad%len(badLines)](i, r))
			nBad++
			continue
		}
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		c := communes[r.IntN(len(communes))]
		var where string
		switch r.IntN(3) {
		case 0:
			where = c.Name
		case 1:
			where = c.NIS
		default:
			where = c.MainPostalCode
		}
		shop := shops[r.IntN(len(shops))] + " " + last
		switch r.IntN(50) {
		case 0:
			shop = `"` + shop + `; fils"` // a semicolon inside a quoted field
		case 1:
			shop = `"` + shop + "\r\nsuccursale\"" // a line break inside a quoted field
		}
		phone := fmt.Sprintf("04%d %02d %02d %02d", 70+r.IntN(30), r.IntN(100), r.IntN(100), r.IntN(100))
		if r.IntN(4) == 0 {
			phone = ""
		}
		sector := sectors[r.IntN(len(sectors))]
		if i < changed {
			sector = "changé"
		}
		lastEmail = fmt.Sprintf("%s.%s.%d@example.be", strings.ToLower(ascii(first)), strings.ToLower(ascii(last)), i)
		line(strings.Join([]string{
			lastEmail,
			first, last, shop, sector, where, phone, bases[r.IntN(len(bases))],
		}, ";"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// ascii drops accents for the addresses.
func ascii(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "ç", "c", "ô", "o", "â", "a", "à", "a", "î", "i", "ï", "i").Replace(s)
}

// cp1252 encodes s in Windows-1252 (what a spreadsheet writes for a French
// user); characters outside it become '?'.
func cp1252(s string) []byte {
	special := map[rune]byte{'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, 'œ': 0x9c, 'Œ': 0x8c, 'Ÿ': 0x9f}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80 || r >= 0xa0 && r <= 0xff:
			b = append(b, byte(r))
		case special[r] != 0:
			b = append(b, special[r])
		default:
			b = append(b, '?')
		}
	}
	return b
}
