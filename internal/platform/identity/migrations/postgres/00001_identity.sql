-- +goose Up
-- Users, roles, teams, sessions and API tokens of the platform unit.
-- Instants are epoch milliseconds; 0 means "never" or "not set".
CREATE TABLE identity_team (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE, -- lower-cased name, unique ignoring case
    created_at BIGINT NOT NULL
);

CREATE TABLE identity_user (
    id           TEXT PRIMARY KEY,
    login        TEXT NOT NULL,
    login_key    TEXT NOT NULL UNIQUE, -- lower-cased login, unique ignoring case
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    locale       TEXT NOT NULL,
    team_id      TEXT REFERENCES identity_team (id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    failed_count INTEGER NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
    locked_until BIGINT NOT NULL DEFAULT 0,
    password     TEXT NOT NULL, -- Argon2id PHC string; '' when none is set
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE identity_role (
    name       TEXT PRIMARY KEY,
    name_en    TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    builtin    INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE identity_role_permission (
    role       TEXT NOT NULL REFERENCES identity_role (name),
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE identity_role_scope (
    role  TEXT NOT NULL REFERENCES identity_role (name),
    kind  TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('own', 'team', 'company')),
    PRIMARY KEY (role, kind)
);

-- Default grants (authz.Definition.Roles) already applied once, so a grant an
-- administrator removed is not put back at the next start.
CREATE TABLE identity_default_grant (
    role       TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE identity_user_role (
    user_id TEXT NOT NULL REFERENCES identity_user (id),
    role    TEXT NOT NULL REFERENCES identity_role (name),
    PRIMARY KEY (user_id, role)
);

CREATE INDEX identity_user_role_role ON identity_user_role (role);

-- A session's id is the SHA-256 of the token in the cookie; the token itself
-- is never stored.
CREATE TABLE identity_session (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES identity_user (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);

CREATE INDEX identity_session_user ON identity_session (user_id);
CREATE INDEX identity_session_expires ON identity_session (expires_at);

-- An API token is shown once; only the SHA-256 of the whole token is kept.
CREATE TABLE identity_api_token (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES identity_user (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX identity_api_token_user ON identity_api_token (user_id);

-- +goose Down
DROP TABLE identity_api_token;
DROP TABLE identity_session;
DROP TABLE identity_user_role;
DROP TABLE identity_default_grant;
DROP TABLE identity_role_scope;
DROP TABLE identity_role_permission;
DROP TABLE identity_role;
DROP TABLE identity_user;
DROP TABLE identity_team;
