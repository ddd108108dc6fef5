-- +goose Up
-- The CRM's copy of the people who sell (see internal/crm/directory).
CREATE TABLE crm_user (
    id         TEXT PRIMARY KEY,
    login      TEXT NOT NULL,
    login_key  TEXT NOT NULL UNIQUE, -- lower-cased login
    name       TEXT NOT NULL,
    team_id    TEXT NOT NULL,        -- '' for none; 'pending:<key>' until a member brings the real id
    roles      TEXT NOT NULL,        -- space-separated role names
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    pending    INTEGER NOT NULL CHECK (pending IN (0, 1)),
    updated_at BIGINT NOT NULL
);
CREATE INDEX crm_user_team ON crm_user (team_id);

-- +goose Down
DROP TABLE crm_user;
