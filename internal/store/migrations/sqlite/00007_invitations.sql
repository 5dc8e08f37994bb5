-- +goose Up
-- Invitation campaigns (issue 6). A campaign invites contacts of the
-- address book to information sessions. Its recipients table is the
-- campaign's outbox: one row per (campaign, contact), claimed under a lease
-- and marked sent as soon as the SMTP server accepts the mail; the mail
-- itself is composed when it leaves, so 100,000 invitations do not write
-- 100,000 bodies.
CREATE TABLE invitation_campaigns (
    id          INTEGER PRIMARY KEY,
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sending', 'paused', 'done', 'cancelled')),
    communes    TEXT NOT NULL DEFAULT '',
    radius_km   REAL NOT NULL DEFAULT 0,
    recipients  INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX invitation_campaigns_status ON invitation_campaigns (status);

CREATE TABLE invitation_sessions (
    campaign_id INTEGER NOT NULL REFERENCES invitation_campaigns (id) ON DELETE CASCADE,
    session_id  INTEGER NOT NULL REFERENCES info_sessions (id),
    PRIMARY KEY (campaign_id, session_id)
);

CREATE TABLE invitation_recipients (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES invitation_campaigns (id) ON DELETE CASCADE,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    email_key    TEXT NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    send_after   TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    sent_at      TIMESTAMP,
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX invitation_recipients_queue ON invitation_recipients (campaign_id, status, id);
CREATE INDEX invitation_recipients_lease ON invitation_recipients (status, locked_until);
CREATE INDEX invitation_recipients_email ON invitation_recipients (email_key);
CREATE INDEX invitation_recipients_sent ON invitation_recipients (sent_at);
CREATE INDEX invitation_recipients_contact ON invitation_recipients (contact_id);

-- Addresses never to mail again (by normalised address): unsubscribed, or
-- refused for good by their server. Every campaign honours it.
CREATE TABLE mail_suppressions (
    email_key  TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced')),
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE mail_suppressions;
DROP TABLE invitation_recipients;
DROP TABLE invitation_sessions;
DROP TABLE invitation_campaigns;
