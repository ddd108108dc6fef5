-- +goose Up
-- Sales orders and their lines, the CRM order requests they answer, and
-- shipments. Quantities are millionths of the base unit, prices millionths
-- and amounts hundredths of the currency unit, rates millionths.
CREATE TABLE so_order (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    customer_id    TEXT NOT NULL,
    customer_name  TEXT NOT NULL,
    request_id     TEXT UNIQUE, -- the CRM request; NULL for orders entered in ERP
    quote_id       TEXT NOT NULL,
    quote_number   TEXT NOT NULL,
    currency       TEXT NOT NULL,
    order_date     TEXT NOT NULL,
    requested_date TEXT NOT NULL,
    promise_date   TEXT NOT NULL,
    ship_to        TEXT NOT NULL,
    payment_terms  TEXT NOT NULL,
    notes          TEXT NOT NULL,
    warehouse_id   TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    owner_team_id  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'partially_reserved', 'reserved',
                       'partially_shipped', 'shipped', 'cancelled', 'closed')),
    net            INTEGER NOT NULL,
    tax            INTEGER NOT NULL,
    gross          INTEGER NOT NULL,
    search         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX so_order_created ON so_order (created_at, id);
CREATE INDEX so_order_customer ON so_order (customer_id, created_at);
CREATE INDEX so_order_owner ON so_order (owner_id, created_at);

CREATE TABLE so_line (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES so_order (id),
    line_no       INTEGER NOT NULL,
    item_id       TEXT NOT NULL,
    item_code     TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    uom           TEXT NOT NULL,
    uom_precision INTEGER NOT NULL,
    stocked       INTEGER NOT NULL CHECK (stocked IN (0, 1)),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    unit_price    INTEGER NOT NULL CHECK (unit_price >= 0),
    discount      INTEGER NOT NULL CHECK (discount BETWEEN 0 AND 1000000),
    vat_rate      INTEGER NOT NULL CHECK (vat_rate BETWEEN 0 AND 1000000),
    net           INTEGER NOT NULL,
    tax           INTEGER NOT NULL,
    reserved      INTEGER NOT NULL CHECK (reserved >= 0),
    shipped       INTEGER NOT NULL CHECK (shipped >= 0),
    promise_date  TEXT NOT NULL,
    CHECK (reserved + shipped <= quantity),
    UNIQUE (order_id, line_no)
) STRICT;

-- Every order request from CRM and its answer, so a repeated request gets
-- the same answer and never a second order.
CREATE TABLE so_request (
    request_id  TEXT PRIMARY KEY,
    quote_id    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    order_id    TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE so_shipment (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    order_id     TEXT NOT NULL REFERENCES so_order (id),
    warehouse_id TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'shipped')),
    carrier      TEXT NOT NULL,
    tracking_no  TEXT NOT NULL,
    date         TEXT NOT NULL,
    shipped_at   INTEGER NOT NULL, -- 0 while a draft
    doc_id       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX so_shipment_order ON so_shipment (order_id, created_at);

CREATE TABLE so_shipment_line (
    id            TEXT PRIMARY KEY,
    shipment_id   TEXT NOT NULL REFERENCES so_shipment (id),
    order_line_id TEXT NOT NULL REFERENCES so_line (id),
    location_id   TEXT NOT NULL,
    location_code TEXT NOT NULL,
    lot_no        TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    seq           INTEGER NOT NULL
) STRICT;
CREATE INDEX so_shipment_line_shipment ON so_shipment_line (shipment_id, seq);

-- +goose Down
DROP TABLE so_shipment_line;
DROP TABLE so_shipment;
DROP TABLE so_request;
DROP TABLE so_line;
DROP TABLE so_order;
