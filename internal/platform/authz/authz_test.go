package authz_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/authz"
)

func TestSystemPrincipal(t *testing.T) {
	s := authz.System()
	if !s.Can("anything.at.all") || s.Scope("erp.item") != authz.ScopeCompany || s.Login != authz.SystemLogin {
		t.Fatalf("system principal = %+v", s)
	}
	var anon *authz.Principal
	if anon.Can(authz.Authenticated) || !anon.Can(authz.Public) || anon.Scope("erp.item") != authz.ScopeNone {
		t.Fatal("anonymous principal")
	}
}

func TestScopeOnAllKinds(t *testing.T) {
	p := &authz.Principal{Scopes: map[string]authz.Scope{
		authz.AllKinds: authz.ScopeTeam,
		"crm.lead":     authz.ScopeOwn,
		"erp.item":     authz.ScopeCompany,
	}}
	cases := map[string]authz.Scope{
		"crm.lead":  authz.ScopeTeam, // the wider grant wins
		"erp.item":  authz.ScopeCompany,
		"crm.quote": authz.ScopeTeam,
	}
	for kind, want := range cases {
		if got := p.Scope(kind); got != want {
			t.Errorf("Scope(%s) = %q, want %q", kind, got, want)
		}
	}
	if (&authz.Principal{}).Scope("crm.lead") != authz.ScopeNone {
		t.Fatal("no grant must mean no scope")
	}
}
