package sales_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/module"
)

// TestDemo builds the supply side of the demo company — at scale 2, so the
// generated items are made too — and finds its catalog, warehouses, opening
// stock and sales orders, with every stock invariant holding.
func TestDemo(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		ctx := erpkit.System(context.Background())
		d := loomtest.Open(t, cfg, "erp")
		mods := []module.Module{catalog.Module(), partner.Module(), inventory.Module(), sales.Module()}
		sa, err := erpkit.NewStandalone(ctx, d, nil, mods...)
		if err != nil {
			t.Fatal(err)
		}
		defer sa.Close()
		for _, m := range mods {
			if err := m.Demo(ctx, sa.Env, 2, io.Discard); err != nil {
				t.Fatalf("demo %s: %v", m.Name, err)
			}
		}
		for q, want := range map[string]int{
			`SELECT count(*) FROM cat_item`:                                     109,
			`SELECT count(*) FROM inv_warehouse`:                                3,
			`SELECT count(*) FROM inv_lot`:                                      11,
			`SELECT count(*) FROM so_order WHERE status = 'partially_reserved'`: 1,
			`SELECT count(*) FROM so_order WHERE status = 'partially_shipped'`:  1,
			`SELECT count(*) FROM so_order WHERE status = 'reserved'`:           1,
			`SELECT count(*) FROM so_order WHERE status = 'draft'`:              1,
			`SELECT count(*) FROM so_shipment WHERE status = 'shipped'`:         1,
			`SELECT count(*) FROM par_supplier`:                                 3,
			`SELECT count(*) FROM par_customer`:                                 2,
		} {
			var n int
			if err := d.QueryRow(ctx, q).Scan(&n); err != nil || n != want {
				t.Errorf("%s: %d, want %d (%v)", q, n, want, err)
			}
		}
		for _, c := range check.All() {
			if !strings.HasPrefix(c.Name, "erp.stock.") {
				continue
			}
			if vs, err := c.Run(ctx, d); err != nil || len(vs) > 0 {
				t.Errorf("%s: %v %v", c.Name, err, vs)
			}
		}
	})
}
