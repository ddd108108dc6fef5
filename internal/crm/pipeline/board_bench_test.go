package pipeline_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// BenchmarkBoard500 renders the pipeline board page of a manager whose team
// has 500 open opportunities (goal: 100 ms; see docs/benchmarks.md).
//
//	go test -run '^$' -bench Board500 ./internal/crm/pipeline/
func BenchmarkBoard500(b *testing.B) {
	e := crmtest.Start(b, loomtest.Config(b, db.SQLite))
	cs := e.Service(customer.ServiceName).(customer.Service)
	ps := e.Service(pipeline.ServiceName).(pipeline.Service)
	pipe, err := ps.DefaultPipeline(crmtest.Ctx(crmtest.Manager))
	if err != nil {
		b.Fatal(err)
	}
	var open []pipeline.Stage
	for _, s := range pipe.Stages {
		if s.Kind == pipeline.StageOpen {
			open = append(open, s)
		}
	}
	err = e.CRM.InTx(crmtest.Ctx(crmtest.Manager), func(ctx context.Context) error {
		for i := range 50 {
			rep := crmtest.RepA
			if i%2 == 1 {
				rep = crmtest.RepB
			}
			acc, err := cs.Create(ctx, customer.AccountInput{Name: fmt.Sprintf("客户 %03d", i), OwnerID: rep.UserID})
			if err != nil {
				return err
			}
			for j := range 10 {
				_, err := ps.Create(ctx, pipeline.OpportunityInput{Name: fmt.Sprintf("商机 %03d-%d", i, j), AccountID: acc.ID, OwnerID: rep.UserID,
					StageID: open[(i+j)%len(open)].ID, Amount: money.MustAmount(fmt.Sprintf("%d", 10000+i*j)), CloseDate: fmt.Sprintf("2026-%02d-15", 1+j)})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r := e.Do(crmtest.Manager, "GET", "/crm/pipeline", "")
		if r.Status != 200 {
			b.Fatalf("board: %d", r.Status)
		}
	}
	b.ReportMetric(500, "open_deals")
}
