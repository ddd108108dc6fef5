package receivables_test

import (
	"context"
	"sync"
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// fakeDirectory is a partner module's customer list.
type fakeDirectory struct {
	mu sync.Mutex
	m  map[string]receivables.Account
}

func (d *fakeDirectory) DirectoryCustomer(_ context.Context, id string) (receivables.Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.m[id]
	if !ok {
		return a, apperr.NotFound("customer", id)
	}
	return a, nil
}

func (d *fakeDirectory) DirectoryCustomers(_ context.Context, limit int) ([]receivables.Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []receivables.Account
	for _, a := range d.m {
		out = append(out, a)
	}
	return out, nil
}

func TestPartnerDirectory(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		const (
			wuxi    = "0196b2c4-0000-7000-8000-0000000000c7"
			changz  = "0196b2c4-0000-7000-8000-0000000000c8"
			unknown = "0196b2c4-0000-7000-8000-0000000000c9"
		)
		dir := &fakeDirectory{m: map[string]receivables.Account{
			wuxi:   {ID: wuxi, Code: "C-ERP-01", Name: "无锡锐进机电有限公司", Currency: "CNY", OwnerID: liLei, Status: "active"},
			changz: {ID: changz, Code: "C-ERP-02", Name: "常州精工电机股份有限公司", OwnerID: zhaoMin, Status: "active"},
		}}
		e.ar.SetDirectory(func() receivables.Directory { return dir })

		// The pick list offers the directory's customers within scope before
		// finance has copied them.
		rep := asRep(liLei, finance.PermCustomerRead, finance.PermInvoiceWrite)
		picks, err := e.ar.PickCustomers(rep)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, c := range picks {
			got[c.ID] = true
		}
		if !got[wuxi] || !got[ningbo] || got[changz] || got[suzhou] {
			t.Fatalf("a sales rep's pick list = %v", got)
		}

		// An invoice for a customer only the directory knows copies it.
		inv, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: wuxi, Date: "2026-11-10",
			Lines: []receivables.InvoiceLineInput{{Description: "压铸件", Quantity: money.MustQuantity("2"), UnitPrice: money.MustUnitPrice("100")}}})
		if err != nil {
			t.Fatal(err)
		}
		if inv.CustomerName != "无锡锐进机电有限公司" {
			t.Fatalf("invoice customer = %q", inv.CustomerName)
		}
		// An id nobody knows is still refused, naming the field.
		_, err = e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: unknown, Date: "2026-11-10",
			Lines: []receivables.InvoiceLineInput{{Description: "压铸件", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice("1")}}})
		wantField(t, err, "customer_id", "fin.error.customer_unknown")

		// A sync copies the rest and picks up changes; a second one has nothing to do.
		dir.mu.Lock()
		a := dir.m[wuxi]
		a.Name = "无锡锐进机电股份有限公司"
		dir.m[wuxi] = a
		dir.mu.Unlock()
		n, err := e.ar.SyncDirectory(e.ctx)
		if err != nil || n != 2 {
			t.Fatalf("sync copied %d, %v; want 2", n, err)
		}
		if n, err = e.ar.SyncDirectory(e.ctx); err != nil || n != 0 {
			t.Fatalf("second sync copied %d, %v", n, err)
		}
		c, err := e.ar.Customer(e.ctx, wuxi)
		if err != nil || c.Name != "无锡锐进机电股份有限公司" || c.PaymentDays != 30 {
			t.Fatalf("customer after sync = %+v, %v", c, err)
		}
		if c, err := e.ar.Customer(e.ctx, changz); err != nil || c.Currency != "CNY" {
			t.Fatalf("copied customer = %+v, %v", c, err)
		}
		e.mustCheck()
	})
}
