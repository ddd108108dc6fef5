-- +goose Up
-- One row per document-number series; taken inside the posting transaction,
-- so a rolled-back posting gives its number back and numbers stay gapless.
CREATE TABLE loom_counter (
    series     TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL CHECK (last_value >= 0)
);

-- +goose Down
DROP TABLE loom_counter;
