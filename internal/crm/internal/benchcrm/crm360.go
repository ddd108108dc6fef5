package benchcrm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

const (
	reps               = 20
	activitiesPerCusto = 20
	benchTeam          = "0196b2c4-0000-7000-8000-0000000be001"
)

// customersPerScale is how many customers scale 1 seeds (tests seed fewer).
var customersPerScale = 100_000

// seeded is a world seeded for crm-360, kept across the runs of one
// `loom bench` call (seeding takes far longer than measuring) and closed
// after the last.
var seeded struct {
	sync.Mutex
	key   string
	w     *world
	ids   []string // customers, by index
	users []*authz.Principal
	runs  int
}

func run360(ctx context.Context, o bench.Options, mods Modules) (ms []bench.Metric, err error) {
	seeded.Lock()
	defer seeded.Unlock()
	key := fmt.Sprintf("%s/%d", o.DB, o.Scale)
	if seeded.w == nil || seeded.key != key {
		if seeded.w != nil {
			seeded.w.close()
		}
		seeded.w, seeded.runs = nil, 0
		w, err := open(ctx, o, mods)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		ids, users, err := seed360(ctx, w, max(o.Scale, 1))
		if err != nil {
			w.close()
			return nil, err
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "crm-360: seeded %d customers and %d activities in %s\n", len(ids), len(ids)*activitiesPerCusto, time.Since(start).Round(time.Second))
		}
		seeded.key, seeded.w, seeded.ids, seeded.users = key, w, ids, users
	}
	seeded.runs++
	defer func() {
		if err != nil || seeded.runs >= max(o.Runs, 1) {
			seeded.w.close()
			seeded.w = nil
		}
	}()
	w, ids, users := seeded.w, seeded.ids, seeded.users
	d := o.Duration
	if d <= 0 {
		d = 3 * time.Second
	}
	const workers = 4
	page := measure(ctx, workers, d, func(ctx context.Context, r *rand.Rand) error {
		i := r.IntN(len(ids))
		return w.get(ctx, users[i%reps], "/crm/accounts/"+ids[i])
	})
	if page.errs > 0 {
		return nil, fmt.Errorf("crm-360: %d pages failed: %v", page.errs, page.firstErr)
	}
	floor := measure(ctx, workers, d, func(ctx context.Context, r *rand.Rand) error {
		i := r.IntN(len(ids))
		return floorRead(ctx, w.d, ids[i])
	})
	if floor.errs > 0 {
		return nil, fmt.Errorf("crm-360 floor: %v", floor.firstErr)
	}
	return []bench.Metric{
		{Name: "page p95", Unit: "ms", Value: bench.Ms(page.p95), Goal: "<= 50"},
		{Name: "page p50", Unit: "ms", Value: bench.Ms(page.p50)},
		{Name: "pages", Unit: "1/s", Value: page.perSec},
		{Name: "floor p95", Unit: "ms", Value: bench.Ms(floor.p95)},
		{Name: "floor", Unit: "1/s", Value: floor.perSec},
	}, nil
}

// seed360 writes the users, customers, contacts, activities, deals, credit
// and invoices with bare SQL and returns the customers' ids and, for each
// rep, the principal that owns customer i when i % reps is its index.
func seed360(ctx context.Context, w *world, scale int) ([]string, []*authz.Principal, error) {
	now := time.Now()
	ms := db.Millis(now)
	users := make([]*authz.Principal, reps)
	sd := &seeder{d: w.d}
	ub := sd.table("crm_user", "id", "login", "login_key", "name", "team_id", "roles", "active", "pending", "updated_at")
	for i := range users {
		login := fmt.Sprintf("rep%02d", i)
		users[i] = principal(db.NewID(), login, fmt.Sprintf("销售%02d", i), benchTeam, identity.RoleSalesRep)
		if err := ub.add(ctx, users[i].UserID, login, login, users[i].Name, benchTeam, identity.RoleSalesRep, 1, 0, ms); err != nil {
			return nil, nil, err
		}
	}
	if err := sd.done(ctx, ub); err != nil {
		return nil, nil, err
	}
	n := customersPerScale * scale
	ids := make([]string, n)
	acc := sd.table("crm_account", "id", "code", "name", "short_name", "level", "industry", "tax_id", "currency",
		"status", "owner_id", "phone", "mobile", "email", "website", "region", "notes", "search", "sort_key", "name_key", "mobile_key",
		"email_key", "owned_at", "last_contact_at", "last_won_at", "pool_warned_at", "version", "created_at", "updated_at")
	con := sd.table("crm_contact", "id", "account_id", "name", "title", "department", "mobile", "phone", "email",
		"wechat", "is_primary", "notes", "search", "mobile_key", "email_key", "version", "created_at", "updated_at")
	opp := sd.table("crm_opportunity", "id", "number", "name", "account_id", "contact_id", "pipeline_id", "stage_id",
		"probability", "amount", "currency", "close_date", "owner_id", "status", "reason", "source", "lead_id", "notes", "search", "version",
		"stage_changed_at", "closed_at", "created_at", "updated_at")
	cred := sd.table("crm_credit", "customer_id", "currency", "credit_limit", "ar_balance", "overdue", "open_orders",
		"available_credit", "on_hold", "as_of")
	inv := sd.table("crm_erp_invoice", "id", "number", "customer_id", "so_id", "contract_id", "inv_date", "due_date",
		"currency", "net", "tax", "gross", "paid")
	con.parent, opp.parent = acc, acc
	levels := []string{"A", "B", "C", "C", "B"}
	regions := []string{"浙江", "江苏", "上海", "广东", "安徽"}
	for i := range n {
		id := db.NewID()
		ids[i] = id
		owner := users[i%reps].UserID
		name := fmt.Sprintf("宁波第%06d汽车零部件有限公司", i)
		mobile := fmt.Sprintf("138%08d", i)
		if err := acc.add(ctx, id, fmt.Sprintf("B%06d", i), name, "", levels[i%len(levels)], "automotive", "", "CNY", "active", owner,
			"", mobile, "", "", regions[i%len(regions)], "", fmt.Sprintf("b%06d %s %s", i, name, mobile), fmt.Sprintf("nbd%06d", i),
			fmt.Sprintf("宁波第%06d汽车零部件", i), mobile, "", ms-int64(i%300)*86_400_000, ms-int64(i%40)*86_400_000, 0, 0, 1, ms, ms); err != nil {
			return nil, nil, err
		}
		cid := db.NewID()
		if err := con.add(ctx, cid, id, "周建国", "采购经理", "", fmt.Sprintf("139%08d", i), "", "", "", 1, "", "周建国", fmt.Sprintf("139%08d", i), "", 1, ms, ms); err != nil {
			return nil, nil, err
		}
		if i%5 == 0 {
			if err := opp.add(ctx, db.NewID(), fmt.Sprintf("OP-B-%07d", i), "变速箱壳体年度框架", id, cid, "01960000-0000-7000-8000-00000000a000",
				"01960000-0000-7000-8000-00000000a003", 400000, int64(100000000+i), "CNY", now.AddDate(0, 2, 0).Format("2006-01-02"), owner,
				"open", "", "manual", "", "", "变速箱壳体年度框架", 1, ms, 0, ms, ms); err != nil {
				return nil, nil, err
			}
		}
		if err := cred.add(ctx, id, "CNY", 50000000, 1200000, int64(i%3)*100000, 500000, 48300000, 0, ms); err != nil {
			return nil, nil, err
		}
		if i%10 == 0 {
			if err := inv.add(ctx, db.NewID(), fmt.Sprintf("INV-B-%07d", i), id, "", "", now.Format("2006")+"-01-15", now.Format("2006")+"-02-14",
				"CNY", 1000000, 130000, 1130000, 1130000); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := sd.done(ctx, acc, con, opp, cred, inv); err != nil {
		return nil, nil, err
	}
	act := sd.table("crm_activity", "id", "type", "subject", "notes", "place", "account_id", "contact_id", "lead_id",
		"opportunity_id", "owner_id", "at", "done", "done_at", "reminded", "created_at")
	types := []string{"call", "visit", "meeting", "note", "task"}
	for k := range activitiesPerCusto {
		for i := range n {
			typ := types[(i+k)%len(types)]
			at := ms - int64(k)*7*86_400_000 - int64(i%1000)*60_000
			done := 0
			if typ == "task" {
				done = 1
			}
			if err := act.add(ctx, db.NewID(), typ, "电话沟通年度需求", "", "", ids[i], "", "", "", users[i%reps].UserID, at, done, 0, done, at); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := sd.done(ctx, act); err != nil {
		return nil, nil, err
	}
	if _, err := w.d.Writer().ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, nil, err
	}
	return ids, users, nil
}

// floorRead reads with bare SQL what the page shows: the customer, its
// contacts, its 20 latest activities, its open deals, its credit and its
// invoices.
func floorRead(ctx context.Context, d *db.DB, id string) error {
	r := d.Reader()
	var name, owner string
	if err := r.QueryRowContext(ctx, d.Rebind(`SELECT name, owner_id FROM crm_account WHERE id = $1`), id).Scan(&name, &owner); err != nil {
		return err
	}
	for _, q := range []string{
		`SELECT id, name, mobile FROM crm_contact WHERE account_id = $1 ORDER BY name LIMIT 100`,
		`SELECT id, type, subject, at FROM crm_activity WHERE account_id = $1 ORDER BY at DESC LIMIT 20`,
		`SELECT id, name, amount FROM crm_opportunity WHERE account_id = $1 ORDER BY created_at DESC LIMIT 50`,
		`SELECT customer_id, overdue FROM crm_credit WHERE customer_id = $1`,
		`SELECT id, number, gross FROM crm_erp_invoice WHERE customer_id = $1 ORDER BY inv_date DESC LIMIT 100`,
	} {
		rows, err := r.QueryContext(ctx, d.Rebind(q), id)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// result is a closed-loop measurement.
type result struct {
	p50, p95 time.Duration
	perSec   float64
	errs     int
	firstErr error
}

// measure runs do from workers goroutines for d after a short warm-up.
func measure(ctx context.Context, workers int, d time.Duration, do func(ctx context.Context, r *rand.Rand) error) result {
	var (
		mu   sync.Mutex
		lats []time.Duration
		res  result
		wg   sync.WaitGroup
	)
	warm := min(d/5, time.Second)
	from := time.Now().Add(warm)
	until := from.Add(d)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			var local []time.Duration
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(until) {
					break
				}
				err := do(ctx, r)
				if err != nil {
					mu.Lock()
					if res.errs == 0 {
						res.firstErr = err
					}
					res.errs++
					mu.Unlock()
					continue
				}
				if !start.Before(from) {
					local = append(local, time.Since(start))
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lats)
	res.p50, res.p95 = bench.Percentile(lats, 50), bench.Percentile(lats, 95)
	res.perSec = float64(len(lats)) / d.Seconds()
	return res
}
