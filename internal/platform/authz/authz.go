// Package authz holds Loom's authorization contract: permissions, data scopes
// and the principal (the user or token acting on a request).
//
// Checks live in the service layer, so every way in — web UI, REST API,
// exports, reports — passes the same rules. Modules declare their permissions
// with Register; roles grant them; the router refuses any route that does not
// declare one.
package authz

import (
	"context"
	"slices"
	"sort"
	"sync"
)

// Permission names one thing a user may do, such as "crm.quote.approve".
type Permission string

const (
	// Public marks a route anyone may call without logging in.
	Public Permission = "public"
	// Authenticated marks a route any logged-in user may call.
	Authenticated Permission = "authenticated"
)

// Scope narrows which rows of a kind a user sees.
type Scope string

// Data scopes, from narrowest to widest.
const (
	ScopeNone    Scope = ""
	ScopeOwn     Scope = "own"
	ScopeTeam    Scope = "team"
	ScopeCompany Scope = "company"
)

// AllKinds is the resource kind a role's scope may name to cover every kind
// it has no narrower or wider grant for.
const AllKinds = "*"

// scopeRank orders scopes so the widest grant wins when roles overlap.
var scopeRank = map[Scope]int{ScopeNone: 0, ScopeOwn: 1, ScopeTeam: 2, ScopeCompany: 3}

// Wider reports whether scope a grants more rows than scope b.
func Wider(a, b Scope) bool { return scopeRank[a] > scopeRank[b] }

// Principal is who acts on a request: a user through a session, or an API token.
type Principal struct {
	UserID  string
	Login   string
	Name    string
	TeamID  string
	Roles   []string
	Perms   map[Permission]bool
	Scopes  map[string]Scope // resource kind → widest scope granted
	TokenID string           // set when the request came with an API token
	Portal  bool             // a customer-portal user
	// System marks Loom itself acting (the CLI, seeding, background jobs):
	// it holds every permission and sees every row.
	System bool
}

// SystemLogin is the login shown for changes Loom makes itself.
const SystemLogin = "system"

// System returns the principal Loom itself acts as, for the CLI, seeding and
// background jobs; never put it on a request that came from outside.
func System() *Principal {
	return &Principal{Login: SystemLogin, Name: SystemLogin, System: true}
}

// Can reports whether the principal holds perm. Public is always allowed and
// Authenticated is allowed for any principal.
func (p *Principal) Can(perm Permission) bool {
	if perm == Public {
		return true
	}
	if p == nil {
		return false
	}
	if perm == Authenticated || p.System {
		return true
	}
	return p.Perms[perm]
}

// Scope returns the widest data scope the principal holds for a resource kind,
// counting a grant on AllKinds as a grant on every kind.
func (p *Principal) Scope(kind string) Scope {
	if p == nil {
		return ScopeNone
	}
	if p.System {
		return ScopeCompany
	}
	s, all := p.Scopes[kind], p.Scopes[AllKinds]
	if Wider(all, s) {
		return all
	}
	return s
}

// HasRole reports whether the principal holds the named role.
func (p *Principal) HasRole(role string) bool {
	return p != nil && slices.Contains(p.Roles, role)
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal carried by ctx, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Definition describes a permission a module declares.
type Definition struct {
	Name   Permission
	Module string
	// Roles lists the seeded roles that get this permission by default.
	Roles []string
}

var (
	regMu    sync.Mutex
	registry = map[Permission]Definition{}
)

// Register declares permissions; modules call it from an init function or at wiring.
func Register(defs ...Definition) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, d := range defs {
		registry[d.Name] = d
	}
}

// Definitions returns every registered permission, sorted by name.
func Definitions() []Definition {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]Definition, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Known reports whether perm is Public, Authenticated or registered.
func Known(perm Permission) bool {
	if perm == Public || perm == Authenticated {
		return true
	}
	regMu.Lock()
	defer regMu.Unlock()
	_, ok := registry[perm]
	return ok
}
