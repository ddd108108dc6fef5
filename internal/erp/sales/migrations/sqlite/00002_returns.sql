-- +goose Up
-- Customer returns against a shipment: authorised in CRM (rma_id) or
-- entered in ERP, expected until the goods arrive into quarantine. A
-- return authorisation ERP cannot take is kept as rejected, so a repeated
-- event never makes a second return. Quantities are millionths of the base unit.
CREATE TABLE so_return (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    rma_id        TEXT UNIQUE, -- the CRM authorisation; NULL for returns entered in ERP
    rma_number    TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    shipment_id   TEXT NOT NULL, -- '' when the authorisation named an unknown shipment
    order_id      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('expected', 'received', 'rejected', 'cancelled')),
    reason        TEXT NOT NULL,
    received_at   INTEGER NOT NULL, -- 0 until received
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX so_return_shipment ON so_return (shipment_id);
CREATE INDEX so_return_created ON so_return (created_at, id);

CREATE TABLE so_return_line (
    id            TEXT PRIMARY KEY,
    return_id     TEXT NOT NULL REFERENCES so_return (id),
    line_no       INTEGER NOT NULL,
    item_id       TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    uom           TEXT NOT NULL,
    uom_precision INTEGER NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    received      INTEGER NOT NULL CHECK (received >= 0),
    reason        TEXT NOT NULL,
    CHECK (received <= quantity),
    UNIQUE (return_id, line_no)
) STRICT;
CREATE INDEX so_return_line_item ON so_return_line (item_id, return_id);

-- Goods of a return received: where, which lot, which stock document.
CREATE TABLE so_return_receipt (
    id             TEXT PRIMARY KEY,
    return_id      TEXT NOT NULL REFERENCES so_return (id),
    return_line_id TEXT NOT NULL REFERENCES so_return_line (id),
    doc_id         TEXT NOT NULL,
    location_code  TEXT NOT NULL,
    lot_no         TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX so_return_receipt_return ON so_return_receipt (return_id, created_at);

-- +goose Down
DROP TABLE so_return_receipt;
DROP TABLE so_return_line;
DROP TABLE so_return;
