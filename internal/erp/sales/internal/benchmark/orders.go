package benchmark

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/sales/internal/core"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ServiceName is the name the sales module keeps its service under, which
// the scenarios use to enter orders in bulk.
const ServiceName = "erp.sales"

func salesService(w *world) (*core.Service, error) {
	svc, ok := w.sa.Env.Services.Lookup(ServiceName).(*core.Service)
	if !ok {
		return nil, fmt.Errorf("bench: the sales module is not wired")
	}
	return svc, nil
}

// drafts enters n draft orders of the given lines, 200 per transaction.
func drafts(ctx context.Context, w *world, svc *core.Service, n int, customer string, lines []domain.SalesLineInput) ([]string, error) {
	ids := make([]string, 0, n)
	for len(ids) < n {
		err := w.d.InTx(ctx, func(ctx context.Context) error {
			for i := 0; i < 200 && len(ids) < n; i++ {
				o, err := svc.CreateOrder(ctx, domain.SalesOrderInput{CustomerID: customer, Lines: lines})
				if err != nil {
					return err
				}
				ids = append(ids, o.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func orderConfirm(ctx context.Context, o bench.Options, supply Modules) ([]bench.Metric, error) {
	w, err := open(ctx, o, supply())
	if err != nil {
		return nil, err
	}
	defer w.close()
	sys := erpkit.System(ctx)
	uom, cat, loc, cust, err := w.basics(sys)
	if err != nil {
		return nil, err
	}
	codes, err := w.items(sys, 10, uom, cat, loc, "100000000")
	if err != nil {
		return nil, err
	}
	svc, err := salesService(w)
	if err != nil {
		return nil, err
	}
	lines := make([]domain.SalesLineInput, len(codes))
	picks := make([]domain.SalesPickInput, len(codes))
	// Enough drafts for the confirming phase at its fastest.
	for i, c := range codes {
		lines[i] = domain.SalesLineInput{Item: c, Quantity: money.MustQuantity("3")}
		picks[i] = domain.SalesPickInput{LineNo: i + 1, Location: loc, Quantity: money.MustQuantity("3")}
	}
	dur := o.Duration
	if dur <= 0 {
		dur = 3 * time.Second
	}
	const workers = 16
	pool, err := drafts(sys, w, svc, int(2500*(dur.Seconds()+1)), cust, lines)
	if err != nil {
		return nil, err
	}
	var (
		mu        sync.Mutex
		next      int
		confirmed []string
	)
	take := func(from []string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == len(from) {
			return "", false
		}
		next++
		return from[next-1], true
	}
	// Confirming: reservations, status and availability events, audit.
	confirm := bench.Load(ctx, workers, dur, func(ctx context.Context, _ int) error {
		id, ok := take(pool)
		if !ok {
			return fmt.Errorf("bench: out of draft orders")
		}
		if _, err := svc.ConfirmOrder(erpkit.System(ctx), id); err != nil {
			return err
		}
		mu.Lock()
		confirmed = append(confirmed, id)
		mu.Unlock()
		return nil
	})
	if confirm.Requests == 0 {
		return nil, fmt.Errorf("bench order-confirm: no order was confirmed (%d errors)", confirm.Errors)
	}
	// Shipping the confirmed orders: moves, valuation, journal entries, events.
	mu.Lock()
	next = 0
	mu.Unlock()
	ship := bench.Load(ctx, workers, dur, func(ctx context.Context, _ int) error {
		id, ok := take(confirmed)
		if !ok {
			return fmt.Errorf("bench: out of confirmed orders")
		}
		_, err := svc.Ship(erpkit.System(ctx), id, domain.SalesShipInput{Carrier: "顺丰速运", TrackingNo: "SF1", Lines: picks})
		return err
	})
	floorConfirm, floorShip, err := floorLoad(ctx, w.d, workers, dur)
	if err != nil {
		return nil, err
	}
	return []bench.Metric{
		{Name: "confirm_per_s", Unit: "orders/s", Value: confirm.PerSec, Goal: ">= 1000"},
		{Name: "confirm_floor_per_s", Unit: "orders/s", Value: floorConfirm.PerSec},
		{Name: "confirm_ratio", Unit: "loom/floor", Value: confirm.PerSec / floorConfirm.PerSec, Goal: ">= 0.5"},
		{Name: "confirm_p50", Unit: "ms", Value: bench.Ms(confirm.P50)},
		{Name: "confirm_p99", Unit: "ms", Value: bench.Ms(confirm.P99), Goal: "<= 20"},
		{Name: "ship_per_s", Unit: "orders/s", Value: ship.PerSec},
		{Name: "ship_floor_per_s", Unit: "orders/s", Value: floorShip.PerSec},
		{Name: "ship_ratio", Unit: "loom/floor", Value: ship.PerSec / floorShip.PerSec},
		{Name: "ship_p99", Unit: "ms", Value: bench.Ms(ship.P99)},
		{Name: "errors", Unit: "count", Value: float64(confirm.Errors + ship.Errors)},
	}, nil
}

// floorLoad does the writes confirming, then shipping, a 10-line order
// makes — each in one transaction of single-row statements with no reads
// or checks — from workers goroutines, each for dur.
func floorLoad(ctx context.Context, d *db.DB, workers int, dur time.Duration) (confirm, ship bench.LoadResult, err error) {
	if _, err = d.Exec(ctx, `CREATE TABLE bench_floor_row (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		return
	}
	if _, err = d.Exec(ctx, `CREATE TABLE bench_floor_log (id TEXT PRIMARY KEY, a TEXT NOT NULL, n BIGINT NOT NULL)`); err != nil {
		return
	}
	for i := range 100 {
		if _, err = d.Exec(ctx, `INSERT INTO bench_floor_row (k, n) VALUES ($1, 0)`, fmt.Sprint(i)); err != nil {
			return
		}
	}
	step := func(ctx context.Context, worker, updates, inserts int) error {
		return d.InTx(ctx, func(ctx context.Context) error {
			for i := range updates {
				// Each worker has its own rows, as each order has its own lines.
				if _, err := d.Exec(ctx, `UPDATE bench_floor_row SET n = n + 1 WHERE k = $1`, fmt.Sprint((worker*6+i)%100)); err != nil {
					return err
				}
			}
			for range inserts {
				if _, err := d.Exec(ctx, `INSERT INTO bench_floor_log (id, a, n) VALUES ($1, $2, 1)`, db.NewID(), "x"); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Confirm: stock rows, reservation rows, order lines, the order, events.
	confirm = bench.Load(ctx, workers, dur, func(ctx context.Context, worker int) error { return step(ctx, worker, 21, 13) })
	// Ship: balances, stock rows, valuation rows, reservations, lines, the
	// order; document, moves, valuation, shipment, picks, journal, events.
	ship = bench.Load(ctx, workers, dur, func(ctx context.Context, worker int) error { return step(ctx, worker, 51, 40) })
	return confirm, ship, nil
}

func orderConfirm1000(ctx context.Context, o bench.Options, supply Modules) ([]bench.Metric, error) {
	w, err := open(ctx, o, supply())
	if err != nil {
		return nil, err
	}
	defer w.close()
	sys := erpkit.System(ctx)
	uom, cat, loc, cust, err := w.basics(sys)
	if err != nil {
		return nil, err
	}
	codes, err := w.items(sys, 1000, uom, cat, loc, "1000")
	if err != nil {
		return nil, err
	}
	svc, err := salesService(w)
	if err != nil {
		return nil, err
	}
	lines := make([]domain.SalesLineInput, len(codes))
	for i, c := range codes {
		lines[i] = domain.SalesLineInput{Item: c, Quantity: money.MustQuantity("2")}
	}
	const orders = 3
	ids, err := drafts(sys, w, svc, orders, cust, lines)
	if err != nil {
		return nil, err
	}
	var took []time.Duration
	for _, id := range ids {
		start := time.Now()
		o, err := svc.ConfirmOrder(sys, id)
		if err != nil {
			return nil, err
		}
		took = append(took, time.Since(start))
		if o.Status != domain.StatusReserved {
			return nil, fmt.Errorf("bench: the 1,000-line order is %s, not reserved", o.Status)
		}
	}
	// The floor: the same rows written with set-based bare SQL.
	if _, err := w.d.Exec(ctx, `CREATE TABLE bench_floor_row (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		return nil, err
	}
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{fmt.Sprint(i), int64(0)}
	}
	if err := erpkit.Chunks(rows, func(part [][]any) error {
		q := `INSERT INTO bench_floor_row (k, n) VALUES ` + valuesOf(len(part), 2)
		_, err := w.d.Exec(ctx, q, flatten(part)...)
		return err
	}); err != nil {
		return nil, err
	}
	var floor []time.Duration
	for range orders {
		start := time.Now()
		err := w.d.InTx(ctx, func(ctx context.Context) error {
			// stock rows, reservations, lines: three set-based writes of 1,000 rows each.
			for range 3 {
				if err := erpkit.Chunks(rows, func(part [][]any) error {
					cte, args := erpkit.Values("v", erpkit.Cols("k TEXT", "n BIGINT"), part, 1)
					_, err := w.d.Exec(ctx, `WITH `+cte+` UPDATE bench_floor_row SET n = bench_floor_row.n + v.n + 1 FROM v WHERE bench_floor_row.k = v.k`, args...)
					return err
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		floor = append(floor, time.Since(start))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	sort.Slice(floor, func(i, j int) bool { return floor[i] < floor[j] })
	return []bench.Metric{
		{Name: "confirm_1000_lines", Unit: "ms", Value: bench.Ms(took[len(took)/2]), Goal: "<= 200"},
		{Name: "floor", Unit: "ms", Value: bench.Ms(floor[len(floor)/2])},
	}, nil
}

func valuesOf(rows, cols int) string {
	s := ""
	for i := range rows {
		if i > 0 {
			s += ", "
		}
		s += "(" + erpkit.Placeholders(i*cols+1, cols) + ")"
	}
	return s
}

func flatten(rows [][]any) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
