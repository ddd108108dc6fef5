-- +goose Up
-- The chain a row belongs to. SQLite's single writer keeps one chain (1);
-- PostgreSQL spreads concurrent writers over several.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_log_chain ON audit_log (chain, seq);

-- +goose Down
DROP INDEX audit_log_chain;
ALTER TABLE audit_log DROP COLUMN chain;
