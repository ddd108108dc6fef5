package authz_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/authz"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":          "138****5678",
		"zhang.san@example.cn": "z***@example.cn",
		"0571-8888":            "057**8888",
		"12345":                "*****",
		"":                     "",
		"王小明@公司.cn":            "王***@公司.cn",
	} {
		if got := authz.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldRules(t *testing.T) {
	const kind = "test.account"
	authz.RegisterFieldRule(kind, "mobile", authz.OwnerOrMask(kind))
	authz.Register(authz.Definition{Name: "test.cost.read", Module: "test"})
	authz.RegisterFieldRule(kind, "cost", authz.HiddenUnless("test.cost.read"))

	owner := authz.Owner{UserID: "u1", TeamID: "t1"}
	rep := &authz.Principal{UserID: "u1", TeamID: "t1", Scopes: map[string]authz.Scope{kind: authz.ScopeOwn}}
	otherRep := &authz.Principal{UserID: "u2", TeamID: "t1", Scopes: map[string]authz.Scope{kind: authz.ScopeOwn}}
	manager := &authz.Principal{UserID: "m1", TeamID: "t1", Scopes: map[string]authz.Scope{kind: authz.ScopeTeam}}
	otherManager := &authz.Principal{UserID: "m2", TeamID: "t2", Scopes: map[string]authz.Scope{kind: authz.ScopeTeam}}
	admin := &authz.Principal{UserID: "a", Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeCompany}, Perms: map[authz.Permission]bool{"test.cost.read": true}}

	cases := []struct {
		p     *authz.Principal
		field string
		want  string
	}{
		{rep, "mobile", "13812345678"},
		{otherRep, "mobile", "138****5678"},
		{manager, "mobile", "13812345678"},
		{otherManager, "mobile", "138****5678"},
		{admin, "mobile", "13812345678"},
		{authz.System(), "mobile", "13812345678"},
		{nil, "mobile", ""},
		{rep, "cost", ""},
		{admin, "cost", "13812345678"},
		{rep, "name", "13812345678"},
	}
	for i, c := range cases {
		if got := authz.Apply(c.p, kind, c.field, owner, "13812345678"); got != c.want {
			t.Errorf("case %d (%s): got %q, want %q", i, c.field, got, c.want)
		}
	}
}
