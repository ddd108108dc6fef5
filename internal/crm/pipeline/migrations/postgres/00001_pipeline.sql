-- +goose Up
-- Pipelines with their stages, and opportunities with their products and
-- stage history. Rates are millionths, quantities and prices millionths,
-- amounts hundredths, instants epoch milliseconds, dates 'YYYY-MM-DD'.
CREATE TABLE crm_pipeline (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    version    INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE crm_stage (
    id          TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES crm_pipeline (id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    probability BIGINT NOT NULL CHECK (probability BETWEEN 0 AND 1000000),
    active      INTEGER NOT NULL CHECK (active IN (0, 1)) -- 0: removed from the pipeline, kept for history
);
CREATE INDEX crm_stage_pipeline ON crm_stage (pipeline_id, seq);

CREATE TABLE crm_opportunity (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    account_id       TEXT NOT NULL REFERENCES crm_account (id),
    contact_id       TEXT NOT NULL,
    pipeline_id      TEXT NOT NULL REFERENCES crm_pipeline (id),
    stage_id         TEXT NOT NULL REFERENCES crm_stage (id),
    probability      BIGINT NOT NULL,
    amount           BIGINT NOT NULL CHECK (amount >= 0),
    currency         TEXT NOT NULL,
    close_date       TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    reason           TEXT NOT NULL,
    source           TEXT NOT NULL,
    lead_id          TEXT NOT NULL,
    notes            TEXT NOT NULL,
    search           TEXT NOT NULL,
    version          INTEGER NOT NULL,
    stage_changed_at BIGINT NOT NULL,
    closed_at        BIGINT NOT NULL, -- 0 while open
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX crm_opportunity_board ON crm_opportunity (pipeline_id, status, stage_id, close_date);
CREATE INDEX crm_opportunity_owner ON crm_opportunity (owner_id, status);
CREATE INDEX crm_opportunity_account ON crm_opportunity (account_id);
CREATE INDEX crm_opportunity_created ON crm_opportunity (created_at, id);

CREATE TABLE crm_opportunity_line (
    opportunity_id TEXT NOT NULL REFERENCES crm_opportunity (id),
    seq            INTEGER NOT NULL,
    item_id        TEXT NOT NULL,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    quantity       BIGINT NOT NULL,
    unit_price     BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, seq)
);

CREATE TABLE crm_opportunity_history (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES crm_opportunity (id),
    at             BIGINT NOT NULL,
    user_id        TEXT NOT NULL,
    from_stage     TEXT NOT NULL,
    to_stage       TEXT NOT NULL,
    reason         TEXT NOT NULL
);
CREATE INDEX crm_opportunity_history_opp ON crm_opportunity_history (opportunity_id, at);

-- +goose Down
DROP TABLE crm_opportunity_history;
DROP TABLE crm_opportunity_line;
DROP TABLE crm_opportunity;
DROP TABLE crm_stage;
DROP TABLE crm_pipeline;
