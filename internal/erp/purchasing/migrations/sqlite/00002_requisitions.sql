-- +goose Up
-- Reorder points per item and warehouse (quantities in the base unit, scaled
-- by 10^6) and purchase requisitions (quantities in the purchase unit).
CREATE TABLE pur_reorder (
    item_id      TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    min_qty      INTEGER NOT NULL CHECK (min_qty >= 0),
    max_qty      INTEGER NOT NULL CHECK (max_qty >= min_qty),
    safety_qty   INTEGER NOT NULL CHECK (safety_qty >= 0),
    updated_by   TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (item_id, warehouse_id)
) STRICT;

CREATE TABLE pur_requisition (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    item_id      TEXT NOT NULL,
    item_code    TEXT NOT NULL,
    item_name    TEXT NOT NULL,
    uom          TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    needed_date  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'ordered')),
    order_id     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX pur_requisition_status ON pur_requisition (status, created_at);

-- +goose Down
DROP TABLE pur_requisition;
DROP TABLE pur_reorder;
