package payables_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

var clock = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

const (
	alu   = "0196b2c4-0000-7000-8000-0000000000s1" // 铝锭 supplier
	mould = "0196b2c4-0000-7000-8000-0000000000s2"
)

// directory is the suppliers the tests know, standing in for the partner module.
type directory map[string]partner.Supplier

func (d directory) LookupSupplier(_ context.Context, id string) (partner.Supplier, error) {
	if s, ok := d[id]; ok {
		return s, nil
	}
	return partner.Supplier{}, apperr.NotFound("supplier", id)
}

type env struct {
	t   *testing.T
	db  *db.DB
	l   *ledger.Service
	ap  *payables.Service
	ctx context.Context
}

func newEnv(t *testing.T, cfg db.Config) *env {
	t.Helper()
	d := loomtest.Open(t, cfg, "erp")
	ctx := context.Background()
	for _, m := range []func() error{
		func() error { return outbox.Migrate(ctx, d) },
		func() error { return audit.Migrate(ctx, d) },
		func() error { return d.Migrate(ctx, finance.Module, finance.Migrations()) },
	} {
		if err := m(); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return clock }
	l := ledger.New(d, now)
	if err := l.EnsureCompany(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory{
		alu:   {ID: alu, Code: "S001", Name: "苏州铝业有限公司", Currency: "CNY"},
		mould: {ID: mould, Code: "S002", Name: "Pacific Mould Ltd", Currency: "USD"},
	}
	ap := payables.New(l, func() payables.Suppliers { return dir }, now)
	return &env{t: t, db: d, l: l, ap: ap, ctx: authz.WithPrincipal(ctx, authz.System())}
}

func amt(s string) money.Amount { return money.MustAmount(s) }

// bill posts a supplier bill through the Poster as purchasing does: goods
// received not invoiced and input VAT against payables.
func (e *env) bill(id, supplier, number, date, due, currency, net, vat string) string {
	e.t.Helper()
	gross, _ := amt(net).Add(amt(vat))
	lines := []finance.PostingLine{{Role: finance.RoleGRNI, Debit: amt(net)}, {Role: finance.RoleAP, Credit: gross}}
	if vat != "0" {
		lines = append(lines, finance.PostingLine{Role: finance.RoleInputVAT, Debit: amt(vat)})
	}
	if currency != "CNY" {
		// A foreign bill; 1123 takes any currency, which is all the test needs.
		lines = []finance.PostingLine{{Role: finance.RoleGRNI, Debit: gross, Account: "1123"}, {Role: finance.RoleAP, Credit: gross}}
	}
	var eid string
	err := e.db.InTx(e.ctx, func(ctx context.Context) error {
		var err error
		eid, err = e.l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: id, SourceNumber: number,
			Date: date, DueDate: due, Currency: currency, PartnerKind: "supplier", PartnerID: supplier, Lines: lines})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return eid
}

func (e *env) itemOf(sourceID string) payables.Item {
	e.t.Helper()
	items, err := e.ap.Items(e.ctx, payables.ItemFilter{SourceID: sourceID})
	if err != nil || len(items) != 1 {
		e.t.Fatalf("items of %s: %v %v", sourceID, items, err)
	}
	return items[0]
}

func (e *env) mustCheck() {
	e.t.Helper()
	for _, c := range append(ledger.Checkers(), payables.Checkers()...) {
		vs, err := c.Run(context.Background(), e.db)
		if err != nil {
			e.t.Fatalf("%s: %v", c.Name, err)
		}
		for _, v := range vs {
			e.t.Errorf("%s: %s", c.Name, v)
		}
	}
}

func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("want invalid %s (%s), got %v", field, key, err)
	}
	for _, f := range e.Fields {
		if f.Field == field && (key == "" || f.Key == key) {
			return
		}
	}
	t.Fatalf("want field %s with %s, got %+v", field, key, e.Fields)
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

const (
	bill1 = "0196b2c4-0000-7000-8000-0000000000b1"
	bill2 = "0196b2c4-0000-7000-8000-0000000000b2"
	bill3 = "0196b2c4-0000-7000-8000-0000000000b3"
)

func TestBillOpensPayableAndPaymentAllocates(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.bill(bill1, alu, "FP-88001", "2026-09-01", "2026-10-01", "CNY", "1000", "130")
		// Posting the same bill again opens nothing more.
		e.bill(bill1, alu, "FP-88001", "2026-09-01", "2026-10-01", "CNY", "1000", "130")
		it := e.itemOf(bill1)
		if it.Kind != payables.KindBill || it.Amount.String() != "1130.00" || it.Open.String() != "1130.00" || it.DueDate != "2026-10-01" ||
			it.Number != "FP-88001" || it.Supplier != "苏州铝业有限公司" {
			t.Fatalf("payable: %+v", it)
		}
		e.mustCheck()

		// Beyond the open amount: refused naming the allocation, nothing written.
		entries := e.count(`SELECT count(*) FROM fin_entry`)
		_, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-10-05", Amount: amt("2000"),
			Allocations: []payables.AllocationInput{{ItemID: it.ID, Amount: amt("1130.01")}}})
		wantField(t, err, "allocations[0].amount", "fin.ap.error.beyond_open")
		if e.count(`SELECT count(*) FROM fin_entry`) != entries || e.count(`SELECT count(*) FROM fin_ap_payment`) != 0 {
			t.Fatal("a refused payment wrote something")
		}

		// A part payment.
		p1, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-10-05", Amount: amt("500"), Reference: "HX001",
			Allocations: []payables.AllocationInput{{ItemID: it.ID, Amount: amt("500")}}})
		if err != nil {
			t.Fatal(err)
		}
		if p1.Allocated.String() != "500.00" || p1.Prepaid.String() != "0.00" || len(p1.Allocations) != 1 || p1.Number == "" {
			t.Fatalf("payment: %+v", p1)
		}
		if it = e.itemOf(bill1); it.Open.String() != "630.00" {
			t.Fatalf("open after part payment: %s", it.Open)
		}
		// An overpayment: the rest is a prepayment on 1123 预付账款.
		p2, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-10-20", Amount: amt("1000"),
			Allocations: []payables.AllocationInput{{ItemID: it.ID, Amount: amt("630")}}})
		if err != nil {
			t.Fatal(err)
		}
		if p2.Prepaid.String() != "370.00" || e.itemOf(bill1).Open.String() != "0.00" {
			t.Fatalf("overpayment: %+v", p2)
		}
		var prepay money.Amount
		if err := e.db.QueryRow(e.ctx, `SELECT sum(l.debit) - sum(l.credit) FROM fin_line l JOIN fin_account a ON a.id = l.account_id
			WHERE a.code = '1123' AND l.partner_id = $1`, alu).Scan(&prepay); err != nil || prepay.String() != "370.00" {
			t.Fatalf("1123 for the supplier: %s %v", prepay, err)
		}
		var bank money.Amount
		if err := e.db.QueryRow(e.ctx, `SELECT sum(l.credit) FROM fin_line l JOIN fin_account a ON a.id = l.account_id
			WHERE a.code = '1002'`).Scan(&bank); err != nil || bank.String() != "1500.00" {
			t.Fatalf("bank credited %s %v", bank, err)
		}
		e.mustCheck()

		// A paid bill cannot be cancelled by reversing its entry.
		err = e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.ReverseSource(ctx, finance.SourceSupplierBill, bill1, "2026-10-25", "")
			return err
		})
		if apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reversing a paid bill: %v", err)
		}

		// Reversing the part payment opens its 500 again; a second reversal is refused.
		if _, err := e.ap.ReversePayment(e.ctx, p1.ID, "2026-10-31", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ap.ReversePayment(e.ctx, p1.ID, "2026-10-31", ""); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("second reversal: %v", err)
		}
		if it := e.itemOf(bill1); it.Open.String() != "500.00" {
			t.Fatalf("open after reversal: %s", it.Open)
		}
		e.mustCheck()

		// An unpaid bill reversed by its document is cancelled.
		e.bill(bill2, alu, "FP-88002", "2026-10-02", "", "CNY", "100", "13")
		if it := e.itemOf(bill2); it.DueDate != "2026-10-02" {
			t.Fatalf("due date defaults to the date: %+v", it)
		}
		if err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.ReverseSource(ctx, finance.SourceSupplierBill, bill2, "2026-10-03", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if it := e.itemOf(bill2); !it.Open.IsZero() || it.ReversedEntry == "" {
			t.Fatalf("cancelled bill: %+v", it)
		}
		e.mustCheck()

		// The statement runs the balance through every movement.
		st, err := e.ap.Statement(e.ctx, alu, "CNY", "2026-10-01", "2026-10-31")
		if err != nil {
			t.Fatal(err)
		}
		// Opening 1130 (the bill of September); +113 −113 (bill 2 and its cancellation); −500 −1000 +500.
		if st.Opening.String() != "1130.00" || st.Closing.String() != "130.00" || len(st.Lines) != 5 {
			t.Fatalf("statement: %+v", st)
		}
		if n := e.count(`SELECT count(*) FROM audit_log WHERE entity_kind IN ('fin.ap_payment', 'fin.ap_item')`); n < 5 {
			t.Fatalf("audit records: %d", n)
		}
	})
}

func TestPaymentValidation(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		if _, err := e.l.SetRate(e.ctx, "USD", "2026-11-01", money.MustRate("7.1")); err != nil {
			t.Fatal(err)
		}
		e.bill(bill1, alu, "FP-1", "2026-11-01", "2026-12-01", "CNY", "100", "13")
		e.bill(bill2, mould, "PM-7", "2026-11-01", "2026-12-01", "USD", "50", "0")
		it, other := e.itemOf(bill1), e.itemOf(bill2)
		good := payables.PaymentInput{SupplierID: alu, Date: "2026-11-05", Amount: amt("10")}
		cases := []struct {
			mod        func(*payables.PaymentInput)
			field, key string
		}{
			{func(p *payables.PaymentInput) { p.SupplierID = "" }, "supplier_id", "fin.error.required"},
			{func(p *payables.PaymentInput) { p.SupplierID = "0196b2c4-0000-7000-8000-0000000000zz" }, "supplier_id", "fin.ap.error.supplier_unknown"},
			{func(p *payables.PaymentInput) { p.Date = "2026-13-01" }, "date", "fin.error.date_invalid"},
			{func(p *payables.PaymentInput) { p.Amount = amt("0") }, "amount", "fin.ap.error.amount_invalid"},
			{func(p *payables.PaymentInput) { p.Method = "barter" }, "method", "fin.ap.error.method_invalid"},
			{func(p *payables.PaymentInput) { p.Currency = "XXX" }, "currency", "fin.error.currency_unknown"},
			{func(p *payables.PaymentInput) { p.Currency = "EUR" }, "currency", "fin.error.rate_missing"},
			{func(p *payables.PaymentInput) { p.BankAccount = "5001" }, "bank_account", "fin.ap.error.bank_account"},
			{func(p *payables.PaymentInput) {
				p.Allocations = []payables.AllocationInput{{ItemID: other.ID, Amount: amt("1")}}
			}, "allocations[0].item_id", "fin.ap.error.bill_supplier"},
			{func(p *payables.PaymentInput) {
				p.Allocations = []payables.AllocationInput{{ItemID: it.ID, Amount: amt("1")}, {ItemID: it.ID, Amount: amt("1")}}
			}, "allocations[1].item_id", "fin.ap.error.bill_twice"},
			{func(p *payables.PaymentInput) {
				p.Date = "2026-10-31"
				p.Allocations = []payables.AllocationInput{{ItemID: it.ID, Amount: amt("1")}}
			}, "allocations[0].item_id", "fin.ap.error.bill_before"},
			{func(p *payables.PaymentInput) {
				p.Allocations = []payables.AllocationInput{{ItemID: it.ID, Amount: amt("-1")}}
			}, "allocations[0].amount", "fin.ap.error.amount_invalid"},
			{func(p *payables.PaymentInput) {
				p.Allocations = []payables.AllocationInput{{ItemID: it.ID, Amount: amt("11")}}
			}, "allocations", "fin.ap.error.over_payment"},
			{func(p *payables.PaymentInput) {
				p.Allocations = []payables.AllocationInput{{ItemID: "nope", Amount: amt("1")}}
			}, "allocations[0].item_id", "fin.ap.error.bill_unknown"},
		}
		for i, c := range cases {
			in := good
			c.mod(&in)
			_, err := e.ap.Pay(e.ctx, in)
			if err == nil {
				t.Fatalf("case %d: accepted", i)
			}
			wantField(t, err, c.field, c.key)
		}
		if e.count(`SELECT count(*) FROM fin_ap_payment`) != 0 {
			t.Fatal("a refused payment was written")
		}
		// Permissions.
		rep := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Login: "rep", Perms: map[authz.Permission]bool{finance.PermPayableRead: true}})
		if _, err := e.ap.Pay(rep, good); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("pay without permission: %v", err)
		}
		if _, err := e.ap.Aging(authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u2"}), "2026-11-20"); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("aging without permission: %v", err)
		}
		// A due date before the bill's date is refused on the posting.
		err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: bill3, Date: "2026-11-02", DueDate: "2026-11-01",
				PartnerKind: "supplier", PartnerID: alu, Lines: []finance.PostingLine{{Role: finance.RoleGRNI, Debit: amt("1")}, {Role: finance.RoleAP, Credit: amt("1")}}})
			return err
		})
		wantField(t, err, "due_date", "fin.ap.error.due_before")
		if e.count(`SELECT count(*) FROM fin_entry WHERE source_id = $1`, bill3) != 0 {
			t.Fatal("a refused bill posted")
		}
	})
}

func TestAgingAndExport(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		if _, err := e.l.SetRate(e.ctx, "USD", "2026-01-01", money.MustRate("7.1234")); err != nil {
			t.Fatal(err)
		}
		// At 2026-11-20: not due; 10 days over; 45 days over; 200 days over (USD).
		e.bill(bill1, alu, "FP-1", "2026-11-01", "2026-12-01", "CNY", "100", "13")                                     // 113 not due
		e.bill(bill2, alu, "FP-2", "2026-10-01", "2026-11-10", "CNY", "1000", "130")                                   // 1130, 1–30
		e.bill(bill3, alu, "FP-3", "2026-09-01", "2026-10-06", "CNY", "200", "26")                                     // 226, 31–60
		e.bill("0196b2c4-0000-7000-8000-0000000000b4", mould, "PM-1", "2026-03-01", "2026-05-04", "USD", "10.01", "0") // 10.01 × 7.1234 = 71.305234 → 71.31, over 180
		// Paid 130 of FP-2 on 11-15, and 50 more later (after the aging date); prepaid 20 to the aluminium supplier.
		it2 := e.itemOf(bill2)
		if _, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-11-15", Amount: amt("150"),
			Allocations: []payables.AllocationInput{{ItemID: it2.ID, Amount: amt("130")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-11-25", Amount: amt("50"),
			Allocations: []payables.AllocationInput{{ItemID: it2.ID, Amount: amt("50")}}}); err != nil {
			t.Fatal(err)
		}
		a, err := e.ap.Aging(e.ctx, "2026-11-20")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Rows) != 2 {
			t.Fatalf("rows: %+v", a.Rows)
		}
		var r, m payables.AgingRow
		for _, x := range a.Rows {
			if x.SupplierID == alu {
				r = x
			} else {
				m = x
			}
		}
		if r.NotDue.String() != "113.00" || r.Overdue[0].String() != "1000.00" || r.Overdue[1].String() != "226.00" ||
			r.Prepaid.String() != "-20.00" || r.Total.String() != "1319.00" || r.Name != "苏州铝业有限公司" {
			t.Fatalf("aluminium row: %+v", r)
		}
		if m.Overdue[4].String() != "71.31" || m.Total.String() != "71.31" {
			t.Fatalf("mould row: %+v", m)
		}
		if a.Total.Total.String() != "1390.31" {
			t.Fatalf("total: %+v", a.Total)
		}
		// Drill-down: the open items behind the aluminium row.
		items, err := e.ap.OpenAt(e.ctx, "2026-11-20", alu)
		if err != nil || len(items) != 3 || items[0].Number != "FP-3" || items[0].PastDue != 45 {
			t.Fatalf("open items: %+v %v", items, err)
		}
		// Today the 50 paid on 11-25 counts too.
		if a, err = e.ap.Aging(e.ctx, "2026-11-30"); err != nil || a.Total.Total.String() != "1340.31" {
			t.Fatalf("aging at 11-30: %+v %v", a, err)
		}
		for _, lang := range []string{i18n.EN, i18n.ZH} {
			b, err := a.XLSX(lang)
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows(f.GetSheetList()[0])
			if err != nil || len(rows) != 5 {
				t.Fatalf("%s workbook rows: %v %v", lang, rows, err)
			}
			if got := rows[4][len(rows[4])-1]; got != "1,340.31" && got != "1340.31" {
				t.Fatalf("%s total cell %q", lang, got)
			}
		}
		e.mustCheck()
	})
}

func TestTamperingFound(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.bill(bill1, alu, "FP-1", "2026-11-01", "2026-12-01", "CNY", "100", "13")
		e.mustCheck()
		if _, err := e.db.Exec(context.Background(), `UPDATE fin_ap_item SET open = open - 1 WHERE source_id = $1`, bill1); err != nil {
			t.Fatal(err)
		}
		for _, c := range payables.Checkers() {
			vs, err := c.Run(context.Background(), e.db)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) == 0 {
				t.Fatalf("%s found nothing", c.Name)
			}
		}
	})
}

func TestConcurrentPaymentsOfOneBill(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.bill(bill1, alu, "FP-1", "2026-11-01", "2026-12-01", "CNY", "1000", "0")
		it := e.itemOf(bill1)
		const n = 50
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			ok, over int
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.ap.Pay(e.ctx, payables.PaymentInput{SupplierID: alu, Date: "2026-11-10", Amount: amt("30"),
					Allocations: []payables.AllocationInput{{ItemID: it.ID, Amount: amt("30")}}})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.KindOf(err) == apperr.KindInvalid:
					over++
				default:
					t.Errorf("payment: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 33 || over != n-33 {
			t.Fatalf("%d payments succeeded, %d refused; want 33 and %d", ok, over, n-33)
		}
		if it := e.itemOf(bill1); it.Open.String() != "10.00" {
			t.Fatalf("open: %s", it.Open)
		}
		e.mustCheck()
	})
}
