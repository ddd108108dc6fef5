package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// principalCache keeps resolved principals for a short while. Any change to
// roles drops the whole cache and a change to one user drops that user;
// gen stops a resolution that started before a change from storing its
// outdated result after it.
type principalCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     *authz.Principal
	until time.Time
}

func (c *principalCache) get(userID string, now time.Time) (*authz.Principal, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[userID]
	if ok && now.Before(e.until) {
		return e.p, c.gen, true
	}
	return nil, c.gen, false
}

func (c *principalCache) put(userID string, p *authz.Principal, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.m[userID] = cachedPrincipal{p: p, until: until}
	}
}

func (c *principalCache) dropUser(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, userID)
	c.gen++
}

func (c *principalCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.gen++
}

// errInactive marks a user who is missing or disabled.
var errInactive = errors.New("identity: user is not active")

// principal returns the principal of an active user. The result is shared:
// callers must not change it.
func (s *DBService) principal(ctx context.Context, userID string) (*authz.Principal, error) {
	now := s.now()
	p, gen, ok := s.cache.get(userID, now)
	if ok {
		return p, nil
	}
	p, err := s.loadPrincipal(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.cache.put(userID, p, now.Add(s.opts.PrincipalTTL), gen)
	return p, nil
}

// loadPrincipal resolves a user's permissions and scopes from their roles.
// The admin role holds every registered permission and company scope on
// every kind.
func (s *DBService) loadPrincipal(ctx context.Context, userID string) (*authz.Principal, error) {
	p := &authz.Principal{UserID: userID, Perms: map[authz.Permission]bool{}, Scopes: map[string]authz.Scope{}}
	var (
		team   sql.NullString
		status string
	)
	err := s.db.QueryRow(ctx, `SELECT login, name, team_id, status FROM identity_user WHERE id = $1`, userID).
		Scan(&p.Login, &p.Name, &team, &status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && status != string(StatusActive)) {
		return nil, errInactive
	}
	if err != nil {
		return nil, fmt.Errorf("identity: load user %s: %w", userID, err)
	}
	p.TeamID = team.String
	if p.Roles, err = s.userRoles(ctx, userID); err != nil {
		return nil, err
	}
	p.Portal = p.HasRole(RoleCustomer)
	if p.HasRole(RoleAdmin) {
		for _, d := range authz.Definitions() {
			p.Perms[d.Name] = true
		}
		p.Scopes[authz.AllKinds] = authz.ScopeCompany
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT rp.permission FROM identity_role_permission rp
		JOIN identity_user_role ur ON ur.role = rp.role WHERE ur.user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: load permissions of %s: %w", userID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var perm string
		if err := rows.Scan(&perm); err != nil {
			return nil, err
		}
		p.Perms[authz.Permission(perm)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = s.db.Query(ctx, `SELECT rs.kind, rs.scope FROM identity_role_scope rs
		JOIN identity_user_role ur ON ur.role = rs.role WHERE ur.user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: load scopes of %s: %w", userID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, scope string
		if err := rows.Scan(&kind, &scope); err != nil {
			return nil, err
		}
		if sc := authz.Scope(scope); authz.Wider(sc, p.Scopes[kind]) {
			p.Scopes[kind] = sc
		}
	}
	return p, rows.Err()
}

// userRoles returns a user's role names, sorted.
func (s *DBService) userRoles(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT role FROM identity_user_role WHERE user_id = $1 ORDER BY role`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: load roles of %s: %w", userID, err)
	}
	defer rows.Close()
	roles := []string{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	slices.Sort(roles) // byte order, whatever the database's collation
	return roles, rows.Err()
}

// rolePermissions returns the permissions a role grants; the admin role's
// are every registered permission.
func (s *DBService) rolePermissions(ctx context.Context, role string) ([]authz.Permission, error) {
	if role == RoleAdmin {
		var out []authz.Permission
		for _, d := range authz.Definitions() {
			out = append(out, d.Name)
		}
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT permission FROM identity_role_permission WHERE role = $1 ORDER BY permission`, role)
	if err != nil {
		return nil, fmt.Errorf("identity: load permissions of role %s: %w", role, err)
	}
	defer rows.Close()
	out := []authz.Permission{}
	for rows.Next() {
		var perm string
		if err := rows.Scan(&perm); err != nil {
			return nil, err
		}
		out = append(out, authz.Permission(perm))
	}
	slices.Sort(out) // byte order, whatever the database's collation
	return out, rows.Err()
}

// canManage reports whether actor may change the target user: it must hold
// every permission the target holds, so no one can take over an account more
// powerful than their own.
func (s *DBService) canManage(ctx context.Context, actor *authz.Principal, targetID string) error {
	if actor.System {
		return nil
	}
	target, err := s.loadPrincipal(ctx, targetID)
	if errors.Is(err, errInactive) {
		// A disabled user still holds roles; judge by those.
		roles, err := s.userRoles(ctx, targetID)
		if err != nil {
			return err
		}
		target = &authz.Principal{Roles: roles, Perms: map[authz.Permission]bool{}}
		for _, r := range roles {
			perms, err := s.rolePermissions(ctx, r)
			if err != nil {
				return err
			}
			for _, perm := range perms {
				target.Perms[perm] = true
			}
		}
	} else if err != nil {
		return err
	}
	for perm := range target.Perms {
		if !actor.Can(perm) {
			return ErrForbidden
		}
	}
	return nil
}
