-- +goose Up
-- Pings other units sent through the event bus, as this unit received them;
-- times counts applications, which the bus guarantees to be exactly one.
CREATE TABLE diag_pong (
    ping_id     TEXT PRIMARY KEY,
    from_unit   TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    times       BIGINT NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE diag_pong;
