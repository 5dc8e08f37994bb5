package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Store gathers the per-domain stores over one database handle.
type Store struct {
	DB            *DB
	Communes      *CommuneStore
	Users         *UserStore
	WebSessions   *WebSessionStore
	Settings      *SettingStore
	Providers     *ProviderStore
	Budget        *BudgetStore
	Sessions      *SessionStore
	Outbox        *OutboxStore
	Jobs          *JobStore
	Registrations *RegistrationStore
	Diagnostics   *DiagnosticStore
	Outreach      *OutreachStore
	Contacts      *ContactStore
	Questions     *QuestionStore
	Trainings     *TrainingStore
	Enrolments    *EnrolmentStore
	Aid           *AidStore
	Invitations   *InvitationStore
}

// New builds the stores over db.
func New(db *DB) *Store {
	communes := &CommuneStore{db: db}
	st := &Store{
		DB:          db,
		Communes:    communes,
		Users:       &UserStore{db: db},
		WebSessions: &WebSessionStore{db: db},
		Settings:    &SettingStore{db: db},
		Providers:   &ProviderStore{db: db},
		Budget:      &BudgetStore{db: db},
		Trainings:   &TrainingStore{db: db},
		Enrolments:  &EnrolmentStore{db: db},
		Aid:         &AidStore{db: db},
		Sessions:    &SessionStore{db: db},
		Outbox:      &OutboxStore{db: db},
		Jobs:        &JobStore{db: db},
		Diagnostics: &DiagnosticStore{db: db, communes: communes, metrics: newBatchMetrics("diagnostic")},
		Outreach:    &OutreachStore{db: db},
		Contacts:    &ContactStore{db: db, communes: communes},
		Questions:   &QuestionStore{db: db},
		Invitations: &InvitationStore{db: db, communes: communes},
	}
	st.Registrations = &RegistrationStore{db: db, metrics: newBatchMetrics("registration")}
	st.Sessions.regs = st.Registrations
	st.Diagnostics.trainings = st.Trainings
	return st
}

// SettingStore keeps small named values (markers such as "demo loaded").
type SettingStore struct{ db *DB }

// Get returns a setting and whether it exists.
func (s *SettingStore) Get(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, true, nil
}

// Set writes a setting.
func (s *SettingStore) Set(ctx context.Context, key, value string, now time.Time) error {
	return setSetting(ctx, s.db.w, key, value, now)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func setSetting(ctx context.Context, ex execer, key, value string, now time.Time) error {
	_, err := ex.ExecContext(ctx, `
INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, utc(now))
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}
