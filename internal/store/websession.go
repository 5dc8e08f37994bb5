package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// WebSessionStore keeps signed-in browser sessions in our own database (it
// implements scs.Store and scs.CtxStore), so every instance behind a load
// balancer sees them.
type WebSessionStore struct{ db *DB }

func (s *WebSessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *WebSessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *WebSessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

func (s *WebSessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.r.QueryRowContext(ctx, "SELECT data FROM web_sessions WHERE token = $1 AND expiry > $2", token, utc(time.Now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (s *WebSessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.w.ExecContext(ctx, `
INSERT INTO web_sessions (token, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, b, utc(expiry))
	return err
}

func (s *WebSessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.w.ExecContext(ctx, "DELETE FROM web_sessions WHERE token = $1", token)
	return err
}

// DeleteExpired removes sessions past their expiry; run it now and then.
func (s *WebSessionStore) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.w.ExecContext(ctx, "DELETE FROM web_sessions WHERE expiry <= $1", utc(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
