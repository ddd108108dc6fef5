-- +goose Up
-- A blind count hides the book quantities from its counters until it is
-- posted (1) or shows them (0).
ALTER TABLE inv_count ADD COLUMN blind INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1));

-- +goose Down
ALTER TABLE inv_count DROP COLUMN blind;
