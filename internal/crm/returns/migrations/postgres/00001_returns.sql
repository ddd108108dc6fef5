-- +goose Up
-- Return authorisations (RMA) of shipped goods, and the CRM's copy of ERP's
-- shipments they are made from. Quantities are in units of 1/1000
-- (money.Quantity); instants are epoch milliseconds.
CREATE TABLE crm_rma_shipment (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    so_id       TEXT NOT NULL,
    so_number   TEXT NOT NULL,
    quote_id    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    shipped_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX crm_rma_shipment_account ON crm_rma_shipment (account_id, shipped_at);

CREATE TABLE crm_rma_shipment_item (
    shipment_id TEXT NOT NULL REFERENCES crm_rma_shipment (id),
    item_id     TEXT NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, item_id)
);

CREATE TABLE crm_rma (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES crm_account (id),
    shipment_id   TEXT NOT NULL REFERENCES crm_rma_shipment (id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'authorized', 'received', 'rejected', 'cancelled')),
    notes         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    authorized_by TEXT NOT NULL,
    authorized_at BIGINT NOT NULL,
    return_number TEXT NOT NULL,
    erp_reason    TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX crm_rma_account ON crm_rma (account_id, created_at);
CREATE INDEX crm_rma_shipment_ref ON crm_rma (shipment_id);
CREATE INDEX crm_rma_created ON crm_rma (created_at, id);

CREATE TABLE crm_rma_line (
    rma_id   TEXT NOT NULL REFERENCES crm_rma (id),
    line_no  BIGINT NOT NULL,
    item_id  TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    reason   TEXT NOT NULL,
    received BIGINT NOT NULL,
    PRIMARY KEY (rma_id, line_no)
);

-- +goose Down
DROP TABLE crm_rma_line;
DROP TABLE crm_rma;
DROP TABLE crm_rma_shipment_item;
DROP TABLE crm_rma_shipment;
