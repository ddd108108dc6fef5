// Package bench runs Loom's end-to-end benchmark scenarios for `loom bench`.
//
// A scenario measures something a user feels (requests per second, commit to
// handler latency, start-up time) beside its physical floor measured in the
// same run — the same work done with bare SQL or bare net/http — so a result
// reads as a ratio that holds on a noisy machine. Each scenario runs several
// times and reports medians.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Metric is one measured number of a run.
type Metric struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	// Goal states the target, such as ">= 20000" or "<= 10"; empty when none.
	Goal string `json:"goal,omitempty"`
}

// Met reports whether the metric meets its goal (true when it has none).
func (m Metric) Met() bool {
	var op string
	var want float64
	if _, err := fmt.Sscanf(m.Goal, "%s %g", &op, &want); err != nil {
		return true
	}
	switch op {
	case ">=":
		return m.Value >= want
	case "<=":
		return m.Value <= want
	}
	return true
}

// Options tune a scenario run.
type Options struct {
	Runs     int
	Duration time.Duration // per measured load phase
	Scale    int
	// Engine and Bus pick storage and transport: "sqlite" or a PostgreSQL
	// URL; "" (in-process) or a NATS URL.
	DB  string
	Bus string
	Log io.Writer
}

// Scenario is one named benchmark.
type Scenario struct {
	Name        string
	Description string
	Run         func(ctx context.Context, o Options) ([]Metric, error)
}

var (
	mu        sync.Mutex
	scenarios = map[string]Scenario{}
)

// Register adds a scenario.
func Register(s Scenario) {
	mu.Lock()
	defer mu.Unlock()
	scenarios[s.Name] = s
}

// Scenarios returns the registered scenarios sorted by name.
func Scenarios() []Scenario {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Scenario, 0, len(scenarios))
	for _, s := range scenarios {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	mu.Lock()
	defer mu.Unlock()
	s, ok := scenarios[name]
	return s, ok
}

// Report is the median result of several runs of one scenario.
type Report struct {
	Scenario string    `json:"scenario"`
	Runs     int       `json:"runs"`
	Metrics  []Metric  `json:"metrics"`
	At       time.Time `json:"at"`
}

// Run runs a scenario o.Runs times and returns the median of every metric.
func Run(ctx context.Context, s Scenario, o Options) (Report, error) {
	if o.Runs <= 0 {
		o.Runs = 5
	}
	var all [][]Metric
	for i := 0; i < o.Runs; i++ {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench %s: run %d/%d\n", s.Name, i+1, o.Runs)
		}
		ms, err := s.Run(ctx, o)
		if err != nil {
			return Report{}, fmt.Errorf("bench %s run %d: %w", s.Name, i+1, err)
		}
		all = append(all, ms)
	}
	return Report{Scenario: s.Name, Runs: o.Runs, Metrics: Median(all), At: time.Now().UTC()}, nil
}

// Median combines runs metric by metric (matched by name, in first-run order).
func Median(runs [][]Metric) []Metric {
	if len(runs) == 0 {
		return nil
	}
	var out []Metric
	for _, first := range runs[0] {
		var vs []float64
		for _, r := range runs {
			for _, m := range r {
				if m.Name == first.Name {
					vs = append(vs, m.Value)
				}
			}
		}
		sort.Float64s(vs)
		med := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		m := first
		m.Value = med
		out = append(out, m)
	}
	return out
}

// WriteTable prints reports as an aligned table.
func WriteTable(w io.Writer, reports []Report) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tmetric\tmedian\tunit\tgoal\tmet")
	for _, r := range reports {
		for _, m := range r.Metrics {
			met := ""
			if m.Goal != "" {
				met = map[bool]string{true: "yes", false: "NO"}[m.Met()]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Scenario, m.Name, format(m.Value), m.Unit, m.Goal, met)
		}
	}
	return tw.Flush()
}

// WriteJSON prints reports as indented JSON.
func WriteJSON(w io.Writer, reports []Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reports)
}

func format(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.0f", v)
	}
	s := strings.TrimRight(fmt.Sprintf("%.2f", v), "0")
	return strings.TrimSuffix(s, ".")
}

// Percentile returns the p-th percentile (0–100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// Ms converts a duration to fractional milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
