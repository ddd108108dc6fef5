-- +goose Up
-- The finance module's ledger (see internal/erp/finance and docs/finance.md).
-- Money is stored as scaled integers: amounts in hundredths, rates in
-- millionths. Dates are 'YYYY-MM-DD', periods 'YYYY-MM', instants epoch ms.

-- The company's books: one row.
CREATE TABLE fin_company (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    name           TEXT NOT NULL,
    tax_id         TEXT NOT NULL,
    base_currency  TEXT NOT NULL,
    time_zone      TEXT NOT NULL,
    fy_start_month INTEGER NOT NULL CHECK (fy_start_month BETWEEN 1 AND 12),
    books_start    TEXT NOT NULL,  -- first date ordinary postings may carry
    chart_template TEXT NOT NULL,
    chart_version  INTEGER NOT NULL, -- bumped by every change to accounts, rules or journals
    version        INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE fin_currency (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
) STRICT;

-- Exchange rates: units of the base currency per unit of the currency,
-- effective from the date until the next rate of the same currency.
CREATE TABLE fin_rate (
    currency   TEXT NOT NULL REFERENCES fin_currency (code),
    date       TEXT NOT NULL,
    rate       INTEGER NOT NULL CHECK (rate > 0),
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (currency, date)
) STRICT;

-- Journals number their vouchers each in its own series per period.
CREATE TABLE fin_journal (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE, -- ASCII, part of the number series
    prefix     TEXT NOT NULL,        -- shown in the voucher number: 记, 收, 付, 转
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- The head of each journal's hash chain.
CREATE TABLE fin_chain_head (
    journal_id TEXT PRIMARY KEY REFERENCES fin_journal (id),
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    hash       TEXT NOT NULL
) STRICT;

CREATE TABLE fin_account (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    type           TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
    normal_balance TEXT NOT NULL CHECK (normal_balance IN ('debit', 'credit')),
    parent_id      TEXT REFERENCES fin_account (id),
    level          INTEGER NOT NULL CHECK (level >= 1),
    currency       TEXT NOT NULL, -- '' base currency only, '*' any currency, else only that one
    control        TEXT NOT NULL CHECK (control IN ('', 'ar', 'ap')),
    cash           INTEGER NOT NULL CHECK (cash IN (0, 1)),
    report_group   TEXT NOT NULL,
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX fin_account_parent ON fin_account (parent_id);

-- Posting rules: (source kind, role, item category, warehouse) to account;
-- '' matches anything, and the most specific rule wins.
CREATE TABLE fin_rule (
    id            TEXT PRIMARY KEY,
    source_kind   TEXT NOT NULL,
    role          TEXT NOT NULL,
    item_category TEXT NOT NULL,
    warehouse     TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES fin_account (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (source_kind, role, item_category, warehouse)
) STRICT;

CREATE TABLE fin_period (
    id          TEXT PRIMARY KEY, -- 'YYYY-MM'
    fiscal_year INTEGER NOT NULL,
    number      INTEGER NOT NULL CHECK (number BETWEEN 1 AND 12),
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'locked')),
    changed_at  INTEGER NOT NULL,
    changed_by  TEXT NOT NULL
) STRICT;

-- Journal entries. A posted entry and its lines never change: the triggers
-- below refuse it. 'posting' exists only inside the transaction that posts.
CREATE TABLE fin_entry (
    id            TEXT PRIMARY KEY,
    journal_id    TEXT NOT NULL REFERENCES fin_journal (id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'posting', 'posted')),
    number        TEXT,    -- voucher number, such as 记-2026-11-0001
    seq           INTEGER, -- its place in the journal's series of the period
    date          TEXT NOT NULL,
    period        TEXT NOT NULL,
    source_kind   TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    source_number TEXT NOT NULL,
    partner_kind  TEXT NOT NULL,
    partner_id    TEXT NOT NULL,
    memo          TEXT NOT NULL,
    attachments   INTEGER NOT NULL CHECK (attachments >= 0),
    reversal_of   TEXT REFERENCES fin_entry (id),
    total         INTEGER NOT NULL, -- base-currency debits
    chain_seq     INTEGER,
    prev_hash     TEXT,
    hash          TEXT,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    posted_at     INTEGER,
    posted_by     TEXT,
    UNIQUE (source_kind, source_id),
    UNIQUE (journal_id, period, seq),
    UNIQUE (journal_id, chain_seq)
) STRICT;
CREATE INDEX fin_entry_date ON fin_entry (date, id);
CREATE INDEX fin_entry_status ON fin_entry (status, period);
CREATE INDEX fin_entry_reversal ON fin_entry (reversal_of) WHERE reversal_of IS NOT NULL;

CREATE TABLE fin_line (
    entry_id     TEXT NOT NULL REFERENCES fin_entry (id),
    line_no      INTEGER NOT NULL CHECK (line_no >= 1),
    account_id   TEXT NOT NULL REFERENCES fin_account (id),
    currency     TEXT NOT NULL,
    debit        INTEGER NOT NULL CHECK (debit >= 0),
    credit       INTEGER NOT NULL CHECK (credit >= 0),
    rate         INTEGER NOT NULL CHECK (rate > 0),
    base_debit   INTEGER NOT NULL CHECK (base_debit >= 0),
    base_credit  INTEGER NOT NULL CHECK (base_credit >= 0),
    partner_kind TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    memo         TEXT NOT NULL,
    date         TEXT NOT NULL, -- the entry's, for reading an account by date
    PRIMARY KEY (entry_id, line_no)
) STRICT;
CREATE INDEX fin_line_account ON fin_line (account_id, date);
CREATE INDEX fin_line_partner ON fin_line (partner_id, account_id) WHERE partner_id <> '';

-- Balances of posted lines per account, period and currency, kept in the
-- posting transaction so the trial balance never sums lines.
CREATE TABLE fin_balance (
    account_id  TEXT NOT NULL REFERENCES fin_account (id),
    period      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    debit       INTEGER NOT NULL,
    credit      INTEGER NOT NULL,
    base_debit  INTEGER NOT NULL,
    base_credit INTEGER NOT NULL,
    PRIMARY KEY (account_id, period, currency)
) STRICT;
CREATE INDEX fin_balance_period ON fin_balance (period);

-- +goose StatementBegin
CREATE TRIGGER fin_entry_posted_no_update BEFORE UPDATE ON fin_entry
WHEN OLD.status = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_entry: a posted entry cannot be changed; post a reversal instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_entry_posted_no_delete BEFORE DELETE ON fin_entry
WHEN OLD.status = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_entry: a posted entry cannot be deleted; post a reversal instead');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_entry_no_insert_posted BEFORE INSERT ON fin_entry
WHEN NEW.status = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_entry: an entry is inserted as a draft and then posted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_line_posted_no_insert BEFORE INSERT ON fin_line
WHEN (SELECT status FROM fin_entry WHERE id = NEW.entry_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_line: the lines of a posted entry cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_line_posted_no_update BEFORE UPDATE ON fin_line
WHEN (SELECT status FROM fin_entry WHERE id = OLD.entry_id) = 'posted'
  OR (SELECT status FROM fin_entry WHERE id = NEW.entry_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_line: the lines of a posted entry cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fin_line_posted_no_delete BEFORE DELETE ON fin_line
WHEN (SELECT status FROM fin_entry WHERE id = OLD.entry_id) = 'posted'
BEGIN
    SELECT RAISE(ABORT, 'fin_line: the lines of a posted entry cannot be changed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fin_balance;
DROP TABLE fin_line;
DROP TABLE fin_entry;
DROP TABLE fin_period;
DROP TABLE fin_rule;
DROP TABLE fin_account;
DROP TABLE fin_chain_head;
DROP TABLE fin_journal;
DROP TABLE fin_rate;
DROP TABLE fin_currency;
DROP TABLE fin_company;
