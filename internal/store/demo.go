package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vitrine/internal/campaign"
	"vitrine/internal/person"
	"vitrine/internal/training"
)

const demoMarker = "demo_loaded_at"

// LoadDemo loads the demo campaign in one transaction. It is idempotent: once
// loaded (a marker says so), a second call adds nothing and returns false.
func (st *Store) LoadDemo(ctx context.Context, d campaign.Demo, now time.Time) (bool, error) {
	loaded := false
	err := st.DB.Tx(ctx, func(tx *sql.Tx) error {
		loaded = false
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings WHERE key = $1", demoMarker).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// Phase 1: the communes holding the title of city; phase 2: the others.
		if _, err := tx.ExecContext(ctx, "UPDATE communes SET phase = CASE WHEN is_city THEN 1 ELSE 2 END"); err != nil {
			return fmt.Errorf("phases: %w", err)
		}
		for _, s := range d.Sessions {
			if _, err := createSession(ctx, tx, s, now); err != nil {
				return err
			}
		}
		providerIDs := map[string]int64{}
		for _, p := range d.Providers {
			p, err := ensureProvider(ctx, tx, p, now)
			if err != nil {
				return err
			}
			providerIDs[p.Slug] = p.ID
		}
		for _, b := range d.BudgetLines {
			if _, err := ensureBudgetLine(ctx, tx, b, now); err != nil {
				return err
			}
		}
		if err := loadDemoCatalogue(ctx, tx, d.Modules, providerIDs, d.Location, now); err != nil {
			return err
		}
		for _, u := range d.Users {
			if u.ProviderSlug != "" {
				u.ProviderID = providerIDs[u.ProviderSlug]
			}
			if err := u.Validate(); err != nil {
				return fmt.Errorf("demo user %s: %w", u.Email, err)
			}
			_, err := tx.ExecContext(ctx, `
INSERT INTO users (email, name, role, commune_nis, provider_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (email) DO NOTHING`,
				person.NormalizeEmail(u.Email), u.Name, string(u.Role), nullString(u.CommuneNIS), nullInt(u.ProviderID), utc(now))
			if err != nil {
				return fmt.Errorf("demo user %s: %w", u.Email, err)
			}
		}
		loaded = true
		return setSetting(ctx, tx, demoMarker, utc(now).Format(time.RFC3339), now)
	})
	if err != nil {
		return false, fmt.Errorf("load demo: %w", err)
	}
	st.Communes.invalidate()
	return loaded, nil
}

// loadDemoCatalogue adds the demo's modules and sessions, checked as any
// other.
func loadDemoCatalogue(ctx context.Context, tx *sql.Tx, modules []campaign.DemoModule, providerIDs map[string]int64, loc *time.Location, now time.Time) error {
	sites := map[string]int64{}
	rows, err := tx.QueryContext(ctx, "SELECT slug, id FROM provider_sites")
	if err != nil {
		return err
	}
	for rows.Next() {
		var slug string
		var id int64
		if err := rows.Scan(&slug, &id); err != nil {
			rows.Close()
			return err
		}
		sites[slug] = id
	}
	rows.Close()
	for _, dm := range modules {
		m := dm.Module
		m.ProviderID = providerIDs[dm.ProviderSlug]
		m.Normalize()
		if err := m.Validate(); err != nil {
			return fmt.Errorf("demo module %s: %w", m.Code, err)
		}
		id, err := insertModule(ctx, tx, m, m.Code, now)
		if err != nil {
			return fmt.Errorf("demo module %s: %w", m.Code, err)
		}
		m.ID = id
		for _, ds := range dm.Sessions {
			ss := training.Session{SiteID: sites[ds.SiteSlug], Capacity: ds.Capacity, Days: ds.Days}
			if _, err := insertSession(ctx, tx, m, ss, loc, now); err != nil {
				return fmt.Errorf("demo module %s: %w", m.Code, err)
			}
		}
	}
	return nil
}
