package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/person"
	"vitrine/internal/staff"
)

// UserStore keeps staff accounts, their sign-in links and API tokens.
type UserStore struct{ db *DB }

var (
	ErrUserNotFound   = apperr.New(apperr.NotFound, "user_not_found", "error.user.not_found")
	ErrUserExists     = apperr.New(apperr.Conflict, "user_exists", "error.user.exists")
	ErrLinkInvalid    = apperr.New(apperr.Gone, "link_invalid", "error.signin.link_invalid")
	ErrTokenInvalid   = apperr.New(apperr.Unauthorized, "token_invalid", "error.auth.token_invalid")
	ErrProviderAbsent = apperr.New(apperr.Invalid, "provider_unknown", "error.provider.unknown")
)

const userCols = "id, email, name, role, COALESCE(commune_nis, ''), COALESCE(provider_id, 0), created_at, disabled_at"

func scanUser(row interface{ Scan(...any) error }) (staff.User, error) {
	var u staff.User
	var disabled sql.NullTime
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.CommuneNIS, &u.ProviderID, &u.CreatedAt, &disabled)
	u.DisabledAt = disabled.Time
	return u, err
}

// Create adds a staff account. The email must be new.
func (s *UserStore) Create(ctx context.Context, u staff.User, now time.Time) (staff.User, error) {
	u.Email = person.NormalizeEmail(u.Email)
	if !person.ValidEmail(u.Email) {
		return u, apperr.Field("email", "error.email.invalid", map[string]any{"Value": u.Email})
	}
	if err := u.Validate(); err != nil {
		return u, err
	}
	u.CreatedAt = utc(now)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE LOWER(email) = $1", person.EmailKey(u.Email)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrUserExists
		}
		if u.CommuneNIS != "" {
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM communes WHERE nis_code = $1", u.CommuneNIS).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrCommuneNotFound
			}
		}
		if u.ProviderID != 0 {
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM providers WHERE id = $1", u.ProviderID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrProviderAbsent
			}
		}
		return tx.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, commune_nis, provider_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			u.Email, u.Name, string(u.Role), nullString(u.CommuneNIS), nullInt(u.ProviderID), u.CreatedAt).Scan(&u.ID)
	})
	if isUniqueViolation(err) {
		return u, ErrUserExists
	}
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Get returns the account with this id.
func (s *UserStore) Get(ctx context.Context, id int64) (staff.User, error) {
	u, err := scanUser(s.db.r.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrUserNotFound
	}
	return u, err
}

// ByEmail returns the account with this address (case-insensitive).
func (s *UserStore) ByEmail(ctx context.Context, email string) (staff.User, error) {
	u, err := scanUser(s.db.r.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE LOWER(email) = $1", person.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrUserNotFound
	}
	return u, err
}

// List returns every account, by email.
func (s *UserStore) List(ctx context.Context) ([]staff.User, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY email")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []staff.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// NewLoginLink stores a one-time sign-in secret for the user and returns it.
func (s *UserStore) NewLoginLink(ctx context.Context, userID int64, now time.Time) (string, error) {
	plain, hash := staff.NewSecret(staff.LinkPrefix)
	_, err := s.db.w.ExecContext(ctx, `INSERT INTO login_links (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, userID, utc(now), utc(now.Add(staff.LoginLinkTTL)))
	if err != nil {
		return "", fmt.Errorf("new login link: %w", err)
	}
	return plain, nil
}

// UseLoginLink spends a sign-in secret: it works once, before it expires, for
// an account that is not disabled.
func (s *UserStore) UseLoginLink(ctx context.Context, plain string, now time.Time) (staff.User, error) {
	var u staff.User
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `
UPDATE login_links SET used_at = $1
WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
RETURNING user_id`, utc(now), staff.Hash(plain)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", userID))
		if err != nil {
			return err
		}
		if !u.DisabledAt.IsZero() {
			return ErrLinkInvalid
		}
		return nil
	})
	return u, err
}

// NewToken creates an API token for the user and returns it; only its hash is kept.
func (s *UserStore) NewToken(ctx context.Context, userID int64, label string, now time.Time) (string, error) {
	plain, hash := staff.NewSecret(staff.TokenPrefix)
	_, err := s.db.w.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)`,
		userID, hash, label, utc(now))
	if err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	return plain, nil
}

// ByToken returns the account an API token belongs to.
func (s *UserStore) ByToken(ctx context.Context, plain string, now time.Time) (staff.User, error) {
	var tokenID int64
	var last sql.NullTime
	row := s.db.r.QueryRowContext(ctx, `
SELECT t.id, t.last_used_at, u.id, u.email, u.name, u.role, COALESCE(u.commune_nis, ''),
    COALESCE(u.provider_id, 0), u.created_at, u.disabled_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, staff.Hash(plain))
	var u staff.User
	var disabled sql.NullTime
	err := row.Scan(&tokenID, &last, &u.ID, &u.Email, &u.Name, &u.Role, &u.CommuneNIS, &u.ProviderID, &u.CreatedAt, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrTokenInvalid
	}
	if err != nil {
		return u, fmt.Errorf("token: %w", err)
	}
	// Record use at most once an hour, so reads do not become writes.
	if !last.Valid || now.Sub(last.Time) > time.Hour {
		s.db.w.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", utc(now), tokenID)
	}
	return u, nil
}

// RevokeTokens revokes every API token of a user.
func (s *UserStore) RevokeTokens(ctx context.Context, userID int64, now time.Time) error {
	_, err := s.db.w.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", utc(now), userID)
	return err
}

// Disable stops an account from signing in or using its tokens.
func (s *UserStore) Disable(ctx context.Context, userID int64, now time.Time) error {
	res, err := s.db.w.ExecContext(ctx, "UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL", utc(now), userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrUserNotFound
	}
	return nil
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
