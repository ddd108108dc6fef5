package margin_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/margin"
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

const (
	ningbo = "0196b2c4-0000-7000-8000-0000000000c1"
	suzhou = "0196b2c4-0000-7000-8000-0000000000c2"
	so1    = "0196b2c4-0000-7000-8000-0000000000f1"
	sh1    = "0196b2c4-0000-7000-8000-0000000000d1"
	doc1   = "0196b2c4-0000-7000-8000-0000000000d9"
	item   = "0196b2c4-0000-7000-8000-0000000000a1"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestGrossMargin(t *testing.T) {
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
		ar := receivables.New(l, nil, now)
		for _, a := range []receivables.Account{
			{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", Status: "active"},
			{ID: suzhou, Code: "C002", Name: "苏州精锐机械有限公司", Currency: "CNY", Status: "active"},
		} {
			if err := ar.ApplyAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		// A shipment to 宁波 posted cost of goods sold 600.40 as it shipped (the inventory document carries the shipment's number).
		if err := ar.ApplyShipment(ctx, receivables.Shipped{ShipmentID: sh1, Number: "SH-2026-000001", SOID: so1, SONumber: "SO-2026-000001",
			CustomerID: ningbo, ShippedAt: now(), Lines: []receivables.ShippedLine{{ItemID: item, Quantity: money.MustQuantity("10")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Post(ctx, finance.Posting{SourceKind: finance.SourceShipment, SourceID: doc1, SourceNumber: "SH-2026-000001", Date: "2026-11-09",
			PartnerKind: "customer", PartnerID: ningbo, Lines: []finance.PostingLine{
				{Role: finance.RoleCOGS, Debit: money.MustAmount("600.40")}, {Role: finance.RoleInventory, Credit: money.MustAmount("600.40")}}}); err != nil {
			t.Fatal(err)
		}
		invoice := func(customer, so, shipment, qty, price string) *receivables.Invoice {
			t.Helper()
			inv, err := ar.CreateInvoice(ctx, receivables.InvoiceInput{CustomerID: customer, Date: "2026-11-10", SOID: so, ShipmentID: shipment,
				Lines: []receivables.InvoiceLineInput{{Description: "壳体", Quantity: money.MustQuantity(qty), UnitPrice: money.MustUnitPrice(price)}}})
			if err != nil {
				t.Fatal(err)
			}
			if inv, err = ar.PostInvoice(ctx, inv.ID); err != nil {
				t.Fatal(err)
			}
			return inv
		}
		invoice(ningbo, so1, sh1, "10", "100") // revenue 1000.00, cost 600.40
		invoice(ningbo, "", "", "1", "50")     // a service: revenue 50.00, no cost
		invoice(suzhou, "", "", "3", "33.335") // 100.005 → 100.01
		m := margin.New(l)
		fin := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Login: "huang.jing", Perms: map[authz.Permission]bool{finance.PermMarginRead: true}})
		r, err := m.Margins(fin, margin.Options{From: "2026-11-01", To: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) != 2 || r.Rows[0].Key != ningbo || r.Rows[0].Revenue.String() != "1050.00" || r.Rows[0].COGS.String() != "600.40" ||
			r.Rows[0].Margin.String() != "449.60" || r.Rows[0].Percent != "42.82" || r.Rows[0].Invoices != 2 {
			t.Fatalf("by customer: %+v", r.Rows)
		}
		if r.Total.Revenue.String() != "1150.01" || r.Total.Margin.String() != "549.61" || r.Total.Percent != "47.79" {
			t.Fatalf("total: %+v", r.Total)
		}
		r, err = m.Margins(fin, margin.Options{From: "2026-11-01", To: "2026-11-30", By: margin.ByOrder, CustomerID: ningbo})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range r.Rows {
			if x.Key == so1 && (x.Label != "" && x.Revenue.String() != "1000.00" || x.Margin.String() != "399.60" || x.Percent != "39.96") {
				t.Fatalf("order row: %+v", x)
			}
		}
		if _, err := r.XLSX(i18n.ZH); err != nil {
			t.Fatal(err)
		}
		// Sales roles never see cost or margin; bad input names the field.
		rep := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u2", Login: "li.lei", Perms: map[authz.Permission]bool{finance.PermInvoiceRead: true}})
		if _, err := m.Margins(rep, margin.Options{From: "2026-11-01", To: "2026-11-30"}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("rep sees margins: %v", err)
		}
		if _, err := m.Margins(fin, margin.Options{From: "2026-11-30", To: "2026-11-01", By: "week"}); err == nil {
			t.Fatal("a bad range was accepted")
		} else if ae, _ := apperr.As(err); len(ae.Fields) != 2 {
			t.Fatalf("fields: %+v", ae.Fields)
		}
	})
}
