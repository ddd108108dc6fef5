-- +goose Up
-- A supplier prepayment or debit note applied to a later bill.
CREATE TABLE fin_ap_application (
    id          TEXT PRIMARY KEY,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('prepayment', 'debit_note')),
    source_id   TEXT NOT NULL,
    item_id     TEXT NOT NULL REFERENCES fin_ap_item (id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    date        TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX fin_ap_application_source ON fin_ap_application (source_id);
CREATE INDEX fin_ap_application_item ON fin_ap_application (item_id);
CREATE TRIGGER fin_ap_application_append_only BEFORE UPDATE OR DELETE ON fin_ap_application
    FOR EACH ROW EXECUTE FUNCTION fin_append_only();

-- +goose Down
DROP TABLE fin_ap_application;
