-- +goose Up
-- Orders in a foreign currency keep the exchange rate to the base currency
-- taken when they were submitted (scaled by 10^6 like every rate; 0 while
-- draft) and their total converted with it; receipts keep the rate they
-- valued stock at.
ALTER TABLE pur_order ADD COLUMN rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pur_order ADD COLUMN base_gross INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pur_receipt ADD COLUMN rate INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE pur_receipt DROP COLUMN rate;
ALTER TABLE pur_order DROP COLUMN base_gross;
ALTER TABLE pur_order DROP COLUMN rate;
