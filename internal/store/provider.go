package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/training"
)

// ProviderStore keeps training providers and their sites.
type ProviderStore struct{ db *DB }

// ErrProviderNotFound is returned for an unknown provider.
var ErrProviderNotFound = apperr.New(apperr.NotFound, "provider_not_found", "error.provider.not_found")

// Ensure creates the provider (by slug) with its sites if it does not exist
// yet, and returns it with its id.
func (s *ProviderStore) Ensure(ctx context.Context, p training.Provider, now time.Time) (training.Provider, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = ensureProvider(ctx, tx, p, now)
		return err
	})
	return p, err
}

func ensureProvider(ctx context.Context, tx *sql.Tx, p training.Provider, now time.Time) (training.Provider, error) {
	err := tx.QueryRowContext(ctx, "SELECT id FROM providers WHERE slug = $1", p.Slug).Scan(&p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `
INSERT INTO providers (slug, name, kind, website, description, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			p.Slug, p.Name, string(p.Kind), p.Website, p.Description, utc(now)).Scan(&p.ID)
	}
	if err != nil {
		return p, fmt.Errorf("provider %s: %w", p.Slug, err)
	}
	for i, site := range p.Sites {
		site.ProviderID = p.ID
		err := tx.QueryRowContext(ctx, "SELECT id FROM provider_sites WHERE slug = $1", site.Slug).Scan(&site.ID)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `
INSERT INTO provider_sites (provider_id, slug, name, commune_nis, address, latitude, longitude)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				p.ID, site.Slug, site.Name, site.CommuneNIS, site.Address, site.Latitude, site.Longitude).Scan(&site.ID)
		}
		if err != nil {
			return p, fmt.Errorf("site %s: %w", site.Slug, err)
		}
		p.Sites[i] = site
	}
	return p, nil
}

// List returns every provider with its sites, by name.
func (s *ProviderStore) List(ctx context.Context) ([]training.Provider, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT id, slug, name, kind, website, description FROM providers ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	var out []training.Provider
	index := map[int64]int{}
	for rows.Next() {
		var p training.Provider
		if err := rows.Scan(&p.ID, &p.Slug, &p.Name, &p.Kind, &p.Website, &p.Description); err != nil {
			rows.Close()
			return nil, err
		}
		index[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.r.QueryContext(ctx, "SELECT id, provider_id, slug, name, commune_nis, address, latitude, longitude FROM provider_sites ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st training.Site
		if err := rows.Scan(&st.ID, &st.ProviderID, &st.Slug, &st.Name, &st.CommuneNIS, &st.Address, &st.Latitude, &st.Longitude); err != nil {
			return nil, err
		}
		if i, ok := index[st.ProviderID]; ok {
			out[i].Sites = append(out[i].Sites, st)
		}
	}
	return out, rows.Err()
}

// BySlug returns one provider without its sites.
func (s *ProviderStore) BySlug(ctx context.Context, slug string) (training.Provider, error) {
	var p training.Provider
	err := s.db.r.QueryRowContext(ctx, "SELECT id, slug, name, kind, website, description FROM providers WHERE slug = $1", slug).
		Scan(&p.ID, &p.Slug, &p.Name, &p.Kind, &p.Website, &p.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrProviderNotFound
	}
	return p, err
}
