package identity_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func TestSeed(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		roles, err := e.s.ListRoles(sys())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
			if !r.Builtin || r.NameEN == "" || r.NameZH == "" {
				t.Errorf("seeded role %+v lacks a name", r)
			}
		}
		want := slices.Sorted(slices.Values(identity.SeededRoles()))
		if !slices.Equal(names, want) {
			t.Fatalf("roles = %v, want %v", names, want)
		}
		if n := e.count("identity_user"); n != 0 {
			t.Fatalf("seed created %d users", n)
		}
		// Seeding again changes nothing, and keeps a grant an administrator removed.
		if err := e.s.SetRolePermissions(sys(), identity.RoleSalesRep, []authz.Permission{identity.PermTokenOwn}); err != nil {
			t.Fatal(err)
		}
		before := e.snapshot()
		if err := identity.EnsureSeed(context.Background(), e.s); err != nil {
			t.Fatal(err)
		}
		if after := e.snapshot(); !equalCounts(before, after) {
			t.Fatalf("second seed wrote: %v → %v", before, after)
		}
		perms := rolePerms(t, e, identity.RoleSalesRep)
		if !slices.Equal(perms, []authz.Permission{identity.PermTokenOwn}) {
			t.Fatalf("sales_rep permissions after reseed = %v", perms)
		}
		e.verifyAudit()
	})
}

func rolePerms(t *testing.T, e *env, role string) []authz.Permission {
	t.Helper()
	roles, err := e.s.ListRoles(sys())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name == role {
			return r.Permissions
		}
	}
	t.Fatalf("no role %s", role)
	return nil
}

func TestPrincipalFromRoles(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		ctx := context.Background()
		team, err := e.s.CreateTeam(sys(), "East")
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.s.CreateUser(sys(), identity.NewUser{Login: "rep", Name: "Rep", Password: "password-rep",
			TeamID: team.ID, Roles: []string{identity.RoleSalesRep}})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := e.s.Login(ctx, "rep", "password-rep", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		principal := func() *authz.Principal {
			t.Helper()
			p, err := e.s.Authenticate(ctx, sess.Token)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := principal()
		if p.TeamID != team.ID || p.Name != "Rep" || p.Portal {
			t.Fatalf("principal = %+v", p)
		}
		if !p.Can(permWidgetRead) || p.Can(permWidgetWrite) || !p.Can(identity.PermTokenOwn) || p.Can(identity.PermUserManage) {
			t.Fatalf("sales_rep permissions = %v", p.Perms)
		}
		if p.Scope("crm.lead") != authz.ScopeOwn {
			t.Fatalf("sales_rep scope = %q", p.Scope("crm.lead"))
		}

		// A second role widens permissions and scopes; the change shows at once.
		if err := e.s.AssignRoles(sys(), u.ID, []string{identity.RoleSalesRep, identity.RoleSalesManager}); err != nil {
			t.Fatal(err)
		}
		p = principal()
		if !p.Can(permWidgetWrite) || p.Scope("crm.lead") != authz.ScopeTeam {
			t.Fatalf("after a second role: %v %v", p.Perms, p.Scopes)
		}
		// Role changes reach users already logged in, without waiting for the cache.
		if err := e.s.SetRoleScopes(sys(), identity.RoleSalesRep, map[string]authz.Scope{"crm.lead": authz.ScopeCompany, authz.AllKinds: authz.ScopeOwn}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetRolePermissions(sys(), identity.RoleSalesManager, []authz.Permission{identity.PermTokenOwn}); err != nil {
			t.Fatal(err)
		}
		p = principal()
		if p.Scope("crm.lead") != authz.ScopeCompany || p.Scope("crm.quote") != authz.ScopeTeam || p.Can(permWidgetWrite) || !p.Can(permWidgetRead) {
			t.Fatalf("after role changes: %v %v", p.Perms, p.Scopes)
		}
		if err := e.s.AssignRoles(sys(), u.ID, []string{identity.RoleCustomer}); err != nil {
			t.Fatal(err)
		}
		p = principal()
		if !p.Portal || p.Can(permWidgetRead) || !slices.Equal(p.Roles, []string{identity.RoleCustomer}) {
			t.Fatalf("customer principal = %+v", p)
		}
		e.verifyAudit()
	})
}

func TestAdminHoldsEveryPermission(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		admin := e.mustUser("root", identity.RoleAdmin)
		p := e.principal(admin)
		for _, d := range authz.Definitions() {
			if !p.Can(d.Name) {
				t.Errorf("admin lacks %s", d.Name)
			}
		}
		if p.Scope("erp.item") != authz.ScopeCompany {
			t.Fatalf("admin scope = %q", p.Scope("erp.item"))
		}
		// Nothing is stored for the admin role: it is computed.
		var n int
		if err := e.d.QueryRow(context.Background(), `SELECT count(*) FROM identity_role_permission WHERE role = 'admin'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("admin role has %d stored permissions (%v)", n, err)
		}
		// A permission registered later is the admin's too, once the cache expires.
		late := authz.Permission("test.late.permission")
		authz.Register(authz.Definition{Name: late, Module: "test"})
		e.clk.Advance(time.Minute)
		if !e.principal(admin).Can(late) {
			t.Fatal("admin lacks a permission registered later")
		}
		if perms := rolePerms(t, e, identity.RoleAdmin); len(perms) != len(authz.Definitions()) {
			t.Fatalf("admin role lists %d permissions, want %d", len(perms), len(authz.Definitions()))
		}
		wantField(t, e.s.SetRolePermissions(sys(), identity.RoleAdmin, nil), "permissions")
		wantField(t, e.s.SetRoleScopes(sys(), identity.RoleAdmin, nil), "scopes")
	})
}

// TestNoEscalation: managing users does not let anyone reach beyond their own permissions.
func TestNoEscalation(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		if _, err := e.s.CreateRole(sys(), identity.NewRole{Name: "user_admin", NameEN: "User admin", NameZH: "用户管理员"}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetRolePermissions(sys(), "user_admin", []authz.Permission{identity.PermUserManage, identity.PermRoleManage, identity.PermTokenOwn}); err != nil {
			t.Fatal(err)
		}
		root := e.mustUser("root", identity.RoleAdmin)
		mgr := e.as(e.mustUser("mgr", "user_admin"))
		rep := e.mustUser("rep", identity.RoleSalesRep)
		before := e.snapshot()

		wantField(t, e.s.AssignRoles(mgr, rep.ID, []string{identity.RoleAdmin}), "roles")
		_, err := e.s.CreateUser(mgr, identity.NewUser{Login: "x", Name: "X", Roles: []string{identity.RoleAdmin}})
		wantField(t, err, "roles")
		wantErr(t, e.s.SetPassword(mgr, root.ID, "taken over!"), identity.ErrForbidden)
		wantErr(t, e.s.DisableUser(mgr, root.ID), identity.ErrForbidden)
		wantField(t, e.s.SetRolePermissions(mgr, "user_admin", []authz.Permission{identity.PermUserManage, identity.PermRoleManage, identity.PermTokenOwn, identity.PermSettingsManage}), "permissions")
		// The last active administrator stays.
		wantField(t, e.s.DisableUser(sys(), root.ID), "user_id")
		wantField(t, e.s.AssignRoles(sys(), root.ID, nil), "user_id")
		if after := e.snapshot(); !equalCounts(before, after) {
			t.Fatalf("refused changes wrote: %v → %v", before, after)
		}
		// A rep holds a permission the manager lacks, so the manager cannot
		// take over the rep's account either.
		wantErr(t, e.s.SetPassword(mgr, rep.ID, "a fresh password"), identity.ErrForbidden)
		// Within its own permissions the manager may act.
		newbie, err := e.s.CreateUser(mgr, identity.NewUser{Login: "newbie", Name: "Newbie"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.AssignRoles(mgr, newbie.ID, []string{"user_admin"}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetPassword(mgr, newbie.ID, "a fresh password"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPermissionChecks(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		rep := e.mustUser("rep", identity.RoleSalesRep)
		other := e.mustUser("other", identity.RoleSalesRep)
		repCtx := e.as(rep)
		anon := context.Background()
		before := e.snapshot()
		calls := map[string]func(ctx context.Context) error{
			"CreateUser": func(ctx context.Context) error {
				_, err := e.s.CreateUser(ctx, identity.NewUser{Login: "z", Name: "Z"})
				return err
			},
			"GetUser other": func(ctx context.Context) error { _, err := e.s.GetUser(ctx, other.ID); return err },
			"ListUsers":     func(ctx context.Context) error { _, err := e.s.ListUsers(ctx, identity.UserFilter{}); return err },
			"SetPassword":   func(ctx context.Context) error { return e.s.SetPassword(ctx, other.ID, "whatever1") },
			"DisableUser":   func(ctx context.Context) error { return e.s.DisableUser(ctx, other.ID) },
			"EnableUser":    func(ctx context.Context) error { return e.s.EnableUser(ctx, other.ID) },
			"AssignRoles":   func(ctx context.Context) error { return e.s.AssignRoles(ctx, other.ID, nil) },
			"CreateTeam":    func(ctx context.Context) error { _, err := e.s.CreateTeam(ctx, "T"); return err },
			"CreateRole": func(ctx context.Context) error {
				_, err := e.s.CreateRole(ctx, identity.NewRole{Name: "r1", NameEN: "R", NameZH: "R"})
				return err
			},
			"SetRolePermissions": func(ctx context.Context) error { return e.s.SetRolePermissions(ctx, identity.RoleSalesRep, nil) },
			"SetRoleScopes":      func(ctx context.Context) error { return e.s.SetRoleScopes(ctx, identity.RoleSalesRep, nil) },
			"ListRoles":          func(ctx context.Context) error { _, err := e.s.ListRoles(ctx); return err },
			"ListAPITokens other": func(ctx context.Context) error {
				_, err := e.s.ListAPITokens(ctx, other.ID)
				return err
			},
		}
		for name, call := range calls {
			if err := call(anon); !errorsIs(err, identity.ErrUnauthenticated) {
				t.Errorf("%s anonymous: err = %v", name, err)
			}
			if err := call(repCtx); !errorsIs(err, identity.ErrForbidden) {
				t.Errorf("%s as sales_rep: err = %v", name, err)
			}
		}
		if after := e.snapshot(); !equalCounts(before, after) {
			t.Fatalf("refused calls wrote: %v → %v", before, after)
		}
		// Users may read themselves and list their teams.
		if u, err := e.s.GetUser(repCtx, rep.ID); err != nil || u.Login != "rep" {
			t.Fatalf("own user: %v %v", u, err)
		}
		if _, err := e.s.ListTeams(repCtx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListUsers(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		for _, l := range []string{"amy", "Ben", "cat", "dan", "eve_1"} {
			e.mustUser(l, identity.RoleBuyer)
		}
		e.mustUser("王伟", identity.RolePlanner)
		var logins []string
		f := identity.UserFilter{Limit: 2}
		for {
			page, err := e.s.ListUsers(sys(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Users {
				logins = append(logins, u.Login)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if !slices.Equal(logins, []string{"amy", "Ben", "cat", "dan", "eve_1", "王伟"}) {
			t.Fatalf("pages gave %v", logins)
		}
		check := func(f identity.UserFilter, want ...string) {
			t.Helper()
			page, err := e.s.ListUsers(sys(), f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range page.Users {
				got = append(got, u.Login)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%+v gave %v, want %v", f, got, want)
			}
		}
		check(identity.UserFilter{Query: "BEN"}, "Ben")
		check(identity.UserFilter{Query: "e_"}, "eve_1")  // _ is no wildcard
		check(identity.UserFilter{Query: "user 王"}, "王伟") // matches the name
		check(identity.UserFilter{Role: identity.RolePlanner}, "王伟")
		u := e.mustUser("zed")
		if err := e.s.DisableUser(sys(), u.ID); err != nil {
			t.Fatal(err)
		}
		check(identity.UserFilter{Status: identity.StatusDisabled}, "zed")
		_, err := e.s.ListUsers(sys(), identity.UserFilter{Limit: 501})
		wantField(t, err, "limit")
		_, err = e.s.ListUsers(sys(), identity.UserFilter{Status: "gone"})
		wantField(t, err, "status")
	})
}
