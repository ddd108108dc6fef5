package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestMedianAndGoals(t *testing.T) {
	runs := [][]Metric{
		{{Name: "rps", Value: 10, Goal: ">= 15"}, {Name: "p99", Value: 9, Goal: "<= 10"}},
		{{Name: "rps", Value: 30, Goal: ">= 15"}, {Name: "p99", Value: 12, Goal: "<= 10"}},
		{{Name: "rps", Value: 20, Goal: ">= 15"}, {Name: "p99", Value: 8, Goal: "<= 10"}},
	}
	m := Median(runs)
	if m[0].Value != 20 || m[1].Value != 9 {
		t.Fatalf("medians %+v", m)
	}
	if !m[0].Met() || !m[1].Met() {
		t.Fatal("goals should be met")
	}
	if (Metric{Value: 11, Goal: "<= 10"}).Met() {
		t.Fatal("11 <= 10 reported as met")
	}
	var b bytes.Buffer
	if err := WriteTable(&b, []Report{{Scenario: "x", Metrics: m}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "rps") || !strings.Contains(b.String(), "yes") {
		t.Fatalf("table:\n%s", b.String())
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{19120: "19120", 1000: "1000", 0.5: "0.5", 2.25: "2.25", 3: "3", 0: "0"} {
		if got := format(v); got != want {
			t.Errorf("format(%v) = %q, want %q", v, got, want)
		}
	}
}
