-- +goose Up
-- The audit log is append-only and hash-chained: each row's hash covers the
-- previous row's hash and the row itself, so an edit or a removal shows up in
-- audit.Verify. The trigger makes the database itself refuse changes.
-- JSON is kept as TEXT, byte for byte as it was hashed (jsonb would reorder it).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL UNIQUE CHECK (seq > 0),
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'P0001';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The head of the chain: one row per unit database, holding the last
-- sequence number and hash. Writers lock it (FOR UPDATE) just before they
-- commit, so concurrent transactions append one after the other.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
