-- +goose Up
-- Sales contracts and their payment plans. Money is in fen (scale 2);
-- dates are YYYY-MM-DD ('' when not set); instants are epoch milliseconds.
-- invoiced and paid sum what ERP invoiced and received for the contract.
CREATE TABLE crm_contract (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    account_id     TEXT NOT NULL REFERENCES crm_account (id),
    opportunity_id TEXT NOT NULL,
    quote_id       TEXT NOT NULL,
    currency       TEXT NOT NULL,
    total          INTEGER NOT NULL CHECK (total > 0),
    signed_date    TEXT NOT NULL,
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'active', 'completed', 'cancelled')),
    reason         TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    notes          TEXT NOT NULL,
    search         TEXT NOT NULL,
    invoiced       INTEGER NOT NULL,
    paid           INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX crm_contract_owner ON crm_contract (owner_id, created_at);
CREATE INDEX crm_contract_account ON crm_contract (account_id);
CREATE INDEX crm_contract_created ON crm_contract (created_at, id);

-- cum_amount is the plan's running total up to and including the
-- installment, so "past due and not paid" is one comparison with paid.
CREATE TABLE crm_contract_installment (
    contract_id TEXT NOT NULL REFERENCES crm_contract (id),
    no          INTEGER NOT NULL,
    due_date    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    condition   TEXT NOT NULL,
    cum_amount  INTEGER NOT NULL,
    PRIMARY KEY (contract_id, no)
) STRICT;
CREATE INDEX crm_contract_installment_due ON crm_contract_installment (due_date);

-- ERP's invoices that name a contract, to tie their payments to it.
CREATE TABLE crm_contract_invoice (
    invoice_id  TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    gross       INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE crm_contract_invoice;
DROP TABLE crm_contract_installment;
DROP TABLE crm_contract;
