-- +goose Up
-- A supplier prepayment or debit note applied to a later bill.
CREATE TABLE fin_ap_application (
    id          TEXT PRIMARY KEY,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('prepayment', 'debit_note')),
    source_id   TEXT NOT NULL,
    item_id     TEXT NOT NULL REFERENCES fin_ap_item (id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    date        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX fin_ap_application_source ON fin_ap_application (source_id);
CREATE INDEX fin_ap_application_item ON fin_ap_application (item_id);

-- +goose StatementBegin
CREATE TRIGGER fin_ap_application_no_change BEFORE UPDATE ON fin_ap_application
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_application: an application cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_ap_application_no_delete BEFORE DELETE ON fin_ap_application
BEGIN
    SELECT RAISE(ABORT, 'fin_ap_application: an application cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fin_ap_application;
