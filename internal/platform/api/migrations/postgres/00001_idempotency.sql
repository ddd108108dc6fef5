-- +goose Up
-- One row per Idempotency-Key of a principal. A request claims its key as
-- in_progress (attempt_id names the claim); when its handler answered below
-- 500 the response is stored and the row is done, else the row is deleted so
-- a retry runs again. Expired rows are purged by the server.
CREATE TABLE api_idempotency (
    principal_id    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request         TEXT NOT NULL,               -- method and path, such as 'POST /api/v1/crm/leads'
    body_sha256     TEXT NOT NULL,               -- hex SHA-256 of the request body
    state           TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    attempt_id      TEXT NOT NULL,
    status          INTEGER NOT NULL DEFAULT 0,  -- HTTP status of the stored response
    headers         TEXT NOT NULL DEFAULT '{}',  -- JSON object of the replayed response headers
    body            BYTEA NOT NULL DEFAULT ''::bytea,
    created_at      BIGINT NOT NULL,             -- epoch ms
    expires_at      BIGINT NOT NULL,             -- epoch ms
    PRIMARY KEY (principal_id, idempotency_key)
);

CREATE INDEX api_idempotency_expires ON api_idempotency (expires_at);

-- +goose Down
DROP TABLE api_idempotency;
