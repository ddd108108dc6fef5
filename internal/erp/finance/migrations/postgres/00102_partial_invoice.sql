-- +goose Up
-- Partial invoicing: what posted invoices billed of each shipment line, and
-- which shipment line and sales order line an invoice line bills. A
-- shipment is fully invoiced (fin_shipment.invoice_id set, to the invoice
-- that billed its last quantity) when every line's invoiced reaches its
-- quantity.
ALTER TABLE fin_shipment_line ADD COLUMN invoiced BIGINT NOT NULL DEFAULT 0 CHECK (invoiced >= 0 AND invoiced <= quantity);
ALTER TABLE fin_invoice_line ADD COLUMN shipment_line INTEGER NOT NULL DEFAULT 0 CHECK (shipment_line >= 0);
ALTER TABLE fin_invoice_line ADD COLUMN so_line INTEGER NOT NULL DEFAULT 0 CHECK (so_line >= 0);
UPDATE fin_shipment_line SET invoiced = quantity WHERE shipment_id IN (SELECT id FROM fin_shipment WHERE invoice_id <> '');

-- +goose Down
ALTER TABLE fin_invoice_line DROP COLUMN so_line;
ALTER TABLE fin_invoice_line DROP COLUMN shipment_line;
ALTER TABLE fin_shipment_line DROP COLUMN invoiced;
