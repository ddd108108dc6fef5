// Package benchmark holds the ERP supply chain's `loom bench` scenarios:
// confirming and shipping sales orders, a 1,000-line order, the stock value
// at a date over many moves, and a back-dated receipt that revalues many
// later moves. Each runs on a fresh ERP database with the supply modules
// (and finance, which the documents post to) wired alone, and reports
// beside a floor: the same writes or reads done with bare SQL in the same run.
package benchmark

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/module"
)

// Modules returns the modules a scenario wires, in wiring order.
type Modules func() []module.Module

// Register registers the scenarios; supply returns the catalog, partner,
// inventory, finance and sales modules.
func Register(supply Modules) {
	bench.Register(bench.Scenario{Name: "order-confirm",
		Description: "confirm 10-line sales orders (reservations, availability, status events, audit) from 16 workers, beside the same writes in bare SQL; then ship them (moves, valuation, postings)",
		Run: func(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
			return orderConfirm(ctx, o, supply)
		}})
	bench.Register(bench.Scenario{Name: "order-confirm-1000",
		Description: "confirm one 1,000-line sales order, beside the same writes in bare SQL",
		Run: func(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
			return orderConfirm1000(ctx, o, supply)
		}})
	bench.Register(bench.Scenario{Name: "valuation",
		Description: "stock value at a date over 27,000 × scale moves of 1,000 items (--scale 100: 2.7 M, --scale 371: 10.0 M), beside a bare SUM",
		Run:         func(ctx context.Context, o bench.Options) ([]bench.Metric, error) { return valuation(ctx, o, supply) }})
	bench.Register(bench.Scenario{Name: "backdate",
		Description: "a back-dated receipt that revalues 1,000 × scale later moves of its item, beside bare SQL updating as many rows",
		Run:         func(ctx context.Context, o bench.Options) ([]bench.Metric, error) { return backdate(ctx, o, supply) }})
}

// world is one scenario's database with the modules wired on it.
type world struct {
	d     *db.DB
	sa    *erpkit.Standalone
	close func()
}

// open makes a fresh ERP database (a SQLite file in a temporary directory,
// or a PostgreSQL schema when o.DB is a URL) and wires the modules on it.
func open(ctx context.Context, o bench.Options, mods []module.Module) (*world, error) {
	cfg := db.Config{Engine: db.SQLite}
	var cleanup []func()
	if strings.HasPrefix(o.DB, "postgres") {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		cfg = db.Config{Engine: db.Postgres, PostgresURL: o.DB, SchemaPrefix: "bench" + hex.EncodeToString(b) + "_"}
		cleanup = append(cleanup, func() {
			if c, err := sql.Open("pgx", o.DB); err == nil {
				_, _ = c.Exec(`DROP SCHEMA IF EXISTS "` + cfg.SchemaPrefix + `erp" CASCADE`)
				c.Close()
			}
		})
	} else {
		dir, err := os.MkdirTemp("", "loom-bench-erp-*")
		if err != nil {
			return nil, err
		}
		cfg.DataDir = dir
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
	}
	d, err := db.Open(ctx, cfg, "erp")
	if err != nil {
		for _, f := range cleanup {
			f()
		}
		return nil, err
	}
	sa, err := erpkit.NewStandalone(ctx, d, nil, mods...)
	if err != nil {
		d.Close()
		for _, f := range cleanup {
			f()
		}
		return nil, err
	}
	return &world{d: d, sa: sa, close: func() {
		sa.Close()
		d.Close()
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}}, nil
}

func (w *world) call(ctx context.Context, method, path string, in, out any) error {
	return w.sa.Call(ctx, method, path, in, out)
}

// basics creates a unit, a category, a warehouse with a stock location and
// a customer, and returns the location's code and the customer's id.
func (w *world) basics(ctx context.Context) (uomID, categoryID, loc, customer string, err error) {
	var x struct {
		ID string `json:"id"`
	}
	steps := []struct {
		path string
		body map[string]any
		into *string
	}{
		{"/erp/uoms", map[string]any{"code": "pcs", "name": "件", "precision": 0}, &uomID},
		{"/erp/categories", map[string]any{"code": "FG", "name": "压铸件成品"}, &categoryID},
		{"/erp/customers", map[string]any{"code": "C-BENCH", "name": "上海汽车变速器有限公司"}, &customer},
	}
	for _, s := range steps {
		if err = w.call(ctx, "POST", s.path, s.body, &x); err != nil {
			return
		}
		*s.into = x.ID
	}
	var wh struct {
		ID string `json:"id"`
	}
	if err = w.call(ctx, "POST", "/erp/warehouses", map[string]any{"code": "FG", "name": "成品仓", "is_default": true}, &wh); err != nil {
		return
	}
	loc = "FG-A01"
	err = w.call(ctx, "POST", "/erp/warehouses/"+wh.ID+"/locations", map[string]any{"code": loc, "type": "stock"}, nil)
	return
}

// items creates n sellable items and receives qty of each into loc (none
// when qty is "").
func (w *world) items(ctx context.Context, n int, uomID, categoryID, loc, qty string) ([]string, error) {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("FG-%05d", i+1)
		if err := w.call(ctx, "POST", "/erp/items", map[string]any{"code": codes[i], "name": "压铸件 " + codes[i], "kind": "finished",
			"category_id": categoryID, "uom_id": uomID, "vat_rate": "0.13", "sellable": true, "list_price": "100", "lead_time_days": 10}, nil); err != nil {
			return nil, err
		}
	}
	for start := 0; start < n && qty != ""; start += 1000 {
		var lines []map[string]any
		for _, c := range codes[start:min(start+1000, n)] {
			lines = append(lines, map[string]any{"item": c, "location": loc, "quantity": qty, "unit_cost": "60"})
		}
		if err := w.call(ctx, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "lines": lines}, nil); err != nil {
			return nil, err
		}
	}
	return codes, nil
}
