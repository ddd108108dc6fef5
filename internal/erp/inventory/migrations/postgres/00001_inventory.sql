-- +goose Up
-- Warehouses, locations, lots, the append-only stock ledger (inv_doc and
-- inv_move), the balances it keeps, valuation, reservations and the
-- schedule of expected receipts and demand. Quantities are millionths of the
-- item's base unit, costs millionths and values hundredths of the currency
-- unit, dates 'YYYY-MM-DD', instants epoch milliseconds.
CREATE TABLE inv_warehouse (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    code_key   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    status     TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Location codes are unique across warehouses: a scanned label names one place.
CREATE TABLE inv_location (
    id           TEXT PRIMARY KEY,
    warehouse_id TEXT NOT NULL REFERENCES inv_warehouse (id),
    code         TEXT NOT NULL,
    code_key     TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('stock', 'quarantine', 'wip', 'scrap', 'transit')),
    status       TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX inv_location_warehouse ON inv_location (warehouse_id, code_key);

-- A lot, or one serial number of a serial-tracked item.
CREATE TABLE inv_lot (
    id          TEXT PRIMARY KEY,
    item_id     TEXT NOT NULL,
    lot_no      TEXT NOT NULL,
    lot_key     TEXT NOT NULL,
    expiry_date TEXT NOT NULL, -- '' when it does not expire
    created_at  BIGINT NOT NULL,
    UNIQUE (item_id, lot_key)
);

-- A stock document: the header of one or more moves.
CREATE TABLE inv_doc (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    date         TEXT NOT NULL,
    reference    TEXT NOT NULL,
    note         TEXT NOT NULL,
    source_kind  TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    partner_kind TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    entry_id     TEXT NOT NULL, -- the journal entry posted, '' without finance
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX inv_doc_source ON inv_doc (source_kind, source_id);
CREATE INDEX inv_doc_created ON inv_doc (created_at, id);

-- The stock ledger. Append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE inv_move (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    doc_id       TEXT NOT NULL REFERENCES inv_doc (id),
    kind         TEXT NOT NULL,
    date         TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot_id       TEXT NOT NULL, -- '' for items not tracked
    quantity     BIGINT NOT NULL CHECK (quantity <> 0),
    unit_cost    BIGINT, -- the cost given for goods coming in; NULL takes the average
    created_at   BIGINT NOT NULL
);
CREATE INDEX inv_move_item ON inv_move (item_id, date, seq);
CREATE INDEX inv_move_doc ON inv_move (doc_id, seq);
CREATE INDEX inv_move_lot ON inv_move (lot_id, seq) WHERE lot_id <> '';

-- +goose StatementBegin
CREATE FUNCTION inv_move_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inv_move is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'P0001';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER inv_move_no_change BEFORE UPDATE OR DELETE ON inv_move
    FOR EACH ROW EXECUTE FUNCTION inv_move_refuse_change();

CREATE TRIGGER inv_move_no_truncate BEFORE TRUNCATE ON inv_move
    FOR EACH STATEMENT EXECUTE FUNCTION inv_move_refuse_change();

-- On hand per item, location and lot, kept with every move; never negative.
CREATE TABLE inv_balance (
    item_id      TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot_id       TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    on_hand      BIGINT NOT NULL CHECK (on_hand >= 0),
    PRIMARY KEY (item_id, location_id, lot_id)
);
CREATE INDEX inv_balance_location ON inv_balance (location_id, item_id);
CREATE INDEX inv_balance_lot ON inv_balance (lot_id) WHERE lot_id <> '';

-- What can be promised per item and warehouse: on hand in stock locations,
-- and how much of it is reserved. Reserved never exceeds on hand.
CREATE TABLE inv_stock (
    item_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    on_hand      BIGINT NOT NULL CHECK (on_hand >= 0),
    reserved     BIGINT NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    PRIMARY KEY (item_id, warehouse_id)
);

-- Stock set aside for a source document line (a sales order line).
CREATE TABLE inv_reservation (
    source_kind  TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (source_kind, source_id)
);
CREATE INDEX inv_reservation_item ON inv_reservation (item_id, warehouse_id);

-- Valuation: the perpetual moving average of each item, move by move in
-- (date, seq) order. Derived from the ledger and recomputed from a
-- back-dated move onwards; value is the move's signed value, and qty_after
-- and value_after the item's totals after it.
CREATE TABLE inv_cost (
    seq         BIGINT PRIMARY KEY REFERENCES inv_move (seq),
    item_id     TEXT NOT NULL,
    date        TEXT NOT NULL,
    value       BIGINT NOT NULL,
    qty_after   BIGINT NOT NULL CHECK (qty_after >= 0),
    value_after BIGINT NOT NULL,
    cost_after  BIGINT NOT NULL -- the moving-average unit cost after the move
);
CREATE INDEX inv_cost_item ON inv_cost (item_id, date, seq);

-- Each item's valuation now: the totals after its last move, and the lock
-- every change of the item's stock takes first.
CREATE TABLE inv_item_cost (
    item_id   TEXT PRIMARY KEY,
    quantity  BIGINT NOT NULL CHECK (quantity >= 0),
    value     BIGINT NOT NULL,
    unit_cost BIGINT NOT NULL, -- the last average cost, kept when the stock runs out
    last_date TEXT NOT NULL,
    last_seq  BIGINT NOT NULL
);

-- Expected receipts (purchase order lines, work orders) and demand (open
-- sales order lines not yet reserved), by source line.
CREATE TABLE inv_schedule (
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    source_kind  TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    date         TEXT NOT NULL,
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (direction, source_kind, source_id)
);
CREATE INDEX inv_schedule_item ON inv_schedule (item_id, date);

-- The availability last sent to CRM per item, so an event goes out only
-- when a number changes.
CREATE TABLE inv_avail (
    item_id        TEXT PRIMARY KEY,
    on_hand        BIGINT NOT NULL,
    reserved       BIGINT NOT NULL,
    incoming       TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL,
    sent_at        BIGINT NOT NULL
);

-- +goose Down
DROP TABLE inv_avail;
DROP TABLE inv_schedule;
DROP TABLE inv_item_cost;
DROP TABLE inv_cost;
DROP TABLE inv_reservation;
DROP TABLE inv_stock;
DROP TABLE inv_balance;
DROP TABLE inv_move;
DROP FUNCTION inv_move_refuse_change();
DROP TABLE inv_doc;
DROP TABLE inv_lot;
DROP TABLE inv_location;
DROP TABLE inv_warehouse;
