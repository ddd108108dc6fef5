-- +goose Up
-- Returns entered in ERP without a CRM authorisation, kept from
-- erp.return.received to show read-only beside the RMAs: erp_return_id is
-- ERP's return id ('' for an RMA made in the CRM).
ALTER TABLE crm_rma ADD COLUMN erp_return_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX crm_rma_erp_return ON crm_rma (erp_return_id) WHERE erp_return_id <> '';

-- +goose Down
DROP INDEX crm_rma_erp_return;
ALTER TABLE crm_rma DROP COLUMN erp_return_id;
