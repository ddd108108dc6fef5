-- +goose Up
-- Engineering data: work centers, bills of materials and routings, each
-- BOM and routing a version of one item with an effective date range.
-- Codes are unique ignoring letter case (code_key is the lower-cased code).
-- Quantities and minutes are millionths, prices millionths of the currency
-- unit, rates millionths (a 2% scrap factor is 20000); dates are
-- 'YYYY-MM-DD' ('' for an open end); instants are epoch milliseconds.
-- Items live in the catalog; they are referred to by id without a foreign key.
CREATE TABLE eng_work_center (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    code_key   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('machine', 'labour', 'line')),
    capacity   BIGINT NOT NULL CHECK (capacity > 0),
    cost_rate  BIGINT NOT NULL CHECK (cost_rate >= 0),
    efficiency BIGINT NOT NULL CHECK (efficiency > 0),
    status     TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE eng_bom (
    id             TEXT PRIMARY KEY,
    item_id        TEXT NOT NULL,
    version        TEXT NOT NULL,
    version_key    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'released', 'obsolete')),
    effective_from TEXT NOT NULL,
    effective_to   TEXT NOT NULL,
    base_quantity  BIGINT NOT NULL CHECK (base_quantity > 0),
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    released_by    TEXT NOT NULL,
    released_at    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (item_id, version_key)
);

CREATE INDEX eng_bom_item ON eng_bom (item_id, status, effective_from);

CREATE TABLE eng_bom_line (
    id            TEXT PRIMARY KEY,
    bom_id        TEXT NOT NULL REFERENCES eng_bom (id) ON DELETE CASCADE,
    line_no       BIGINT NOT NULL,
    component_id  TEXT NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    scrap         BIGINT NOT NULL CHECK (scrap >= 0 AND scrap < 1000000),
    phantom       BIGINT NOT NULL CHECK (phantom IN (0, 1)),
    operation_seq BIGINT NOT NULL CHECK (operation_seq >= 0),
    UNIQUE (bom_id, line_no)
);

CREATE INDEX eng_bom_line_component ON eng_bom_line (component_id);

-- The lines of a released or obsolete BOM never change.
-- +goose StatementBegin
CREATE FUNCTION eng_bom_line_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'DELETE' AND (SELECT status FROM eng_bom WHERE id = NEW.bom_id) <> 'draft')
       OR (TG_OP <> 'INSERT' AND (SELECT status FROM eng_bom WHERE id = OLD.bom_id) <> 'draft') THEN
        RAISE EXCEPTION 'eng_bom_line: the lines of a released BOM do not change' USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER eng_bom_line_frozen BEFORE INSERT OR UPDATE OR DELETE ON eng_bom_line
    FOR EACH ROW EXECUTE FUNCTION eng_bom_line_refuse_change();

CREATE TABLE eng_routing (
    id             TEXT PRIMARY KEY,
    item_id        TEXT NOT NULL,
    version        TEXT NOT NULL,
    version_key    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'released', 'obsolete')),
    effective_from TEXT NOT NULL,
    effective_to   TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    released_by    TEXT NOT NULL,
    released_at    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (item_id, version_key)
);

CREATE INDEX eng_routing_item ON eng_routing (item_id, status, effective_from);

CREATE TABLE eng_routing_op (
    id             TEXT PRIMARY KEY,
    routing_id     TEXT NOT NULL REFERENCES eng_routing (id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL CHECK (seq > 0),
    work_center_id TEXT NOT NULL REFERENCES eng_work_center (id),
    description    TEXT NOT NULL,
    setup_minutes  BIGINT NOT NULL CHECK (setup_minutes >= 0),
    run_minutes    BIGINT NOT NULL CHECK (run_minutes >= 0),
    queue_minutes  BIGINT NOT NULL CHECK (queue_minutes >= 0),
    move_minutes   BIGINT NOT NULL CHECK (move_minutes >= 0),
    UNIQUE (routing_id, seq)
);

-- The operations of a released or obsolete routing never change.
-- +goose StatementBegin
CREATE FUNCTION eng_routing_op_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'DELETE' AND (SELECT status FROM eng_routing WHERE id = NEW.routing_id) <> 'draft')
       OR (TG_OP <> 'INSERT' AND (SELECT status FROM eng_routing WHERE id = OLD.routing_id) <> 'draft') THEN
        RAISE EXCEPTION 'eng_routing_op: the operations of a released routing do not change' USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER eng_routing_op_frozen BEFORE INSERT OR UPDATE OR DELETE ON eng_routing_op
    FOR EACH ROW EXECUTE FUNCTION eng_routing_op_refuse_change();

-- Uploaded BOM workbooks between their preview and their import.
CREATE TABLE eng_import (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    rows_json  TEXT NOT NULL,
    total      BIGINT NOT NULL,
    bad        BIGINT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('preview', 'imported')),
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE eng_import;
DROP TRIGGER eng_routing_op_frozen ON eng_routing_op;
DROP FUNCTION eng_routing_op_refuse_change();
DROP TABLE eng_routing_op;
DROP TABLE eng_routing;
DROP TRIGGER eng_bom_line_frozen ON eng_bom_line;
DROP FUNCTION eng_bom_line_refuse_change();
DROP TABLE eng_bom_line;
DROP TABLE eng_bom;
DROP TABLE eng_work_center;
