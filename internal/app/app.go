// Package app is the vitrine command: it reads the configuration, opens the
// database and runs one of the commands of the contract.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"vitrine/internal/apperr"
	"vitrine/internal/config"
	"vitrine/internal/i18n"
)

// Version is set at build time (-ldflags "-X vitrine/internal/app.Version=…").
var Version = "dev"

// Env is what a command sees of the outside world.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// errUsage marks a wrong use of the command line (exit status 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

const mainUsage = `Vitrine runs the "Commerce connecté" campaign.

Usage:
  vitrine serve   [--addr ADDR] [--db DSN] [--demo]   run the web app and its workers
  vitrine migrate [--db DSN]                          apply database migrations
  vitrine demo    [--db DSN]                          load the demo campaign (once)
  vitrine import  communes|contacts FILE [--db DSN]   import a CSV file
  vitrine user    add EMAIL --role ROLE [--token]     create a staff account
  vitrine user    link EMAIL | token EMAIL            a new sign-in link or API token
  vitrine backup  FILE [--db DSN]                     write a consistent online backup
  vitrine version                                     print the version

DSN is sqlite:PATH (default sqlite:vitrine.db) or postgres://…
Run "vitrine COMMAND --help" for a command's options.
`

// Main runs the command line and returns the exit status: 0 success, 1
// failure (one plain line on stderr), 2 wrong usage.
func Main(ctx context.Context, env Env) int {
	err := run(ctx, env)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(errUsage)):
		fmt.Fprintf(env.Stderr, "vitrine: %s\nRun \"vitrine --help\" for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "vitrine: %s\n", plain(err))
		return 1
	}
}

// plain turns an error into one line a person can act on: the English
// message of a domain error, the text of others.
func plain(err error) string {
	if e, ok := apperr.As(err); ok && e.Key != "" {
		l := i18n.MustLoad().For("en")
		msg := l.T(e.Key, e.Args)
		for _, f := range e.Fields {
			msg += " (" + f.Field + ": " + l.T(f.Key, f.Args) + ")"
		}
		return msg
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func run(ctx context.Context, env Env) error {
	if len(env.Args) == 0 {
		fmt.Fprint(env.Stderr, mainUsage)
		return usagef("no command given")
	}
	cfg, err := config.FromEnv(env.Getenv)
	if err != nil {
		return err
	}
	cmd, args := env.Args[0], env.Args[1:]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, mainUsage)
		return nil
	case "version", "--version":
		fmt.Fprintln(env.Stdout, "vitrine", Version)
		return nil
	case "serve":
		return cmdServe(ctx, env, cfg, args)
	case "migrate":
		return cmdMigrate(ctx, env, cfg, args)
	case "demo":
		return cmdDemo(ctx, env, cfg, args)
	case "import":
		return cmdImport(ctx, env, cfg, args)
	case "user":
		return cmdUser(ctx, env, cfg, args)
	case "backup":
		return cmdBackup(ctx, env, cfg, args)
	}
	fmt.Fprint(env.Stderr, mainUsage)
	return usagef("unknown command %q", cmd)
}

// flags is a flag set whose flags may come before or after the positional
// arguments, as in "vitrine import communes FILE --db DSN".
type flags struct {
	*flag.FlagSet
	usage string
}

func newFlags(env Env, name, usage string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &flags{FlagSet: fs, usage: usage}
	fs.Usage = func() {}
	_ = env
	return f
}

// parse reads flags and returns the positional arguments; --help prints the
// command's usage and stops with flag.ErrHelp.
func (f *flags) parse(env Env, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(env.Stdout, f.usage)
				f.SetOutput(env.Stdout)
				f.PrintDefaults()
				return nil, flag.ErrHelp
			}
			return nil, usagef("%s: %v", f.Name(), err)
		}
		rest := f.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (f *flags) dbFlag(cfg *config.Config) {
	f.StringVar(&cfg.DB, "db", cfg.DB, "database: sqlite:PATH or postgres://… (env VITRINE_DB)")
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
