package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
)

// CommuneStore keeps the communes and postal localities.
type CommuneStore struct {
	db *DB

	mu      sync.Mutex
	cached  *commune.Directory
	stamp   string    // count and max(updated_at) when cached was built
	checked time.Time // when stamp was last compared with the table
}

// ErrCommuneNotFound is returned for an unknown NIS code.
var ErrCommuneNotFound = apperr.New(apperr.NotFound, "commune_not_found", "error.commune.not_found")

// seedReference loads the embedded communes and localities into an empty
// database.
func seedReference(ctx context.Context, db *DB) error {
	var n int
	if err := db.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM communes").Scan(&n); err != nil {
		return fmt.Errorf("seed communes: %w", err)
	}
	if n > 0 {
		return nil
	}
	communes, locs := commune.Embedded()
	_, err := (&CommuneStore{db: db}).Upsert(ctx, communes, locs, time.Now())
	return err
}

// UpsertResult counts what an import changed.
type UpsertResult struct {
	Added, Updated, Unchanged int
}

// Upsert adds or updates communes by NIS code, and replaces the postal
// localities of the communes given when locs is not nil. The campaign phase of
// an existing commune is kept.
func (s *CommuneStore) Upsert(ctx context.Context, communes []commune.Commune, locs []commune.Locality, now time.Time) (UpsertResult, error) {
	var res UpsertResult
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res = UpsertResult{}
		existing := map[string]commune.Commune{}
		rows, err := tx.QueryContext(ctx, "SELECT "+communeCols+" FROM communes")
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanCommune(rows)
			if err != nil {
				rows.Close()
				return err
			}
			existing[c.NIS] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range communes {
			old, found := existing[c.NIS]
			if found {
				c.Phase = old.Phase
				if sameCommune(old, c) {
					res.Unchanged++
					continue
				}
				res.Updated++
			} else {
				res.Added++
			}
			_, err := tx.ExecContext(ctx, `
INSERT INTO communes (nis_code, name_fr, name, name_de, name_nl, language_area, province_nis, province,
    arrondissement_nis, arrondissement, main_postal_code, postal_codes, latitude, longitude,
    population, population_date, is_city, is_city_basis, phase, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
ON CONFLICT (nis_code) DO UPDATE SET name_fr = excluded.name_fr, name = excluded.name,
    name_de = excluded.name_de, name_nl = excluded.name_nl, language_area = excluded.language_area,
    province_nis = excluded.province_nis, province = excluded.province,
    arrondissement_nis = excluded.arrondissement_nis, arrondissement = excluded.arrondissement,
    main_postal_code = excluded.main_postal_code, postal_codes = excluded.postal_codes,
    latitude = excluded.latitude, longitude = excluded.longitude, population = excluded.population,
    population_date = excluded.population_date, is_city = excluded.is_city,
    is_city_basis = excluded.is_city_basis, updated_at = excluded.updated_at`,
				c.NIS, c.NameFR, c.Name, c.NameDE, c.NameNL, c.LanguageArea, c.ProvinceNIS, c.Province,
				c.ArrondissementNIS, c.Arrondissement, c.MainPostalCode, strings.Join(c.PostalCodes, " "),
				c.Latitude, c.Longitude, c.Population, c.PopulationDate, c.IsCity, c.IsCityBasis,
				phaseOr(c), utc(now))
			if err != nil {
				return fmt.Errorf("commune %s: %w", c.NIS, err)
			}
		}
		if locs != nil {
			for _, l := range locs {
				_, err := tx.ExecContext(ctx, `
INSERT INTO postal_localities (postal_code, locality, nis_code, latitude, longitude)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (postal_code, locality) DO UPDATE SET nis_code = excluded.nis_code,
    latitude = excluded.latitude, longitude = excluded.longitude`,
					l.PostalCode, l.Name, l.NIS, l.Latitude, l.Longitude)
				if err != nil {
					return fmt.Errorf("locality %s %s: %w", l.PostalCode, l.Name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return UpsertResult{}, fmt.Errorf("upsert communes: %w", err)
	}
	s.invalidate()
	return res, nil
}

func phaseOr(c commune.Commune) int {
	if c.Phase == 0 {
		return commune.DefaultPhase(c.IsCity)
	}
	return c.Phase
}

func sameCommune(a, b commune.Commune) bool {
	return a.NameFR == b.NameFR && a.Name == b.Name && a.NameDE == b.NameDE && a.NameNL == b.NameNL &&
		a.LanguageArea == b.LanguageArea && a.ProvinceNIS == b.ProvinceNIS && a.Province == b.Province &&
		a.ArrondissementNIS == b.ArrondissementNIS && a.Arrondissement == b.Arrondissement &&
		a.MainPostalCode == b.MainPostalCode && strings.Join(a.PostalCodes, " ") == strings.Join(b.PostalCodes, " ") &&
		a.Latitude == b.Latitude && a.Longitude == b.Longitude && a.Population == b.Population &&
		a.PopulationDate == b.PopulationDate && a.IsCity == b.IsCity && a.IsCityBasis == b.IsCityBasis
}

const communeCols = `nis_code, name_fr, name, name_de, name_nl, language_area, province_nis, province,
    arrondissement_nis, arrondissement, main_postal_code, postal_codes, latitude, longitude,
    population, population_date, is_city, is_city_basis, phase`

func scanCommune(row interface{ Scan(...any) error }) (commune.Commune, error) {
	var c commune.Commune
	var postal string
	err := row.Scan(&c.NIS, &c.NameFR, &c.Name, &c.NameDE, &c.NameNL, &c.LanguageArea, &c.ProvinceNIS, &c.Province,
		&c.ArrondissementNIS, &c.Arrondissement, &c.MainPostalCode, &postal, &c.Latitude, &c.Longitude,
		&c.Population, &c.PopulationDate, &c.IsCity, &c.IsCityBasis, &c.Phase)
	c.PostalCodes = strings.Fields(postal)
	return c, err
}

// Directory returns the communes as a directory for lookups. It is cached and
// rebuilt when the table changes (checked at most once a second), so several
// instances see an import made by another.
func (s *CommuneStore) Directory(ctx context.Context) (*commune.Directory, error) {
	s.mu.Lock()
	if s.cached != nil && time.Since(s.checked) < time.Second {
		d := s.cached
		s.mu.Unlock()
		return d, nil
	}
	s.mu.Unlock()
	var stamp string
	var n int
	var last sql.NullString
	if err := s.db.r.QueryRowContext(ctx, "SELECT COUNT(*), CAST(MAX(updated_at) AS TEXT) FROM communes").Scan(&n, &last); err != nil {
		return nil, fmt.Errorf("communes: %w", err)
	}
	stamp = fmt.Sprint(n, last.String)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && s.stamp == stamp {
		s.checked = time.Now()
		return s.cached, nil
	}
	communes, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	locs, err := s.localities(ctx)
	if err != nil {
		return nil, err
	}
	s.cached, s.stamp, s.checked = commune.NewDirectory(communes, locs), stamp, time.Now()
	return s.cached, nil
}

func (s *CommuneStore) invalidate() {
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
}

// List returns every commune, by NIS code.
func (s *CommuneStore) List(ctx context.Context) ([]commune.Commune, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+communeCols+" FROM communes ORDER BY nis_code")
	if err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	defer rows.Close()
	var out []commune.Commune
	for rows.Next() {
		c, err := scanCommune(rows)
		if err != nil {
			return nil, fmt.Errorf("list communes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Get returns one commune.
func (s *CommuneStore) Get(ctx context.Context, nis string) (commune.Commune, error) {
	c, err := scanCommune(s.db.r.QueryRowContext(ctx, "SELECT "+communeCols+" FROM communes WHERE nis_code = $1", nis))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrCommuneNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get commune %s: %w", nis, err)
	}
	return c, nil
}

// SetPhase moves a commune to a campaign phase.
func (s *CommuneStore) SetPhase(ctx context.Context, nis string, phase int, now time.Time) error {
	if phase != 1 && phase != 2 {
		return apperr.Field("phase", "error.phase.invalid", nil)
	}
	res, err := s.db.w.ExecContext(ctx, "UPDATE communes SET phase = $1, updated_at = $2 WHERE nis_code = $3", phase, utc(now), nis)
	if err != nil {
		return fmt.Errorf("set phase: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrCommuneNotFound
	}
	s.invalidate()
	return nil
}

func (s *CommuneStore) localities(ctx context.Context) ([]commune.Locality, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT postal_code, locality, nis_code, latitude, longitude FROM postal_localities ORDER BY postal_code, locality")
	if err != nil {
		return nil, fmt.Errorf("localities: %w", err)
	}
	defer rows.Close()
	var out []commune.Locality
	for rows.Next() {
		var l commune.Locality
		if err := rows.Scan(&l.PostalCode, &l.Name, &l.NIS, &l.Latitude, &l.Longitude); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
