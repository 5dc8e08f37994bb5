package app

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitrine/internal/config"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// runCLI runs the command line in process and returns its exit status and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string // expected in stdout (0) or stderr
	}{
		{"version", []string{"version"}, 0, "vitrine dev"},
		{"help", []string{"--help"}, 0, "Usage:"},
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"dance"}, 2, `unknown command "dance"`},
		{"serve help", []string{"serve", "--help"}, 0, "--demo"},
		{"migrate help", []string{"migrate", "--help"}, 0, "Usage: vitrine migrate"},
		{"import help", []string{"import", "--help"}, 0, "vitrine import contacts FILE"},
		{"user help", []string{"user", "--help"}, 0, "--token"},
		{"backup help", []string{"backup", "--help"}, 0, "pg_restore"},
		{"demo help", []string{"demo", "--help"}, 0, "second run adds nothing"},
		{"unknown flag", []string{"migrate", "--nope"}, 2, "flag provided but not defined"},
		{"serve takes no argument", []string{"serve", "extra"}, 2, "no argument"},
		{"import without file", []string{"import", "communes"}, 2, "needs a kind and a file"},
		{"unknown import", []string{"import", "kittens", "x.csv"}, 2, `unknown import kind "kittens"`},
		{"import trainings help", []string{"import", "--help"}, 0, "--provider SLUG"},
		{"provider for communes", []string{"import", "communes", "x.csv", "--provider", "technobel"}, 2, "--provider goes with import trainings"},
		{"user add without role", []string{"user", "add", "a@example.org"}, 2, "needs --role"},
		{"bad dsn", []string{"migrate", "--db", "mysql://x"}, 1, "use sqlite:PATH or postgres://"},
		{"bad env", []string{"version"}, 0, "vitrine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, tt.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.out) {
				t.Errorf("output lacks %q: stdout %q stderr %q", tt.out, out, errOut)
			}
			if code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("failure is not one line: %q", errOut)
			}
		})
	}
	if code, _, errOut := runCLI(t, map[string]string{"VITRINE_MAIL_RATE": "lots"}, "version"); code != 1 || !strings.Contains(errOut, "VITRINE_MAIL_RATE") {
		t.Errorf("bad environment: exit %d, %q", code, errOut)
	}
	code, _, errOut := runCLI(t, nil, "migrate", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if code != 1 || !strings.Contains(errOut, "PostgreSQL") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("unreachable database: exit %d, %q", code, errOut)
	}
}

func dsnFor(t *testing.T, e store.Engine) string {
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	}
	return storetest.DSN(t, e)
}

func TestMigrateDemoUser(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dsnFor(t, e)
			env := map[string]string{"VITRINE_DB": dsn}
			if code, out, errOut := runCLI(t, env, "migrate"); code != 0 || !strings.Contains(out, "version") {
				t.Fatalf("migrate: %d %q %q", code, out, errOut)
			}
			if code, out, _ := runCLI(t, env, "demo"); code != 0 || out != "demo campaign loaded\n" {
				t.Fatalf("demo: %d %q", code, out)
			}
			before := counts(t, dsn)
			if code, out, _ := runCLI(t, env, "demo", "--db", dsn); code != 0 || !strings.Contains(out, "nothing added") {
				t.Fatalf("demo again: %d %q", code, out)
			}
			if after := counts(t, dsn); after != before {
				t.Errorf("second demo changed the rows: %v → %v", before, after)
			}
			if before.sessions != 11 || before.users != 5 || before.providers != 7 || before.budget != 3 {
				t.Errorf("demo rows = %+v", before)
			}
			// user add prints a one-time link, or a token on its own line.
			code, out, errOut := runCLI(t, env, "user", "add", "lea@example.org", "--role", "consultant")
			if code != 0 || !strings.Contains(out, "/sign-in/vl_") {
				t.Fatalf("user add: %d %q %q", code, out, errOut)
			}
			code, out, _ = runCLI(t, env, "user", "add", "x@example.org", "--role", "admin", "--token")
			tok := strings.TrimSpace(out)
			if code != 0 || !strings.HasPrefix(tok, "vt_") || strings.Contains(tok, "\n") {
				t.Fatalf("user add --token: %d %q", code, out)
			}
			if code, _, errOut := runCLI(t, env, "user", "add", "x@example.org", "--role", "admin"); code != 1 || !strings.Contains(errOut, "already exists") {
				t.Errorf("duplicate user: %d %q", code, errOut)
			}
			if code, _, errOut := runCLI(t, env, "user", "add", "y@example.org", "--role", "wizard"); code != 1 || !strings.Contains(errOut, "Unknown role") {
				t.Errorf("bad role: %d %q", code, errOut)
			}
			if code, _, errOut := runCLI(t, env, "user", "add", "c@example.org", "--role", "commune", "--commune", "Mouscron"); code != 0 {
				t.Errorf("commune account: %d %q", code, errOut)
			}
			if code, _, errOut := runCLI(t, env, "user", "add", "p@example.org", "--role", "provider", "--provider", "technobel"); code != 0 {
				t.Errorf("provider account: %d %q", code, errOut)
			}
			if code, _, errOut := runCLI(t, env, "user", "add", "q@example.org", "--role", "provider"); code != 1 {
				t.Errorf("provider without provider: %d %q", code, errOut)
			}
			// The token works on the staff API of the real server; a wrong one gets 401.
			base := serveInBackground(t, dsn)
			if got := apiStatus(t, base+"/api/v1/me", tok); got != 200 {
				t.Errorf("token: status %d", got)
			}
			if got := apiStatus(t, base+"/api/v1/me", tok+"x"); got != 401 {
				t.Errorf("wrong token: status %d", got)
			}
			var communes int
			if resp, err := http.Get(base + "/api/v1/communes"); err == nil {
				var b bytes.Buffer
				b.ReadFrom(resp.Body)
				resp.Body.Close()
				communes = strings.Count(b.String(), `"nis_code"`)
			}
			if communes != 261 {
				t.Errorf("%d communes served", communes)
			}
		})
	}
}

type rowCounts struct{ sessions, users, providers, budget, communes int }

func counts(t *testing.T, dsn string) rowCounts {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var c rowCounts
	for q, dst := range map[string]*int{
		"SELECT COUNT(*) FROM info_sessions": &c.sessions, "SELECT COUNT(*) FROM users": &c.users,
		"SELECT COUNT(*) FROM providers": &c.providers, "SELECT COUNT(*) FROM budget_lines": &c.budget,
		"SELECT COUNT(*) FROM communes": &c.communes,
	} {
		if err := db.Reader().QueryRow(q).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// serveInBackground runs the real server on a free port until the test ends.
func serveInBackground(t *testing.T, dsn string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg, _ := config.FromEnv(func(string) string { return "" })
	cfg.DB, cfg.Addr, cfg.RateLimit = dsn, ln.Addr().String(), 0
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- Serve(ctx, cfg, ln, false, &logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return ""
}

func apiStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestImportCommunes(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dsnFor(t, e)
			env := map[string]string{"VITRINE_DB": dsn}
			orig, err := os.ReadFile("../commune/data/communes-wallonie.csv")
			if err != nil {
				t.Fatal(err)
			}
			// A newer file: Châtelet's population changed, with ; and a BOM.
			lines := strings.Split(strings.TrimSpace(string(orig)), "\n")
			for i, l := range lines {
				if strings.HasPrefix(l, "52012,") {
					f := strings.Split(l, ",")
					f[14] = "36000"
					lines[i] = strings.Join(f, ",")
				}
			}
			good := filepath.Join(t.TempDir(), "communes.csv")
			os.WriteFile(good, []byte("\xef\xbb\xbf"+strings.Join(lines, "\n")+"\n"), 0o644)
			code, out, errOut := runCLI(t, env, "import", "communes", good)
			if code != 0 || !strings.Contains(out, "0 added, 1 updated, 260 unchanged, 0 rejected") {
				t.Fatalf("import: %d %q %q", code, out, errOut)
			}
			if !strings.Contains(errOut, "reading communes") {
				t.Errorf("no progress on stderr: %q", errOut)
			}
			// A file with bad lines changes nothing and names each line.
			bad := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(bad, []byte(lines[0]+"\n"+strings.Replace(lines[1], "25005", "2500", 1)+"\n"+lines[2]+"\n"), 0o644)
			code, out, errOut = runCLI(t, env, "import", "communes", bad)
			if code != 1 || !strings.Contains(out, `line 2: NIS code "2500" does not have 5 digits`) || !strings.Contains(out, "nothing was changed") {
				t.Errorf("bad import: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := runCLI(t, env, "import", "communes", filepath.Join(t.TempDir(), "missing.csv")); code != 1 || !strings.Contains(errOut, "cannot read") {
				t.Errorf("missing file: %d %q", code, errOut)
			}
		})
	}
}

// A provider's trainings file: per-line errors and nothing changed, then
// added, then unchanged on a second run.
func TestImportTrainings(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dsnFor(t, e)
			env := map[string]string{"VITRINE_DB": dsn}
			if code, _, errOut := runCLI(t, env, "demo"); code != 0 {
				t.Fatalf("demo: %s", errOut)
			}
			dir := t.TempDir()
			head := "module;titre;compétences;heures;chèques-formation;prix;session;date;début;fin;lieu;places\n"
			rows := "inventaire;Inventaire et stock;digital-till figures;3,5;oui;95,50;;;;;;\n" +
				"inventaire;;;;;;s1;12/04/2099;9:00;12:30;technobel-ciney;10\n" +
				"inventaire;;;;;;s2;19/04/2099;13:00;16:30;en ligne;10\n"
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte(head+rows+"webinaire;Webinaire;facebook;1;non;0;;;;;;\n"), 0o644)
			code, out, errOut := runCLI(t, env, "import", "trainings", bad, "--provider", "technobel")
			if code != 1 || !strings.Contains(out, `line 5: skills: The skill “facebook” does not exist.`) || !strings.Contains(out, "nothing was changed") {
				t.Fatalf("bad file: %d %q %q", code, out, errOut)
			}
			// The online day of an in-person module is caught against the database.
			os.WriteFile(bad, []byte(head+rows), 0o644)
			code, out, _ = runCLI(t, env, "import", "trainings", bad, "--provider", "technobel")
			if code != 1 || !strings.Contains(out, "line 4: site:") {
				t.Fatalf("online day of an in-person module: %d %q", code, out)
			}
			// The provider may be a column instead of the flag.
			good := filepath.Join(dir, "good.csv")
			var b strings.Builder
			for i, l := range strings.Split(strings.TrimSpace(head+strings.ReplaceAll(rows, "en ligne", "technobel-ciney")), "\n") {
				if i == 0 {
					b.WriteString("organisme;" + l + "\n")
				} else {
					b.WriteString("technobel;" + l + "\n")
				}
			}
			os.WriteFile(good, []byte(b.String()), 0o644)
			code, out, errOut = runCLI(t, env, "import", "trainings", good)
			if code != 0 || !strings.Contains(out, "modules 1 added, 0 updated, 0 unchanged; sessions 2 added") {
				t.Fatalf("good file: %d %q %q", code, out, errOut)
			}
			code, out, _ = runCLI(t, env, "import", "trainings", good, "--provider", "technobel")
			if code != 0 || !strings.Contains(out, "modules 0 added, 0 updated, 1 unchanged; sessions 0 added, 0 updated, 2 unchanged") {
				t.Errorf("second run: %d %q", code, out)
			}
			if code, out, _ := runCLI(t, env, "import", "trainings", good, "--provider", "nobody"); code != 1 || !strings.Contains(out, `line 2: provider: provider “technobel” is not the file’s (see --provider)`) {
				t.Errorf("another provider in the file: %d %q", code, out)
			}
			if code, _, errOut := runCLI(t, env, "import", "trainings", bad, "--provider", "nobody"); code != 1 || !strings.Contains(errOut, `provider “nobody” does not exist`) {
				t.Errorf("unknown provider: %d %q", code, errOut)
			}
		})
	}
}

// A backup taken while the server runs opens as a database with the same rows.
func TestBackupWhileServing(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dsn := dsnFor(t, e)
			env := map[string]string{"VITRINE_DB": dsn}
			if code, _, errOut := runCLI(t, env, "demo"); code != 0 {
				t.Fatal(errOut)
			}
			base := serveInBackground(t, dsn)
			// Keep the server busy while the backup runs.
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
						if r, err := http.Get(base + "/communes"); err == nil {
							r.Body.Close()
						}
					}
				}
			}()
			file := filepath.Join(t.TempDir(), "backup.db")
			code, out, errOut := runCLI(t, env, "backup", file)
			close(stop)
			if code != 0 {
				t.Fatalf("backup: %d %q %q", code, out, errOut)
			}
			if code, _, _ := runCLI(t, env, "backup", file); code != 1 {
				t.Error("backup over an existing file did not fail")
			}
			restored := "sqlite:" + file
			if e == store.Postgres {
				restored = storetest.DSN(t, store.Postgres)
				clearDatabase(t, restored)
				if out, err := exec.Command("pg_restore", "--no-owner", "--dbname", restored, file).CombinedOutput(); err != nil {
					t.Fatalf("pg_restore: %v %s", err, out)
				}
			}
			if got, want := counts(t, restored), counts(t, dsn); got != want {
				t.Errorf("backup rows %+v, want %+v", got, want)
			}
		})
	}
}

// clearDatabase empties a fresh PostgreSQL database so a dump can be restored into it.
func clearDatabase(t *testing.T, dsn string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
}
