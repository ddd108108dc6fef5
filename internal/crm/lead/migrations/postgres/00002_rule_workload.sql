-- +goose Up
-- Assignment rules of kind workload: every lead, to the member with the
-- fewest open leads.
ALTER TABLE crm_lead_rule DROP CONSTRAINT crm_lead_rule_kind_check;
ALTER TABLE crm_lead_rule ADD CONSTRAINT crm_lead_rule_kind_check CHECK (kind IN ('any', 'region', 'industry', 'product', 'workload'));

-- +goose Down
DELETE FROM crm_lead_rule WHERE kind = 'workload';
ALTER TABLE crm_lead_rule DROP CONSTRAINT crm_lead_rule_kind_check;
ALTER TABLE crm_lead_rule ADD CONSTRAINT crm_lead_rule_kind_check CHECK (kind IN ('any', 'region', 'industry', 'product'));
