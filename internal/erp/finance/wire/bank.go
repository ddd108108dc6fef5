package wire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/erp/finance/internal/bank"
	"github.com/loom-erp/loom/internal/erp/finance/internal/contracts"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/erp/finance/internal/rest"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ui"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// consumerContracts is the durable name of the consumer of the CRM's
// contract payment plans.
const consumerContracts = "erp-finance-contracts"

// wireBank wires the bank accounts and statements, the contract
// reconciliation and the cash-flow statement.
func wireBank(env *module.Env, l *ledger.Service, ar *receivables.Service, ap *payables.Service, rp *reports.Service) (*bank.Service, *contracts.Service, error) {
	bk := bank.New(l, ar, env.Now)
	bk.SetSupplierPayments(supplierPayments{ap})
	ct := contracts.New(l, env.Now)
	check.Register(bank.Checker())
	// Contracts come from the CRM; a process without it has no such event.
	if _, ok := outbox.Lookup(contracts.EventPlanChanged, 0); ok && env.Bus != nil {
		err := env.Bus.Subscribe(consumerContracts, env.DB, []string{contracts.EventPlanChanged}, func(ctx context.Context, ev bus.Envelope) error {
			var p contracts.Plan
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				return fmt.Errorf("finance: %s %s: %w", ev.Type, ev.ID, err)
			}
			return ct.ApplyPlan(authz.WithPrincipal(ctx, authz.System()), p)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	rest.RegisterBank(env.API, bk, ct, rp)
	ui.RegisterBank(env.Router, ui.Deps{Ledger: l, Receivables: ar, Reports: rp, Page: env.Page, Log: env.Log}, bk, ct)
	return bk, ct, nil
}

// supplierPayments records the supplier payments of outgoing statement
// lines through the payables.
type supplierPayments struct{ ap *payables.Service }

func (s supplierPayments) PayFromStatement(ctx context.Context, in bank.SupplierPayment) (string, string, error) {
	pin := payables.PaymentInput{SupplierID: in.SupplierID, Date: in.Date, Currency: in.Currency, Amount: in.Amount,
		BankAccount: in.BankAccount, Method: "transfer", Reference: in.Reference, Memo: in.Memo}
	if in.BillID != "" && in.Allocate.Sign() > 0 {
		pin.Allocations = []payables.AllocationInput{{ItemID: in.BillID, Amount: in.Allocate}}
	}
	p, err := s.ap.Pay(ctx, pin)
	if err != nil {
		return "", "", err
	}
	return p.ID, p.EntryID, nil
}

// demoBank adds the demo company's bank accounts on its bank sub-accounts.
func demoBank(ctx context.Context, l *ledger.Service, ar *receivables.Service) error {
	bk := bank.New(l, ar, nil)
	for _, in := range []bank.AccountInput{
		{Name: "工行基本户", Bank: "中国工商银行苏州工业园区支行", Number: "1102 0201 0900 0123 456", Currency: "CNY", Account: "100201"},
		{Name: "中行美元户", Bank: "中国银行苏州分行", Number: "4678 5123 9012", Currency: "USD", Account: "100202"},
	} {
		if _, err := bk.CreateAccount(ctx, in); err != nil {
			return fmt.Errorf("demo bank account %s: %w", in.Account, err)
		}
	}
	return nil
}
