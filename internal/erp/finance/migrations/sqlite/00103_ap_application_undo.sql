-- +goose Up
-- An application of a prepayment or debit note that was undone: the bill is
-- open again by its amount, the source has it to apply again, and for a
-- prepayment entry_id is the entry that moved it back to 预付账款.
CREATE TABLE fin_ap_application_reversal (
    application_id TEXT PRIMARY KEY REFERENCES fin_ap_application (id),
    entry_id       TEXT NOT NULL,
    date           TEXT NOT NULL,
    memo           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER fin_ap_application_reversal_no_change BEFORE UPDATE ON fin_ap_application_reversal
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_application_reversal: an undone application cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_application_reversal_no_delete BEFORE DELETE ON fin_ap_application_reversal
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_application_reversal: an undone application cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fin_ap_application_reversal;
