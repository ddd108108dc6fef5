package access

import (
	"testing"

	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "021-50801234": "021****1234", "12345": "***45", "1": "*", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"li.lei@example.com": "l***@example.com", "王@例子.中国": "王***@例子.中国", "nobody": "****dy"} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScopeFallback(t *testing.T) {
	rep := &authz.Principal{UserID: "u1", TeamID: "t1", Roles: []string{identity.RoleSalesRep}}
	mgr := &authz.Principal{UserID: "u2", TeamID: "t1", Roles: []string{identity.RoleSalesManager}}
	lone := &authz.Principal{UserID: "u3", Roles: []string{identity.RoleSalesManager}}
	admin := &authz.Principal{UserID: "u4", Roles: []string{identity.RoleAdmin}}
	granted := &authz.Principal{UserID: "u5", Roles: []string{identity.RoleSalesRep}, Scopes: map[string]authz.Scope{"crm.account": authz.ScopeCompany}}
	for _, c := range []struct {
		p    *authz.Principal
		want authz.Scope
	}{{rep, authz.ScopeOwn}, {mgr, authz.ScopeTeam}, {lone, authz.ScopeOwn}, {admin, authz.ScopeCompany}, {granted, authz.ScopeCompany}, {authz.System(), authz.ScopeCompany}, {nil, authz.ScopeNone}} {
		if got := Scope(c.p, "crm.account"); got != c.want {
			t.Errorf("Scope(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
	var a listq.Args
	if got := Filter(nil, "crm.account", "owner_id", &a); got != "1 = 0" {
		t.Errorf("anonymous filter = %q", got)
	}
}

func TestContactRules(t *testing.T) {
	RegisterContactRules("crm.test", "crm.test.unmask")
	owner := &authz.Principal{UserID: "u1", TeamID: "t1", Roles: []string{identity.RoleSalesRep}}
	manager := &authz.Principal{UserID: "u2", TeamID: "t1", Roles: []string{identity.RoleSalesManager}, Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeTeam}}
	admin := &authz.Principal{UserID: "u3", Roles: []string{identity.RoleAdmin}, Perms: map[authz.Permission]bool{"crm.test.unmask": true}}
	for _, c := range []struct {
		p    *authz.Principal
		want authz.FieldAction
	}{{owner, authz.FieldShow}, {manager, authz.FieldMask}, {admin, authz.FieldShow}, {authz.System(), authz.FieldShow}, {nil, authz.FieldHide}} {
		for _, f := range ContactFields {
			if got := authz.FieldAccess(c.p, "crm.test", f, authz.Owner{UserID: "u1", TeamID: "t1"}); got != c.want {
				t.Errorf("%v sees %s as %v, want %v", c.p, f, got, c.want)
			}
		}
	}
	if SeesContact(manager, "crm.test", "u1") || !SeesContact(owner, "crm.test", "u1") {
		t.Error("SeesContact does not follow the rule")
	}
	if got := authz.Apply(manager, "crm.test", "mobile", authz.Owner{UserID: "u1"}, "13812345678"); got != "138****5678" {
		t.Errorf("masked %q", got)
	}
}
