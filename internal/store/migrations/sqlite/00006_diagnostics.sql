-- +goose Up
-- A completed digital-maturity diagnostic. The token of its private link is
-- stored hashed; the answers are kept as JSON and the scores beside them, so
-- a diagnostic can be scored again and counted without reading JSON.
CREATE TABLE diagnostics (
    id                    INTEGER PRIMARY KEY,
    token_hash            TEXT NOT NULL UNIQUE,
    questionnaire_version TEXT NOT NULL,
    rules_version         TEXT NOT NULL,
    lang                  TEXT NOT NULL DEFAULT 'fr',
    answers               TEXT NOT NULL,
    commune_nis           TEXT NOT NULL REFERENCES communes (nis_code),
    sector                TEXT NOT NULL,
    email                 TEXT,
    email_key             TEXT,
    shop_name             TEXT NOT NULL DEFAULT '',
    info_session_id       INTEGER REFERENCES info_sessions (id) ON DELETE SET NULL,
    -- Progress: the shop's first diagnostic, and how this one was linked to
    -- it ('token': retaken from the result page or with the previous token;
    -- 'email': the same email, shown once the mailed link proves it).
    first_id              INTEGER REFERENCES diagnostics (id) ON DELETE SET NULL,
    first_via             TEXT NOT NULL DEFAULT '' CHECK (first_via IN ('', 'token', 'email')),
    mail_key_hash         TEXT,
    email_verified_at     TIMESTAMP,
    level                 INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    index_tenths          INTEGER NOT NULL CHECK (index_tenths BETWEEN 0 AND 1000),
    answered              INTEGER NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    completed_at          TIMESTAMP NOT NULL
);
CREATE INDEX diagnostics_email ON diagnostics (email_key, completed_at);
CREATE INDEX diagnostics_session ON diagnostics (info_session_id);

-- Each dimension's score (0–100, in tenths) of a diagnostic.
CREATE TABLE diagnostic_scores (
    diagnostic_id INTEGER NOT NULL REFERENCES diagnostics (id) ON DELETE CASCADE,
    dimension     TEXT NOT NULL,
    score_tenths  INTEGER NOT NULL CHECK (score_tenths BETWEEN 0 AND 1000),
    PRIMARY KEY (diagnostic_id, dimension)
) WITHOUT ROWID;

-- A diagnostic being filled in screen by screen, resumable from its private
-- link. Completing it deletes the draft and creates the diagnostic with the
-- same token.
CREATE TABLE diagnostic_drafts (
    id                    INTEGER PRIMARY KEY,
    token_hash            TEXT NOT NULL UNIQUE,
    questionnaire_version TEXT NOT NULL,
    lang                  TEXT NOT NULL DEFAULT 'fr',
    answers               TEXT NOT NULL DEFAULT '{}',
    step                  INTEGER NOT NULL DEFAULT 1,
    commune_nis           TEXT REFERENCES communes (nis_code),
    sector                TEXT NOT NULL DEFAULT '',
    email                 TEXT,
    shop_name             TEXT NOT NULL DEFAULT '',
    info_session_id       INTEGER REFERENCES info_sessions (id) ON DELETE SET NULL,
    previous_id           INTEGER REFERENCES diagnostics (id) ON DELETE SET NULL,
    mailed_at             TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX diagnostic_drafts_updated ON diagnostic_drafts (updated_at);

-- The short link of an information session's workshop mode (/d/CODE).
CREATE TABLE workshop_links (
    code            TEXT PRIMARY KEY,
    info_session_id INTEGER NOT NULL UNIQUE REFERENCES info_sessions (id) ON DELETE CASCADE,
    created_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE workshop_links;
DROP TABLE diagnostic_drafts;
DROP TABLE diagnostic_scores;
DROP TABLE diagnostics;
