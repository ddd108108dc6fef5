package bench

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Latencies are the latencies of the successful calls of one or more load
// phases, and the count of failed calls.
type Latencies struct {
	Lats   []time.Duration
	Errors int
	Span   time.Duration
}

// Add pools the calls of another phase with these.
func (l *Latencies) Add(o Latencies) {
	l.Lats = append(l.Lats, o.Lats...)
	l.Errors += o.Errors
	l.Span += o.Span
}

// Result sorts the latencies and sums them up.
func (l Latencies) Result() LoadResult {
	lats := append([]time.Duration(nil), l.Lats...)
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	per := 0.0
	if l.Span > 0 {
		per = float64(len(lats)) / l.Span.Seconds()
	}
	return LoadResult{Requests: len(lats), Errors: l.Errors, PerSec: per, P50: Percentile(lats, 50), P99: Percentile(lats, 99)}
}

// Paced calls do at a fixed rate for d (after a warm-up of min(d/5, 1s)),
// open loop: the i-th call is due at start + i/rate and starts then in its
// own goroutine whatever the earlier ones are doing, and its latency runs
// from that due time to its end, so a stalled server is charged for the
// whole wait of every call queued behind it (no coordinated omission). The
// calls of the warm-up are made but not counted. It stops early when ctx
// ends, or after n calls when n > 0.
func Paced(ctx context.Context, rate float64, d time.Duration, n int, do func(ctx context.Context, i int) error) Latencies {
	warm := min(d/5, time.Second)
	every := time.Duration(float64(time.Second) / rate)
	total := int((warm+d).Seconds()*rate) + 1
	if n > 0 {
		total = min(total, n)
	}
	var (
		mu  sync.Mutex
		out = Latencies{Span: d}
		wg  sync.WaitGroup
	)
	start := time.Now()
	from := start.Add(warm)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
loop:
	for i := range total {
		due := start.Add(time.Duration(i) * every)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break loop
			case <-timer.C:
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := do(ctx, i)
			lat := time.Since(due)
			if due.Before(from) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out.Errors++
				return
			}
			out.Lats = append(out.Lats, lat)
		}()
	}
	wg.Wait()
	return out
}
