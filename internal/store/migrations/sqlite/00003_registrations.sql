-- +goose Up
-- Registrations for the information sessions. A seat is taken by one
-- conditional UPDATE of info_sessions.confirmed (CHECK confirmed <= capacity);
-- the waiting list is ordered by waitlist_seq, handed out under the same row
-- lock, so it follows the order in which registrations commit.
ALTER TABLE info_sessions ADD COLUMN waitlisted INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0);
ALTER TABLE info_sessions ADD COLUMN waitlist_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE registrations (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES info_sessions (id),
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    shop_name       TEXT NOT NULL,
    sector          TEXT NOT NULL,
    commune_nis     TEXT REFERENCES communes (nis_code),
    lang            TEXT NOT NULL DEFAULT 'fr',
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq    INTEGER,
    token           TEXT NOT NULL UNIQUE,
    checkin_code    TEXT NOT NULL UNIQUE,
    consent_contact BOOLEAN NOT NULL DEFAULT FALSE,
    consent_at      TIMESTAMP,
    confirmed_at    TIMESTAMP,
    checked_in_at   TIMESTAMP,
    cancelled_at    TIMESTAMP,
    erased_at       TIMESTAMP,
    reminded_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (session_id, email_key)
);
CREATE INDEX registrations_waitlist ON registrations (session_id, status, waitlist_seq);

-- Reminders for the sessions that exist already (new ones get theirs when created).
INSERT INTO jobs (kind, payload, unique_key, run_at, created_at)
SELECT 'reminder', '{"session_id":' || id || '}', 'reminder:session:' || id,
       strftime('%Y-%m-%d %H:%M:%S', starts_at, '-2 days'), CURRENT_TIMESTAMP
FROM info_sessions WHERE status = 'scheduled';

-- +goose Down
DELETE FROM jobs WHERE kind = 'reminder';
DROP TABLE registrations;
ALTER TABLE info_sessions DROP COLUMN waitlist_seq;
ALTER TABLE info_sessions DROP COLUMN waitlisted;
