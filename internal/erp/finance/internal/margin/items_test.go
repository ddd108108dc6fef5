package margin_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/margin"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const (
	itemB = "0196b2c4-0000-7000-8000-0000000000a2"
	ret1  = "0196b2c4-0000-7000-8000-0000000000e1"
)

// catalogOf is a catalog of two items.
type catalogOf map[string]catalog.Item

func (c catalogOf) LookupItemByCode(_ context.Context, code string) (catalog.Item, error) {
	for _, it := range c {
		if it.Code == code {
			return it, nil
		}
	}
	return catalog.Item{}, apperr.NotFound("item", code)
}

func (c catalogOf) LookupItems(_ context.Context, ids []string) (map[string]catalog.Item, error) {
	out := map[string]catalog.Item{}
	for _, id := range ids {
		if it, ok := c[id]; ok {
			out[id] = it
		}
	}
	return out, nil
}

// stockCosts answers the inventory's cost contract from fixed numbers.
type stockCosts []shipmentcosts.ItemCost

func (c stockCosts) SourceCosts(_ context.Context, kind string, ids []string) ([]shipmentcosts.ItemCost, error) {
	var out []shipmentcosts.ItemCost
	for _, x := range c {
		for _, id := range ids {
			if x.SourceID == id && (kind == shipmentcosts.SourceReturn) == (id == ret1) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}

// TestGrossMarginByItem bills one shipment over two invoices and credits a
// return: by item, each invoice line costs its item's unit cost in the
// shipment, the return's credit note takes off revenue and the cost the
// goods came back at; by customer the shipment's cost counts once.
func TestGrossMarginByItem(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		ctx := authz.WithPrincipal(context.Background(), authz.System())
		for _, m := range []func() error{
			func() error { return outbox.Migrate(ctx, d) },
			func() error { return audit.Migrate(ctx, d) },
			func() error { return d.Migrate(ctx, finance.Module, finance.Migrations()) },
		} {
			if err := m(); err != nil {
				t.Fatal(err)
			}
		}
		now := func() time.Time { return time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) }
		l := ledger.New(d, now)
		if err := l.EnsureCompany(ctx); err != nil {
			t.Fatal(err)
		}
		items := catalogOf{
			item:  {ID: item, Code: "FG-1001", Name: "壳体", UoM: "件", VATRate: money.MustRate("0.13"), ListPrice: money.MustUnitPrice("100")},
			itemB: {ID: itemB, Code: "FG-1002", Name: "端盖", UoM: "件", VATRate: money.MustRate("0.13"), ListPrice: money.MustUnitPrice("50")},
		}
		ar := receivables.New(l, func() receivables.Items { return items }, now)
		if err := ar.ApplyAccount(ctx, receivables.Account{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if err := ar.ApplyShipment(ctx, receivables.Shipped{ShipmentID: sh1, Number: "SH-2026-000001", SOID: so1, SONumber: "SO-2026-000001",
			CustomerID: ningbo, ShippedAt: now(), Lines: []receivables.ShippedLine{
				{ItemID: item, Quantity: money.MustQuantity("10")}, {ItemID: itemB, Quantity: money.MustQuantity("4")}}}); err != nil {
			t.Fatal(err)
		}
		// The shipment posted its cost of goods: 600.40 for 壳体 and 100.00 for 端盖.
		if _, err := l.Post(ctx, finance.Posting{SourceKind: finance.SourceShipment, SourceID: doc1, SourceNumber: "SH-2026-000001", Date: "2026-11-09",
			PartnerKind: "customer", PartnerID: ningbo, Lines: []finance.PostingLine{
				{Role: finance.RoleCOGS, Debit: money.MustAmount("700.40")}, {Role: finance.RoleInventory, Credit: money.MustAmount("700.40")}}}); err != nil {
			t.Fatal(err)
		}
		costs := stockCosts{
			{SourceID: sh1, ItemID: item, Quantity: money.MustQuantity("10"), Cost: money.MustAmount("600.40")},
			{SourceID: sh1, ItemID: itemB, Quantity: money.MustQuantity("4"), Cost: money.MustAmount("100.00")},
			{SourceID: ret1, ItemID: item, Quantity: money.MustQuantity("-2"), Cost: money.MustAmount("-120.08")},
		}
		post := func(inv *receivables.Invoice, err error) *receivables.Invoice {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if inv, err = ar.PostInvoice(ctx, inv.ID); err != nil {
				t.Fatal(err)
			}
			return inv
		}
		post(ar.CreateInvoiceForShipment(ctx, sh1, receivables.ShipmentPick{LineNo: 1, Quantity: money.MustQuantity("6")}))
		rest := post(ar.CreateInvoiceForShipment(ctx, sh1))
		// 2 壳体 came back: the return's credit note.
		cn := post(ar.CreateCreditNote(ctx, receivables.CreditNoteInput{CreditOf: rest.ID, Date: "2026-11-20", Lines: []receivables.InvoiceLineInput{
			{ItemCode: "FG-1001", Quantity: money.MustQuantity("2"), UnitPrice: money.MustUnitPrice("100")}}}))
		if _, err := d.Exec(ctx, `INSERT INTO fin_return_credit (return_id, return_number, credit_note_id) VALUES ($1, 'RT-2026-000001', $2)`, ret1, cn.ID); err != nil {
			t.Fatal(err)
		}
		fin := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Login: "huang.jing", Perms: map[authz.Permission]bool{finance.PermMarginRead: true}})
		m := margin.New(l, func() shipmentcosts.Costs { return costs })
		r, err := m.Margins(fin, margin.Options{From: "2026-11-01", To: "2026-11-30", By: margin.ByItem})
		if err != nil {
			t.Fatal(err)
		}
		// 壳体: 10 − 2 = 8, revenue 600 + 400 − 200, cost (6 + 4 − 2) × 60.04; 端盖: 4 × 50 against 100.00.
		if len(r.Rows) != 2 || r.Rows[0].Key != item || r.Rows[0].Quantity != "8" || r.Rows[0].Revenue.String() != "800.00" ||
			r.Rows[0].COGS.String() != "480.32" || r.Rows[0].Margin.String() != "319.68" || r.Rows[0].Percent != "39.96" || r.Rows[0].Invoices != 3 ||
			r.Rows[1].Key != itemB || r.Rows[1].Quantity != "4" || r.Rows[1].Revenue.String() != "200.00" || r.Rows[1].COGS.String() != "100.00" ||
			r.Rows[1].Percent != "50.00" {
			t.Fatalf("by item: %+v", r.Rows)
		}
		if r.Total.Revenue.String() != "1000.00" || r.Total.COGS.String() != "580.32" || r.Total.Invoices != 3 {
			t.Fatalf("by item total: %+v", r.Total)
		}
		if _, err := r.XLSX(i18n.EN); err != nil {
			t.Fatal(err)
		}
		// By customer the shipment's 700.40 is shared by the two invoices by quantity, not counted twice.
		r, err = m.Margins(fin, margin.Options{From: "2026-11-01", To: "2026-11-30"})
		if err != nil || len(r.Rows) != 1 || r.Rows[0].COGS.String() != "700.40" {
			t.Fatalf("by customer: %+v %v", r, err)
		}
		// Without the inventory module the items carry no cost.
		r, err = margin.New(l).Margins(fin, margin.Options{From: "2026-11-01", To: "2026-11-30", By: margin.ByItem})
		if err != nil || r.Total.COGS.String() != "0.00" || r.Total.Revenue.String() != "1000.00" {
			t.Fatalf("by item without costs: %+v %v", r, err)
		}
	})
}
