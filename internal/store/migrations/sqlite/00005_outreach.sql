-- +goose Up
-- Outreach (issue 6): the communes pipeline, the shopkeepers' address book
-- and the questions for the facilitators.

-- A commune's place in the pipeline. A commune without a row is
-- not_contacted; its phase stays in communes.phase.
CREATE TABLE commune_outreach (
    nis_code       TEXT PRIMARY KEY REFERENCES communes (nis_code),
    stage          TEXT NOT NULL DEFAULT 'not_contacted' CHECK (stage IN ('not_contacted', 'letter_sent', 'contacted',
                       'meeting_planned', 'met', 'interested', 'session_planned', 'session_held', 'declined')),
    next_action_at TIMESTAMP,
    next_action    TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    issues         TEXT NOT NULL DEFAULT '', -- tags, space-separated
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX commune_outreach_stage ON commune_outreach (stage);
CREATE INDEX commune_outreach_next ON commune_outreach (next_action_at);

-- The people to talk to in a commune.
CREATE TABLE commune_contacts (
    id         INTEGER PRIMARY KEY,
    nis_code   TEXT NOT NULL REFERENCES communes (nis_code),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('alderman_commerce', 'shopkeepers_association', 'local_development_agency', 'other')),
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commune_contacts_nis ON commune_contacts (nis_code);

-- Every change to a commune's outreach: who, when, what. Append-only.
CREATE TABLE outreach_history (
    id        INTEGER PRIMARY KEY,
    nis_code  TEXT NOT NULL REFERENCES communes (nis_code),
    at        TIMESTAMP NOT NULL,
    user_id   INTEGER REFERENCES users (id),
    actor     TEXT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outreach_history_nis ON outreach_history (nis_code, id);

-- +goose StatementBegin
CREATE TRIGGER outreach_history_no_update BEFORE UPDATE ON outreach_history
BEGIN
    SELECT RAISE(ABORT, 'outreach_history is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER outreach_history_no_delete BEFORE DELETE ON outreach_history
BEGIN
    SELECT RAISE(ABORT, 'outreach_history is append-only');
END;
-- +goose StatementEnd

-- A commune that comes forward on its own, through the public form.
CREATE TABLE commune_requests (
    id         INTEGER PRIMARY KEY,
    nis_code   TEXT NOT NULL REFERENCES communes (nis_code),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    email      TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- Each import of the shopkeepers' address book.
CREATE TABLE contact_imports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id),
    actor       TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'rejected', 'failed')),
    lines       INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    report      TEXT NOT NULL DEFAULT '', -- the rejected lines (JSON), or why it failed
    created_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- The shopkeepers' address book. email_key (the address in lower case) is
-- the identity: an import updates the contact with the same key.
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL UNIQUE,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    shop_name    TEXT NOT NULL DEFAULT '',
    sector       TEXT NOT NULL DEFAULT '',
    commune_nis  TEXT REFERENCES communes (nis_code),
    phone        TEXT NOT NULL DEFAULT '',
    legal_basis  TEXT NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legitimate_interest')),
    source       TEXT NOT NULL DEFAULT 'import',
    import_id    INTEGER REFERENCES contact_imports (id),
    opted_out_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX contacts_commune ON contacts (commune_nis);

-- Questions for the facilitators of a session.
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES info_sessions (id),
    text        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL CHECK (source IN ('web', 'registration', 'after', 'social_media', 'other')),
    added_by    INTEGER REFERENCES users (id),
    answer      TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES users (id),
    answered_at TIMESTAMP,
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX questions_session ON questions (session_id, id);

-- +goose Down
DROP TABLE questions;
DROP TABLE contacts;
DROP TABLE contact_imports;
DROP TABLE commune_requests;
DROP TABLE outreach_history;
DROP TABLE commune_contacts;
DROP TABLE commune_outreach;
