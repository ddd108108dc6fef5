-- +goose Up
-- Calls, visits, meetings, notes and tasks. at is when it happened, or when
-- a task is due; instants are epoch milliseconds.
CREATE TABLE crm_activity (
    id             TEXT PRIMARY KEY,
    type           TEXT NOT NULL CHECK (type IN ('call', 'visit', 'meeting', 'note', 'task')),
    subject        TEXT NOT NULL,
    notes          TEXT NOT NULL,
    place          TEXT NOT NULL,
    account_id     TEXT NOT NULL, -- '' when about a lead only
    contact_id     TEXT NOT NULL,
    lead_id        TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    at             BIGINT NOT NULL,
    done           INTEGER NOT NULL CHECK (done IN (0, 1)),
    done_at        BIGINT NOT NULL,
    reminded       INTEGER NOT NULL CHECK (reminded IN (0, 1)),
    created_at     BIGINT NOT NULL
);
CREATE INDEX crm_activity_account ON crm_activity (account_id, at);
CREATE INDEX crm_activity_owner ON crm_activity (owner_id, at);
CREATE INDEX crm_activity_lead ON crm_activity (lead_id, at);
CREATE INDEX crm_activity_opportunity ON crm_activity (opportunity_id, at);
CREATE INDEX crm_activity_open_tasks ON crm_activity (done, reminded, at) WHERE type = 'task';

-- +goose Down
DROP TABLE crm_activity;
