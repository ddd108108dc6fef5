// Package benchfin holds the finance module's `loom bench` scenarios:
// ledger-post (journal entries per second, one commit per entry and with
// group commit), trial-balance (over N generated lines) and ar-aging (over N
// open invoices), each beside a bare-SQL floor measured in the same run.
package benchfin

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Register adds the finance scenarios to `loom bench`.
func Register() {
	bench.Register(bench.Scenario{Name: "ledger-post",
		Description: "journal entries posted per second by 16 workers, one commit per entry and 20 entries per commit, beside bare-SQL inserts of the same rows",
		Run:         ledgerPost})
	bench.Register(bench.Scenario{Name: "trial-balance",
		Description: "trial balance of a year, and of a cut into months, over 100,000×scale journal lines (--scale 100: 10 M), beside a bare SQL sum of the lines",
		Run:         trialBalance})
	bench.Register(bench.Scenario{Name: "ar-aging",
		Description: "receivables aging over 10,000×scale open invoices, beside a bare SQL sum per customer",
		Run:         arAging})
}

// books is a throw-away ERP database with the finance tables.
type books struct {
	d      *db.DB
	l      *ledger.Service
	close  func()
	engine db.Engine
}

func open(ctx context.Context, o bench.Options) (*books, error) {
	cfg := db.Config{Engine: db.SQLite}
	var dir string
	if o.DB != "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		cfg = db.Config{Engine: db.Postgres, PostgresURL: o.DB, SchemaPrefix: "benchfin" + hex.EncodeToString(b) + "_"}
	} else {
		var err error
		if dir, err = os.MkdirTemp("", "loom-bench-finance-*"); err != nil {
			return nil, err
		}
		cfg.DataDir = dir
	}
	d, err := db.Open(ctx, cfg, "erp")
	if err != nil {
		return nil, err
	}
	cleanup := func() {
		d.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
		if cfg.SchemaPrefix != "" {
			if c, err := sql.Open("pgx", o.DB); err == nil {
				_, _ = c.Exec(`DROP SCHEMA IF EXISTS "` + cfg.SchemaPrefix + `erp" CASCADE`)
				c.Close()
			}
		}
	}
	for _, m := range []func() error{
		func() error { return outbox.Migrate(ctx, d) },
		func() error { return audit.Migrate(ctx, d) },
		func() error { return d.Migrate(ctx, finance.Module, finance.Migrations()) },
	} {
		if err := m(); err != nil {
			cleanup()
			return nil, err
		}
	}
	l := ledger.New(d, nil)
	if err := l.EnsureCompany(ctx); err != nil {
		cleanup()
		return nil, err
	}
	return &books{d: d, l: l, close: cleanup, engine: cfg.Engine}, nil
}

func duration(o bench.Options) time.Duration {
	if o.Duration > 0 {
		return o.Duration
	}
	return 3 * time.Second
}

// ledgerPost measures posting documents through the Poster.
func ledgerPost(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	b, err := open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer b.close()
	const workers, group = 16, 20
	today := time.Now().Format(db.DateLayout)
	var seq atomic.Int64
	posting := func() finance.Posting {
		n := seq.Add(1)
		v := money.AmountFromUnits(100 + n%10_000)
		return finance.Posting{SourceKind: finance.SourceShipment, SourceID: "bench-" + strconv.FormatInt(n, 10), Date: today,
			Lines: []finance.PostingLine{{Role: finance.RoleCOGS, Debit: v}, {Role: finance.RoleInventory, Credit: v}}}
	}
	sys := authz.WithPrincipal(ctx, authz.System())
	dur := duration(o)
	single := bench.Load(sys, workers, dur, func(ctx context.Context, _ int) error {
		_, err := b.l.Post(ctx, posting())
		return err
	})
	batched := bench.Load(sys, workers, dur, func(ctx context.Context, _ int) error {
		ps := make([]finance.Posting, group)
		for i := range ps {
			ps[i] = posting()
		}
		_, err := b.l.PostBatch(ctx, ps)
		return err
	})
	// The floor: the same rows (an entry, two lines, two balance upserts)
	// written with bare SQL, with no numbering, hash chain or audit.
	var accts [2]string
	if err := b.d.QueryRow(ctx, `SELECT id FROM fin_account WHERE code = '5401'`).Scan(&accts[0]); err != nil {
		return nil, err
	}
	if err := b.d.QueryRow(ctx, `SELECT id FROM fin_account WHERE code = '1405'`).Scan(&accts[1]); err != nil {
		return nil, err
	}
	var journal string
	if err := b.d.QueryRow(ctx, `SELECT id FROM fin_journal WHERE is_default = 1`).Scan(&journal); err != nil {
		return nil, err
	}
	period := today[:7]
	bare := func(ctx context.Context) error {
		id := db.NewID()
		if _, err := b.d.Exec(ctx, `INSERT INTO fin_entry (id, journal_id, status, date, period, source_kind, source_id, source_number,
			partner_kind, partner_id, memo, attachments, total, created_at, created_by, updated_at, version)
			VALUES ($1, $2, 'draft', $3, $4, 'floor', $1, '', '', '', '', 0, 100, 0, '', 0, 1)`, id, journal, today, period); err != nil {
			return err
		}
		for i, a := range accts {
			d, c := int64(100), int64(0)
			if i == 1 {
				d, c = 0, 100
			}
			if _, err := b.d.Exec(ctx, `INSERT INTO fin_line (entry_id, line_no, account_id, currency, debit, credit, rate, base_debit,
				base_credit, partner_kind, partner_id, memo, date) VALUES ($1, $2, $3, 'CNY', $4, $5, 1000000, $4, $5, '', '', '', $6)`,
				id, i+1, a, d, c, today); err != nil {
				return err
			}
		}
		for i, a := range accts {
			if _, err := b.d.Exec(ctx, `INSERT INTO fin_balance (account_id, period, currency, debit, credit, base_debit, base_credit)
				VALUES ($1, 'floor', 'CNY', $2, $3, $2, $3) ON CONFLICT (account_id, period, currency) DO UPDATE SET
				debit = fin_balance.debit + excluded.debit, credit = fin_balance.credit + excluded.credit,
				base_debit = fin_balance.base_debit + excluded.base_debit, base_credit = fin_balance.base_credit + excluded.base_credit`,
				a, int64(100*(1-i)), int64(100*i)); err != nil {
				return err
			}
		}
		return nil
	}
	floorSingle := bench.Load(ctx, workers, dur, func(ctx context.Context, _ int) error {
		return b.d.InTx(ctx, bare)
	})
	floorBatched := bench.Load(ctx, workers, dur, func(ctx context.Context, _ int) error {
		return b.d.InTx(ctx, func(ctx context.Context) error {
			for range group {
				if err := bare(ctx); err != nil {
					return err
				}
			}
			return nil
		})
	})
	// A slow machine may complete no batch within the window; that is a
	// number to report. Postings that all fail, or none at all, are not.
	if (single.Requests == 0 && single.Errors > 0) || (batched.Requests == 0 && batched.Errors > 0) {
		return nil, fmt.Errorf("ledger-post: every posting failed (errors: %d single, %d batched)", single.Errors, batched.Errors)
	}
	var posted int
	if err := b.d.QueryRow(ctx, `SELECT count(*) FROM fin_entry WHERE status = 'posted'`).Scan(&posted); err != nil {
		return nil, err
	}
	if posted == 0 {
		return nil, fmt.Errorf("ledger-post: nothing posted")
	}
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	groupEPS := batched.PerSec * group
	floorGroupEPS := floorBatched.PerSec * group
	return []bench.Metric{
		{Name: "single_entries_per_s", Unit: "entries/s", Value: single.PerSec, Goal: ">= 3000"},
		{Name: "single_floor_per_s", Unit: "entries/s", Value: floorSingle.PerSec},
		{Name: "single_ratio", Unit: "loom/floor", Value: ratio(single.PerSec, floorSingle.PerSec)},
		{Name: "single_p50", Unit: "ms", Value: bench.Ms(single.P50)},
		{Name: "single_p99", Unit: "ms", Value: bench.Ms(single.P99), Goal: "<= 10"},
		{Name: "group_entries_per_s", Unit: "entries/s", Value: groupEPS, Goal: ">= 10000"},
		{Name: "group_floor_per_s", Unit: "entries/s", Value: floorGroupEPS},
		{Name: "group_ratio", Unit: "loom/floor", Value: ratio(groupEPS, floorGroupEPS)},
		{Name: "group_p99", Unit: "ms", Value: bench.Ms(batched.P99)},
		{Name: "errors", Unit: "count", Value: float64(single.Errors + batched.Errors)},
	}, nil
}

// generate writes n journal lines (n/2 posted entries of two lines) over the
// twelve periods of this year, 28 days in each, into 40 accounts, and their
// balances: generated data for reading, not a posting path. It writes
// set-based, a quarter of a million entries per transaction, numbered in
// date order with ids derived from the number (no UUIDv7 Loom makes can
// equal them); each batch is inserted as drafts, posted, and added to the
// balances from its own lines, so the balances are the lines' sums.
func generate(ctx context.Context, b *books, n int, log io.Writer) (int, error) {
	var accts []string
	rows, err := b.d.Query(ctx, `SELECT a.id FROM fin_account a WHERE NOT EXISTS (SELECT 1 FROM fin_account c WHERE c.parent_id = a.id)
		AND a.control = '' ORDER BY a.code LIMIT 40`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		accts = append(accts, id)
	}
	rows.Close()
	if len(accts) < 2 {
		return 0, fmt.Errorf("benchfin: the chart has %d posting accounts, 2 at least are needed", len(accts))
	}
	var journal string
	if err := b.d.QueryRow(ctx, `SELECT id FROM fin_journal WHERE is_default = 1`).Scan(&journal); err != nil {
		return 0, err
	}
	entries := n / 2
	if entries == 0 {
		return 0, nil
	}
	began := time.Now()
	year := time.Now().Year()
	const days = 12 * 28
	dayRows := make([][]any, days)
	for i := range dayRows {
		d := time.Date(year, time.Month(i/28+1), i%28+1, 0, 0, 0, 0, time.UTC)
		dayRows[i] = []any{int64(i), d.Format(db.DateLayout), d.Format("2006-01")}
	}
	acctRows := make([][]any, len(accts))
	for i, id := range accts {
		acctRows[i] = []any{int64(i), id}
	}
	done, err := helperTables(ctx, b.d, []helper{
		{"bench_day", `i INTEGER PRIMARY KEY, date TEXT NOT NULL, period TEXT NOT NULL`, dayRows},
		{"bench_acct", `i INTEGER PRIMARY KEY, id TEXT NOT NULL`, acctRows},
	})
	if err != nil {
		return 0, err
	}
	defer done()
	defer bulkCache(ctx, b.d)()
	// The entry numbered n: on day n×336÷entries of the year, worth
	// v = 100 + n mod 99,900 fen, debiting account n mod L and crediting
	// (7n+3) mod L, or (n+1) mod L when that is the same account.
	id := numberedID(b.engine, "00000000-0000-7000-8000-", "s.n", 12)
	day := fmt.Sprintf(`d.i = s.n * %d / %d`, days, entries)
	l := strconv.Itoa(len(accts))
	acct := `a.i = CASE WHEN k.ln = 1 THEN s.n % ` + l + ` WHEN (s.n * 7 + 3) % ` + l + ` <> s.n % ` + l + ` THEN (s.n * 7 + 3) % ` + l +
		` ELSE (s.n + 1) % ` + l + ` END`
	for lo := 0; lo < entries; lo += batch {
		hi := min(lo+batch, entries) - 1
		with, from := series(b.engine, lo, hi)
		err := b.d.InTx(ctx, func(ctx context.Context) error {
			if _, err := b.d.Exec(ctx, with+`INSERT INTO fin_entry (id, journal_id, status, date, period, source_kind, source_id,
				source_number, partner_kind, partner_id, memo, attachments, total, created_at, created_by, updated_at, version)
				SELECT `+id+`, CAST($1 AS TEXT), 'draft', d.date, d.period, 'bench', `+id+`, '', '', '', 'bench', 0, 100 + s.n % 99900, 0, '', 0, 1
				FROM `+from+` CROSS JOIN bench_day d WHERE `+day+``, journal); err != nil {
				return fmt.Errorf("benchfin: write entries: %w", err)
			}
			if _, err := b.d.Exec(ctx, with+`INSERT INTO fin_line (entry_id, line_no, account_id, currency, debit, credit, rate, base_debit,
				base_credit, partner_kind, partner_id, memo, date)
				SELECT `+id+`, k.ln, a.id, 'CNY', k.dr * (100 + s.n % 99900), k.cr * (100 + s.n % 99900), 1000000,
					k.dr * (100 + s.n % 99900), k.cr * (100 + s.n % 99900), '', '', '', d.date
				FROM `+from+` CROSS JOIN (SELECT 1 AS ln, 1 AS dr, 0 AS cr UNION ALL SELECT 2, 0, 1) k
				CROSS JOIN bench_day d CROSS JOIN bench_acct a WHERE `+day+` AND `+acct); err != nil {
				return fmt.Errorf("benchfin: write lines: %w", err)
			}
			first, last := fmt.Sprintf("00000000-0000-7000-8000-%012d", lo), fmt.Sprintf("00000000-0000-7000-8000-%012d", hi)
			if _, err := b.d.Exec(ctx, `UPDATE fin_entry SET status = 'posted' WHERE id >= $1 AND id <= $2 AND status = 'draft'`, first, last); err != nil {
				return fmt.Errorf("benchfin: post entries: %w", err)
			}
			if _, err := b.d.Exec(ctx, `INSERT INTO fin_balance (account_id, period, currency, debit, credit, base_debit, base_credit)
				SELECT account_id, substr(date, 1, 7), currency, sum(debit), sum(credit), sum(base_debit), sum(base_credit)
				FROM fin_line WHERE entry_id >= $1 AND entry_id <= $2 GROUP BY account_id, substr(date, 1, 7), currency
				ON CONFLICT (account_id, period, currency) DO UPDATE SET debit = fin_balance.debit + excluded.debit,
				credit = fin_balance.credit + excluded.credit, base_debit = fin_balance.base_debit + excluded.base_debit,
				base_credit = fin_balance.base_credit + excluded.base_credit`, first, last); err != nil {
				return fmt.Errorf("benchfin: add balances: %w", err)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		if log != nil {
			fmt.Fprintf(log, "benchfin: %d of %d lines written (%s)\n", 2*(hi+1), 2*entries, time.Since(began).Round(time.Second))
		}
	}
	if err := analyze(ctx, b.d); err != nil {
		return 0, err
	}
	if log != nil {
		fmt.Fprintf(log, "benchfin: %d lines generated in %s\n", 2*entries, time.Since(began).Round(time.Millisecond))
	}
	return entries * 2, nil
}

// batch is how many entries generate writes per transaction.
var batch = 250_000

// helper is a small table of generated rows that set-based inserts join.
type helper struct {
	name, cols string
	rows       [][]any
}

// helperTables creates and fills the tables, and returns a function that
// drops them.
func helperTables(ctx context.Context, d *db.DB, hs []helper) (func(), error) {
	done := func() {
		for _, h := range hs {
			_, _ = d.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+h.name)
		}
	}
	done()
	for _, h := range hs {
		if _, err := d.Exec(ctx, `CREATE TABLE `+h.name+` (`+h.cols+`)`); err != nil {
			done()
			return nil, err
		}
	}
	err := d.InTx(ctx, func(ctx context.Context) error {
		for _, h := range hs {
			for rows := h.rows; len(rows) > 0; {
				part := rows[:min(len(rows), 400)]
				rows = rows[len(part):]
				var q strings.Builder
				var args []any
				for i, r := range part {
					if i > 0 {
						q.WriteString(", ")
					}
					q.WriteByte('(')
					for j, v := range r {
						if j > 0 {
							q.WriteString(", ")
						}
						args = append(args, v)
						q.WriteString("$" + strconv.Itoa(len(args)))
					}
					q.WriteByte(')')
				}
				if _, err := d.Exec(ctx, `INSERT INTO `+h.name+` VALUES `+q.String(), args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		done()
		return nil, err
	}
	return done, nil
}

// series returns the SQL numbering rows s.n from lo to hi: a WITH clause
// to put before the statement (SQLite) and what to select from.
func series(e db.Engine, lo, hi int) (with, from string) {
	if e == db.Postgres {
		return "", fmt.Sprintf("generate_series(%d, %d) AS s(n)", lo, hi)
	}
	return fmt.Sprintf("WITH RECURSIVE s(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM s WHERE n < %d) ", lo, hi), "s"
}

// numberedID is the SQL for prefix followed by the number expr in width
// digits, as fmt's %0*d writes it.
func numberedID(e db.Engine, prefix, expr string, width int) string {
	if e == db.Postgres {
		return fmt.Sprintf(`'%s' || lpad((%s)::text, %d, '0')`, prefix, expr, width)
	}
	return fmt.Sprintf(`printf('%s%%0%dd', %s)`, prefix, width, expr)
}

// bulkCache gives SQLite's writer connection a page cache of 1 GB for a
// bulk insert, so big transactions do not spill pages to the WAL on the
// way, and returns a function that sets it back to the usual 16 MB.
func bulkCache(ctx context.Context, d *db.DB) func() {
	if d.Engine != db.SQLite {
		return func() {}
	}
	_, _ = d.Exec(ctx, `PRAGMA cache_size = -1000000`)
	return func() { _, _ = d.Exec(context.WithoutCancel(ctx), `PRAGMA cache_size = -16000`) }
}

// analyze refreshes the planner's statistics; on SQLite from a sample of
// each index, as a long-running database's would be.
func analyze(ctx context.Context, d *db.DB) error {
	if d.Engine == db.Postgres {
		_, err := d.Exec(ctx, `ANALYZE`)
		return err
	}
	return d.InTx(ctx, func(ctx context.Context) error {
		if _, err := d.Exec(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
			return err
		}
		_, err := d.Exec(ctx, `ANALYZE`)
		return err
	})
}

// timed runs f runs times and returns the median duration.
func timed(runs int, f func() error) (time.Duration, error) {
	var ds []time.Duration
	for range runs {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

func trialBalance(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	b, err := open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer b.close()
	scale := max(o.Scale, 1)
	n, err := generate(ctx, b, 100_000*scale, o.Log)
	if err != nil {
		return nil, err
	}
	rp := reports.New(b.l)
	sys := authz.WithPrincipal(ctx, authz.System())
	year := strconv.Itoa(time.Now().Year())
	whole, err := timed(5, func() error {
		_, err := rp.TrialBalance(sys, reports.TBOptions{From: year + "-01-01", To: year + "-12-31"})
		return err
	})
	if err != nil {
		return nil, err
	}
	cut, err := timed(5, func() error {
		_, err := rp.TrialBalance(sys, reports.TBOptions{From: year + "-03-10", To: year + "-09-20"})
		return err
	})
	if err != nil {
		return nil, err
	}
	floor, err := timed(3, func() error {
		rows, err := b.d.Query(ctx, `SELECT account_id, sum(base_debit), sum(base_credit) FROM fin_line GROUP BY account_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return []bench.Metric{
		{Name: "lines", Unit: "count", Value: float64(n)},
		{Name: "year_ms", Unit: "ms", Value: bench.Ms(whole), Goal: "<= 1000"},
		{Name: "cut_periods_ms", Unit: "ms", Value: bench.Ms(cut)},
		{Name: "floor_sum_lines_ms", Unit: "ms", Value: bench.Ms(floor)},
		{Name: "speedup", Unit: "floor/loom", Value: bench.Ms(floor) / max(bench.Ms(whole), 0.001)},
	}, nil
}

func arAging(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	b, err := open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer b.close()
	scale := max(o.Scale, 1)
	n := 10_000 * scale
	const customers = 1000
	today := time.Now()
	began := time.Now()
	// Invoice number i: of customer i mod 1,000, dated i mod 400 days ago,
	// due 30 days later, for 1,000 + i mod 500,000 fen, of which 0, 1.00
	// or 2.00 is paid.
	days := make([][]any, 400)
	for i := range days {
		d := today.AddDate(0, 0, -i)
		days[i] = []any{int64(i), d.Format(db.DateLayout), d.AddDate(0, 0, 30).Format(db.DateLayout)}
	}
	done, err := helperTables(ctx, b.d, []helper{{"bench_day", `i INTEGER PRIMARY KEY, date TEXT NOT NULL, due TEXT NOT NULL`, days}})
	if err != nil {
		return nil, err
	}
	defer done()
	defer bulkCache(ctx, b.d)()
	err = b.d.InTx(ctx, func(ctx context.Context) error {
		with, from := series(b.engine, 0, customers-1)
		if _, err := b.d.Exec(ctx, with+`INSERT INTO fin_customer (id, code, name, short_name, tax_id, currency, owner_id, owner_name,
			status, billing_address, contact_phone, bank_account, payment_days, credit_limit, has_limit, on_hold, hold_reason,
			credit_sent, version, updated_at) SELECT `+numberedID(b.engine, "00000000-0000-7000-8000-c", "s.n", 11)+`,
			`+numberedID(b.engine, "C", "s.n", 6)+`, `+numberedID(b.engine, "客户 ", "s.n", 1)+`, '', '', 'CNY', '', '', 'active', '', '', '',
			30, 0, 0, 0, '', '', 1, 0 FROM `+from); err != nil {
			return err
		}
		with, from = series(b.engine, 0, n-1)
		_, err := b.d.Exec(ctx, with+`INSERT INTO fin_ar_item (id, kind, customer_id, number, currency, rate, date, due_date, amount, open, contract_id)
			SELECT `+numberedID(b.engine, "00000000-0000-7000-8000-a", "s.n", 11)+`, 'invoice',
			`+numberedID(b.engine, "00000000-0000-7000-8000-c", "s.n % "+strconv.Itoa(customers), 11)+`,
			`+numberedID(b.engine, "INV-", "s.n", 8)+`, 'CNY', 1000000, d.date, d.due, 1000 + s.n % 500000, 1000 + s.n % 500000 - s.n % 3 * 100, ''
			FROM `+from+` CROSS JOIN bench_day d WHERE d.i = s.n % 400`)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := analyze(ctx, b.d); err != nil {
		return nil, err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "benchfin: %d open invoices of %d customers generated in %s\n", n, customers, time.Since(began).Round(time.Millisecond))
	}
	rp := reports.New(b.l)
	sys := authz.WithPrincipal(ctx, authz.System())
	date := today.Format(db.DateLayout)
	loom, err := timed(5, func() error {
		_, err := rp.Aging(sys, date)
		return err
	})
	if err != nil {
		return nil, err
	}
	floor, err := timed(5, func() error {
		rows, err := b.d.Query(ctx, `SELECT customer_id, sum(open) FROM fin_ar_item WHERE open <> 0 GROUP BY customer_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return []bench.Metric{
		{Name: "open_invoices", Unit: "count", Value: float64(n)},
		{Name: "aging_ms", Unit: "ms", Value: bench.Ms(loom), Goal: "<= 500"},
		{Name: "floor_ms", Unit: "ms", Value: bench.Ms(floor)},
		{Name: "ratio", Unit: "loom/floor", Value: bench.Ms(loom) / max(bench.Ms(floor), 0.001)},
	}, nil
}
