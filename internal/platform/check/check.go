// Package check runs Loom's invariant checkers: the rules the data must obey
// whatever happened before (balanced ledgers, stock equal to its moves, an
// unbroken audit chain). `loom check` runs them all and exits non-zero on any
// violation; tests run them after every scenario.
package check

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/loom-erp/loom/internal/platform/db"
)

// Violation is one broken rule.
type Violation struct {
	Checker string `json:"checker"`
	Unit    string `json:"unit"`
	Subject string `json:"subject"` // what is wrong: an id, an account, a series
	Detail  string `json:"detail"`
}

// String formats the violation for the CLI.
func (v Violation) String() string {
	return fmt.Sprintf("[%s] %s %s: %s", v.Checker, v.Unit, v.Subject, v.Detail)
}

// Func checks one unit database and returns what it found broken.
type Func func(ctx context.Context, d *db.DB) ([]Violation, error)

// Checker is a named invariant over the databases of some units.
type Checker struct {
	Name  string
	Units []string // units whose database the checker reads; empty means every unit
	Run   Func
}

var (
	mu       sync.Mutex
	checkers = map[string]Checker{}
)

// Register adds a checker; modules call it when they are wired.
func Register(c Checker) {
	mu.Lock()
	defer mu.Unlock()
	checkers[c.Name] = c
}

// All returns the registered checkers sorted by name.
func All() []Checker {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Checker, 0, len(checkers))
	for _, c := range checkers {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Result is the outcome of one checker on one unit.
type Result struct {
	Checker    string      `json:"checker"`
	Unit       string      `json:"unit"`
	Violations []Violation `json:"violations"`
	Err        string      `json:"error,omitempty"`
}

// Run runs every registered checker on every open unit database it applies to.
func Run(ctx context.Context, dbs map[string]*db.DB) []Result {
	var out []Result
	for _, c := range All() {
		units := c.Units
		if len(units) == 0 {
			units = db.Units
		}
		for _, u := range units {
			d, ok := dbs[u]
			if !ok {
				continue
			}
			vs, err := c.Run(ctx, d)
			r := Result{Checker: c.Name, Unit: u, Violations: vs}
			for i := range r.Violations {
				r.Violations[i].Checker, r.Violations[i].Unit = c.Name, u
			}
			if err != nil {
				r.Err = err.Error()
			}
			out = append(out, r)
		}
	}
	return out
}

// Failed reports whether any result has a violation or an error.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Err != "" || len(r.Violations) > 0 {
			return true
		}
	}
	return false
}
