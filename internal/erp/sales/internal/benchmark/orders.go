package benchmark

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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

// drafts enters n draft orders, the i-th for customers[i % len(customers)]
// with lines(i), 200 per transaction.
func drafts(ctx context.Context, w *world, svc *core.Service, n int, customers []string, lines func(i int) []domain.SalesLineInput) ([]string, error) {
	ids := make([]string, 0, n)
	for len(ids) < n {
		err := w.d.InTx(ctx, func(ctx context.Context) error {
			for i := 0; i < 200 && len(ids) < n; i++ {
				o, err := svc.CreateOrder(ctx, domain.SalesOrderInput{CustomerID: customers[len(ids)%len(customers)], Lines: lines(len(ids))})
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

// catalogueSize is how many items the orders of order-confirm draw their
// ten lines from, as a plant's orders spread over its finished goods (and
// over 20 customers).
const catalogueSize = 1000

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
	codes, err := w.items(sys, catalogueSize, uom, cat, loc, "100000000")
	if err != nil {
		return nil, err
	}
	svc, err := salesService(w)
	if err != nil {
		return nil, err
	}
	// Each order has ten different items, drawn the same way in every run.
	rnd := rand.New(rand.NewPCG(1, 2))
	lines := func(int) []domain.SalesLineInput {
		out := make([]domain.SalesLineInput, 0, 10)
		for _, k := range rnd.Perm(len(codes))[:10] {
			out = append(out, domain.SalesLineInput{Item: codes[k], Quantity: money.MustQuantity("3")})
		}
		return out
	}
	picks := make([]domain.SalesPickInput, 10)
	for i := range picks {
		picks[i] = domain.SalesPickInput{LineNo: i + 1, Location: loc, Quantity: money.MustQuantity("3")}
	}
	dur := o.Duration
	if dur <= 0 {
		dur = 3 * time.Second
	}
	const workers = 16
	// Enough drafts for the confirming phase at its fastest; the floor
	// confirms the ones left over.
	customers := []string{cust}
	for i := 2; i <= 20; i++ {
		var c struct {
			ID string `json:"id"`
		}
		if err := w.call(sys, "POST", "/erp/customers", map[string]any{"code": fmt.Sprintf("C-BENCH-%02d", i), "name": fmt.Sprintf("客户 %02d", i)}, &c); err != nil {
			return nil, err
		}
		customers = append(customers, c.ID)
	}
	pool, err := drafts(sys, w, svc, int(2500*(dur.Seconds()+1)), customers, lines)
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
	before, err := countWrites(ctx, w.d)
	if err != nil {
		return nil, err
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
	after, err := countWrites(ctx, w.d)
	if err != nil {
		return nil, err
	}
	// The floor confirms the drafts Loom did not reach (again from the first
	// of them when they run out).
	mu.Lock()
	left := pool[next:]
	mu.Unlock()
	if len(left) == 0 {
		return nil, fmt.Errorf("bench: no drafts left for the floor")
	}
	fw, err := newFloorWriter(ctx, w.d, left, perOrder(after.outbox-before.outbox, len(confirmed)), perOrder(after.audit-before.audit, len(confirmed)))
	if err != nil {
		return nil, err
	}
	var floorNext atomic.Int64
	floor := bench.Load(ctx, workers, dur, func(ctx context.Context, _ int) error {
		n := floorNext.Add(1) - 1
		return fw.confirm(ctx, left[n%int64(len(left))], n)
	})
	if floor.Requests == 0 {
		return nil, fmt.Errorf("bench order-confirm: the floor wrote nothing (%d errors)", floor.Errors)
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
	return []bench.Metric{
		{Name: "confirm_per_s", Unit: "orders/s", Value: confirm.PerSec, Goal: ">= 1000"},
		{Name: "confirm_floor_per_s", Unit: "orders/s", Value: floor.PerSec},
		{Name: "confirm_ratio", Unit: "loom/floor", Value: confirm.PerSec / floor.PerSec, Goal: ">= 0.5"},
		{Name: "confirm_p50", Unit: "ms", Value: bench.Ms(confirm.P50)},
		{Name: "confirm_p99", Unit: "ms", Value: bench.Ms(confirm.P99), Goal: "<= 20"},
		{Name: "confirm_floor_p99", Unit: "ms", Value: bench.Ms(floor.P99)},
		{Name: "events_per_order", Unit: "count", Value: float64(perOrder(after.outbox-before.outbox, len(confirmed)))},
		{Name: "audit_rows_per_order", Unit: "count", Value: float64(perOrder(after.audit-before.audit, len(confirmed)))},
		{Name: "ship_per_s", Unit: "orders/s", Value: ship.PerSec},
		{Name: "ship_p99", Unit: "ms", Value: bench.Ms(ship.P99)},
		{Name: "errors", Unit: "count", Value: float64(confirm.Errors + ship.Errors + floor.Errors)},
	}, nil
}

// writes counts the rows of the tables confirming an order adds to.
type writes struct{ outbox, audit int64 }

// perOrder is n rows over orders, rounded.
func perOrder(n int64, orders int) int { return int((n + int64(orders)/2) / int64(orders)) }

func countWrites(ctx context.Context, d *db.DB) (writes, error) {
	var c writes
	err := d.QueryRow(ctx, `SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit_log)`).Scan(&c.outbox, &c.audit)
	return c, err
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
	ids, err := drafts(sys, w, svc, orders, []string{cust}, func(int) []domain.SalesLineInput { return lines })
	if err != nil {
		return nil, err
	}
	before, err := countWrites(ctx, w.d)
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
	after, err := countWrites(ctx, w.d)
	if err != nil {
		return nil, err
	}
	// The floor: the same writes, in bare SQL, confirming as many drafts.
	floorIDs, err := drafts(sys, w, svc, orders, []string{cust}, func(int) []domain.SalesLineInput { return lines })
	if err != nil {
		return nil, err
	}
	fw, err := newFloorWriter(ctx, w.d, floorIDs, perOrder(after.outbox-before.outbox, orders), perOrder(after.audit-before.audit, orders))
	if err != nil {
		return nil, err
	}
	var floor []time.Duration
	for i, id := range floorIDs {
		start := time.Now()
		if err := fw.confirm(ctx, id, int64(i)); err != nil {
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

// valuesOf returns the placeholders of a multi-row VALUES list of rows
// rows of cols columns.
func valuesOf(rows, cols int) string {
	var b strings.Builder
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		b.WriteString(erpkit.Placeholders(i*cols+1, cols))
		b.WriteByte(')')
	}
	return b.String()
}

func flatten(rows [][]any) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
