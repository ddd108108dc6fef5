-- +goose Up
-- Payables: what each posted supplier bill (or other posting crediting the
-- payables control account for a supplier) leaves owed, supplier payments
-- with their allocations and reversals (see docs/finance.md).

-- One open item per posted entry, supplier and currency: bills count
-- positive, debit notes (postings that debit payables) negative.
-- Allocations move open towards zero, never past it.
CREATE TABLE fin_ap_item (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('bill', 'debit_note')),
    supplier_id    TEXT NOT NULL,
    source_kind    TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    number         TEXT NOT NULL, -- the supplier's invoice number or the voucher's
    entry_id       TEXT NOT NULL REFERENCES fin_entry (id),
    currency       TEXT NOT NULL,
    rate           INTEGER NOT NULL CHECK (rate > 0),
    date           TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount <> 0),
    open           INTEGER NOT NULL,
    reversed_entry TEXT NOT NULL DEFAULT '', -- the reversal that cancelled it
    created_at     INTEGER NOT NULL,
    UNIQUE (entry_id, supplier_id, currency),
    CHECK ((amount > 0 AND open >= 0 AND open <= amount) OR (amount < 0 AND open <= 0 AND open >= amount))
) STRICT;
CREATE INDEX fin_ap_item_supplier ON fin_ap_item (supplier_id, due_date);
CREATE INDEX fin_ap_item_open ON fin_ap_item (due_date) WHERE open <> 0;

-- Payments to suppliers. A payment never changes; a reversal is recorded
-- beside it.
CREATE TABLE fin_ap_payment (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    supplier_id  TEXT NOT NULL,
    date         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    rate         INTEGER NOT NULL CHECK (rate > 0),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    allocated    INTEGER NOT NULL CHECK (allocated >= 0),
    prepaid      INTEGER NOT NULL CHECK (prepaid >= 0), -- kept as a prepayment to the supplier
    bank_account TEXT NOT NULL REFERENCES fin_account (id),
    method       TEXT NOT NULL,
    reference    TEXT NOT NULL,
    memo         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    CHECK (allocated + prepaid = amount)
) STRICT;
CREATE INDEX fin_ap_payment_supplier ON fin_ap_payment (supplier_id, date);
CREATE INDEX fin_ap_payment_date ON fin_ap_payment (date, id);

CREATE TABLE fin_ap_allocation (
    id         TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES fin_ap_payment (id),
    item_id    TEXT NOT NULL REFERENCES fin_ap_item (id),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    date       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) STRICT;
CREATE INDEX fin_ap_allocation_payment ON fin_ap_allocation (payment_id);
CREATE INDEX fin_ap_allocation_item ON fin_ap_allocation (item_id);

CREATE TABLE fin_ap_payment_reversal (
    payment_id TEXT PRIMARY KEY REFERENCES fin_ap_payment (id),
    entry_id   TEXT NOT NULL,
    date       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER fin_ap_payment_no_update BEFORE UPDATE ON fin_ap_payment
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_payment: a payment cannot be changed; reverse it instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_payment_no_delete BEFORE DELETE ON fin_ap_payment
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_payment: a payment cannot be deleted; reverse it instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_allocation_no_update BEFORE UPDATE ON fin_ap_allocation
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_allocation: an allocation cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_allocation_no_delete BEFORE DELETE ON fin_ap_allocation
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_allocation: an allocation cannot be deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_payment_reversal_no_change BEFORE UPDATE ON fin_ap_payment_reversal
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_payment_reversal: a reversal cannot be changed');
END;
-- +goose StatementEnd

-- Year-end closes: one per fiscal year.
CREATE TABLE fin_year_close (
    fiscal_year INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE fin_year_close;
DROP TABLE fin_ap_payment_reversal;
DROP TABLE fin_ap_allocation;
DROP TABLE fin_ap_payment;
DROP TABLE fin_ap_item;
