package receivables_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// TestCreditHoldFromOpenOrders: available credit is the limit less what the
// customer owes and what its open orders are worth, a customer whose open
// orders take it over the limit is on hold, and an order changing sends
// the new position once.
func TestCreditHoldFromOpenOrders(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		const (
			so1 = "0196b2c4-0000-7000-8000-0000000000a1"
			so2 = "0196b2c4-0000-7000-8000-0000000000a2"
		)
		book := orderBook{so1: {ID: so1, Number: "SO-2026-000001", CustomerID: ningbo, Currency: "CNY", Status: "confirmed"}}
		e.ar.SetOrders(func() salesorders.Orders { return book })
		e.invoice(ningbo, "2026-11-01", "10", "100") // owes 1,130.00
		c, err := e.ar.Customer(e.ctx, ningbo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ar.SetTerms(e.ctx, ningbo, receivables.TermsInput{PaymentDays: 30, HasLimit: true, CreditLimit: money.MustAmount("3000"),
			Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		cr, err := e.ar.Credit(e.ctx, ningbo)
		// 3,000 − 1,130 owed − 1,130 open orders.
		if err != nil || cr.ARBalance.String() != "1130.00" || cr.OpenOrders.String() != "1130.00" || cr.AvailableCredit.String() != "740.00" || cr.OnHold {
			t.Fatalf("credit with one open order: %+v %v", cr, err)
		}
		sent := len(e.events(finance.EventCreditChanged))

		// A second order confirmed: 1,130 + 2,260 = 3,390 > 3,000, on hold.
		book[so2] = salesorders.Order{ID: so2, Number: "SO-2026-000002", CustomerID: ningbo, Currency: "CNY", Status: "confirmed"}
		if err := e.ar.OrderChanged(e.ctx, so2); err != nil {
			t.Fatal(err)
		}
		if err := e.ar.OrderChanged(e.ctx, so2); err != nil { // a repeat sends nothing more
			t.Fatal(err)
		}
		evs := e.events(finance.EventCreditChanged)
		if len(evs) != sent+1 {
			t.Fatalf("credit events: %d before, %d after", sent, len(evs))
		}
		last := evs[len(evs)-1]
		if last["open_orders"] != "2260.00" || last["available_credit"] != "-390.00" || last["on_hold"] != true || last["hold_reason"] != receivables.HoldOverLimit {
			t.Fatalf("credit event: %v", last)
		}
		if hold, err := e.ar.OnHold(e.ctx, ningbo); err != nil || !hold {
			t.Fatalf("on hold = %v, %v", hold, err)
		}
		// The order shipped and closed: off hold again.
		delete(book, so2)
		if err := e.ar.OrderChanged(e.ctx, so2); err != nil { // unknown to the sales module now: nothing
			t.Fatal(err)
		}
		if err := e.ar.OrderChanged(e.ctx, so1); err != nil {
			t.Fatal(err)
		}
		evs = e.events(finance.EventCreditChanged)
		if last := evs[len(evs)-1]; last["on_hold"] != false || last["available_credit"] != "740.00" {
			t.Fatalf("credit event after the order closed: %v", last)
		}
	})
}
