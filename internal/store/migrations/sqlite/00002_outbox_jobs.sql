-- +goose Up
-- Every mail is written here in the same transaction as the change that
-- causes it; a worker sends it. A row is never deleted by sending.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    message_id   TEXT NOT NULL UNIQUE,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    html_body    TEXT NOT NULL DEFAULT '',
    headers      TEXT NOT NULL DEFAULT '{}',
    ref_type     TEXT NOT NULL DEFAULT '',
    ref_id       INTEGER NOT NULL DEFAULT 0,
    batch_id     INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    send_after   TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    sent_at      TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, send_after);
CREATE INDEX outbox_ref ON outbox (ref_type, ref_id);
CREATE INDEX outbox_batch ON outbox (batch_id, status);

-- Scheduled work (reminders…). unique_key makes enqueueing idempotent.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT UNIQUE,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    run_at       TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    done_at      TIMESTAMP
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE outbox;
