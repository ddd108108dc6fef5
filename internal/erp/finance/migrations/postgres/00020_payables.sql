-- +goose Up
-- Payables: what each posted supplier bill (or other posting crediting the
-- payables control account for a supplier) leaves owed, supplier payments
-- with their allocations and reversals (see docs/finance.md).

CREATE TABLE fin_ap_item (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('bill', 'debit_note')),
    supplier_id    TEXT NOT NULL,
    source_kind    TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    number         TEXT NOT NULL,
    entry_id       TEXT NOT NULL REFERENCES fin_entry (id),
    currency       TEXT NOT NULL,
    rate           BIGINT NOT NULL CHECK (rate > 0),
    date           TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount <> 0),
    open           BIGINT NOT NULL,
    reversed_entry TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    UNIQUE (entry_id, supplier_id, currency),
    CHECK ((amount > 0 AND open >= 0 AND open <= amount) OR (amount < 0 AND open <= 0 AND open >= amount))
);
CREATE INDEX fin_ap_item_supplier ON fin_ap_item (supplier_id, due_date);
CREATE INDEX fin_ap_item_open ON fin_ap_item (due_date) WHERE open <> 0;

CREATE TABLE fin_ap_payment (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    supplier_id  TEXT NOT NULL,
    date         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    rate         BIGINT NOT NULL CHECK (rate > 0),
    amount       BIGINT NOT NULL CHECK (amount > 0),
    allocated    BIGINT NOT NULL CHECK (allocated >= 0),
    prepaid      BIGINT NOT NULL CHECK (prepaid >= 0),
    bank_account TEXT NOT NULL REFERENCES fin_account (id),
    method       TEXT NOT NULL,
    reference    TEXT NOT NULL,
    memo         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    CHECK (allocated + prepaid = amount)
);
CREATE INDEX fin_ap_payment_supplier ON fin_ap_payment (supplier_id, date);
CREATE INDEX fin_ap_payment_date ON fin_ap_payment (date, id);

CREATE TABLE fin_ap_allocation (
    id         TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES fin_ap_payment (id),
    item_id    TEXT NOT NULL REFERENCES fin_ap_item (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    date       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX fin_ap_allocation_payment ON fin_ap_allocation (payment_id);
CREATE INDEX fin_ap_allocation_item ON fin_ap_allocation (item_id);

CREATE TABLE fin_ap_payment_reversal (
    payment_id TEXT PRIMARY KEY REFERENCES fin_ap_payment (id),
    entry_id   TEXT NOT NULL,
    date       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TRIGGER fin_ap_payment_append_only BEFORE UPDATE OR DELETE ON fin_ap_payment
    FOR EACH ROW EXECUTE FUNCTION fin_append_only();
CREATE TRIGGER fin_ap_allocation_append_only BEFORE UPDATE OR DELETE ON fin_ap_allocation
    FOR EACH ROW EXECUTE FUNCTION fin_append_only();
CREATE TRIGGER fin_ap_payment_reversal_append_only BEFORE UPDATE OR DELETE ON fin_ap_payment_reversal
    FOR EACH ROW EXECUTE FUNCTION fin_append_only();

CREATE TABLE fin_year_close (
    fiscal_year INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL
);

-- +goose Down
DROP TABLE fin_year_close;
DROP TABLE fin_ap_payment_reversal;
DROP TABLE fin_ap_allocation;
DROP TABLE fin_ap_payment;
DROP TABLE fin_ap_item;
