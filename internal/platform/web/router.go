package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// Route is a registered pattern and the permission it declared.
type Route struct {
	Pattern string
	Perm    authz.Permission
}

// Router registers routes on a ServeMux, each with the permission a caller
// needs. Every handler is wrapped by the guard, which enforces that
// permission, so no route can be added without one. Routes lists them, for
// the test that checks every route against every role.
type Router struct {
	mux   *http.ServeMux
	guard func(perm authz.Permission, h http.Handler) http.Handler

	mu     sync.Mutex
	routes []Route
}

// NewRouter returns a Router that adds routes to mux, each wrapped by guard.
func NewRouter(mux *http.ServeMux, guard func(perm authz.Permission, h http.Handler) http.Handler) *Router {
	if mux == nil || guard == nil {
		panic("web: NewRouter needs a ServeMux and a guard")
	}
	return &Router{mux: mux, guard: guard}
}

// Handle registers h for pattern (a ServeMux pattern such as "GET /crm/customers/{id}")
// behind perm. It panics when perm is empty or not declared with authz.Register,
// and, as ServeMux does, when the pattern is invalid or already taken.
func (rt *Router) Handle(pattern string, perm authz.Permission, h http.Handler) {
	switch {
	case perm == "":
		panic(fmt.Sprintf("web: route %q declares no permission; use authz.Public, authz.Authenticated or a registered one", pattern))
	case !authz.Known(perm):
		panic(fmt.Sprintf("web: route %q needs permission %q, which no module registered with authz.Register", pattern, perm))
	case h == nil:
		panic(fmt.Sprintf("web: route %q has no handler", pattern))
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mux.Handle(pattern, rt.guard(perm, h))
	rt.routes = append(rt.routes, Route{Pattern: pattern, Perm: perm})
}

// HandleFunc registers f for pattern behind perm, as Handle does.
func (rt *Router) HandleFunc(pattern string, perm authz.Permission, f func(http.ResponseWriter, *http.Request)) {
	if f == nil {
		panic(fmt.Sprintf("web: route %q has no handler", pattern))
	}
	rt.Handle(pattern, perm, http.HandlerFunc(f))
}

// Routes returns every registered route, sorted by path and then by pattern.
func (rt *Router) Routes() []Route {
	rt.mu.Lock()
	out := slices.Clone(rt.routes)
	rt.mu.Unlock()
	slices.SortFunc(out, func(a, b Route) int {
		if c := strings.Compare(routePath(a.Pattern), routePath(b.Pattern)); c != 0 {
			return c
		}
		return strings.Compare(a.Pattern, b.Pattern)
	})
	return out
}

// routePath drops the method from a pattern such as "GET /x".
func routePath(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(p)
	}
	return pattern
}
