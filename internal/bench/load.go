package bench

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// LoadResult is what a closed-loop load phase measured.
type LoadResult struct {
	Requests int
	Errors   int
	PerSec   float64
	P50, P99 time.Duration
}

// Load runs do from conns goroutines in a closed loop for d (after a short
// warm-up) and measures the throughput and latency of the calls that
// succeeded. Each goroutine gets its own index.
func Load(ctx context.Context, conns int, d time.Duration, do func(ctx context.Context, worker int) error) LoadResult {
	warm := min(d/5, time.Second)
	ctx, cancel := context.WithTimeout(ctx, warm+d)
	defer cancel()
	measureFrom := time.Now().Add(warm)
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			localErrs := 0
			for ctx.Err() == nil {
				start := time.Now()
				err := do(ctx, w)
				end := time.Now()
				if ctx.Err() != nil {
					break
				}
				if start.Before(measureFrom) {
					continue
				}
				if err != nil {
					localErrs++
					continue
				}
				local = append(local, end.Sub(start))
			}
			mu.Lock()
			lats = append(lats, local...)
			errs += localErrs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	return LoadResult{
		Requests: len(lats), Errors: errs, PerSec: float64(len(lats)) / d.Seconds(),
		P50: Percentile(lats, 50), P99: Percentile(lats, 99),
	}
}

// Client returns an HTTP client that keeps up to conns connections open to one host.
func Client(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	t.MaxConnsPerHost = conns
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}
