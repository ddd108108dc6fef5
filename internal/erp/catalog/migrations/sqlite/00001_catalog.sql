-- +goose Up
-- The catalog: units of measure, item categories, items and their revisions.
-- Codes are unique ignoring letter case (code_key is the lower-cased code).
-- Quantities are millionths, prices millionths of the currency unit, rates
-- millionths (0.13 is 130000); instants are epoch milliseconds.
CREATE TABLE cat_uom (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    code_key   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    decimals   INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 6),
    status     TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cat_category (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    code_key   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    parent_id  TEXT REFERENCES cat_category (id),
    status     TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cat_item (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL,
    code_key        TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    spec            TEXT NOT NULL,
    search          TEXT NOT NULL, -- lower-cased code, names and spec, for LIKE
    kind            TEXT NOT NULL CHECK (kind IN ('material', 'semi_finished', 'finished', 'service')),
    category_id     TEXT NOT NULL REFERENCES cat_category (id),
    tracking        TEXT NOT NULL CHECK (tracking IN ('none', 'lot', 'serial')),
    uom_id          TEXT NOT NULL REFERENCES cat_uom (id),
    purchase_uom_id TEXT NOT NULL REFERENCES cat_uom (id),
    purchase_factor INTEGER NOT NULL CHECK (purchase_factor > 0),
    sales_uom_id    TEXT NOT NULL REFERENCES cat_uom (id),
    sales_factor    INTEGER NOT NULL CHECK (sales_factor > 0),
    vat_rate        INTEGER NOT NULL CHECK (vat_rate BETWEEN 0 AND 1000000),
    lead_time_days  INTEGER NOT NULL CHECK (lead_time_days >= 0),
    list_price      INTEGER NOT NULL CHECK (list_price >= 0),
    floor_price     INTEGER NOT NULL CHECK (floor_price >= 0),
    currency        TEXT NOT NULL,
    sellable        INTEGER NOT NULL CHECK (sellable IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    revision        TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX cat_item_name ON cat_item (name, id);
CREATE INDEX cat_item_updated ON cat_item (updated_at, id);
CREATE INDEX cat_item_category ON cat_item (category_id);

CREATE TABLE cat_item_revision (
    id             TEXT PRIMARY KEY,
    item_id        TEXT NOT NULL REFERENCES cat_item (id),
    revision       TEXT NOT NULL,
    note           TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (item_id, revision)
) STRICT;

-- An uploaded item workbook between its preview and its import.
CREATE TABLE cat_import (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    rows_json  TEXT NOT NULL,
    total      INTEGER NOT NULL,
    bad        INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('preview', 'imported')),
    created_at INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE cat_import;
DROP TABLE cat_item_revision;
DROP TABLE cat_item;
DROP TABLE cat_category;
DROP TABLE cat_uom;
