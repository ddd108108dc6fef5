package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loom-erp/loom/internal/bench"
)

func init() {
	bench.Register(bench.Scenario{
		Name: "crm-contention",
		Description: "lead capture through the REST API beside ERP's order-confirm load: leads/s, and ERP's confirm p99 alone and " +
			"under the lead load (goal: raised by at most 20%)",
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

// confirmLoad runs ERP's order confirmation from workers goroutines for d
// (after a warm-up): each makes a draft sales order through the API (not
// timed) and confirms it (timed).
func confirmLoad(ctx context.Context, a apiClient, workers int, d time.Duration, customer string, items []string) bench.LoadResult {
	warm := min(d/5, time.Second)
	ctx, cancel := context.WithTimeout(ctx, warm+d)
	defer cancel()
	from := time.Now().Add(warm)
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			bad := 0
			for i := 0; ctx.Err() == nil; i++ {
				var o struct {
					ID string `json:"id"`
				}
				in := map[string]any{"customer_id": customer, "notes": "bench", "lines": []map[string]any{
					{"item": items[(w+i)%len(items)], "quantity": "1"}}}
				if err := a.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders", in, &o); err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				start := time.Now()
				err := a.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders/"+o.ID+"/confirm", nil, nil)
				end := time.Now()
				if ctx.Err() != nil || start.Before(from) {
					continue
				}
				if err != nil {
					bad++
					continue
				}
				local = append(local, end.Sub(start))
			}
			mu.Lock()
			lats = append(lats, local...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	return bench.LoadResult{Requests: len(lats), Errors: errs, PerSec: float64(len(lats)) / d.Seconds(),
		P50: bench.Percentile(lats, 50), P99: bench.Percentile(lats, 99)}
}

// benchCRMContention measures lead capture through the API while ERP
// confirms sales orders, on the demo company: ERP's confirm latency alone,
// then with the lead load beside it.
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
	const leadConns, confirmWorkers = 32, 4
	api := apiClient{c: bench.Client(leadConns + confirmWorkers), base: "http://" + e.Addr, token: token}

	// A customer ERP confirms orders of, and the demo's finished goods.
	var accounts struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := api.do(ctx, http.MethodGet, "/api/v1/crm/accounts?limit=20", nil, &accounts); err != nil {
		return nil, err
	}
	items := []string{"FG-GBH-001", "FG-MEC-002", "FG-PMB-003"}
	customer := ""
	for _, acc := range accounts.Items {
		var so struct {
			ID string `json:"id"`
		}
		in := map[string]any{"customer_id": acc.ID, "lines": []map[string]any{{"item": items[0], "quantity": "1"}}}
		if api.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders", in, &so) != nil {
			continue
		}
		if api.do(ctx, http.MethodPost, "/api/v1/erp/sales/orders/"+so.ID+"/confirm", nil, nil) == nil {
			customer = acc.ID
			break
		}
	}
	if customer == "" {
		return nil, fmt.Errorf("crm-contention: no demo customer whose orders ERP confirms")
	}

	var seq atomic.Int64
	capture := func(ctx context.Context, _ int) error {
		n := seq.Add(1)
		in := map[string]any{"company": fmt.Sprintf("压测线索公司 %d", n), "contact_name": "王工",
			"mobile": fmt.Sprintf("139%08d", n%100000000), "region": "浙江", "source": "api"}
		return api.do(ctx, http.MethodPost, "/api/v1/crm/leads", in, nil)
	}

	alone := confirmLoad(ctx, api, confirmWorkers, dur, customer, items)
	leadsAlone := bench.Load(ctx, leadConns, dur, capture)
	var leads bench.LoadResult
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		leads = bench.Load(ctx, leadConns, dur, capture)
	}()
	under := confirmLoad(ctx, api, confirmWorkers, dur, customer, items)
	wg.Wait()
	if alone.Requests == 0 || under.Requests == 0 || leads.Requests == 0 {
		return nil, fmt.Errorf("crm-contention: a phase had no successful call (confirm alone %d errors, under load %d errors, leads %d errors)",
			alone.Errors, under.Errors, leads.Errors)
	}
	ratio := float64(under.P99) / float64(alone.P99)
	return []bench.Metric{
		{Name: "leads_rps", Unit: "leads/s", Value: leads.PerSec, Goal: ">= 2000"},
		{Name: "leads_alone_rps", Unit: "leads/s", Value: leadsAlone.PerSec},
		{Name: "lead_p99", Unit: "ms", Value: bench.Ms(leads.P99)},
		{Name: "confirm_alone_rps", Unit: "orders/s", Value: alone.PerSec},
		{Name: "confirm_alone_p99", Unit: "ms", Value: bench.Ms(alone.P99)},
		{Name: "confirm_loaded_rps", Unit: "orders/s", Value: under.PerSec},
		{Name: "confirm_loaded_p99", Unit: "ms", Value: bench.Ms(under.P99)},
		{Name: "confirm_p99_ratio", Unit: "loaded/alone", Value: ratio, Goal: "<= 1.2"},
		{Name: "errors", Unit: "count", Value: float64(alone.Errors + under.Errors + leads.Errors + leadsAlone.Errors)},
	}, nil
}
