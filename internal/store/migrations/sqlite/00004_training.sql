-- +goose Up
-- Trainings, training vouchers, aid for digital tools and what is committed
-- against the budget lines. Money is always integer cents. Seats are taken
-- with one conditional UPDATE of training_sessions.confirmed (CHECK
-- confirmed <= capacity); budget lines likewise (CHECK committed_cents <=
-- amount_cents in 00001).

-- What a budget line pays for: the campaign (vouchers and aid) or the
-- partnerships with training providers.
ALTER TABLE budget_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'campaign' CHECK (kind IN ('campaign', 'partnerships'));

CREATE TABLE training_modules (
    id               INTEGER PRIMARY KEY,
    provider_id      INTEGER NOT NULL REFERENCES providers (id),
    code             TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    format           TEXT NOT NULL CHECK (format IN ('in_person', 'online')),
    minutes          INTEGER NOT NULL CHECK (minutes > 0),
    level_min        INTEGER NOT NULL CHECK (level_min >= 0 AND level_min <= 5),
    level_max        INTEGER NOT NULL CHECK (level_max >= level_min AND level_max <= 5),
    voucher_eligible BOOLEAN NOT NULL DEFAULT FALSE,
    price_cents      INTEGER NOT NULL CHECK (price_cents >= 0),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (provider_id, code)
);

-- The skills a module teaches, by the stable IDs of the skills taxonomy.
CREATE TABLE training_module_skills (
    module_id INTEGER NOT NULL REFERENCES training_modules (id) ON DELETE CASCADE,
    skill_id  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (module_id, skill_id)
);
CREATE INDEX training_module_skills_skill ON training_module_skills (skill_id);

-- A dated run of a module, at one of the provider's sites or online (no site).
CREATE TABLE training_sessions (
    id           INTEGER PRIMARY KEY,
    module_id    INTEGER NOT NULL REFERENCES training_modules (id),
    code         TEXT NOT NULL,
    site_id      INTEGER REFERENCES provider_sites (id),
    starts_at    TIMESTAMP NOT NULL,
    ends_at      TIMESTAMP NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    capacity     INTEGER NOT NULL CHECK (capacity >= 0),
    confirmed    INTEGER NOT NULL DEFAULT 0 CHECK (confirmed >= 0 AND confirmed <= capacity),
    waitlisted   INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    waitlist_seq INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (module_id, code),
    CHECK (ends_at > starts_at)
);
CREATE INDEX training_sessions_starts ON training_sessions (starts_at);

CREATE TABLE training_session_days (
    session_id INTEGER NOT NULL REFERENCES training_sessions (id) ON DELETE CASCADE,
    day_no     INTEGER NOT NULL,
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, day_no),
    CHECK (ends_at > starts_at)
);

-- One worker's seat (or place in line). The cost is fixed at enrolment:
-- the vouchers and the Region's share are reserved then and released on
-- cancellation.
CREATE TABLE training_enrolments (
    id                INTEGER PRIMARY KEY,
    session_id        INTEGER NOT NULL REFERENCES training_sessions (id),
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_key         TEXT NOT NULL,
    shop_name         TEXT NOT NULL,
    shop_key          TEXT NOT NULL,
    commune_nis       TEXT NOT NULL REFERENCES communes (nis_code),
    fte_hundredths    INTEGER NOT NULL CHECK (fte_hundredths >= 0),
    use_vouchers      BOOLEAN NOT NULL DEFAULT FALSE,
    lang              TEXT NOT NULL DEFAULT 'fr',
    status            TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq      INTEGER,
    token             TEXT NOT NULL UNIQUE,
    voucher_hours     INTEGER NOT NULL DEFAULT 0 CHECK (voucher_hours >= 0),
    voucher_year      INTEGER NOT NULL,
    shop_pays_cents   INTEGER NOT NULL CHECK (shop_pays_cents >= 0),
    region_pays_cents INTEGER NOT NULL DEFAULT 0 CHECK (region_pays_cents >= 0),
    confirmed_at      TIMESTAMP,
    attended_at       TIMESTAMP,
    completed_at      TIMESTAMP,
    cancelled_at      TIMESTAMP,
    created_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX training_enrolments_active ON training_enrolments (session_id, email_key) WHERE status <> 'cancelled';
CREATE INDEX training_enrolments_line ON training_enrolments (session_id, status, waitlist_seq);

-- Training vouchers a shop has used (or reserved) in a calendar year.
CREATE TABLE voucher_use (
    shop_key   TEXT NOT NULL,
    year       INTEGER NOT NULL,
    vouchers   INTEGER NOT NULL CHECK (vouchers >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (shop_key, year)
);

-- The aid table, versioned: staff change it by adding a version; an
-- application keeps the version it was quoted with.
CREATE TABLE aid_table_versions (
    version    INTEGER PRIMARY KEY,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE aid_table_rows (
    version            INTEGER NOT NULL REFERENCES aid_table_versions (version),
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    max_employees      INTEGER NOT NULL CHECK (max_employees >= 0),
    max_turnover_cents INTEGER NOT NULL CHECK (max_turnover_cents >= 0),
    rate_bp            INTEGER NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    cap_cents          INTEGER NOT NULL CHECK (cap_cents >= 0),
    PRIMARY KEY (version, position)
);

-- Seeded with funding.DefaultAidTable() (a test keeps them equal).
INSERT INTO aid_table_versions (version, created_at) VALUES (1, CURRENT_TIMESTAMP);
INSERT INTO aid_table_rows (version, position, name, max_employees, max_turnover_cents, rate_bp, cap_cents) VALUES
    (1, 0, 'very_small', 2, 10000000, 6000, 300000),
    (1, 1, 'small', 9, 70000000, 4000, 250000),
    (1, 2, 'medium', 49, 200000000, 2500, 150000);

CREATE TABLE aid_applications (
    id                INTEGER PRIMARY KEY,
    token             TEXT NOT NULL UNIQUE,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_key         TEXT NOT NULL,
    shop_name         TEXT NOT NULL,
    commune_nis       TEXT NOT NULL REFERENCES communes (nis_code),
    employees         INTEGER NOT NULL CHECK (employees >= 0),
    turnover_cents    INTEGER NOT NULL CHECK (turnover_cents >= 0),
    item              TEXT NOT NULL,
    supplier          TEXT NOT NULL,
    cost_cents        INTEGER NOT NULL CHECK (cost_cents > 0),
    lang              TEXT NOT NULL DEFAULT 'fr',
    aid_table_version INTEGER NOT NULL REFERENCES aid_table_versions (version),
    aid_row           INTEGER,
    rate_bp           INTEGER NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    aid_cents         INTEGER NOT NULL CHECK (aid_cents >= 0 AND aid_cents <= cost_cents),
    status            TEXT NOT NULL CHECK (status IN ('submitted', 'ineligible', 'approved', 'refused', 'cancelled')),
    budget_line_id    INTEGER REFERENCES budget_lines (id),
    decided_by        INTEGER REFERENCES users (id),
    decided_at        TIMESTAMP,
    cancelled_at      TIMESTAMP,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX aid_applications_status ON aid_applications (status, created_at);

-- Every euro committed against a budget line: the Region's share of
-- training vouchers, aid, partnerships. budget_lines.committed_cents is the
-- sum of the active rows, kept in the same transaction.
CREATE TABLE budget_commitments (
    id             INTEGER PRIMARY KEY,
    budget_line_id INTEGER NOT NULL REFERENCES budget_lines (id),
    kind           TEXT NOT NULL CHECK (kind IN ('voucher', 'aid', 'partnership')),
    ref_type       TEXT NOT NULL DEFAULT '',
    ref_id         INTEGER NOT NULL DEFAULT 0,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released')),
    created_by     INTEGER REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    released_at    TIMESTAMP
);
CREATE INDEX budget_commitments_line ON budget_commitments (budget_line_id, status);
CREATE INDEX budget_commitments_ref ON budget_commitments (ref_type, ref_id);

-- +goose Down
DROP TABLE budget_commitments;
DROP TABLE aid_applications;
DROP TABLE aid_table_rows;
DROP TABLE aid_table_versions;
DROP TABLE voucher_use;
DROP TABLE training_enrolments;
DROP TABLE training_session_days;
DROP TABLE training_sessions;
DROP TABLE training_module_skills;
DROP TABLE training_modules;
ALTER TABLE budget_lines DROP COLUMN kind;
