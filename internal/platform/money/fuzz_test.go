package money_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

var fuzzSeeds = []string{
	"0", "-0", "12.30", "-12.5", "0.01", "0.001", "0.000001", "0.0000001", "1.230000000",
	"007", "92233720368547758.07", "92233720368547758.08", "-92233720368547758.08",
	"9223372036854.775807", "-9223372036854.775808", "100000000000000000000",
	"", " ", "-", ".5", "5.", "+1", "1e3", "1,000.00", "1_000", "NaN", "Inf", "１２", "−1", "0x1p3",
}

// checkParse is the fuzz property shared by every type: parsing never panics,
// agrees with the big.Rat oracle, and String gives text that parses back to
// the same value and is its own canonical form.
func checkParse(t *testing.T, typ numType, s string) {
	u, err := typ.parse(s)
	wantUnits, wantKind := oracleParse(s, typ.scale)
	if err != nil {
		pe, ok := err.(*money.ParseError)
		if !ok {
			t.Fatalf("parse %s %q: error %v is not a *ParseError", typ.name, s, err)
		}
		if pe.Kind != wantKind || pe.Type != typ.name || pe.Scale != typ.scale {
			t.Fatalf("parse %s %q: %+v, oracle kind %q", typ.name, s, pe, wantKind)
		}
		if u != 0 {
			t.Fatalf("parse %s %q failed but returned %d units", typ.name, s, u)
		}
		return
	}
	if wantKind != "" || u != wantUnits {
		t.Fatalf("parse %s %q = %d, oracle %d (%q)", typ.name, s, u, wantUnits, wantKind)
	}
	text := typ.format(u)
	back, err := typ.parse(text)
	if err != nil || back != u {
		t.Fatalf("parse %s %q = %d formats as %q, which parses to %d, %v", typ.name, s, u, text, back, err)
	}
	if again := typ.format(back); again != text {
		t.Fatalf("%s %q formats as %q, then as %q", typ.name, s, text, again)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParse(t, numTypes[0], s)
	})
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParse(t, numTypes[1], s)
	})
}
