-- +goose Up
-- The CRM's copy of what ERP knows, kept from ERP's events. Quantities are
-- millionths, prices millionths, rates millionths, amounts hundredths;
-- instants epoch milliseconds; dates 'YYYY-MM-DD'.
CREATE TABLE crm_item (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    spec           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    category_id    TEXT NOT NULL,
    category_name  TEXT NOT NULL,
    uom            TEXT NOT NULL,
    uom_precision  INTEGER NOT NULL,
    vat_rate       BIGINT NOT NULL,
    list_price     BIGINT NOT NULL,
    floor_price    BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL,
    tracking       TEXT NOT NULL,
    sellable       INTEGER NOT NULL CHECK (sellable IN (0, 1)),
    status         TEXT NOT NULL,
    search         TEXT NOT NULL, -- folded code, names, spec and pinyin initials
    updated_at     BIGINT NOT NULL -- occurred_at of the event applied last
);
CREATE INDEX crm_item_code ON crm_item (code, id);

CREATE TABLE crm_stock (
    item_id        TEXT PRIMARY KEY,
    on_hand        BIGINT NOT NULL,
    reserved       BIGINT NOT NULL,
    available      BIGINT NOT NULL,
    incoming       TEXT NOT NULL, -- JSON [{date, quantity}] sorted by date
    lead_time_days INTEGER NOT NULL,
    as_of          BIGINT NOT NULL
);

CREATE TABLE crm_credit (
    customer_id      TEXT PRIMARY KEY,
    currency         TEXT NOT NULL,
    credit_limit     BIGINT NOT NULL,
    ar_balance       BIGINT NOT NULL,
    overdue          BIGINT NOT NULL,
    open_orders      BIGINT NOT NULL,
    available_credit BIGINT NOT NULL,
    on_hold          INTEGER NOT NULL CHECK (on_hold IN (0, 1)),
    as_of            BIGINT NOT NULL
);

CREATE TABLE crm_erp_order (
    so_id        TEXT PRIMARY KEY,
    so_number    TEXT NOT NULL,
    quote_id     TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    promise_date TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    tracking_no  TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    status_at    BIGINT NOT NULL, -- 'at' of the status applied last
    updated_at   BIGINT NOT NULL
);
CREATE INDEX crm_erp_order_quote ON crm_erp_order (quote_id);
CREATE INDEX crm_erp_order_customer ON crm_erp_order (customer_id, updated_at);

-- Order requests the CRM sent ERP, to tie ERP's answers to the customer.
CREATE TABLE crm_erp_request (
    request_id   TEXT PRIMARY KEY,
    quote_id     TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);
CREATE INDEX crm_erp_request_quote ON crm_erp_request (quote_id, requested_at);

-- Every step ERP reported about the orders of CRM quotes, for timelines.
CREATE TABLE crm_erp_order_event (
    id          TEXT PRIMARY KEY, -- the event's id
    quote_id    TEXT NOT NULL,
    so_id       TEXT NOT NULL,
    so_number   TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('accepted', 'rejected', 'status', 'shipped', 'invoiced', 'paid')),
    status      TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    detail      TEXT NOT NULL, -- JSON object of strings
    at          BIGINT NOT NULL
);
CREATE INDEX crm_erp_order_event_quote ON crm_erp_order_event (quote_id, at);
CREATE INDEX crm_erp_order_event_so ON crm_erp_order_event (so_id, at);
CREATE INDEX crm_erp_order_event_customer ON crm_erp_order_event (customer_id, at);

CREATE TABLE crm_erp_invoice (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    so_id       TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    inv_date    TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    net         BIGINT NOT NULL,
    tax         BIGINT NOT NULL,
    gross       BIGINT NOT NULL,
    paid        BIGINT NOT NULL
);
CREATE INDEX crm_erp_invoice_customer ON crm_erp_invoice (customer_id, inv_date);
CREATE INDEX crm_erp_invoice_contract ON crm_erp_invoice (contract_id);

CREATE TABLE crm_erp_payment (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    pay_date    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    unallocated BIGINT NOT NULL
);
CREATE INDEX crm_erp_payment_customer ON crm_erp_payment (customer_id, pay_date);

CREATE TABLE crm_erp_allocation (
    payment_id  TEXT NOT NULL REFERENCES crm_erp_payment (id),
    seq         INTEGER NOT NULL,
    invoice_id  TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    PRIMARY KEY (payment_id, seq)
);
CREATE INDEX crm_erp_allocation_invoice ON crm_erp_allocation (invoice_id);
CREATE INDEX crm_erp_allocation_contract ON crm_erp_allocation (contract_id);

-- +goose Down
DROP TABLE crm_erp_allocation;
DROP TABLE crm_erp_payment;
DROP TABLE crm_erp_invoice;
DROP TABLE crm_erp_order_event;
DROP TABLE crm_erp_request;
DROP TABLE crm_erp_order;
DROP TABLE crm_credit;
DROP TABLE crm_stock;
DROP TABLE crm_item;
