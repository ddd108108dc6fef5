// Package wire assembles the finance module for a Loom process: its
// migrations, navigation, screens, REST operations, event consumers,
// invariant checkers, benchmark scenarios and demo data, and the services it
// provides to the other ERP modules (the Poster and the CreditService).
package wire

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/apui"
	"github.com/loom-erp/loom/internal/erp/finance/internal/benchfin"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/margin"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/erp/finance/internal/rest"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ui"
	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Module returns the finance module of the ERP unit.
func Module() module.Module {
	return module.Module{
		Unit:       "erp",
		Name:       finance.Module,
		Migrations: finance.Migrations(),
		Nav:        append(append([]webui.NavItem{}, ui.Nav...), apui.Nav...),
		Wire:       wire,
		Demo:       demo,
	}
}

func init() { benchfin.Register() }

// The durable names of the consumers of CRM accounts and of shipments.
const (
	consumerCustomers = "erp-finance-customers"
	consumerShipments = "erp-finance-shipments"
	consumerOrders    = "erp-finance-order-credit"
)

func wire(ctx context.Context, env *module.Env) error {
	l := ledger.New(env.DB, env.Now)
	if err := l.EnsureCompany(ctx); err != nil {
		return err
	}
	items := func() receivables.Items {
		if c := catalog.From(env.Services); c != nil {
			return c
		}
		return nil
	}
	ar := receivables.New(l, items, env.Now)
	ar.SetDirectory(func() receivables.Directory {
		if p := partner.From(env.Services); p != nil {
			return directory{p}
		}
		return nil
	})
	// Invoices from shipments take the sales order's prices.
	ar.SetOrders(func() salesorders.Orders { return salesorders.From(env.Services) })
	// Received customer returns are credited against their shipment's invoice.
	ar.SetReturns(func() salesreturns.Returns { return salesreturns.From(env.Services) })
	// Payables open what supplier bills leave owed, in their postings.
	ap := payables.New(l, func() payables.Suppliers {
		if p := partner.From(env.Services); p != nil {
			return p
		}
		return nil
	}, env.Now)
	for _, c := range payables.Checkers() {
		check.Register(c)
	}
	env.Services.Provide(finance.ServiceName, l)
	env.Services.Provide(finance.CreditServiceName, ar)
	env.Services.Provide(partner.CreditServiceName, creditHolds{ar})
	for _, c := range append(ledger.Checkers(), receivables.Checkers()...) {
		check.Register(c)
	}
	// Customers come from the CRM; a process that runs no CRM module has
	// no such event type and keeps the customers it has.
	if _, ok := outbox.Lookup(receivables.EventAccountUpserted, 0); ok && env.Bus != nil {
		err := env.Bus.Subscribe(consumerCustomers, env.DB, []string{receivables.EventAccountUpserted}, func(ctx context.Context, ev bus.Envelope) error {
			var a receivables.Account
			if err := json.Unmarshal(ev.Data, &a); err != nil {
				return fmt.Errorf("finance: %s %s: %w", ev.Type, ev.ID, err)
			}
			return ar.ApplyAccount(authz.WithPrincipal(ctx, authz.System()), a)
		})
		if err != nil {
			return err
		}
	}
	// Shipments come from the sales module, to be invoiced.
	if _, ok := outbox.Lookup(receivables.EventShipped, 0); ok && env.Bus != nil {
		err := env.Bus.Subscribe(consumerShipments, env.DB, []string{receivables.EventShipped}, func(ctx context.Context, ev bus.Envelope) error {
			var sh receivables.Shipped
			if err := json.Unmarshal(ev.Data, &sh); err != nil {
				return fmt.Errorf("finance: %s %s: %w", ev.Type, ev.ID, err)
			}
			return ar.ApplyShipment(authz.WithPrincipal(ctx, authz.System()), sh)
		})
		if err != nil {
			return err
		}
	}
	// An order confirmed, shipped, closed or cancelled changes what the
	// customer's open orders are worth, so its credit position.
	if _, ok := outbox.Lookup(receivables.EventOrderStatusChanged, 0); ok && env.Bus != nil {
		err := env.Bus.Subscribe(consumerOrders, env.DB, []string{receivables.EventOrderStatusChanged}, func(ctx context.Context, ev bus.Envelope) error {
			var o struct {
				SOID string `json:"so_id"`
			}
			if err := json.Unmarshal(ev.Data, &o); err != nil {
				return fmt.Errorf("finance: %s %s: %w", ev.Type, ev.ID, err)
			}
			return ar.OrderChanged(authz.WithPrincipal(ctx, authz.System()), o.SOID)
		})
		if err != nil {
			return err
		}
	}
	if env.Bus != nil {
		go refresh(env.Bus.Done(), ar, env)
	}
	rp := reports.New(l)
	if _, _, err := wireBank(env, l, ar, ap, rp); err != nil {
		return err
	}
	ui.Register(env.Router, ui.Deps{Ledger: l, Receivables: ar, Reports: rp, Page: env.Page, Log: env.Log})
	rest.Register(env.API, l, ar, rp)
	rest.RegisterPayables(env.API, ap)
	rest.RegisterYearClose(env.API, l)
	rest.RegisterFXReval(env.API, l)
	// The margin by item costs items from the inventory's stock valuation.
	mg := margin.New(l, func() shipmentcosts.Costs { return shipmentcosts.From(env.Services) })
	rest.RegisterMargin(env.API, mg)
	apui.Register(env.Router, ap, l, mg, env.Page, env.Log)
	return nil
}

// creditRefresh is how often credit positions are recomputed for what moves
// with time alone: invoices falling overdue; directorySync is how often the
// customers entered in the ERP's partner module are copied.
const (
	creditRefresh = time.Hour
	directorySync = time.Minute
)

// refresh copies new partner customers every directorySync and sends the
// credit positions that changed with the passing of time every
// creditRefresh, until the process's bus stops.
func refresh(done <-chan struct{}, ar *receivables.Service, env *module.Env) {
	credit := time.NewTicker(creditRefresh)
	defer credit.Stop()
	sync := time.NewTicker(directorySync)
	defer sync.Stop()
	if _, err := ar.SyncDirectory(context.Background()); err != nil {
		env.Log.Warn("finance: copy partner customers", "err", err)
	}
	for {
		select {
		case <-done:
			return
		case <-sync.C:
			if _, err := ar.SyncDirectory(context.Background()); err != nil {
				env.Log.Warn("finance: copy partner customers", "err", err)
			}
		case <-credit.C:
			if _, err := ar.RefreshCredit(context.Background()); err != nil {
				env.Log.Warn("finance: refresh credit positions", "err", err)
			}
		}
	}
}

// directory finds customers in the partner module.
type directory struct{ p partner.Partners }

func accountOf(c partner.Customer) receivables.Account {
	return receivables.Account{ID: c.ID, Code: c.Code, Name: c.Name, ShortName: c.ShortName, TaxID: c.TaxID,
		Currency: c.Currency, OwnerID: c.OwnerID, OwnerName: c.OwnerName, Status: string(c.Status),
		BillingAddress: c.BillingAddress, ContactPhone: c.ContactPhone}
}

func (d directory) DirectoryCustomer(ctx context.Context, id string) (receivables.Account, error) {
	c, err := d.p.LookupCustomer(ctx, id)
	if err != nil {
		return receivables.Account{}, err
	}
	return accountOf(c), nil
}

func (d directory) DirectoryCustomers(ctx context.Context, limit int) ([]receivables.Account, error) {
	cs, err := d.p.ActiveCustomers(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]receivables.Account, len(cs))
	for i, c := range cs {
		out[i] = accountOf(c)
	}
	return out, nil
}

// creditHolds answers the partner module's credit-hold question.
type creditHolds struct{ ar *receivables.Service }

func (c creditHolds) OnCreditHold(ctx context.Context, customerID string) (bool, error) {
	return c.ar.OnHold(ctx, customerID)
}

// The ledger is the finance module's Poster and Reverser, and the
// receivables its CreditService.
var (
	_ finance.Poster        = (*ledger.Service)(nil)
	_ finance.Reverser      = (*ledger.Service)(nil)
	_ finance.CreditService = (*receivables.Service)(nil)
	_ partner.CreditHolds   = creditHolds{}
)
