-- +goose Up
-- Stock counts: a count document per warehouse, the locations it covers,
-- and one line per item, location and lot: the quantity on the books when
-- the count started (snapshot), on the books when the line was counted
-- (snapshot plus the moves since), and the quantity counted. Quantities
-- are millionths of the base unit.
CREATE TABLE inv_count (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    warehouse_id    TEXT NOT NULL REFERENCES inv_warehouse (id),
    scope           TEXT NOT NULL CHECK (scope IN ('full', 'locations', 'items')),
    item_id         TEXT NOT NULL, -- '' for every item
    category_id     TEXT NOT NULL, -- '' for every category
    status          TEXT NOT NULL CHECK (status IN ('counting', 'awaiting_approval', 'posted', 'cancelled')),
    threshold_pct   INTEGER NOT NULL, -- millionths: 50000 is 5 %
    threshold_value INTEGER NOT NULL, -- hundredths of the currency unit
    note            TEXT NOT NULL,
    doc_id          TEXT NOT NULL, -- the adjustment posted, '' before
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    approved_by     TEXT NOT NULL,
    posted_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX inv_count_created ON inv_count (created_at, id);

CREATE TABLE inv_count_location (
    count_id    TEXT NOT NULL REFERENCES inv_count (id),
    location_id TEXT NOT NULL,
    PRIMARY KEY (count_id, location_id)
) STRICT;

CREATE TABLE inv_count_line (
    count_id     TEXT NOT NULL REFERENCES inv_count (id),
    item_id      TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    lot_key      TEXT NOT NULL, -- '' for items not tracked
    lot_no       TEXT NOT NULL,
    snapshot_qty INTEGER NOT NULL,
    book_qty     INTEGER NOT NULL,
    counted_qty  INTEGER CHECK (counted_qty >= 0), -- NULL until counted
    counted_by   TEXT NOT NULL,
    counted_at   INTEGER NOT NULL,
    counts       INTEGER NOT NULL, -- how often it was counted (1, or more after recounts)
    PRIMARY KEY (count_id, item_id, location_id, lot_key)
) STRICT;

-- The thresholds above which a count's variance needs approval.
CREATE TABLE inv_count_setting (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    threshold_pct   INTEGER NOT NULL CHECK (threshold_pct >= 0),
    threshold_value INTEGER NOT NULL CHECK (threshold_value >= 0),
    updated_at      INTEGER NOT NULL
) STRICT;
INSERT INTO inv_count_setting (id, threshold_pct, threshold_value, updated_at) VALUES (1, 50000, 100000, 0);

-- +goose Down
DROP TABLE inv_count_setting;
DROP TABLE inv_count_line;
DROP TABLE inv_count_location;
DROP TABLE inv_count;
