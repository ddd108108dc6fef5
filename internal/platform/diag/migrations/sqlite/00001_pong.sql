-- +goose Up
-- Pings other units sent through the event bus, as this unit received them;
-- times counts applications, which the bus guarantees to be exactly one.
CREATE TABLE diag_pong (
    ping_id     TEXT PRIMARY KEY,
    from_unit   TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    times       INTEGER NOT NULL DEFAULT 1
) STRICT;

-- +goose Down
DROP TABLE diag_pong;
