-- +goose Up
-- Receivables: the finance module's copy of customers with their credit
-- terms, customer invoices and credit notes, fapiao records, payments and
-- their allocations (see docs/finance.md).

ALTER TABLE fin_company ADD COLUMN hold_overdue_days INTEGER NOT NULL DEFAULT 30;

-- Customers as CRM announces them (crm.account.upserted), with the terms
-- finance keeps for them.
CREATE TABLE fin_customer (
    id              TEXT PRIMARY KEY, -- the CRM account id
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    short_name      TEXT NOT NULL,
    tax_id          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    owner_name      TEXT NOT NULL,
    status          TEXT NOT NULL,
    billing_address TEXT NOT NULL,
    contact_phone   TEXT NOT NULL,
    bank_account    TEXT NOT NULL,  -- 开户行及账号, for fapiao
    payment_days    INTEGER NOT NULL CHECK (payment_days BETWEEN 0 AND 365),
    credit_limit    INTEGER NOT NULL CHECK (credit_limit >= 0), -- base currency; 0 = no credit allowed beyond cash
    has_limit       INTEGER NOT NULL CHECK (has_limit IN (0, 1)),
    on_hold         INTEGER NOT NULL CHECK (on_hold IN (0, 1)), -- put on hold by hand
    hold_reason     TEXT NOT NULL,
    credit_sent     TEXT NOT NULL,  -- the last credit position sent to CRM, to send only changes
    version         INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX fin_customer_name ON fin_customer (name);
CREATE INDEX fin_customer_owner ON fin_customer (owner_id);

-- Customer invoices and credit notes. A posted one never changes.
CREATE TABLE fin_invoice (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'posted')),
    number          TEXT UNIQUE,
    customer_id     TEXT NOT NULL REFERENCES fin_customer (id),
    customer_name   TEXT NOT NULL,
    customer_tax_id TEXT NOT NULL,
    date            TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    currency        TEXT NOT NULL,
    rate            INTEGER NOT NULL CHECK (rate > 0),
    net             INTEGER NOT NULL,
    tax             INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    so_id           TEXT NOT NULL,
    so_number       TEXT NOT NULL,
    shipment_id     TEXT NOT NULL,
    contract_id     TEXT NOT NULL,
    credit_of       TEXT REFERENCES fin_invoice (id),
    memo            TEXT NOT NULL,
    entry_id        TEXT,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    posted_at       INTEGER,
    posted_by       TEXT
) STRICT;
CREATE INDEX fin_invoice_customer ON fin_invoice (customer_id, date);
CREATE INDEX fin_invoice_date ON fin_invoice (date, id);
CREATE INDEX fin_invoice_contract ON fin_invoice (contract_id) WHERE contract_id <> '';

CREATE TABLE fin_invoice_line (
    invoice_id  TEXT NOT NULL REFERENCES fin_invoice (id),
    line_no     INTEGER NOT NULL CHECK (line_no >= 1),
    item_id     TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    category_id TEXT NOT NULL,
    description TEXT NOT NULL,
    spec        TEXT NOT NULL,
    uom         TEXT NOT NULL,
    tax_code    TEXT NOT NULL, -- 商品和服务税收分类编码
    quantity    INTEGER NOT NULL,
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    vat_rate    INTEGER NOT NULL CHECK (vat_rate >= 0),
    net         INTEGER NOT NULL,
    tax         INTEGER NOT NULL,
    gross       INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
) STRICT;

-- What is still owed on each posted invoice, credit note and payment, in
-- its currency: invoices count positive, credit notes and unallocated
-- payments negative. Allocations move it towards zero, never past it.
CREATE TABLE fin_ar_item (
    id          TEXT PRIMARY KEY, -- the invoice, credit note or payment
    kind        TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'payment')),
    customer_id TEXT NOT NULL REFERENCES fin_customer (id),
    number      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    rate        INTEGER NOT NULL,
    date        TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    contract_id TEXT NOT NULL,
    CHECK ((amount >= 0 AND open >= 0 AND open <= amount) OR (amount <= 0 AND open <= 0 AND open >= amount))
) STRICT;
CREATE INDEX fin_ar_item_customer ON fin_ar_item (customer_id, due_date);
CREATE INDEX fin_ar_item_open ON fin_ar_item (due_date) WHERE open <> 0;

-- Payments received (in) and paid back (out).
CREATE TABLE fin_payment (
    id            TEXT PRIMARY KEY,
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    number        TEXT NOT NULL UNIQUE,
    customer_id   TEXT NOT NULL REFERENCES fin_customer (id),
    date          TEXT NOT NULL,
    currency      TEXT NOT NULL,
    rate          INTEGER NOT NULL CHECK (rate > 0),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    bank_account  TEXT NOT NULL REFERENCES fin_account (id),
    method        TEXT NOT NULL,
    reference     TEXT NOT NULL,
    memo          TEXT NOT NULL,
    entry_id      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL
) STRICT;
CREATE INDEX fin_payment_customer ON fin_payment (customer_id, date);
CREATE INDEX fin_payment_date ON fin_payment (date, id);

-- Allocations of a payment or a credit note to invoices.
CREATE TABLE fin_allocation (
    id         TEXT PRIMARY KEY,
    source_id  TEXT NOT NULL REFERENCES fin_ar_item (id), -- payment or credit note
    target_id  TEXT NOT NULL REFERENCES fin_ar_item (id), -- invoice
    amount     INTEGER NOT NULL CHECK (amount > 0),
    date       TEXT NOT NULL,
    entry_id   TEXT NOT NULL, -- '' when no entry was needed
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) STRICT;
CREATE INDEX fin_allocation_source ON fin_allocation (source_id);
CREATE INDEX fin_allocation_target ON fin_allocation (target_id);

-- Fapiao issued by the tax platform, recorded against invoices.
CREATE TABLE fin_fapiao (
    id         TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES fin_invoice (id),
    type       TEXT NOT NULL CHECK (type IN ('e_special', 'e_ordinary', 'special', 'ordinary')),
    code       TEXT NOT NULL,  -- 发票代码 (paper fapiao); '' for 数电票
    number     TEXT NOT NULL,  -- 发票号码
    date       TEXT NOT NULL,
    net        INTEGER NOT NULL,
    tax        INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('issued', 'red_reversed', 'void')),
    red_of     TEXT REFERENCES fin_fapiao (id), -- a red-letter fapiao reverses this one
    memo       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (code, number)
) STRICT;
CREATE INDEX fin_fapiao_invoice ON fin_fapiao (invoice_id);

-- +goose StatementBegin
CREATE TRIGGER fin_invoice_posted_no_update BEFORE UPDATE ON fin_invoice
WHEN OLD.status = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_invoice: a posted invoice cannot be changed; issue a credit note instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_invoice_posted_no_delete BEFORE DELETE ON fin_invoice
WHEN OLD.status = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_invoice: a posted invoice cannot be deleted; issue a credit note instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_invoice_line_posted BEFORE UPDATE ON fin_invoice_line
WHEN (SELECT status FROM fin_invoice WHERE id = OLD.invoice_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_invoice_line: the lines of a posted invoice cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_invoice_line_posted_delete BEFORE DELETE ON fin_invoice_line
WHEN (SELECT status FROM fin_invoice WHERE id = OLD.invoice_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_invoice_line: the lines of a posted invoice cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_invoice_line_posted_insert BEFORE INSERT ON fin_invoice_line
WHEN (SELECT status FROM fin_invoice WHERE id = NEW.invoice_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_invoice_line: the lines of a posted invoice cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_payment_no_update BEFORE UPDATE ON fin_payment
BEGIN
    SELECT RAISE(ABORT, 'fin_payment: a payment cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_payment_no_delete BEFORE DELETE ON fin_payment
BEGIN
    SELECT RAISE(ABORT, 'fin_payment: a payment cannot be deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_allocation_no_change BEFORE UPDATE ON fin_allocation
BEGIN
    SELECT RAISE(ABORT, 'fin_allocation: an allocation cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_allocation_no_delete BEFORE DELETE ON fin_allocation
BEGIN
    SELECT RAISE(ABORT, 'fin_allocation: an allocation cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fin_fapiao;
DROP TABLE fin_allocation;
DROP TABLE fin_payment;
DROP TABLE fin_ar_item;
DROP TABLE fin_invoice_line;
DROP TABLE fin_invoice;
DROP TABLE fin_customer;
ALTER TABLE fin_company DROP COLUMN hold_overdue_days;
