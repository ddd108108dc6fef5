-- +goose Up
-- Lines by date with their base amounts, so a trial balance reads the
-- partial month at either end of its range from this index alone.
CREATE INDEX fin_line_date ON fin_line (date, account_id) INCLUDE (base_debit, base_credit);

-- +goose Down
DROP INDEX fin_line_date;
