-- +goose Up
-- Shipments the sales module announced (erp.shipment.shipped), waiting to
-- be invoiced: finance's own copy, so the invoice queue needs no other
-- module's tables. invoice_id is the posted invoice that billed it.

CREATE TABLE fin_shipment (
    id          TEXT PRIMARY KEY, -- the sales module's shipment id
    number      TEXT NOT NULL,
    so_id       TEXT NOT NULL,
    so_number   TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    date        TEXT NOT NULL,    -- the shipping date in the company's time zone
    shipped_at  INTEGER NOT NULL,
    carrier     TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    invoice_id  TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX fin_shipment_open ON fin_shipment (invoice_id, date);
CREATE INDEX fin_shipment_customer ON fin_shipment (customer_id, date);

CREATE TABLE fin_shipment_line (
    shipment_id TEXT NOT NULL REFERENCES fin_shipment (id),
    line_no     INTEGER NOT NULL CHECK (line_no >= 1),
    item_id     TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, line_no)
) STRICT;

CREATE INDEX fin_invoice_shipment ON fin_invoice (shipment_id) WHERE shipment_id <> '';

-- +goose Down
DROP INDEX fin_invoice_shipment;
DROP TABLE fin_shipment_line;
DROP TABLE fin_shipment;
