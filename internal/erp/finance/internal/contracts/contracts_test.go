package contracts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/contracts"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

var clock = time.Date(2026, 11, 15, 2, 0, 0, 0, time.UTC)

const (
	ningbo     = "0196b2c4-0000-7000-8000-0000000000c1"
	contractID = "0196b2c4-0000-7000-8000-0000000000b1"
)

func as(perms ...authz.Permission) context.Context {
	p := &authz.Principal{UserID: "huang.jing", Login: "huang.jing", Perms: map[authz.Permission]bool{},
		Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeCompany}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}

func amt(s string) money.Amount { return money.MustAmount(s) }

// TestContractReconciliation drives the payment plan through the bus, as
// the CRM sends it, and finds a contract expecting 100,000 of which the
// books received 80,000.
func TestContractReconciliation(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		ctx := context.Background()
		crm := loomtest.Open(t, cfg, "crm")
		erp := loomtest.Open(t, cfg, "erp")
		for _, m := range []func() error{
			func() error { return outbox.Migrate(ctx, crm) },
			func() error { return outbox.Migrate(ctx, erp) },
			func() error { return audit.Migrate(ctx, erp) },
			func() error { return erp.Migrate(ctx, finance.Module, finance.Migrations()) },
		} {
			if err := m(); err != nil {
				t.Fatal(err)
			}
		}
		now := func() time.Time { return clock }
		l := ledger.New(erp, now)
		if err := l.EnsureCompany(ctx); err != nil {
			t.Fatal(err)
		}
		ar := receivables.New(l, nil, now)
		ct := contracts.New(l, now)
		sys := authz.WithPrincipal(ctx, authz.System())
		if err := ar.ApplyAccount(sys, receivables.Account{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		b := bus.New(bus.NewInProcess(), []*db.DB{crm, erp}, bus.Options{})
		err := b.Subscribe("erp-finance-contracts", erp, []string{contracts.EventPlanChanged}, func(ctx context.Context, ev bus.Envelope) error {
			var p contracts.Plan
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				return err
			}
			return ct.ApplyPlan(authz.WithPrincipal(ctx, authz.System()), p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		// send emits a plan in the CRM and waits until finance's copy shows
		// its status and installments.
		send := func(data contract.PlanChangedData) {
			t.Helper()
			if err := crm.InTx(ctx, func(ctx context.Context) error {
				_, err := outbox.Emit(ctx, crm, contract.EventPlanChanged, 1, data.ContractID, data)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				var (
					status string
					n      int
				)
				err := erp.QueryRowWriter(ctx, `SELECT k.status, (SELECT count(*) FROM fin_contract_installment i WHERE i.contract_id = k.id)
					FROM fin_contract k WHERE k.id = $1`, data.ContractID).Scan(&status, &n)
				if err == nil && status == string(data.Status) && n == len(data.Installments) {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the payment plan did not arrive: %s %d %v", status, n, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		plan := contract.PlanChangedData{ContractID: contractID, Number: "CT-2026-000007", CustomerID: ningbo, Currency: "CNY",
			Total: amt("150000"), Status: contract.StatusActive, Installments: []contract.PlanInstallment{
				{No: 1, DueDate: "2026-10-31", Amount: amt("100000"), Condition: "预付款"},
				{No: 2, DueDate: "2026-12-31", Amount: amt("50000"), Condition: "验收后"},
			}}
		send(plan)
		send(plan) // a second change with the same plan changes nothing

		ctxF := as(finance.PermContractRead, finance.PermInvoiceRead, finance.PermInvoiceWrite, finance.PermInvoicePost, finance.PermPaymentWrite, finance.PermPaymentRead)
		zero := money.MustRate("0")
		inv, err := ar.CreateInvoice(ctxF, receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-10-20", ContractID: contractID,
			Lines: []receivables.InvoiceLineInput{{Description: "压铸模具", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("100000"), VATRate: &zero}}})
		if err != nil {
			t.Fatal(err)
		}
		if inv, err = ar.PostInvoice(ctxF, inv.ID); err != nil {
			t.Fatal(err)
		}
		pay, err := ar.ReceivePayment(ctxF, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-05", Amount: amt("80000"), ContractID: contractID,
			Allocations: []receivables.AllocationInput{{InvoiceID: inv.ID, Amount: amt("80000")}}})
		if err != nil {
			t.Fatal(err)
		}
		// The payment carries the contract, also in erp.payment.received.
		if pay.ContractID != contractID {
			t.Fatalf("payment contract: %q", pay.ContractID)
		}
		var data string
		if err := erp.QueryRow(ctx, `SELECT data FROM outbox WHERE type = $1 ORDER BY seq DESC LIMIT 1`, finance.EventPaymentReceived).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var ev finance.PaymentReceived
		if err := json.Unmarshal([]byte(data), &ev); err != nil || len(ev.Allocations) != 1 || ev.Allocations[0].ContractID != contractID {
			t.Fatalf("erp.payment.received: %s %v", data, err)
		}
		if _, err := ct.Contracts(as(finance.PermReportRead), ""); apperr.Status(err) != 403 {
			t.Fatalf("the report without its permission: %v", err)
		}
		c, err := ct.Contract(ctxF, contractID, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		if c.Expected.Cmp(amt("100000")) != 0 || c.Invoiced.Cmp(amt("100000")) != 0 || c.Received.Cmp(amt("80000")) != 0 || len(c.Installments) != 2 {
			t.Fatalf("contract: %+v", c)
		}
		if len(c.Mismatches) != 1 {
			t.Fatalf("mismatches: %+v", c.Mismatches)
		}
		m := c.Mismatches[0]
		if m.Kind != contracts.MismatchShort || m.Installment != 1 || m.Expected.Cmp(amt("100000")) != 0 || m.Actual.Cmp(amt("80000")) != 0 ||
			m.Difference.Cmp(amt("-20000")) != 0 {
			t.Fatalf("mismatch: %+v", m)
		}
		if len(c.Documents) != 2 || c.Documents[0].ID != inv.ID || c.Documents[1].ID != pay.ID {
			t.Fatalf("documents: %+v", c.Documents)
		}
		// The rest arrives late and 5,000 more sits unapplied on the
		// contract; the second installment falls due without an invoice.
		if _, err := ar.ReceivePayment(ctxF, receivables.PaymentInput{CustomerID: ningbo, Date: "2026-11-10", Amount: amt("25000"), ContractID: contractID,
			Allocations: []receivables.AllocationInput{{InvoiceID: inv.ID, Amount: amt("20000")}}}); err != nil {
			t.Fatal(err)
		}
		c, err = ct.Contract(ctxF, contractID, "2027-01-05")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, m := range c.Mismatches {
			kinds[m.Kind] = true
		}
		for _, k := range []string{contracts.MismatchLate, contracts.MismatchUnallocated, contracts.MismatchInvoiceMissing, contracts.MismatchShort} {
			if !kinds[k] {
				t.Errorf("mismatch %s missing in %+v", k, c.Mismatches)
			}
		}
		if c.Installments[0].ReceivedDate != "2026-11-10" || c.Received.Cmp(amt("105000")) != 0 {
			t.Fatalf("after the late payment: %+v", c)
		}
		cs, err := ct.Contracts(ctxF, "2026-11-15")
		if err != nil || len(cs) != 1 {
			t.Fatalf("contracts: %+v %v", cs, err)
		}
		x, err := contracts.Excel(cs, func(k string) string { return i18n.TL(i18n.ZH, k) })
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if len(rows) < 3 || rows[0][0] != "合同" || !strings.HasPrefix(rows[1][4], "100000") {
			t.Fatalf("workbook: %v", rows)
		}
		// Cancelling the contract withdraws its plan.
		plan.Status, plan.Installments = contract.StatusCancelled, nil
		send(plan)
		c, err = ct.Contract(ctxF, contractID, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "cancelled" || len(c.Installments) != 0 || c.Expected.Sign() != 0 {
			t.Fatalf("cancelled: %+v", c)
		}
	})
}
