-- +goose Up
-- Several chains: each transaction appends its rows to one of eight chains,
-- so concurrent writers wait on one head in eight instead of all on one.
-- Sequence numbers come from a sequence (unique and rising, with gaps where a
-- transaction failed after taking one); within a chain each row links to the
-- one before it, so a removed row still shows as a broken link.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_log_chain ON audit_log (chain, seq);
ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_id_check CHECK (id BETWEEN 1 AND 8);
INSERT INTO audit_head (id, seq, hash) SELECT g, 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM generate_series(2, 8) g;
CREATE SEQUENCE audit_seq;
SELECT setval('audit_seq', COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false);

-- +goose Down
DROP SEQUENCE audit_seq;
DELETE FROM audit_head WHERE id > 1;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_id_check CHECK (id = 1);
DROP INDEX audit_log_chain;
ALTER TABLE audit_log DROP COLUMN chain;
