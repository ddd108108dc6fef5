-- +goose Up
-- The credit note written for a customer return (one per return).
CREATE TABLE fin_return_credit (
    return_id      TEXT PRIMARY KEY,
    return_number  TEXT NOT NULL,
    credit_note_id TEXT NOT NULL
);
CREATE INDEX fin_return_credit_note ON fin_return_credit (credit_note_id);

-- +goose Down
DROP TABLE fin_return_credit;
