-- +goose Up
-- Files uploaded for import, kept until imported so the user can map their
-- columns and check them; data is emptied once the file is imported.
CREATE TABLE crm_import (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('leads', 'accounts', 'contacts')),
    owner_id   TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    data       BYTEA NOT NULL,
    mapping    TEXT NOT NULL, -- JSON array: the field of each column
    status     TEXT NOT NULL CHECK (status IN ('open', 'done')),
    rows_count BIGINT NOT NULL,
    imported   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX crm_import_owner ON crm_import (owner_id, created_at);

-- +goose Down
DROP TABLE crm_import;
