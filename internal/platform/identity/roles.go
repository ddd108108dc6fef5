package identity

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// CreateRole adds a role with no permissions and no scopes; it needs PermRoleManage.
func (s *DBService) CreateRole(ctx context.Context, in NewRole) (*Role, error) {
	if _, err := require(ctx, PermRoleManage); err != nil {
		return nil, err
	}
	in.NameEN, in.NameZH = strings.TrimSpace(in.NameEN), strings.TrimSpace(in.NameZH)
	var p problems
	if in.Name == "" {
		p.add(invalid("name", keyRequired))
	} else if !roleName.MatchString(in.Name) {
		p.add(invalid("name", keyRoleInvalid))
	}
	checkText(&p, "name_en", in.NameEN, true, maxNameLen)
	checkText(&p, "name_zh", in.NameZH, true, maxNameLen)
	if err := p.err(); err != nil {
		return nil, err
	}
	r := &Role{Name: in.Name, NameEN: in.NameEN, NameZH: in.NameZH,
		Permissions: []authz.Permission{}, Scopes: map[string]authz.Scope{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		_, err := s.db.Exec(ctx, `INSERT INTO identity_role (name, name_en, name_zh, builtin, created_at, updated_at)
			VALUES ($1, $2, $3, 0, $4, $4)`, r.Name, r.NameEN, r.NameZH, now)
		if db.IsUniqueViolation(err) {
			return fieldErr(CodeConflict, "name", keyRoleTaken)
		}
		if err != nil {
			return fmt.Errorf("identity: create role %s: %w", r.Name, err)
		}
		return s.record(ctx, "identity.role.created", kindRole, r.Name, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetRolePermissions replaces a role's permissions; it needs PermRoleManage
// and every permission granted or taken away. The admin role cannot be
// changed: it always holds every registered permission.
func (s *DBService) SetRolePermissions(ctx context.Context, role string, perms []authz.Permission) error {
	actor, err := require(ctx, PermRoleManage)
	if err != nil {
		return err
	}
	if role == RoleAdmin {
		return invalid("permissions", keyAdminFixed)
	}
	perms = sortedSet(perms)
	for _, perm := range perms {
		if !grantable(perm) {
			return invalid("permissions", keyPermUnknown)
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.mustRole(ctx, role); err != nil {
			return err
		}
		before, err := s.rolePermissions(ctx, role)
		if err != nil {
			return err
		}
		changed := symmetricDiff(before, perms)
		if len(changed) == 0 {
			return nil
		}
		if !holdsAll(actor, changed) {
			return fieldErr(CodeForbidden, "permissions", keyGrantExceedsOwn)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM identity_role_permission WHERE role = $1`, role); err != nil {
			return fmt.Errorf("identity: set permissions of %s: %w", role, err)
		}
		for _, perm := range perms {
			if _, err := s.db.Exec(ctx, `INSERT INTO identity_role_permission (role, permission) VALUES ($1, $2)`,
				role, string(perm)); err != nil {
				return fmt.Errorf("identity: grant %s to %s: %w", perm, role, err)
			}
		}
		if err := s.touchRole(ctx, role); err != nil {
			return err
		}
		s.db.AfterCommit(ctx, s.cache.dropAll)
		return s.record(ctx, "identity.role.permissions_set", kindRole, role,
			map[string]any{"permissions": before}, map[string]any{"permissions": perms})
	})
}

// SetRoleScopes replaces a role's data scopes (resource kind, or
// authz.AllKinds, to scope); it needs PermRoleManage. The admin role's scope
// is fixed at company on every kind.
func (s *DBService) SetRoleScopes(ctx context.Context, role string, scopes map[string]authz.Scope) error {
	if _, err := require(ctx, PermRoleManage); err != nil {
		return err
	}
	if role == RoleAdmin {
		return invalid("scopes", keyAdminFixed)
	}
	for kind, sc := range scopes {
		if (kind != authz.AllKinds && !kindName.MatchString(kind)) ||
			(sc != authz.ScopeOwn && sc != authz.ScopeTeam && sc != authz.ScopeCompany) {
			return invalid("scopes", keyScopeInvalid)
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.mustRole(ctx, role); err != nil {
			return err
		}
		before, err := s.roleScopes(ctx, role)
		if err != nil {
			return err
		}
		if maps.Equal(before, scopes) {
			return nil
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM identity_role_scope WHERE role = $1`, role); err != nil {
			return fmt.Errorf("identity: set scopes of %s: %w", role, err)
		}
		for _, kind := range sortedKeys(scopes) {
			if _, err := s.db.Exec(ctx, `INSERT INTO identity_role_scope (role, kind, scope) VALUES ($1, $2, $3)`,
				role, kind, string(scopes[kind])); err != nil {
				return fmt.Errorf("identity: set scope %s of %s: %w", kind, role, err)
			}
		}
		if err := s.touchRole(ctx, role); err != nil {
			return err
		}
		s.db.AfterCommit(ctx, s.cache.dropAll)
		return s.record(ctx, "identity.role.scopes_set", kindRole, role,
			map[string]any{"scopes": before}, map[string]any{"scopes": scopes})
	})
}

func (s *DBService) mustRole(ctx context.Context, role string) error {
	ok, err := s.roleExists(ctx, role)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRoleNotFound
	}
	return nil
}

func (s *DBService) touchRole(ctx context.Context, role string) error {
	_, err := s.db.Exec(ctx, `UPDATE identity_role SET updated_at = $1 WHERE name = $2`, db.Millis(s.now()), role)
	return err
}

func (s *DBService) roleScopes(ctx context.Context, role string) (map[string]authz.Scope, error) {
	out := map[string]authz.Scope{}
	if role == RoleAdmin {
		out[authz.AllKinds] = authz.ScopeCompany
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT kind, scope FROM identity_role_scope WHERE role = $1`, role)
	if err != nil {
		return nil, fmt.Errorf("identity: read scopes of %s: %w", role, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, scope string
		if err := rows.Scan(&kind, &scope); err != nil {
			return nil, err
		}
		out[kind] = authz.Scope(scope)
	}
	return out, rows.Err()
}

// ListRoles returns every role by name with its permissions and scopes; it
// needs PermRoleManage or PermUserManage.
func (s *DBService) ListRoles(ctx context.Context) ([]Role, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, ErrUnauthenticated
	}
	if !p.Can(PermRoleManage) && !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	var out []Role
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		out = []Role{}
		rows, err := s.db.Query(ctx, `SELECT name, name_en, name_zh, builtin FROM identity_role ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r       Role
				builtin int
			)
			if err := rows.Scan(&r.Name, &r.NameEN, &r.NameZH, &builtin); err != nil {
				return err
			}
			r.Builtin = builtin == 1
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			if out[i].Permissions, err = s.rolePermissions(ctx, out[i].Name); err != nil {
				return err
			}
			if out[i].Scopes, err = s.roleScopes(ctx, out[i].Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list roles: %w", err)
	}
	return out, nil
}
