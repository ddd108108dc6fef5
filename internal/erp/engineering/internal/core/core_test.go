package core

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

func TestGrossIsExact(t *testing.T) {
	for _, c := range []struct{ qty, line, base, scrap, want string }{
		{"10", "1", "1", "0.02", "10.2"},
		{"10.2", "4.35", "1", "0.03", "45.7011"},
		{"1.0506", "2.125", "1", "0.01", "2.25485"}, // 2.25485025 rounds half up
		{"10", "200", "100", "0.05", "21"},
		{"1", "1", "3", "0", "0.333333"},
		{"2", "1", "3", "0", "0.666667"},
		{"0.1", "0.2", "1", "0", "0.02"},
	} {
		got, err := Gross(money.MustQuantity(c.qty), money.MustQuantity(c.line), money.MustQuantity(c.base), money.MustRate(c.scrap))
		if err != nil || got.String() != c.want {
			t.Errorf("Gross(%s, %s, %s, %s) = %s, %v; want %s", c.qty, c.line, c.base, c.scrap, got, err, c.want)
		}
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]string{"2": "0.02", "2%": "0.02", "0.03": "0.03", "12.5": "0.125", "0.5%": "0.005", "0": "0"} {
		got, err := ParsePercent(in)
		if err != nil || got.String() != want {
			t.Errorf("ParsePercent(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParsePercent("abc"); err == nil {
		t.Error("abc is a percentage")
	}
}

func TestGraphReaches(t *testing.T) {
	g := Graph{"fg": {"sf", "bolt"}, "sf": {"ingot", "kit"}, "kit": {"insert"}}
	if !g.Reaches("fg", "insert") || !g.Reaches("sf", "sf") || g.Reaches("sf", "fg") || g.Reaches("bolt", "fg") {
		t.Fatal("reachability is wrong")
	}
	// A cycle in the data does not loop forever.
	g["insert"] = []string{"kit"}
	if g.Reaches("kit", "fg") {
		t.Fatal("found fg below kit")
	}
}

func TestFitsUnit(t *testing.T) {
	if !FitsUnit(money.MustQuantity("4"), 0) || FitsUnit(money.MustQuantity("4.5"), 0) ||
		!FitsUnit(money.MustQuantity("4.125"), 3) || FitsUnit(money.MustQuantity("4.1255"), 3) || !FitsUnit(money.MustQuantity("0.000001"), 6) {
		t.Fatal("unit decimals are wrong")
	}
}
