package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loom-erp/loom/internal/bench"
)

func init() {
	bench.Register(bench.Scenario{
		Name: "crm-contention",
		Description: "lead capture through the REST API beside ERP order confirmations at a fixed rate (a third of ERP's " +
			"capacity, open loop): leads/s flat out, and ERP's confirm p99 alone and beside leads at 2,000/s " +
			"(or 80% of the sustained rate when lower; goal: raised by at most 20%)",
		Run: benchCRMContention,
	})
}

// apiClient calls Loom's REST API with a token.
type apiClient struct {
	c     *http.Client
	base  string
	token string
}

func (a apiClient) do(ctx context.Context, method, path string, body any, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// orderFlow makes, confirms and cancels ERP sales orders of one customer
// through the API. Cancelling each confirmed order keeps the customer's open
// order book (which ERP's credit check sums on every confirm) and the free
// stock the same from the first phase to the last, so the phases are
// comparable.
type orderFlow struct {
	api      apiClient
	customer string
	items    []string
}

// draft makes a draft order of one unit of the n-th item.
func (f orderFlow) draft(ctx context.Context, n int) (string, error) {
	var o struct {
		ID string `json:"id"`
	}
	in := map[string]any{"customer_id": f.customer, "notes": "bench", "lines": []map[string]any{
		{"item": f.items[n%len(f.items)], "quantity": "1"}}}
	err := f.api.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders", in, &o)
	return o.ID, err
}

func (f orderFlow) confirm(ctx context.Context, id string) error {
	return f.api.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders/"+id+"/confirm", nil, nil)
}

func (f orderFlow) cancel(ctx context.Context, id string) error {
	return f.api.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders/"+id+"/cancel", nil, nil)
}

// confirmCapacity runs ERP's order confirmation in a closed loop from
// workers goroutines for d (after a warm-up): each makes a draft order
// (untimed), confirms it (timed) and cancels it (untimed). It measures what
// ERP does alone, flat out.
func confirmCapacity(ctx context.Context, f orderFlow, workers int, d time.Duration) bench.LoadResult {
	var n atomic.Int64
	return bench.Load(ctx, workers, d, func(ctx context.Context, _ int) error {
		id, err := f.draft(ctx, int(n.Add(1)))
		if err != nil {
			return err
		}
		if err := f.confirm(ctx, id); err != nil {
			return err
		}
		return f.cancel(ctx, id)
	})
}

// drafts makes the draft orders of phases open-loop phases of rate
// orders/s over d and its warm-up each.
func drafts(ctx context.Context, f orderFlow, rate float64, d time.Duration, phases int) ([]string, error) {
	warm := min(d/5, time.Second)
	total := phases * (int((warm+d).Seconds()*rate) + 1)
	ids := make([]string, 0, total)
	for i := range total {
		id, err := f.draft(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("crm-contention: draft order: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// confirmPaced confirms draft orders taken from ids at a fixed rate for d
// (after a warm-up), open loop (see bench.Paced); each latency is its
// confirm's. Each confirmed order is cancelled afterwards, beside the load
// and untimed.
func confirmPaced(ctx context.Context, f orderFlow, ids *[]string, rate float64, d time.Duration) bench.Latencies {
	var (
		mu      sync.Mutex
		cancels sync.WaitGroup
	)
	take := func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(*ids) == 0 {
			return "", false
		}
		id := (*ids)[0]
		*ids = (*ids)[1:]
		return id, true
	}
	out := bench.Paced(ctx, rate, d, 0, func(ctx context.Context, _ int) error {
		id, ok := take()
		if !ok {
			return fmt.Errorf("crm-contention: out of draft orders")
		}
		if err := f.confirm(ctx, id); err != nil {
			return err
		}
		cancels.Go(func() { _ = f.cancel(ctx, id) })
		return nil
	})
	cancels.Wait()
	return out
}

// benchCRMContention measures lead capture through the API beside ERP's
// order confirmation, on the demo company. CRM and ERP keep separate
// databases, so the goal is that leads do not slow ERP down; but on a small
// machine both loads share the CPU, and two loads that each run flat out
// would only measure how the scheduler splits it. So:
//
//  1. ERP's capacity: confirmations in a closed loop, alone (4 workers).
//  2. Lead capture alone, flat out (32 connections of POST /api/v1/crm/leads).
//  3. Lead capture flat out beside ERP confirming at a fixed rate, a third of
//     its capacity, open loop: the leads/s CRM sustains while ERP works.
//  4. ERP at that rate alone, then with leads arriving at the goal's rate of
//     2,000/s (open loop; at 80% of what phase 3 sustained when that is
//     less) beside it, twice each in turn, the latencies of each kind
//     pooled: how much that lead load raises ERP's confirm p99. (Phase 3
//     also reports ERP's p99 under flat-out leads.)
func benchCRMContention(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	e, err := startBench(ctx, o)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if o.Log != nil {
		fmt.Fprintln(o.Log, "crm-contention: loading the demo company")
	}
	if err := e.App.Demo(ctx, 1, io.Discard); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	_, token, err := e.benchUser(ctx)
	if err != nil {
		return nil, err
	}
	dur := o.Duration
	if dur <= 0 {
		dur = 3 * time.Second
	}
	const (
		leadConns, confirmWorkers, orderConns = 32, 4, 64
		goalLeadRate                          = 2000.0
		rounds                                = 2
	)
	api := apiClient{c: bench.Client(leadConns + orderConns + 256), base: "http://" + e.Addr, token: token}

	// A customer ERP confirms orders of, and the demo's finished goods.
	var accounts struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := api.do(ctx, http.MethodGet, "/api/v1/crm/accounts?limit=20", nil, &accounts); err != nil {
		return nil, err
	}
	f := orderFlow{api: api, items: []string{"FG-GBH-001", "FG-MEC-002", "FG-PMB-003"}}
	for _, acc := range accounts.Items {
		try := f
		try.customer = acc.ID
		id, err := try.draft(ctx, 0)
		if err != nil {
			continue
		}
		if try.confirm(ctx, id) == nil && try.cancel(ctx, id) == nil {
			f = try
			break
		}
	}
	if f.customer == "" {
		return nil, fmt.Errorf("crm-contention: no demo customer whose orders ERP confirms")
	}

	var seq atomic.Int64
	capture := func(ctx context.Context, _ int) error {
		n := seq.Add(1)
		in := map[string]any{"company": fmt.Sprintf("压测线索公司 %d", n), "contact_name": "王工",
			"mobile": fmt.Sprintf("139%08d", n%100000000), "region": "浙江", "source": "api"}
		return api.do(ctx, http.MethodPost, "/api/v1/crm/leads", in, nil)
	}

	capacity := confirmCapacity(ctx, f, confirmWorkers, dur)
	if capacity.Requests == 0 && capacity.Errors > 0 {
		return nil, fmt.Errorf("crm-contention: no order confirmed in the capacity phase (%d errors)", capacity.Errors)
	}
	// At least three calls fall in each measured phase, however short (a test's).
	rate := max(capacity.PerSec/3, 3/dur.Seconds())
	leadsAlone := bench.Load(ctx, leadConns, dur, capture)
	ids, err := drafts(ctx, f, rate, dur, 1+2*rounds)
	if err != nil {
		return nil, err
	}

	// Phase 3: leads flat out beside ERP.
	var leads bench.LoadResult
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		leads = bench.Load(lctx, leadConns, dur, capture)
	}()
	flat := confirmPaced(ctx, f, &ids, rate, dur).Result()
	<-done
	stop()

	// Phase 4: ERP alone and beside leads at 2,000/s, in turn; on a machine
	// that sustains fewer beside ERP, at 80% of what phase 3 sustained, since
	// an open-loop load beyond capacity only measures a growing queue.
	// (At least three leads fall in each measured phase, however short.)
	leadRate := max(min(goalLeadRate, 0.8*leads.PerSec), 3/dur.Seconds())
	var alone, under, paced bench.Latencies
	for range rounds {
		alone.Add(confirmPaced(ctx, f, &ids, rate, dur))
		var got bench.Latencies
		done := make(chan struct{})
		go func() {
			defer close(done)
			got = bench.Paced(ctx, leadRate, dur+min(dur/5, time.Second), 0, capture)
		}()
		under.Add(confirmPaced(ctx, f, &ids, rate, dur))
		<-done
		paced.Add(got)
	}
	a, u, p := alone.Result(), under.Result(), paced.Result()
	if a.Requests == 0 || u.Requests == 0 || leads.Requests == 0 || p.Requests == 0 {
		return nil, fmt.Errorf("crm-contention: a phase had no successful call (confirm alone %d errors, beside leads %d errors, leads %d errors, paced leads %d errors)",
			a.Errors, u.Errors, leads.Errors, p.Errors)
	}
	ratio := float64(u.P99) / float64(a.P99)
	return []bench.Metric{
		{Name: "leads_rps", Unit: "leads/s", Value: leads.PerSec, Goal: ">= 2000"},
		{Name: "leads_alone_rps", Unit: "leads/s", Value: leadsAlone.PerSec},
		{Name: "lead_p99", Unit: "ms", Value: bench.Ms(leads.P99)},
		{Name: "confirm_capacity_rps", Unit: "orders/s", Value: capacity.PerSec},
		{Name: "confirm_rate", Unit: "orders/s", Value: rate},
		{Name: "confirm_flatout_leads_p99", Unit: "ms", Value: bench.Ms(flat.P99)},
		{Name: "paced_leads_rps", Unit: "leads/s", Value: p.PerSec},
		{Name: "paced_lead_p99", Unit: "ms", Value: bench.Ms(p.P99)},
		{Name: "confirm_alone_p50", Unit: "ms", Value: bench.Ms(a.P50)},
		{Name: "confirm_alone_p99", Unit: "ms", Value: bench.Ms(a.P99)},
		{Name: "confirm_loaded_p50", Unit: "ms", Value: bench.Ms(u.P50)},
		{Name: "confirm_loaded_p99", Unit: "ms", Value: bench.Ms(u.P99)},
		{Name: "confirm_p99_ratio", Unit: "loaded/alone", Value: ratio, Goal: "<= 1.2"},
		{Name: "errors", Unit: "count", Value: float64(capacity.Errors + a.Errors + u.Errors + leads.Errors + leadsAlone.Errors + flat.Errors + p.Errors)},
	}, nil
}
