package receivables_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

var clock = time.Date(2026, 11, 15, 2, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	db  *db.DB
	l   *ledger.Service
	ar  *receivables.Service
	ctx context.Context
}

// Customers of the tests: 宁波 is owned by li.lei, 苏州 by zhao.min.
const (
	ningbo   = "0196b2c4-0000-7000-8000-0000000000c1"
	suzhou   = "0196b2c4-0000-7000-8000-0000000000c2"
	liLei    = "0196b2c4-0000-7000-8000-0000000000u1"
	zhaoMin  = "0196b2c4-0000-7000-8000-0000000000u2"
	someItem = "0196b2c4-0000-7000-8000-0000000000i1"
)

func newEnv(t *testing.T, cfg db.Config) *env {
	t.Helper()
	return newEnvClock(t, cfg, func() time.Time { return clock })
}

func newEnvClock(t *testing.T, cfg db.Config, now func() time.Time) *env {
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
	l := ledger.New(d, now)
	if err := l.EnsureCompany(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: d, l: l, ar: receivables.New(l, nil, now), ctx: authz.WithPrincipal(ctx, authz.System())}
	for _, a := range []receivables.Account{
		{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", TaxID: "91330200MA2AXXXX1X", Currency: "CNY", OwnerID: liLei, Status: "active"},
		{ID: suzhou, Code: "C002", Name: "苏州精锐机械有限公司", Currency: "CNY", OwnerID: zhaoMin, Status: "active"},
	} {
		if err := e.ar.ApplyAccount(e.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// as acts as a finance user (company scope); asRep as a sales rep (own customers).
func as(user string, perms ...authz.Permission) context.Context {
	return actAs(user, authz.ScopeCompany, perms)
}

func asRep(user string, perms ...authz.Permission) context.Context {
	return actAs(user, authz.ScopeOwn, perms)
}

func actAs(user string, scope authz.Scope, perms []authz.Permission) context.Context {
	p := &authz.Principal{UserID: user, Login: user, Perms: map[authz.Permission]bool{}, Scopes: map[string]authz.Scope{authz.AllKinds: scope}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}

func amt(s string) money.Amount { return money.MustAmount(s) }

func rate(s string) *money.Rate { r := money.MustRate(s); return &r }

// invoice posts an invoice of one line and returns it.
func (e *env) invoice(customer, date, qty, price string) *receivables.Invoice {
	e.t.Helper()
	inv, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: customer, Date: date, Lines: []receivables.InvoiceLineInput{
		{Description: "压铸壳体", Quantity: money.MustQuantity(qty), UnitPrice: money.MustUnitPrice(price)}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if inv, err = e.ar.PostInvoice(e.ctx, inv.ID); err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func (e *env) mustCheck() {
	e.t.Helper()
	for _, c := range append(ledger.Checkers(), receivables.Checkers()...) {
		vs, err := c.Run(context.Background(), e.db)
		if err != nil {
			e.t.Fatalf("%s: %v", c.Name, err)
		}
		for _, v := range vs {
			e.t.Errorf("%s: %s", c.Name, v)
		}
	}
}

// events returns the data of the outbox events of a type, oldest first.
func (e *env) events(typ string) []map[string]any {
	e.t.Helper()
	rows, err := e.db.Query(context.Background(), `SELECT data FROM outbox WHERE type = $1 ORDER BY seq`, typ)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
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

func TestInvoiceVATAndPosting(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		inv, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", SONumber: "SO-2026-000007",
			Lines: []receivables.InvoiceLineInput{
				{Description: "ADC12 压铸壳体", Quantity: money.MustQuantity("3"), UnitPrice: money.MustUnitPrice("33.335")},               // 100.005 → 100.01, VAT 13.0013 → 13.00
				{Description: "加工费", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("50.5"), VATRate: rate("0.06")}, // VAT 3.03
				{Description: "运费", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("0.35"), VATRate: rate("0.09")},  // VAT 0.0315 → 0.03
			}})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Net.String() != "150.86" || inv.Tax.String() != "16.06" || inv.Gross.String() != "166.92" || inv.DueDate != "2026-12-10" {
			t.Fatalf("totals: net %s tax %s gross %s due %s", inv.Net, inv.Tax, inv.Gross, inv.DueDate)
		}
		var net, tax money.Amount
		for _, l := range inv.Lines {
			net, _ = net.Add(l.Net)
			tax, _ = tax.Add(l.Tax)
			if g, _ := l.Net.Add(l.Tax); g.Cmp(l.Gross) != 0 {
				t.Fatalf("line %d gross %s ≠ net %s + tax %s", l.LineNo, l.Gross, l.Net, l.Tax)
			}
		}
		if net.Cmp(inv.Net) != 0 || tax.Cmp(inv.Tax) != 0 {
			t.Fatal("line totals do not make the invoice totals")
		}
		p, err := e.ar.PostInvoice(e.ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Number != "INV-2026-000001" || p.Open.String() != "166.92" || p.EntryID == "" {
			t.Fatalf("posted: %+v", p)
		}
		entry, _ := e.l.Entry(e.ctx, p.EntryID)
		got := map[string]string{}
		for _, l := range entry.Lines {
			got[l.AccountCode] = l.Debit.String() + "/" + l.Credit.String()
		}
		if got["1122"] != "166.92/0.00" || got["5001"] != "0.00/150.86" || got["22210102"] != "0.00/16.06" {
			t.Fatalf("entry lines: %v", got)
		}
		evs := e.events(finance.EventInvoicePosted)
		if len(evs) != 1 || evs[0]["gross"] != "166.92" || evs[0]["so_number"] != "SO-2026-000007" || evs[0]["kind"] != "invoice" {
			t.Fatalf("events: %v", evs)
		}
		if _, err := e.ar.UpdateInvoice(e.ctx, inv.ID, receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Version: p.Version,
			Lines: []receivables.InvoiceLineInput{{Description: "x", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("1")}}}); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("update posted: %v", err)
		}
		if _, err := e.db.Exec(context.Background(), `UPDATE fin_invoice SET memo = 'x' WHERE id = $1`, inv.ID); !db.IsCheckViolation(err) {
			t.Fatalf("database lets a posted invoice change: %v", err)
		}
		e.mustCheck()
	})
}

func TestBadInvoicesWriteNothing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		line := func(q, p string, r *money.Rate) []receivables.InvoiceLineInput {
			return []receivables.InvoiceLineInput{{Description: "壳体", Quantity: money.MustQuantity(q), UnitPrice: money.MustUnitPrice(p), VATRate: r}}
		}
		for _, c := range []struct {
			in         receivables.InvoiceInput
			field, key string
		}{
			{receivables.InvoiceInput{CustomerID: "0196b2c4-0000-7000-8000-00000000dead", Date: "2026-11-10", Lines: line("1", "1", nil)}, "customer_id", "fin.error.customer_unknown"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-31", Lines: line("1", "1", nil)}, "date", "fin.error.date_invalid"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", DueDate: "2026-11-01", Lines: line("1", "1", nil)}, "due_date", "fin.error.due_before_date"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Lines: line("0", "1", nil)}, "lines[0].quantity", "fin.error.quantity_invalid"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Lines: line("1", "-1", nil)}, "lines[0].unit_price", "fin.error.price_invalid"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Lines: line("1", "1", rate("0.07"))}, "lines[0].vat_rate", "fin.error.vat_invalid"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Currency: "USD", Lines: line("1", "1", nil)}, "currency", "fin.error.rate_missing"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10"}, "lines", "fin.error.invoice_lines_required"},
			{receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Lines: []receivables.InvoiceLineInput{{ItemCode: "X-1", Quantity: money.MustQuantity("1")}}}, "lines[0].item_code", "fin.error.item_unknown"},
		} {
			_, err := e.ar.CreateInvoice(e.ctx, c.in)
			wantField(t, err, c.field, c.key)
		}
		if _, err := e.ar.CreateInvoice(asRep(liLei, finance.PermInvoiceRead), receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", Lines: line("1", "1", nil)}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("sales rep writes an invoice: %v", err)
		}
		var n int
		e.db.QueryRow(context.Background(), `SELECT count(*) FROM fin_invoice`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d invoices written", n)
		}
	})
}

func TestPaymentsAllocationsAndCredit(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		inv1 := e.invoice(ningbo, "2026-09-01", "100", "100") // 11,300.00, due 2026-10-01: overdue by 45 days on 15 Nov
		inv2 := e.invoice(ningbo, "2026-11-01", "10", "1000") // 11,300.00
		other := e.invoice(suzhou, "2026-11-02", "1", "100")  // 113.00
		cr, _ := e.ar.Credit(e.ctx, ningbo)
		if cr.ARBalance.String() != "22600.00" || cr.Overdue.String() != "11300.00" || !cr.OnHold || cr.HoldReason != receivables.HoldOverdue {
			t.Fatalf("credit before payment: %+v", cr)
		}
		// A payment beyond the open amount of an invoice is refused, naming the allocation.
		_, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-12", Amount: amt("20000"),
			Allocations: []receivables.AllocationInput{{InvoiceID: inv1.ID, Amount: amt("11300.01")}}})
		wantField(t, err, "allocations[0].amount", "fin.error.allocation_exceeds_open")
		_, err = e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-12", Amount: amt("100"),
			Allocations: []receivables.AllocationInput{{InvoiceID: other.ID, Amount: amt("100")}}})
		wantField(t, err, "allocations[0].invoice_id", "fin.error.allocation_customer")
		_, err = e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-12", Amount: amt("100"),
			Allocations: []receivables.AllocationInput{{InvoiceID: inv1.ID, Amount: amt("101")}}})
		wantField(t, err, "allocations", "fin.error.allocations_exceed_payment")
		// Pay the old invoice in full and part of the new one, with 1,000 over: an advance.
		p, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-12", Amount: amt("17600"),
			Reference: "ICBC 2026111200042", Allocations: []receivables.AllocationInput{
				{InvoiceID: inv1.ID, Amount: amt("11300")}, {InvoiceID: inv2.ID, Amount: amt("5300")}}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Number != "RCV-2026-000001" || p.Unallocated.String() != "1000.00" || len(p.Allocations) != 2 {
			t.Fatalf("payment: %+v", p)
		}
		entry, _ := e.l.Entry(e.ctx, p.EntryID)
		got := map[string]string{}
		for _, l := range entry.Lines {
			got[l.AccountCode] = l.Debit.String() + "/" + l.Credit.String()
		}
		if got["1002"] != "17600.00/0.00" || got["1122"] != "0.00/16600.00" || got["2203"] != "0.00/1000.00" {
			t.Fatalf("payment entry: %v", got)
		}
		cr, _ = e.ar.Credit(e.ctx, ningbo)
		if cr.ARBalance.String() != "5000.00" || cr.Overdue.String() != "0.00" || cr.OnHold {
			t.Fatalf("credit after payment: %+v", cr)
		}
		// The advance goes to a later invoice: 预收账款 against 应收账款.
		inv3 := e.invoice(ningbo, "2026-11-14", "1", "500") // 565.00
		als, err := e.ar.Allocate(e.ctx, p.ID, []receivables.AllocationInput{{InvoiceID: inv3.ID, Amount: amt("565")}}, "2026-11-14")
		if err != nil || len(als) != 1 || als[0].EntryID == "" {
			t.Fatalf("allocate the advance: %+v %v", als, err)
		}
		_, err = e.ar.Allocate(e.ctx, p.ID, []receivables.AllocationInput{{InvoiceID: inv2.ID, Amount: amt("436")}}, "2026-11-14")
		wantField(t, err, "allocations", "fin.error.allocations_exceed_payment")
		pays := e.events(finance.EventPaymentReceived)
		last := pays[len(pays)-1]
		if len(pays) != 2 || last["unallocated"] != "435.00" || len(last["allocations"].([]any)) != 3 {
			t.Fatalf("payment events: %v", pays)
		}
		// A credit limit below the balance puts the customer on hold.
		c, _ := e.ar.Customer(e.ctx, ningbo)
		mgr := as("xu.ming", finance.PermCreditManage, finance.PermCustomerRead)
		if _, err := e.ar.SetTerms(as("huang.jing", finance.PermCustomerRead), ningbo, receivables.TermsInput{PaymentDays: 30, Version: c.Version}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("accountant sets terms: %v", err)
		}
		_, err = e.ar.SetTerms(mgr, ningbo, receivables.TermsInput{PaymentDays: 400, OnHold: true, Version: c.Version})
		wantField(t, err, "payment_days", "fin.error.days_invalid")
		wantField(t, err, "hold_reason", "fin.error.hold_reason_required")
		c, err = e.ar.SetTerms(mgr, ningbo, receivables.TermsInput{PaymentDays: 60, HasLimit: true, CreditLimit: amt("5000"), Version: c.Version})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Credit.OnHold || c.Credit.HoldReason != receivables.HoldOverLimit || c.Credit.ARBalance.String() != "5565.00" || c.Credit.AvailableCredit.String() != "-565.00" {
			t.Fatalf("over limit: %+v", c.Credit)
		}
		hold, _ := e.ar.OnHold(context.Background(), ningbo)
		if !hold {
			t.Fatal("OnHold says no")
		}
		credits := e.events(finance.EventCreditChanged)
		lastCredit := credits[len(credits)-1]
		if lastCredit["customer_id"] != ningbo || lastCredit["on_hold"] != true || lastCredit["credit_limit"] != "5000.00" {
			t.Fatalf("credit events: %v", lastCredit)
		}
		// Sales reps see their own customers' invoices only.
		rep := asRep(zhaoMin, finance.PermInvoiceRead, finance.PermCustomerRead)
		page, err := e.ar.Invoices(rep, receivables.InvoiceFilter{})
		if err != nil || len(page.Invoices) != 1 || page.Invoices[0].ID != other.ID {
			t.Fatalf("rep's invoices: %+v %v", page, err)
		}
		if _, err := e.ar.Invoice(rep, inv1.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("rep reads another's invoice: %v", err)
		}
		if cs, _ := e.ar.Customers(rep, receivables.CustomerFilter{}); len(cs) != 1 || cs[0].ID != suzhou {
			t.Fatalf("rep's customers: %+v", cs)
		}
		e.mustCheck()
	})
}

func TestCreditNotes(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		inv := e.invoice(ningbo, "2026-11-01", "10", "100") // 1,130.00
		cn, err := e.ar.CreateCreditNote(e.ctx, receivables.CreditNoteInput{CreditOf: inv.ID, Date: "2026-11-05", Memo: "退货 2 件",
			Lines: []receivables.InvoiceLineInput{{Description: "压铸壳体", Quantity: money.MustQuantity("2"), UnitPrice: money.MustUnitPrice("100")}}})
		if err != nil {
			t.Fatal(err)
		}
		if cn, err = e.ar.PostInvoice(e.ctx, cn.ID); err != nil {
			t.Fatal(err)
		}
		if cn.Number != "CN-2026-000001" || cn.Gross.String() != "226.00" {
			t.Fatalf("credit note: %+v", cn)
		}
		got, _ := e.ar.Invoice(e.ctx, inv.ID)
		if got.Open.String() != "904.00" || len(got.CreditNotes) != 1 || len(got.Allocations) != 1 {
			t.Fatalf("invoice after credit: open %s, %d notes", got.Open, len(got.CreditNotes))
		}
		_, err = e.ar.CreateCreditNote(e.ctx, receivables.CreditNoteInput{CreditOf: inv.ID, Date: "2026-11-06",
			Lines: []receivables.InvoiceLineInput{{Description: "x", Quantity: money.MustQuantity("9"), UnitPrice: money.MustUnitPrice("100")}}})
		wantField(t, err, "lines", "fin.error.credit_too_much")
		_, err = e.ar.CreateCreditNote(e.ctx, receivables.CreditNoteInput{CreditOf: cn.ID, Date: "2026-11-06"})
		wantField(t, err, "credit_of", "fin.error.credit_of_credit")
		evs := e.events(finance.EventInvoicePosted)
		if evs[1]["kind"] != "credit_note" || evs[1]["gross"] != "-226.00" || evs[1]["credit_of"] != inv.ID {
			t.Fatalf("credit note event: %v", evs[1])
		}
		e.mustCheck()
	})
}

func TestConcurrentPostingAndPayment(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		draft, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10",
			Lines: []receivables.InvoiceLineInput{{Description: "壳体", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("1000")}}})
		if err != nil {
			t.Fatal(err)
		}
		run := func(n int, f func() error) (ok int, refused int) {
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				start = make(chan struct{})
			)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					err := f()
					mu.Lock()
					defer mu.Unlock()
					switch apperr.KindOf(err) {
					case "":
						ok++
					case apperr.KindConflict, apperr.KindInvalid:
						refused++
					default:
						t.Errorf("unexpected: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			return
		}
		ok, refused := run(50, func() error { _, err := e.ar.PostInvoice(e.ctx, draft.ID); return err })
		if ok != 1 || refused != 49 {
			t.Fatalf("post: %d ok, %d refused", ok, refused)
		}
		// Fifty payments of the whole invoice: one settles it, the rest are refused.
		ok, refused = run(50, func() error {
			_, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-12", Amount: amt("1130"),
				Allocations: []receivables.AllocationInput{{InvoiceID: draft.ID, Amount: amt("1130")}}})
			return err
		})
		if ok != 1 || refused != 49 {
			t.Fatalf("pay: %d ok, %d refused", ok, refused)
		}
		var payments int
		e.db.QueryRow(context.Background(), `SELECT count(*) FROM fin_payment`).Scan(&payments)
		if payments != 1 {
			t.Fatalf("%d payments recorded", payments)
		}
		e.mustCheck()
	})
}

func TestFapiao(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		inv := e.invoice(ningbo, "2026-11-01", "10", "100") // net 1,000.00, VAT 130.00
		_, err := e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoESpecial, Number: "1234", Date: "2026-11-02"})
		wantField(t, err, "number", "fin.error.fapiao_number")
		_, err = e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoSpecial, Number: "12345678", Date: "2026-11-02"})
		wantField(t, err, "code", "fin.error.fapiao_code")
		_, err = e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoESpecial, Number: "26332000000012345678",
			Date: "2026-11-02", Net: amt("1000.01"), Tax: amt("130")})
		wantField(t, err, "net", "fin.error.fapiao_exceeds_invoice")
		f, err := e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoESpecial, Number: "26332000000012345678", Date: "2026-11-02"})
		if err != nil || f.Net.String() != "1000.00" || f.Tax.String() != "130.00" {
			t.Fatalf("fapiao: %+v %v", f, err)
		}
		_, err = e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoESpecial, Number: "26332000000012345679", Date: "2026-11-02"})
		wantField(t, err, "net", "fin.error.fapiao_exceeds_invoice")
		red, err := e.ar.RedLetter(e.ctx, f.ID, receivables.FapiaoInput{Number: "26332000000012349999", Date: "2026-11-20"})
		if err != nil || red.Net.String() != "-1000.00" || red.RedOf != f.ID {
			t.Fatalf("red letter: %+v %v", red, err)
		}
		if _, err := e.ar.RedLetter(e.ctx, f.ID, receivables.FapiaoInput{Number: "26332000000012349998", Date: "2026-11-20"}); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("red letter twice: %v", err)
		}
		// After the red letter, a new fapiao for the invoice fits again.
		if _, err := e.ar.RecordFapiao(e.ctx, inv.ID, receivables.FapiaoInput{Type: receivables.FapiaoEOrdinary, Number: "26332000000012340001", Date: "2026-11-21"}); err != nil {
			t.Fatal(err)
		}

		// The export for the tax platform: one invoice row, one line row, exact amounts.
		inv2 := e.invoice(suzhou, "2026-11-03", "3", "33.335")
		xb, err := e.ar.ExportTaxPlatform(e.ctx, receivables.ExportFilter{WithoutFapiao: true})
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(xb))
		if err != nil {
			t.Fatal(err)
		}
		basic, _ := x.GetRows("发票基本信息", excelize.Options{RawCellValue: true})
		detail, _ := x.GetRows("发票明细信息", excelize.Options{RawCellValue: true})
		if len(basic) != 2 || basic[1][0] != inv2.Number || basic[1][9] != "100.01" || basic[1][10] != "13.00" {
			t.Fatalf("export basic: %v", basic)
		}
		if len(detail) != 2 || detail[1][5] != "3" || detail[1][6] != "33.335" || detail[1][8] != "13%" {
			t.Fatalf("export detail: %v", detail)
		}

		// Import: every bad row is named and nothing is recorded.
		book := func(rows [][]string) *bytes.Reader {
			f := excelize.NewFile()
			for r, row := range rows {
				for c, v := range row {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					f.SetCellValue("Sheet1", cell, v)
				}
			}
			var buf bytes.Buffer
			f.WriteTo(&buf)
			return bytes.NewReader(buf.Bytes())
		}
		header := []string{"单据编号", "发票类型", "发票代码", "发票号码", "开票日期", "金额", "税额"}
		_, err = e.ar.ImportFapiao(e.ctx, book([][]string{header,
			{inv2.Number, "数电专票", "", "26332000000055550001", "2026-11-04", "100.01", "13.00"},
			{"INV-2026-999999", "数电专票", "", "26332000000055550002", "2026-11-04", "1.00", "0.13"},
			{inv2.Number, "增值税专用发票", "123", "55550003", "2026-11-04", "1.00", "0.13"},
		}))
		wantField(t, err, "rows[3].invoice_number", "fin.error.invoice_unknown")
		wantField(t, err, "rows[4].code", "fin.error.fapiao_code")
		var n int
		e.db.QueryRow(context.Background(), `SELECT count(*) FROM fin_fapiao WHERE invoice_id = $1`, inv2.ID).Scan(&n)
		if n != 0 {
			t.Fatalf("a failed import recorded %d fapiao", n)
		}
		got, err := e.ar.ImportFapiao(e.ctx, book([][]string{header, {inv2.Number, "数电专票", "", "26332000000055550001", "2026-11-04", "100.01", "13.00"}}))
		if err != nil || got != 1 {
			t.Fatalf("import: %d %v", got, err)
		}
		_, err = e.ar.ImportFapiao(e.ctx, strings.NewReader("not a workbook"))
		wantField(t, err, "file", "fin.error.import_file")
	})
}

func TestCreditMovesWithTime(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		var mu sync.Mutex
		now := clock
		e := newEnvClock(t, cfg, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		e.invoice(ningbo, "2026-11-01", "1", "1000") // due 2026-12-01
		before := len(e.events(finance.EventCreditChanged))
		if n, err := e.ar.RefreshCredit(context.Background()); err != nil || n != 2 {
			t.Fatalf("refresh: %d %v", n, err)
		}
		if got := len(e.events(finance.EventCreditChanged)); got != before {
			t.Fatalf("nothing changed, yet %d events were sent", got-before)
		}
		mu.Lock()
		now = time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC) // 35 days past due
		mu.Unlock()
		if _, err := e.ar.RefreshCredit(context.Background()); err != nil {
			t.Fatal(err)
		}
		evs := e.events(finance.EventCreditChanged)
		if len(evs) != before+1 || evs[len(evs)-1]["overdue"] != "1130.00" || evs[len(evs)-1]["hold_reason"] != "overdue" {
			t.Fatalf("after the due date: %v", evs[before:])
		}
		if hold, _ := e.ar.OnHold(context.Background(), ningbo); !hold {
			t.Fatal("not on hold")
		}
		if hold, _ := e.ar.OnHold(context.Background(), "0196b2c4-0000-7000-8000-00000000ffff"); hold {
			t.Fatal("an unknown customer is on hold")
		}
	})
}
