-- +goose Up
-- Accounts (customers), their tags and addresses, and their contacts.
-- Instants are epoch milliseconds. owner_id is a user id from the CRM
-- directory (crm_user); '' means nobody (the customer pool).
CREATE TABLE crm_account (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('A', 'B', 'C')),
    industry    TEXT NOT NULL,
    tax_id      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    parent_id   TEXT REFERENCES crm_account (id),
    owner_id    TEXT NOT NULL,
    phone       TEXT NOT NULL,
    mobile      TEXT NOT NULL,
    email       TEXT NOT NULL,
    website     TEXT NOT NULL,
    region      TEXT NOT NULL,
    notes       TEXT NOT NULL,
    search      TEXT NOT NULL, -- folded code, names, pinyin initials, mobile and e-mail
    sort_key    TEXT NOT NULL, -- pinyin initials and name, so lists sort as Chinese readers expect
    name_key    TEXT NOT NULL, -- textnorm.CompanyKey(name), for duplicates
    mobile_key  TEXT NOT NULL, -- textnorm.Phone(mobile)
    email_key   TEXT NOT NULL, -- textnorm.Email(email)
    owned_at        BIGINT NOT NULL, -- when the current owner got it (0 in the pool)
    last_contact_at BIGINT NOT NULL, -- last call, visit or meeting (0: never)
    last_won_at     BIGINT NOT NULL, -- last deal won (0: never)
    pool_warned_at  BIGINT NOT NULL, -- when the owner was told it goes back to the pool (0: not yet)
    version     INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX crm_account_owner ON crm_account (owner_id, name);
CREATE INDEX crm_account_sort ON crm_account (sort_key, id);
CREATE INDEX crm_account_parent ON crm_account (parent_id);
CREATE INDEX crm_account_name_key ON crm_account (name_key);
CREATE INDEX crm_account_mobile_key ON crm_account (mobile_key);
CREATE INDEX crm_account_email_key ON crm_account (email_key);

CREATE TABLE crm_account_tag (
    account_id TEXT NOT NULL REFERENCES crm_account (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (account_id, tag)
);
CREATE INDEX crm_account_tag_tag ON crm_account_tag (tag);

CREATE TABLE crm_account_address (
    account_id TEXT NOT NULL REFERENCES crm_account (id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('billing', 'shipping', 'office')),
    province   TEXT NOT NULL,
    city       TEXT NOT NULL,
    district   TEXT NOT NULL,
    street     TEXT NOT NULL,
    postcode   TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    phone      TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE TABLE crm_contact (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES crm_account (id),
    name        TEXT NOT NULL,
    title       TEXT NOT NULL,
    department  TEXT NOT NULL,
    mobile      TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    wechat      TEXT NOT NULL,
    is_primary  INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
    notes       TEXT NOT NULL,
    search      TEXT NOT NULL,
    mobile_key  TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX crm_contact_account ON crm_contact (account_id, name);
CREATE INDEX crm_contact_mobile_key ON crm_contact (mobile_key);
CREATE INDEX crm_contact_email_key ON crm_contact (email_key);

-- Rules of the customer pool: per level (A, B, C) the days without a
-- follow-up or a won deal after which a customer goes back, and ('*') the
-- warning days, the most customers a rep may own, and whether it runs.
CREATE TABLE crm_pool_rule (
    level          TEXT PRIMARY KEY CHECK (level IN ('A', 'B', 'C', '*')),
    follow_up_days INTEGER NOT NULL,
    deal_days      INTEGER NOT NULL,
    warn_days      INTEGER NOT NULL,
    max_owned      INTEGER NOT NULL,
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1))
);
INSERT INTO crm_pool_rule (level, follow_up_days, deal_days, warn_days, max_owned, enabled) VALUES
    ('A', 90, 365, 0, 0, 0), ('B', 60, 180, 0, 0, 0), ('C', 30, 120, 0, 0, 0), ('*', 0, 0, 7, 200, 1);

-- +goose Down
DROP TABLE crm_pool_rule;
DROP TABLE crm_contact;
DROP TABLE crm_account_address;
DROP TABLE crm_account_tag;
DROP TABLE crm_account;
