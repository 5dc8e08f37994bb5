package app

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// cp1252 encodes Latin-1 text as a Windows spreadsheet writes it.
func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for _, r := range s {
		switch {
		case r == '’':
			b = append(b, 0x92)
		case r <= 0xff:
			b = append(b, byte(r))
		default:
			t.Fatalf("%q is not in Windows-1252", r)
		}
	}
	return b
}

func contactCount(t *testing.T, dsn string) int {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Reader().QueryRow("SELECT COUNT(*) FROM contacts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportContacts(t *testing.T) {
	files := []struct {
		name string
		data func(t *testing.T) []byte
		rows int
	}{
		{"UTF-8 with commas", func(t *testing.T) []byte {
			return []byte("email,first_name,last_name,shop_name,commune,phone,legal_basis\n" +
				"anne@boulangerie.be,Anne,Dupont,Boulangerie Dupont,Châtelet,071 24 32 11,contract\n" +
				"luc@cafe.be,Luc,Martin,Café de la Gare,6200,,consent\n")
		}, 2},
		{"Windows-1252 with semicolons and French headers", func(t *testing.T) []byte {
			return cp1252(t, "Courriel;Prénom;Nom;Commerce;Secteur;Commune;Téléphone;Base légale\r\n"+
				"zoe@fleurs.be;Zoé;Lefèvre;L’atelier de Zoé;fleurs;Liège;04 222 33 44;consentement\r\n"+
				"noel@boucherie.be;Noël;Wéry;Boucherie Wéry;alimentation;63023;;contrat\r\n")
		}, 2},
		{"BOM and a quoted line break", func(t *testing.T) []byte {
			return []byte("\xef\xbb\xbfemail;shop_name;legal_basis\n" +
				"paul@fils.be;\"Chez Paul\net fils\";contrat\n" +
				"marc@example.be;\"Marc; tailleur\";consent\n")
		}, 2},
	}
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dsnFor(t, e)
			env := map[string]string{"VITRINE_DB": dsn}
			dir := t.TempDir()
			total := 0
			for _, f := range files {
				path := filepath.Join(dir, strings.ReplaceAll(f.name, " ", "-")+".csv")
				if err := os.WriteFile(path, f.data(t), 0o600); err != nil {
					t.Fatal(err)
				}
				code, out, errOut := runCLI(t, env, "import", "contacts", path)
				if code != 0 || !strings.Contains(out, "contacts: "+strconv.Itoa(f.rows)+" added, 0 updated, 0 unchanged, 0 rejected") {
					t.Fatalf("%s: exit %d\nstdout %q\nstderr %q", f.name, code, out, errOut)
				}
				if !strings.Contains(errOut, "checking:") || !strings.Contains(errOut, "writing:") || !strings.Contains(errOut, "lines a second") {
					t.Errorf("%s: no progress on stderr: %q", f.name, errOut)
				}
				total += f.rows
				// The same file again adds nothing.
				code, out, _ = runCLI(t, env, "import", "contacts", path)
				if code != 0 || !strings.Contains(out, "0 added, 0 updated, "+strconv.Itoa(f.rows)+" unchanged") {
					t.Errorf("%s again: exit %d %q", f.name, code, out)
				}
			}
			if n := contactCount(t, dsn); n != total {
				t.Fatalf("%d contacts, want %d", n, total)
			}
			// The quoted line break and the cp1252 accents came through.
			db, _ := store.Open(context.Background(), dsn)
			st := store.New(db)
			if c, err := st.Contacts.ByEmail(context.Background(), "paul@fils.be"); err != nil || c.ShopName != "Chez Paul et fils" {
				t.Errorf("quoted line: %+v %v", c, err)
			}
			if c, err := st.Contacts.ByEmail(context.Background(), "zoe@fleurs.be"); err != nil || c.ShopName != "L’atelier de Zoé" || c.CommuneNIS != "62063" {
				t.Errorf("cp1252 line: %+v %v", c, err)
			}
			db.Close()

			// Bad lines: each named, exit 1 with one line on stderr, nothing written.
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("email;legal_basis;commune\nnew@example.be;consent;Namur\nx@;consent;Namur\nother@example.be;;Namur\nnew@example.be;consent;Namur\n"), 0o600)
			code, out, errOut := runCLI(t, env, "import", "contacts", bad)
			if code != 1 || !strings.HasSuffix(errOut, "vitrine: 3 line(s) rejected\n") {
				t.Errorf("bad file: exit %d, stderr %q", code, errOut)
			}
			for _, want := range []string{
				`line 3: email "x@" is not a valid address`,
				"line 4: the legal basis is missing",
				"line 5: new@example.be already appears on line 2",
				"nothing was changed",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("bad file: stdout lacks %q:\n%s", want, out)
				}
			}
			if n := contactCount(t, dsn); n != total {
				t.Errorf("a rejected file changed the contacts: %d, want %d", n, total)
			}
			// A file without the needed columns, and one that is not there.
			os.WriteFile(bad, []byte("name;phone\nAnne;0470\n"), 0o600)
			if code, _, errOut := runCLI(t, env, "import", "contacts", bad); code != 1 || !strings.Contains(errOut, "lacks the column(s) email, legal_basis") {
				t.Errorf("missing columns: exit %d %q", code, errOut)
			}
			if code, _, errOut := runCLI(t, env, "import", "contacts", filepath.Join(dir, "none.csv")); code != 1 || !strings.Contains(errOut, "cannot read") {
				t.Errorf("missing file: exit %d %q", code, errOut)
			}
		})
	}
}
