-- +goose Up
-- Events a unit has committed, in the order of their sequence number. The
-- relay publishes unpublished rows in seq order and stamps published_at;
-- published rows are pruned after the retention period. On PostgreSQL rows
-- can commit out of seq order, so the relay never reads "seq after the last
-- one seen": it reads every unpublished row.
CREATE TABLE outbox (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    type         TEXT    NOT NULL,
    version      BIGINT  NOT NULL,
    source       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    occurred_at  BIGINT  NOT NULL,
    trace_id     TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    data         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    published_at BIGINT
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- One row per event a consumer of this unit has applied, written in the same
-- transaction as the effect, so a redelivered event is recognised and skipped.
CREATE TABLE inbox (
    consumer   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    applied_at BIGINT  NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX inbox_applied ON inbox (applied_at);

-- Events a consumer received but has not applied yet: its handler failed
-- (attempts > 0, retried at next_attempt_at), or an earlier event of the same
-- subject is waiting here (attempts = 0). The row with the lowest pos of a
-- subject is the only one tried, so a subject's events apply in order.
CREATE TABLE inbox_retry (
    pos             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer        TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    envelope        TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT    NOT NULL,
    UNIQUE (consumer, event_id)
);
CREATE INDEX inbox_retry_subject ON inbox_retry (consumer, subject, pos);

-- Events a consumer gave up on after its last attempt, for an admin to
-- inspect and replay.
CREATE TABLE dead_letter (
    id        TEXT    PRIMARY KEY,
    consumer  TEXT    NOT NULL,
    event_id  TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    source    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    envelope  TEXT    NOT NULL,
    error     TEXT    NOT NULL,
    attempts  BIGINT  NOT NULL,
    failed_at BIGINT  NOT NULL,
    UNIQUE (consumer, event_id)
);
CREATE INDEX dead_letter_type ON dead_letter (type);

-- +goose Down
DROP TABLE dead_letter;
DROP TABLE inbox_retry;
DROP TABLE inbox;
DROP TABLE outbox;
