package erpui

import "testing"

func TestCode128Table(t *testing.T) {
	seen := map[string]int{}
	for v, p := range code128 {
		sum := 0
		for _, c := range p {
			sum += int(c - '0')
		}
		if len(p) != 6 || sum != 11 {
			t.Errorf("symbol %d %q: %d elements, %d modules", v, p, len(p), sum)
		}
		if w, dup := seen[p]; dup {
			t.Errorf("symbols %d and %d share %q", w, v, p)
		}
		seen[p] = v
	}
}

func TestCode128(t *testing.T) {
	// "PJJ123C" in set B: start 104, then the values, check symbol 54, stop.
	w, ok := Code128("PJJ123C")
	if !ok {
		t.Fatal("refused")
	}
	// start(6) + 7 characters (6 each) + check (6) + stop (7)
	if len(w) != 6+7*6+6+7 {
		t.Fatalf("%d widths", len(w))
	}
	sum := 104
	for i, r := range "PJJ123C" {
		sum += (i + 1) * (int(r) - 32)
	}
	check := code128[sum%103]
	got := w[6+7*6 : 6+7*6+6]
	for i, c := range check {
		if got[i] != int(c-'0') {
			t.Fatalf("check symbol %v, want %s", got, check)
		}
	}
	if _, ok := Code128("料号"); ok {
		t.Fatal("accepted non-ASCII")
	}
}
