-- +goose Up
-- Quotes with their lines and approvals, price lists, customer prices and
-- the quote settings. Quantities, prices and rates are millionths, amounts
-- hundredths, instants epoch milliseconds, dates 'YYYY-MM-DD'.
CREATE TABLE crm_quote (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    account_id     TEXT NOT NULL REFERENCES crm_account (id),
    contact_id     TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    currency       TEXT NOT NULL,
    tax_mode       TEXT NOT NULL CHECK (tax_mode IN ('exclusive', 'inclusive')),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'sent', 'accepted', 'declined', 'superseded')),
    valid_until    TEXT NOT NULL,
    requested_date TEXT NOT NULL,
    ship_to        TEXT NOT NULL,
    payment_terms  TEXT NOT NULL,
    notes          TEXT NOT NULL,
    net            INTEGER NOT NULL,
    tax            INTEGER NOT NULL,
    gross          INTEGER NOT NULL,
    request_id     TEXT NOT NULL,
    supersedes_id  TEXT NOT NULL,
    superseded_by  TEXT NOT NULL,
    decline_reason TEXT NOT NULL,
    search         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    sent_at        INTEGER NOT NULL,
    accepted_at    INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (number, revision)
) STRICT;
CREATE INDEX crm_quote_owner ON crm_quote (owner_id, created_at);
CREATE INDEX crm_quote_account ON crm_quote (account_id);
CREATE INDEX crm_quote_opportunity ON crm_quote (opportunity_id);
CREATE INDEX crm_quote_created ON crm_quote (created_at, id);

CREATE TABLE crm_quote_line (
    quote_id    TEXT NOT NULL REFERENCES crm_quote (id),
    line_no     INTEGER NOT NULL,
    item_id     TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    uom         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    ref_price   INTEGER NOT NULL,
    source      TEXT NOT NULL,
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    discount    INTEGER NOT NULL CHECK (discount BETWEEN 0 AND 1000000),
    net_price   INTEGER NOT NULL,
    vat_rate    INTEGER NOT NULL,
    net         INTEGER NOT NULL,
    tax         INTEGER NOT NULL,
    gross       INTEGER NOT NULL,
    reduction   INTEGER NOT NULL,
    below_floor INTEGER NOT NULL CHECK (below_floor IN (0, 1)),
    floor_ok    INTEGER NOT NULL CHECK (floor_ok IN (0, 1)), -- approval of the floor was asked for
    PRIMARY KEY (quote_id, line_no)
) STRICT;

CREATE TABLE crm_quote_approval (
    id           TEXT PRIMARY KEY,
    quote_id     TEXT NOT NULL REFERENCES crm_quote (id),
    kind         TEXT NOT NULL CHECK (kind IN ('discount', 'floor', 'credit')),
    detail       TEXT NOT NULL, -- JSON object of strings
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   INTEGER NOT NULL,
    comment      TEXT NOT NULL
) STRICT;
CREATE INDEX crm_quote_approval_quote ON crm_quote_approval (quote_id, requested_at);
CREATE INDEX crm_quote_approval_pending ON crm_quote_approval (status, kind);

CREATE TABLE crm_price_list (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('', 'A', 'B', 'C')),
    currency   TEXT NOT NULL,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE crm_price_list_item (
    price_list_id TEXT NOT NULL REFERENCES crm_price_list (id),
    item_id       TEXT NOT NULL,
    min_qty       INTEGER NOT NULL CHECK (min_qty >= 0),
    unit_price    INTEGER NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (price_list_id, item_id, min_qty)
) STRICT;

CREATE TABLE crm_customer_price (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES crm_account (id),
    item_id    TEXT NOT NULL,
    currency   TEXT NOT NULL,
    min_qty    INTEGER NOT NULL CHECK (min_qty >= 0),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, item_id, currency, min_qty)
) STRICT;

CREATE TABLE crm_setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE crm_setting;
DROP TABLE crm_customer_price;
DROP TABLE crm_price_list_item;
DROP TABLE crm_price_list;
DROP TABLE crm_quote_approval;
DROP TABLE crm_quote_line;
DROP TABLE crm_quote;
