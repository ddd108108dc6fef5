-- +goose Up
-- Bank accounts: each is one ledger cash account (100201 under 1002 …) and
-- the statements the bank sends for it.
CREATE TABLE fin_bank_account (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    bank       TEXT NOT NULL,
    number     TEXT NOT NULL UNIQUE,
    currency   TEXT NOT NULL,
    account_id TEXT NOT NULL UNIQUE REFERENCES fin_account (id),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Statement lines imported from the bank: money in is positive, money out
-- negative. A line is matched to the payment or entry that books it.
CREATE TABLE fin_bank_line (
    id              TEXT PRIMARY KEY,
    bank_account_id TEXT NOT NULL REFERENCES fin_bank_account (id),
    import_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    date            TEXT NOT NULL,
    summary         TEXT NOT NULL,
    counterparty    TEXT NOT NULL,
    counter_account TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount <> 0),
    balance         INTEGER,
    serial          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('unmatched', 'matched')),
    payment_id      TEXT NOT NULL,
    entry_id        TEXT NOT NULL,
    matched_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (bank_account_id, seq)
) STRICT;
CREATE UNIQUE INDEX fin_bank_line_serial ON fin_bank_line (bank_account_id, serial) WHERE serial <> '';
CREATE INDEX fin_bank_line_date ON fin_bank_line (bank_account_id, date);
CREATE INDEX fin_bank_line_entry ON fin_bank_line (entry_id) WHERE entry_id <> '';

-- Finance's copy of the CRM's contracts and their payment plans
-- (crm.contract.payment_plan.changed).
CREATE TABLE fin_contract (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    total       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE fin_contract_installment (
    contract_id TEXT NOT NULL REFERENCES fin_contract (id),
    no          INTEGER NOT NULL,
    due_date    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    condition   TEXT NOT NULL,
    PRIMARY KEY (contract_id, no)
) STRICT;

-- How the cash-flow statement classifies the counter-account of a cash
-- posting: by the counter-account's code prefix, the source kind of the
-- entry ('' any) and the direction ('' either); the longest prefix wins.
CREATE TABLE fin_cashflow_rule (
    id             TEXT PRIMARY KEY,
    account_prefix TEXT NOT NULL,
    source_kind    TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('', 'in', 'out')),
    item           TEXT NOT NULL,
    UNIQUE (account_prefix, source_kind, direction)
) STRICT;

INSERT INTO fin_cashflow_rule (id, account_prefix, source_kind, direction, item) VALUES
    ('cf-1122', '1122', '', 'in', 'op_in_sales'),
    ('cf-1121', '1121', '', 'in', 'op_in_sales'),
    ('cf-2203', '2203', '', 'in', 'op_in_sales'),
    ('cf-5001', '5001', '', 'in', 'op_in_sales'),
    ('cf-5051', '5051', '', 'in', 'op_in_sales'),
    ('cf-22210102', '22210102', '', 'in', 'op_in_sales'),
    ('cf-2202', '2202', '', 'out', 'op_out_purchases'),
    ('cf-2201', '2201', '', 'out', 'op_out_purchases'),
    ('cf-1123', '1123', '', 'out', 'op_out_purchases'),
    ('cf-1401', '1401', '', 'out', 'op_out_purchases'),
    ('cf-1402', '1402', '', 'out', 'op_out_purchases'),
    ('cf-1403', '1403', '', 'out', 'op_out_purchases'),
    ('cf-1405', '1405', '', 'out', 'op_out_purchases'),
    ('cf-1411', '1411', '', 'out', 'op_out_purchases'),
    ('cf-22210101', '22210101', '', 'out', 'op_out_purchases'),
    ('cf-2211', '2211', '', 'out', 'op_out_wages'),
    ('cf-2221', '2221', '', 'out', 'op_out_taxes'),
    ('cf-5403', '5403', '', 'out', 'op_out_taxes'),
    ('cf-5801', '5801', '', 'out', 'op_out_taxes'),
    ('cf-1601-in', '1601', '', 'in', 'inv_in_disposals'),
    ('cf-1606-in', '1606', '', 'in', 'inv_in_disposals'),
    ('cf-1701-in', '1701', '', 'in', 'inv_in_disposals'),
    ('cf-1101-in', '1101', '', 'in', 'inv_in_investments'),
    ('cf-1501-in', '1501', '', 'in', 'inv_in_investments'),
    ('cf-1511-in', '1511', '', 'in', 'inv_in_investments'),
    ('cf-5111-in', '5111', '', 'in', 'inv_in_investments'),
    ('cf-1131-in', '1131', '', 'in', 'inv_in_investments'),
    ('cf-1132-in', '1132', '', 'in', 'inv_in_investments'),
    ('cf-1601-out', '1601', '', 'out', 'inv_out_assets'),
    ('cf-1604-out', '1604', '', 'out', 'inv_out_assets'),
    ('cf-1605-out', '1605', '', 'out', 'inv_out_assets'),
    ('cf-1701-out', '1701', '', 'out', 'inv_out_assets'),
    ('cf-1101-out', '1101', '', 'out', 'inv_out_investments'),
    ('cf-1501-out', '1501', '', 'out', 'inv_out_investments'),
    ('cf-1511-out', '1511', '', 'out', 'inv_out_investments'),
    ('cf-2001-in', '2001', '', 'in', 'fin_in_borrowings'),
    ('cf-2501-in', '2501', '', 'in', 'fin_in_borrowings'),
    ('cf-3001-in', '3001', '', 'in', 'fin_in_capital'),
    ('cf-3002-in', '3002', '', 'in', 'fin_in_capital'),
    ('cf-2001-out', '2001', '', 'out', 'fin_out_repayments'),
    ('cf-2501-out', '2501', '', 'out', 'fin_out_repayments'),
    ('cf-2231-out', '2231', '', 'out', 'fin_out_interest'),
    ('cf-2232-out', '2232', '', 'out', 'fin_out_dividends'),
    ('cf-3104-out', '3104', '', 'out', 'fin_out_dividends');

-- +goose Down
DROP TABLE fin_cashflow_rule;
DROP TABLE fin_contract_installment;
DROP TABLE fin_contract;
DROP INDEX fin_bank_line_entry;
DROP INDEX fin_bank_line_date;
DROP INDEX fin_bank_line_serial;
DROP TABLE fin_bank_line;
DROP TABLE fin_bank_account;
