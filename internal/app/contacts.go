package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"vitrine/internal/i18n"
	"vitrine/internal/store"
)

// importContacts imports a federation's contacts file: progress on stderr,
// every rejected line and a summary on stdout. Nothing is written when a
// line is rejected.
func importContacts(ctx context.Context, env Env, st *store.Store, file string, data []byte) error {
	start := time.Now()
	step := map[store.ImportPhase]int{}
	progress := func(phase store.ImportPhase, done, total int) {
		// One line at each tenth of a step, and at its end.
		tenth := 0
		if total > 0 {
			tenth = done * 10 / total
		}
		if done == 0 || tenth <= step[phase] && done < total {
			return
		}
		step[phase] = tenth
		fmt.Fprintf(env.Stderr, "%s: %d of %d lines\n", phase, done, total)
	}
	fmt.Fprintf(env.Stderr, "reading %s (%d bytes)…\n", filepath.Base(file), len(data))
	imp, err := st.Contacts.Import(ctx, data, store.Actor{Name: "command line"}, filepath.Base(file), progress, time.Now)
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(env.Stderr, "%d lines in %.2f s (%.0f lines a second)\n", imp.Lines, d.Seconds(), float64(imp.Lines)/d.Seconds())
	l := i18n.MustLoad().For("en")
	for _, b := range imp.Bad {
		fmt.Fprintf(env.Stdout, "line %d: %s\n", b.Line, l.T(b.Key, b.Args))
	}
	if imp.Status == store.ImportRejected {
		fmt.Fprintf(env.Stdout, "contacts: 0 added, 0 updated, 0 unchanged, %d rejected of %d lines; nothing was changed: fix the lines above and import again\n", imp.Rejected, imp.Lines)
		return fmt.Errorf("%d line(s) rejected", imp.Rejected)
	}
	fmt.Fprintf(env.Stdout, "contacts: %d added, %d updated, %d unchanged, 0 rejected\n", imp.Added, imp.Updated, imp.Unchanged)
	return nil
}
