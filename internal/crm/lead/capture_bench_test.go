package lead_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// BenchmarkCapture captures leads through the service as the API does
// (routed by a region rule, numbered, audited, the owner told), from
// parallel goroutines, on SQLite: the cost of one capture.
func BenchmarkCapture(b *testing.B) {
	benchCapture(b, crmtest.Start(b, loomtest.Config(b, db.SQLite)))
}

func benchCapture(b *testing.B, e *crmtest.Env) {
	s := svc(e)
	mgr := crmtest.Ctx(crmtest.Manager)
	if _, err := s.SaveRule(mgr, lead.Rule{Seq: 1, Name: "华东", Kind: lead.RuleRegion, Match: "浙江, 江苏", Members: []string{crmtest.RepA.UserID, crmtest.RepB.UserID}, Active: true}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4)
	cpu := func() time.Duration {
		var u syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
			b.Fatal(err)
		}
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	before := cpu()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := s.Create(mgr, lead.Input{Company: fmt.Sprintf("压测线索公司 %d", i), ContactName: "王工", Mobile: fmt.Sprintf("139%08d", i), Region: "浙江", Source: "api"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	// CPU time of the whole process per capture (every goroutine: callers,
	// the writer, the outbox relay), less sensitive to a busy machine than
	// the wall time per capture.
	b.ReportMetric(float64(cpu()-before)/float64(b.N)/1e3, "cpu-µs/op")
}
