-- +goose Up
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE communes (
    nis_code           TEXT PRIMARY KEY,
    name_fr            TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_de            TEXT NOT NULL DEFAULT '',
    name_nl            TEXT NOT NULL DEFAULT '',
    language_area      TEXT NOT NULL DEFAULT 'fr',
    province_nis       TEXT NOT NULL DEFAULT '',
    province           TEXT NOT NULL,
    arrondissement_nis TEXT NOT NULL DEFAULT '',
    arrondissement     TEXT NOT NULL DEFAULT '',
    main_postal_code   TEXT NOT NULL DEFAULT '',
    postal_codes       TEXT NOT NULL DEFAULT '',
    latitude           REAL NOT NULL,
    longitude          REAL NOT NULL,
    population         INTEGER NOT NULL DEFAULT 0,
    population_date    TEXT NOT NULL DEFAULT '',
    is_city            BOOLEAN NOT NULL DEFAULT FALSE,
    is_city_basis      TEXT NOT NULL DEFAULT '',
    phase              INTEGER NOT NULL DEFAULT 2,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE postal_localities (
    postal_code TEXT NOT NULL,
    locality    TEXT NOT NULL,
    nis_code    TEXT NOT NULL REFERENCES communes (nis_code),
    latitude    REAL NOT NULL DEFAULT 0,
    longitude   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (postal_code, locality)
);
CREATE INDEX postal_localities_nis ON postal_localities (nis_code);

CREATE TABLE providers (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('competence_centre', 'private_company', 'local_trainer')),
    website     TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE provider_sites (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    commune_nis TEXT NOT NULL REFERENCES communes (nis_code),
    address     TEXT NOT NULL DEFAULT '',
    latitude    REAL NOT NULL,
    longitude   REAL NOT NULL
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'partner', 'provider', 'commune')),
    commune_nis TEXT REFERENCES communes (nis_code),
    provider_id INTEGER REFERENCES providers (id),
    created_at  TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX login_links_user ON login_links (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE web_sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expiry);

CREATE TABLE budget_lines (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    year            INTEGER NOT NULL,
    amount_cents    INTEGER NOT NULL CHECK (amount_cents >= 0),
    committed_cents INTEGER NOT NULL DEFAULT 0 CHECK (committed_cents >= 0 AND committed_cents <= amount_cents),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (name, year)
);

CREATE TABLE info_sessions (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    commune_nis TEXT NOT NULL REFERENCES communes (nis_code),
    venue       TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity >= 0),
    confirmed   INTEGER NOT NULL DEFAULT 0 CHECK (confirmed >= 0 AND confirmed <= capacity),
    notes       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX info_sessions_starts ON info_sessions (starts_at);
CREATE INDEX info_sessions_commune ON info_sessions (commune_nis);

-- +goose Down
DROP TABLE info_sessions;
DROP TABLE budget_lines;
DROP TABLE web_sessions;
DROP TABLE api_tokens;
DROP TABLE login_links;
DROP TABLE users;
DROP TABLE provider_sites;
DROP TABLE providers;
DROP TABLE postal_localities;
DROP TABLE communes;
DROP TABLE settings;
