-- +goose Up
-- Leads, their campaigns and the rules that assign them. owner_id is a user
-- of the CRM directory, '' for nobody; amounts are hundredths.
CREATE TABLE crm_campaign (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE, -- the public form's address /f/{code}
    name       TEXT NOT NULL,
    source     TEXT NOT NULL,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    title      TEXT NOT NULL,
    intro      TEXT NOT NULL,
    thank_you  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE crm_lead (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    company          TEXT NOT NULL,
    contact_name     TEXT NOT NULL,
    title            TEXT NOT NULL,
    mobile           TEXT NOT NULL,
    phone            TEXT NOT NULL,
    email            TEXT NOT NULL,
    region           TEXT NOT NULL,
    industry         TEXT NOT NULL,
    source           TEXT NOT NULL,
    campaign_id      TEXT REFERENCES crm_campaign (id),
    product_interest TEXT NOT NULL,
    budget           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    notes            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'qualified', 'disqualified', 'converted', 'merged')),
    reason           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    contact_id       TEXT NOT NULL,
    opportunity_id   TEXT NOT NULL,
    merged_into      TEXT NOT NULL,
    search           TEXT NOT NULL, -- folded number, company, contact, pinyin initials, mobile, e-mail
    company_key      TEXT NOT NULL, -- textnorm.CompanyKey(company)
    mobile_key       TEXT NOT NULL,
    email_key        TEXT NOT NULL,
    version          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX crm_lead_owner ON crm_lead (owner_id, created_at);
CREATE INDEX crm_lead_created ON crm_lead (created_at, id);
CREATE INDEX crm_lead_campaign ON crm_lead (campaign_id);
CREATE INDEX crm_lead_company_key ON crm_lead (company_key);
CREATE INDEX crm_lead_mobile_key ON crm_lead (mobile_key);
CREATE INDEX crm_lead_email_key ON crm_lead (email_key);

CREATE TABLE crm_lead_rule (
    id         TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('any', 'region', 'industry', 'product')),
    match_text TEXT NOT NULL, -- folded
    members    TEXT NOT NULL, -- space-separated user ids, in turn order
    next_turn  INTEGER NOT NULL, -- index of the member the next lead goes to
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE crm_lead_rule;
DROP TABLE crm_lead;
DROP TABLE crm_campaign;
