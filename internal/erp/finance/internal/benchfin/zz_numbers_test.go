package benchfin_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/finance/internal/benchfin"
)

func TestZZNumbers(t *testing.T) {
	name := os.Getenv("SCEN")
	if name == "" {
		t.Skip()
	}
	benchfin.Register()
	s, _ := bench.Lookup(name)
	scale, _ := strconv.Atoi(os.Getenv("SCALE"))
	r, err := bench.Run(context.Background(), s, bench.Options{Runs: 3, Duration: 3 * time.Second, Scale: scale, DB: os.Getenv("BDB"), Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	bench.WriteTable(os.Stderr, []bench.Report{r})
}
