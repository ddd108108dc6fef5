// Package module is the contract between a Loom module and the process that
// runs it: what the module brings (migrations, messages, navigation) and what
// it is given to wire itself (its unit's database, the event bus, the web
// router and the REST API).
package module

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Module describes one module of a unit.
type Module struct {
	// Unit is the unit whose database the module writes: crm, erp, mes, bi.
	Unit string
	// Name is the module's name, used for its migration version table.
	Name string
	// Migrations holds the folders sqlite and postgres; nil when the module has none.
	Migrations fs.FS
	// Nav lists the module's entries in its unit's section of the navigation.
	Nav []webui.NavItem
	// Wire registers the module's routes, operations, consumers and checkers.
	Wire func(ctx context.Context, env *Env) error
	// Demo adds the module's part of the demo company; scale is 1 for the
	// everyday demo and larger for benchmark-sized data. Modules run in the
	// order they are listed, after the demo users exist; ctx carries the
	// system principal. Nil when the module has no demo data.
	Demo func(ctx context.Context, env *Env, scale int, log io.Writer) error
	// DemoAfter names the modules, as "unit/name", whose demo data this
	// module's demo builds on: their demos run first. Names of modules that
	// are not in the program are ignored; otherwise demos keep the order the
	// modules are listed in.
	DemoAfter []string
}

// DemoOrder returns the modules in the order their demos run: the listed
// order, except that a module comes after every module its DemoAfter names.
// The order is stable; a cycle is broken by the listed order.
func DemoOrder(mods []Module) []Module {
	present := map[string]bool{}
	for _, m := range mods {
		present[m.Unit+"/"+m.Name] = true
	}
	done := map[string]bool{}
	used := make([]bool, len(mods))
	out := make([]Module, 0, len(mods))
	ready := func(m Module) bool {
		for _, d := range m.DemoAfter {
			if present[d] && !done[d] {
				return false
			}
		}
		return true
	}
	for len(out) < len(mods) {
		next := -1
		for i, m := range mods {
			if !used[i] && ready(m) {
				next = i
				break
			}
		}
		if next < 0 { // a cycle: take the first one left
			for i := range mods {
				if !used[i] {
					next = i
					break
				}
			}
		}
		used[next] = true
		done[mods[next].Unit+"/"+mods[next].Name] = true
		out = append(out, mods[next])
	}
	return out
}

// Env is what a module is given to wire itself.
type Env struct {
	DB     *db.DB
	Bus    *bus.Bus
	API    *api.API
	Router *webui.Router
	Log    *slog.Logger
	Now    func() time.Time
	// Services is shared by the modules of this unit in this process.
	Services *Services
	// Page fills the parts of a page every screen shares (user, navigation,
	// unread notifications) from the request.
	Page func(r *http.Request, p webui.Page) webui.Page
}

// Services lets the modules of one unit find each other's contracts at
// wiring time: a module provides its service under its contract's name and
// the modules wired after it look it up. Modules of different units never
// share services; they talk through events.
type Services struct {
	mu sync.Mutex
	m  map[string]any
}

// Provide registers a service under a name; a second provider of the same
// name replaces the first.
func (s *Services) Provide(name string, svc any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]any{}
	}
	s.m[name] = svc
}

// Lookup returns the service provided under name, or nil.
func (s *Services) Lookup(name string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[name]
}
