-- +goose Up
-- The audit log is append-only and hash-chained: each row's hash covers the
-- previous row's hash and the row itself, so an edit or a removal shows up in
-- audit.Verify. The triggers make the database itself refuse changes.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE CHECK (seq > 0),
    at          INTEGER NOT NULL,
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
) STRICT;

CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;
-- +goose StatementEnd

-- The head of the chain: one row per unit database, holding the last
-- sequence number and hash. Writers lock it just before they commit.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL
) STRICT;

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
