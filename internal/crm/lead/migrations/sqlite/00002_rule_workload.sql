-- +goose Up
-- Assignment rules of kind workload: every lead, to the member with the
-- fewest open leads. SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE crm_lead_rule_new (
    id         TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('any', 'region', 'industry', 'product', 'workload')),
    match_text TEXT NOT NULL, -- folded
    members    TEXT NOT NULL, -- space-separated user ids, in turn order
    next_turn  INTEGER NOT NULL, -- index of the member the next lead goes to
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO crm_lead_rule_new SELECT id, seq, name, kind, match_text, members, next_turn, active, updated_at FROM crm_lead_rule;
DROP TABLE crm_lead_rule;
ALTER TABLE crm_lead_rule_new RENAME TO crm_lead_rule;

-- +goose Down
DELETE FROM crm_lead_rule WHERE kind = 'workload';
