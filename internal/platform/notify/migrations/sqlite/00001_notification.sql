-- +goose Up
CREATE TABLE notify_notification (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title_key  TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    link       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at    INTEGER
) STRICT;
CREATE INDEX notify_notification_user ON notify_notification (user_id, created_at DESC);
CREATE INDEX notify_notification_unread ON notify_notification (user_id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE notify_notification;
