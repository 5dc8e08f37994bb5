package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/campaign"
	"vitrine/internal/commune"
	"vitrine/internal/config"
	"vitrine/internal/csvin"
	"vitrine/internal/i18n"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/training"
)

// openStore opens and migrates the database.
func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return store.New(db), nil
}

func cmdMigrate(ctx context.Context, env Env, cfg config.Config, args []string) error {
	f := newFlags(env, "migrate", "Usage: vitrine migrate [--db DSN]\n\nApplies pending migrations and exits.\n\n")
	f.dbFlag(&cfg)
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("migrate takes no argument")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.DB.Close()
	v, err := st.DB.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database is at version %d\n", v)
	return nil
}

func cmdDemo(ctx context.Context, env Env, cfg config.Config, args []string) error {
	f := newFlags(env, "demo", "Usage: vitrine demo [--db DSN]\n\nLoads the demo campaign. A second run adds nothing.\n\n")
	f.dbFlag(&cfg)
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no argument")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.DB.Close()
	loaded, err := loadDemo(ctx, st, time.Now())
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(env.Stdout, "demo campaign loaded")
	} else {
		fmt.Fprintln(env.Stdout, "demo campaign already loaded: nothing added")
	}
	return nil
}

func loadDemo(ctx context.Context, st *store.Store, now time.Time) (bool, error) {
	d, err := campaign.NewDemo(now, i18n.Brussels)
	if err != nil {
		return false, err
	}
	return st.LoadDemo(ctx, d, now)
}

const importUsage = `Usage:
  vitrine import communes FILE [--db DSN]
  vitrine import contacts FILE [--db DSN]
  vitrine import trainings FILE [--provider SLUG] [--db DSN]

Imports a CSV file (UTF-8 or Windows-1252, , or ;, one header row; header
names in English or French, case, accents and spaces ignored). Nothing is
changed when a line is rejected: the summary names every rejected line.

contacts: the partner federation's address book (email, first_name,
last_name, shop_name, sector, commune or postal code, phone, legal_basis);
a known email is updated, an opted-out one stays opted out.

trainings: one provider's modules and/or dated sessions. Name the provider
with --provider SLUG, or with a "provider" column (one provider per file).
  module (code)        the provider's reference of the module: page-facebook
  title (titre)        a row with a title describes a module, with:
    description, skills (compétences: skill IDs, e.g. social-page community),
    format (présentiel | en ligne), hours (heures: 3,5), level_min, level_max
    (niveau min, niveau max: 0 to 5), voucher_eligible (chèques-formation:
    oui | non), price (prix: 210,00)
  date                 a row with a date adds a day to a session, with:
    start (début: 9:00), end (fin: 12:30), site (lieu: a site slug, empty
    or "en ligne" for online), capacity (places), session (a code: rows with
    the same module and session code are the days of one session)
Modules are updated by code, sessions by module and code, so importing the
same file twice changes nothing.

`

func cmdImport(ctx context.Context, env Env, cfg config.Config, args []string) error {
	f := newFlags(env, "import", importUsage)
	var provider string
	f.StringVar(&provider, "provider", "", "trainings: the provider's slug (or a provider column in the file)")
	f.dbFlag(&cfg)
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("import needs a kind and a file: vitrine import communes|contacts|trainings FILE")
	}
	kind, file := pos[0], pos[1]
	importers := map[string]func(context.Context, Env, *store.Store, string, []byte) error{
		"communes": importCommunes,
		"contacts": importContacts,
		"trainings": func(ctx context.Context, env Env, st *store.Store, _ string, data []byte) error {
			return importTrainings(ctx, env, st, data, strings.ToLower(strings.TrimSpace(provider)))
		},
	}
	imp, ok := importers[kind]
	if !ok {
		return usagef("unknown import kind %q (communes, contacts, trainings)", kind)
	}
	if provider != "" && kind != "trainings" {
		return usagef("--provider goes with import trainings")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", file, errors.Unwrap(err))
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.DB.Close()
	return imp(ctx, env, st, file, data)
}

func importCommunes(ctx context.Context, env Env, st *store.Store, _ string, data []byte) error {
	fmt.Fprintln(env.Stderr, "reading communes…")
	communes, bad, err := commune.ParseCommunes(data)
	if err != nil {
		return err
	}
	l := i18n.MustLoad().For("en")
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintf(env.Stdout, "line %d: %s\n", b.Line, l.T(b.Key, b.Args))
		}
		fmt.Fprintf(env.Stdout, "communes: 0 added, 0 updated, %d rejected; nothing was changed: fix the lines above and import again\n", len(bad))
		return fmt.Errorf("%d line(s) rejected", len(bad))
	}
	fmt.Fprintf(env.Stderr, "writing %d communes…\n", len(communes))
	res, err := st.Communes.Upsert(ctx, communes, nil, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "communes: %d added, %d updated, %d unchanged, 0 rejected\n", res.Added, res.Updated, res.Unchanged)
	return nil
}

// importTrainings loads a provider's modules and sessions, all or nothing.
func importTrainings(ctx context.Context, env Env, st *store.Store, data []byte, provider string) error {
	fmt.Fprintln(env.Stderr, "reading trainings…")
	cat, bad, err := training.ParseCatalogue(data, provider, i18n.Brussels)
	if err != nil {
		return err
	}
	l := i18n.MustLoad().For("en")
	reject := func(bad []csvin.LineError) error {
		for _, b := range bad {
			field := ""
			if b.Field != "" {
				field = b.Field + ": "
			}
			fmt.Fprintf(env.Stdout, "line %d: %s%s\n", b.Line, field, l.T(b.Key, b.Args))
		}
		fmt.Fprintf(env.Stdout, "trainings: 0 added, 0 updated, %d rejected; nothing was changed: fix the lines above and import again\n", len(bad))
		return fmt.Errorf("%d line(s) rejected", len(bad))
	}
	if len(bad) > 0 {
		return reject(bad)
	}
	fmt.Fprintf(env.Stderr, "writing %d modules and %d sessions for %s…\n", len(cat.Modules), len(cat.Sessions), cat.ProviderSlug)
	res, bad, err := st.Trainings.ImportCatalogue(ctx, cat, i18n.Brussels, time.Now())
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		return errors.New(l.T(e.Key, e.Args))
	}
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return reject(bad)
	}
	fmt.Fprintf(env.Stdout, "trainings: modules %d added, %d updated, %d unchanged; sessions %d added, %d updated, %d unchanged; 0 rejected\n",
		res.ModulesAdded, res.ModulesUpdated, res.ModulesUnchanged, res.SessionsAdded, res.SessionsUpdated, res.SessionsUnchanged)
	return nil
}

func cmdUser(ctx context.Context, env Env, cfg config.Config, args []string) error {
	var role, communeNIS, providerSlug, name string
	var token bool
	f := newFlags(env, "user", `Usage:
  vitrine user add EMAIL --role ROLE [--token] [--commune NIS] [--provider SLUG] [--name NAME] [--db DSN]
  vitrine user link EMAIL [--db DSN]     a new one-time sign-in link
  vitrine user token EMAIL [--db DSN]    a new API token

Roles: admin, consultant, partner, provider (needs --provider), commune (needs --commune).
"add" prints a one-time sign-in link, or with --token an API token on its own line.

`)
	f.StringVar(&role, "role", "", "admin, consultant, partner, provider or commune")
	f.BoolVar(&token, "token", false, "print an API token instead of a sign-in link")
	f.StringVar(&communeNIS, "commune", "", "NIS code, name or postal code of the commune (commune role)")
	f.StringVar(&providerSlug, "provider", "", "slug of the training provider (provider role)")
	f.StringVar(&name, "name", "", "the person's name")
	f.dbFlag(&cfg)
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "add" && pos[0] != "link" && pos[0] != "token") {
		return usagef("user needs add, link or token and an email address")
	}
	verb, email := pos[0], pos[1]
	if verb == "add" && role == "" {
		return usagef("user add needs --role (admin, consultant, partner, provider or commune)")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.DB.Close()
	now := time.Now()
	var u staff.User
	if verb == "add" {
		r, err := staff.ParseRole(role)
		if err != nil {
			return err
		}
		u = staff.User{Email: email, Role: r, Name: name}
		if communeNIS != "" {
			dir, err := st.Communes.Directory(ctx)
			if err != nil {
				return err
			}
			c, err := dir.Resolve(communeNIS)
			if err != nil {
				return err
			}
			u.CommuneNIS = c.NIS
		}
		if providerSlug != "" {
			p, err := st.Providers.BySlug(ctx, providerSlug)
			if err != nil {
				return err
			}
			u.ProviderID = p.ID
		}
		if u, err = st.Users.Create(ctx, u, now); err != nil {
			return err
		}
	} else {
		if u, err = st.Users.ByEmail(ctx, email); err != nil {
			return err
		}
		token = verb == "token"
	}
	if token {
		tok, err := st.Users.NewToken(ctx, u.ID, "command line", now)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, tok)
		return nil
	}
	link, err := st.Users.NewLoginLink(ctx, u.ID, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s/sign-in/%s\n", cfg.PublicURL(), link)
	fmt.Fprintf(env.Stderr, "one-time sign-in link for %s (%s), valid %d hours\n", u.Email, u.Role, int(staff.LoginLinkTTL.Hours()))
	return nil
}

func cmdBackup(ctx context.Context, env Env, cfg config.Config, args []string) error {
	f := newFlags(env, "backup", `Usage: vitrine backup FILE [--db DSN]

Writes a consistent backup while the server runs.
SQLite: FILE is a complete database file (open it with --db sqlite:FILE).
PostgreSQL: FILE is a pg_dump archive (restore it with pg_restore).

`)
	f.dbFlag(&cfg)
	pos, err := f.parse(env, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup needs one file name")
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s already exists: choose a new file name", file)
	}
	engine, target, err := store.ParseDSN(cfg.DB)
	if err != nil {
		return err
	}
	if engine == store.Postgres {
		dump, err := exec.LookPath("pg_dump")
		if err != nil {
			return errors.New("pg_dump is not installed: install the PostgreSQL client tools")
		}
		out, err := exec.CommandContext(ctx, dump, "--format=custom", "--no-owner", "--file", file, target).CombinedOutput()
		if err != nil {
			os.Remove(file)
			return fmt.Errorf("pg_dump failed: %s", strings.TrimSpace(string(out)))
		}
		fmt.Fprintf(env.Stdout, "backup written to %s (restore with pg_restore)\n", file)
		return nil
	}
	if _, err := os.Stat(target); err != nil {
		return fmt.Errorf("no database at %s", target)
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, file); err != nil {
		os.Remove(file)
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s\n", file)
	return nil
}
