-- +goose Up
-- Purchasing: the settings buyers work under, suppliers' price lists,
-- purchase orders with their approval history, receipts against them and
-- supplier bills matched three ways (ordered, received, billed).
-- Quantities are scaled by 10^6, amounts by 10^2, prices and rates by 10^6.
CREATE TABLE pur_setting (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    approval_threshold  BIGINT NOT NULL CHECK (approval_threshold >= 0),
    receipt_tolerance   BIGINT NOT NULL CHECK (receipt_tolerance >= 0),
    price_tolerance     BIGINT NOT NULL CHECK (price_tolerance >= 0),
    version             BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
INSERT INTO pur_setting (id, approval_threshold, receipt_tolerance, price_tolerance, version, updated_at)
VALUES (1, 5000000, 50000, 20000, 1, 0);

CREATE TABLE pur_price (
    id             TEXT PRIMARY KEY,
    supplier_id    TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    currency       TEXT NOT NULL,
    min_quantity   BIGINT NOT NULL CHECK (min_quantity >= 0),
    unit_price     BIGINT NOT NULL CHECK (unit_price >= 0),
    lead_time_days BIGINT NOT NULL CHECK (lead_time_days >= 0),
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    inspection     BIGINT NOT NULL CHECK (inspection IN (0, 1)),
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX pur_price_item ON pur_price (item_id, supplier_id, min_quantity);
CREATE INDEX pur_price_supplier ON pur_price (supplier_id, item_id);

CREATE TABLE pur_order (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    supplier_id   TEXT NOT NULL,
    supplier_name TEXT NOT NULL,
    warehouse_id  TEXT NOT NULL,
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'partially_received', 'received', 'closed', 'cancelled')),
    order_date    TEXT NOT NULL,
    net           BIGINT NOT NULL,
    tax           BIGINT NOT NULL,
    gross         BIGINT NOT NULL,
    notes         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    approved_by   TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX pur_order_status ON pur_order (status, created_at);
CREATE INDEX pur_order_supplier ON pur_order (supplier_id, order_date);

CREATE TABLE pur_order_line (
    id             TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES pur_order (id),
    line_no        BIGINT NOT NULL,
    item_id        TEXT NOT NULL,
    item_code      TEXT NOT NULL,
    item_name      TEXT NOT NULL,
    uom            TEXT NOT NULL,
    factor         BIGINT NOT NULL CHECK (factor > 0),
    base_uom       TEXT NOT NULL,
    base_precision BIGINT NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity > 0),
    unit_price     BIGINT NOT NULL CHECK (unit_price >= 0),
    vat_rate       BIGINT NOT NULL CHECK (vat_rate >= 0),
    net            BIGINT NOT NULL,
    tax            BIGINT NOT NULL,
    expected_date  TEXT NOT NULL,
    inspection     BIGINT NOT NULL CHECK (inspection IN (0, 1)),
    received       BIGINT NOT NULL CHECK (received >= 0),
    billed         BIGINT NOT NULL CHECK (billed >= 0),
    full_date      TEXT NOT NULL,
    UNIQUE (order_id, line_no)
);
CREATE INDEX pur_order_line_item ON pur_order_line (item_id);

CREATE TABLE pur_order_history (
    id       TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES pur_order (id),
    action   TEXT NOT NULL,
    comment  TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX pur_order_history_order ON pur_order_history (order_id, at);

CREATE TABLE pur_receipt (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES pur_order (id),
    line_id    TEXT NOT NULL REFERENCES pur_order_line (id),
    doc_id     TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    date       TEXT NOT NULL,
    location   TEXT NOT NULL,
    lot_no     TEXT NOT NULL,
    quantity   BIGINT NOT NULL CHECK (quantity > 0),
    quarantine BIGINT NOT NULL CHECK (quarantine IN (0, 1)),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pur_receipt_order ON pur_receipt (order_id, created_at);

CREATE TABLE pur_bill (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    order_id     TEXT NOT NULL REFERENCES pur_order (id),
    supplier_id  TEXT NOT NULL,
    invoice_no   TEXT NOT NULL,
    bill_date    TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('held', 'posted', 'rejected')),
    net          BIGINT NOT NULL,
    tax          BIGINT NOT NULL,
    gross        BIGINT NOT NULL,
    entry_id     TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    comment      TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (supplier_id, invoice_no)
);
CREATE INDEX pur_bill_status ON pur_bill (status, created_at);

CREATE TABLE pur_bill_line (
    id         TEXT PRIMARY KEY,
    bill_id    TEXT NOT NULL REFERENCES pur_bill (id),
    line_id    TEXT NOT NULL REFERENCES pur_order_line (id),
    quantity   BIGINT NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    vat_rate   BIGINT NOT NULL CHECK (vat_rate >= 0),
    net        BIGINT NOT NULL,
    tax        BIGINT NOT NULL,
    reasons    TEXT NOT NULL
);
CREATE INDEX pur_bill_line_bill ON pur_bill_line (bill_id);

-- A posted bill is never changed: a correction is a credit note.
-- +goose StatementBegin
CREATE FUNCTION pur_bill_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'posted' THEN
        RAISE EXCEPTION 'a posted supplier bill cannot be changed (%)', TG_OP USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER pur_bill_posted_no_change BEFORE UPDATE OR DELETE ON pur_bill
    FOR EACH ROW EXECUTE FUNCTION pur_bill_refuse_change();

-- +goose Down
DROP TRIGGER pur_bill_posted_no_change ON pur_bill;
DROP FUNCTION pur_bill_refuse_change();
DROP TABLE pur_bill_line;
DROP TABLE pur_bill;
DROP TABLE pur_receipt;
DROP TABLE pur_order_history;
DROP TABLE pur_order_line;
DROP TABLE pur_order;
DROP TABLE pur_price;
DROP TABLE pur_setting;
