package module

import (
	"slices"
	"testing"
)

func TestDemoOrder(t *testing.T) {
	names := func(ms []Module) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Unit+"/"+m.Name)
		}
		return out
	}
	mods := []Module{
		{Unit: "crm", Name: "customer"},
		{Unit: "crm", Name: "crm_demo", DemoAfter: []string{"erp/catalog", "erp/inventory", "erp/partner", "mes/absent"}},
		{Unit: "erp", Name: "catalog"},
		{Unit: "erp", Name: "partner"},
		{Unit: "erp", Name: "inventory"},
		{Unit: "erp", Name: "sales", DemoAfter: []string{"crm/crm_demo"}},
		{Unit: "erp", Name: "finance", DemoAfter: []string{"erp/sales"}},
	}
	got := names(DemoOrder(mods))
	want := []string{"crm/customer", "erp/catalog", "erp/partner", "erp/inventory", "crm/crm_demo", "erp/sales", "erp/finance"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	// A cycle keeps every module, in the listed order where it must.
	cyc := []Module{{Unit: "a", Name: "x", DemoAfter: []string{"a/y"}}, {Unit: "a", Name: "y", DemoAfter: []string{"a/x"}}}
	if got := names(DemoOrder(cyc)); !slices.Equal(got, []string{"a/x", "a/y"}) {
		t.Fatalf("cycle order %v", got)
	}
}
