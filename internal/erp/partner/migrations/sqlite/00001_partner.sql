-- +goose Up
-- Customers and suppliers as the ERP unit keeps them. Customers come from
-- CRM (crm.account.upserted; source 'crm', the account's id) or are entered
-- in ERP (source 'erp'); suppliers are ERP's own.
CREATE TABLE par_customer (
    id               TEXT PRIMARY KEY,
    code             TEXT NOT NULL,
    code_key         TEXT NOT NULL,
    name             TEXT NOT NULL,
    short_name       TEXT NOT NULL,
    search           TEXT NOT NULL,
    level            TEXT NOT NULL,
    industry         TEXT NOT NULL,
    tax_id           TEXT NOT NULL,
    currency         TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    owner_name       TEXT NOT NULL,
    parent_id        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    billing_address  TEXT NOT NULL,
    shipping_address TEXT NOT NULL,
    contact_name     TEXT NOT NULL,
    contact_phone    TEXT NOT NULL,
    contact_email    TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('crm', 'erp')),
    version          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX par_customer_code ON par_customer (code_key);
CREATE INDEX par_customer_name ON par_customer (name, id);

CREATE TABLE par_supplier (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL,
    code_key       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    search         TEXT NOT NULL,
    tax_id         TEXT NOT NULL,
    currency       TEXT NOT NULL,
    payment_terms  TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
    address        TEXT NOT NULL,
    contact_name   TEXT NOT NULL,
    contact_phone  TEXT NOT NULL,
    contact_email  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX par_supplier_name ON par_supplier (name, id);

-- +goose Down
DROP TABLE par_supplier;
DROP TABLE par_customer;
