-- +goose Up
-- The default pipeline every company starts with; administrators rename,
-- re-weigh or extend its stages in the pipeline settings.
INSERT INTO crm_pipeline (id, name, name_en, is_default, version, created_at, updated_at) VALUES
    ('01960000-0000-7000-8000-00000000a000', '标准销售流程', 'Standard sales process', 1, 1, 0, 0);
INSERT INTO crm_stage (id, pipeline_id, seq, name, name_en, kind, probability, active) VALUES
    ('01960000-0000-7000-8000-00000000a001', '01960000-0000-7000-8000-00000000a000', 1, '初步接洽', 'Qualification', 'open', 100000, 1),
    ('01960000-0000-7000-8000-00000000a002', '01960000-0000-7000-8000-00000000a000', 2, '需求确认', 'Needs analysis', 'open', 200000, 1),
    ('01960000-0000-7000-8000-00000000a003', '01960000-0000-7000-8000-00000000a000', 3, '方案报价', 'Proposal', 'open', 400000, 1),
    ('01960000-0000-7000-8000-00000000a004', '01960000-0000-7000-8000-00000000a000', 4, '商务谈判', 'Negotiation', 'open', 600000, 1),
    ('01960000-0000-7000-8000-00000000a005', '01960000-0000-7000-8000-00000000a000', 5, '合同审批', 'Contract', 'open', 800000, 1),
    ('01960000-0000-7000-8000-00000000a006', '01960000-0000-7000-8000-00000000a000', 6, '赢单', 'Won', 'won', 1000000, 1),
    ('01960000-0000-7000-8000-00000000a007', '01960000-0000-7000-8000-00000000a000', 7, '输单', 'Lost', 'lost', 0, 1);

-- +goose Down
DELETE FROM crm_stage WHERE pipeline_id = '01960000-0000-7000-8000-00000000a000';
DELETE FROM crm_pipeline WHERE id = '01960000-0000-7000-8000-00000000a000';
