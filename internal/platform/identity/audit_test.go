package identity_test

import (
	"context"
	"slices"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// TestEveryChangeIsAudited makes one change of each kind and reads the audit
// log back: one record each, with the right actor, in one unbroken chain.
func TestEveryChangeIsAudited(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		ctx := context.Background()
		seeded := len(e.actions())
		sysCtx := sys()
		team, err := e.s.CreateTeam(sysCtx, "Line 1")
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.s.CreateUser(sysCtx, identity.NewUser{Login: "alice", Name: "Alice", Password: "password-alice", TeamID: team.ID})
		if err != nil {
			t.Fatal(err)
		}
		steps := []func() error{
			func() error { return e.s.AssignRoles(sysCtx, u.ID, []string{identity.RolePlanner}) },
			func() error { return e.s.SetPassword(sysCtx, u.ID, "password-alice") },
			func() error {
				_, err := e.s.CreateRole(sysCtx, identity.NewRole{Name: "viewer", NameEN: "Viewer", NameZH: "查看者"})
				return err
			},
			func() error { return e.s.SetRolePermissions(sysCtx, "viewer", []authz.Permission{permWidgetRead}) },
			func() error {
				return e.s.SetRoleScopes(sysCtx, "viewer", map[string]authz.Scope{"erp.item": authz.ScopeTeam})
			},
			func() error { return e.s.DisableUser(sysCtx, u.ID) },
			func() error { return e.s.EnableUser(sysCtx, u.ID) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		sess, err := e.s.Login(ctx, "alice", "password-alice", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.s.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.s.CreateAPIToken(authz.WithPrincipal(ctx, p), identity.NewAPIToken{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.RevokeAPIToken(authz.WithPrincipal(ctx, p), tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"identity.team.created", "identity.user.created", "identity.user.roles_assigned",
			"identity.user.password_set", "identity.role.created", "identity.role.permissions_set",
			"identity.role.scopes_set", "identity.user.disabled", "identity.user.enabled",
			"identity.session.created", "identity.api_token.created", "identity.api_token.revoked",
			"identity.session.ended",
		}
		if got := e.actions()[seeded:]; !slices.Equal(got, want) {
			t.Fatalf("actions = %v\nwant      %v", got, want)
		}
		page, err := audit.Search(ctx, e.d, audit.Filter{Actor: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		var mine []string
		for _, r := range page.Rows {
			mine = append(mine, r.Action)
			if r.ActorID != u.ID {
				t.Errorf("row %d actor %q, want alice's id", r.Seq, r.ActorID)
			}
		}
		if !slices.Equal(mine, []string{"identity.session.ended", "identity.api_token.revoked", "identity.api_token.created", "identity.session.created"}) {
			t.Fatalf("alice's actions = %v", mine)
		}
		page, err = audit.Search(ctx, e.d, audit.Filter{EntityKind: "identity.user", EntityID: u.ID, Action: "identity.user.roles_assigned"})
		if err != nil || len(page.Rows) != 1 {
			t.Fatalf("roles record: %+v %v", page, err)
		}
		r := page.Rows[0]
		if string(r.Before) != `{"roles":[]}` || string(r.After) != `{"roles":["planner"]}` || r.ActorLogin != authz.SystemLogin {
			t.Fatalf("roles record = %s → %s by %s", r.Before, r.After, r.ActorLogin)
		}
		e.verifyAudit()
	})
}
