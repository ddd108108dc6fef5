package analytics_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/analytics"
	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestReportAndForecast(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		itemID := "0196b2c4-5f1e-7a3b-9c0d-0000000000a1"
		e.EmitERP(catalog.EventItemUpserted, itemID, map[string]any{"id": itemID, "code": "FG-GBH-001", "name": "变速箱壳体", "vat_rate": "0.13",
			"list_price": "268", "floor_price": "240", "currency": "CNY", "lead_time_days": 15, "sellable": true, "status": "active"})
		e.WaitEvents()
		cs := e.Service(customer.ServiceName).(customer.Service)
		deals := e.Service(pipeline.ServiceName).(pipeline.Service)
		s := e.Service(analytics.ServiceName).(analytics.Service)
		pipe, err := deals.DefaultPipeline(crmtest.System())
		if err != nil {
			t.Fatal(err)
		}
		var open []pipeline.Stage
		for _, st := range pipe.Stages {
			if st.Kind == pipeline.StageOpen {
				open = append(open, st)
			}
		}
		mk := func(p *authz.Principal, name string, amount string, stage int, lines bool) *pipeline.Opportunity {
			t.Helper()
			ctx := crmtest.Ctx(p)
			acc, err := cs.Create(ctx, customer.AccountInput{Name: name + "客户"})
			if err != nil {
				t.Fatal(err)
			}
			in := pipeline.OpportunityInput{Name: name, AccountID: acc.ID, StageID: open[0].ID, CloseDate: "2099-03-15"}
			if lines {
				in.Lines = []pipeline.LineInput{{ItemID: itemID, Quantity: money.MustQuantity("1000")}}
			} else {
				in.Amount = money.MustAmount(amount)
			}
			o, err := deals.Create(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= stage; i++ {
				if o, err = deals.Move(ctx, o.ID, open[i].ID, 0); err != nil {
					t.Fatal(err)
				}
			}
			return o
		}
		// li.lei: one deal at the third stage with 1,000 housings; one won,
		// one lost. zhao.min: one deal at the first stage. he.jun (south): one.
		a := mk(crmtest.RepA, "甲项目", "", 2, true)
		won := mk(crmtest.RepA, "乙项目", "50000", 1, false)
		if _, err := deals.Win(crmtest.Ctx(crmtest.RepA), won.ID, ""); err != nil {
			t.Fatal(err)
		}
		lost := mk(crmtest.RepA, "丙项目", "30000", 0, false)
		if _, err := deals.Lose(crmtest.Ctx(crmtest.RepA), lost.ID, "价格"); err != nil {
			t.Fatal(err)
		}
		mk(crmtest.RepB, "丁项目", "100000", 0, false)
		mk(crmtest.RepC, "戊项目", "80000", 0, false)

		r, err := s.Report(crmtest.Ctx(crmtest.RepA), analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Created != 3 || r.Won != 1 || r.Closed != 2 || r.ClosedWon != 1 || r.WinRate.String() != "0.5" {
			t.Fatalf("rep's report: created %d won %d closed %d/%d rate %s", r.Created, r.Won, r.Closed, r.ClosedWon, r.WinRate)
		}
		// Reached: all three the first stage, two the second (a, won), two the third (a, won).
		if r.Funnel[0].Reached != 3 || r.Funnel[1].Reached != 2 || r.Funnel[2].Reached != 2 || r.Funnel[0].Conversion.String() != "0.666667" {
			t.Fatalf("funnel %+v", r.Funnel)
		}
		if len(r.ByOwner) != 1 || r.ByOwner[0].Deals != 1 || r.ByOwner[0].Name != "李雷" || len(r.Month) != 1 || r.Month[0].Amount.String() != "50000.00" {
			t.Fatalf("by owner %+v, month %+v", r.ByOwner, r.Month)
		}
		// The manager sees the team (li.lei and zhao.min), the admin everyone.
		if r, _ := s.Report(crmtest.Ctx(crmtest.Manager), analytics.Filter{}); r.Created != 4 || len(r.ByOwner) != 2 {
			t.Fatalf("manager's report: %d created, %d owners", r.Created, len(r.ByOwner))
		}
		if r, _ := s.Report(crmtest.Ctx(crmtest.Admin), analytics.Filter{}); r.Created != 5 || len(r.ByOwner) != 3 {
			t.Fatalf("admin's report: %d created, %d owners", r.Created, len(r.ByOwner))
		}
		// Bad filters are named.
		_, err = s.Report(crmtest.Ctx(crmtest.RepA), analytics.Filter{From: "2026-05-01", To: "2026-04-01", Currency: "XYZ"})
		if e, ok := apperr.As(err); !ok || len(e.Fields) != 2 || e.Fields[0].Field != "to" || e.Fields[1].Field != "currency" {
			t.Fatalf("bad filter: %v", err)
		}
		if _, err := s.Report(crmtest.Ctx(crmtest.Clerk), analytics.Filter{}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Fatalf("clerk: %v", err)
		}

		// The forecast: 1,000 housings at the third stage's probability.
		f, err := s.Forecast(crmtest.Ctx(crmtest.RepA), "")
		if err != nil {
			t.Fatal(err)
		}
		prob := open[2].Probability
		wantQty := money.MustQuantity("1000")
		if len(f.Lines) != 1 || f.Lines[0].Month != "2099-03" || f.Lines[0].ItemID != itemID ||
			f.Lines[0].Quantity.Cmp(mustMul(t, wantQty, prob)) != 0 || f.Lines[0].WeightedAmount.Sign() <= 0 {
			t.Fatalf("rep's forecast %+v (probability %s)", f.Lines, prob)
		}
		_ = a
		if _, err := s.Publish(crmtest.Ctx(crmtest.RepA), ""); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Fatalf("a rep publishes: %v", err)
		}
		pub, err := s.Publish(crmtest.Ctx(crmtest.Manager), "")
		if err != nil {
			t.Fatal(err)
		}
		// The published forecast is the company's: it holds the south's deal too (without products).
		if len(pub.Lines) != 2 {
			t.Fatalf("published %+v", pub.Lines)
		}
		evs := e.Events(analytics.EventForecastPublished)
		var d analytics.PublishedData
		if len(evs) != 1 || json.Unmarshal(evs[0].Data, &d) != nil || len(d.Lines) != 1 || d.Lines[0].ItemID != itemID || d.Lines[0].Month != "2099-03" {
			t.Fatalf("event %+v", d)
		}
		if e.Audited("crm.forecast.published") != 1 {
			t.Fatal("publishing is not audited")
		}
		last, err := s.Published(crmtest.Ctx(crmtest.RepA))
		if err != nil || last == nil || last.ID != pub.ID || last.PublishedBy != "王芳" || time.Since(last.PublishedAt) > time.Hour {
			t.Fatalf("last published %+v %v", last, err)
		}

		// The pages and the API.
		r2 := e.Do(crmtest.RepA, "GET", "/crm/analytics", "")
		if r2.Status != 200 || !strings.Contains(r2.Body, `data-chart=`) || !strings.Contains(r2.Body, "/crm/opportunities?stage="+open[0].ID) {
			t.Fatalf("analytics page: %d", r2.Status)
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/analytics?from=2026-05-01&to=2026-04-01", ""); r.Status != 422 || !strings.Contains(r.Body, `data-field-error="to"`) {
			t.Fatalf("bad period page: %d", r.Status)
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/forecast", ""); r.Status != 200 || !strings.Contains(r.Body, "FG-GBH-001") || strings.Contains(r.Body, `data-action="publish"`) {
			t.Fatalf("forecast page: %d", r.Status)
		}
		if r := e.Do(crmtest.Manager, "POST", "/crm/forecast/publish", "currency=CNY", true); r.Status != 303 || len(e.Events(analytics.EventForecastPublished)) != 2 {
			t.Fatalf("publish from the page: %d", r.Status)
		}
		if r := e.Do(crmtest.RepA, "POST", "/crm/forecast/publish", "currency=CNY", true); r.Status != 403 {
			t.Fatalf("a rep publishes from the page: %d", r.Status)
		}
		if r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/analytics", ""); r.Status != 200 || !strings.Contains(r.Body, `"win_rate":"0.5"`) {
			t.Fatalf("API report: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/forecast?currency=USD", ""); r.Status != 200 || !strings.Contains(r.Body, `"lines":[]`) {
			t.Fatalf("API forecast: %d %s", r.Status, r.Body)
		}
	})
}

func mustMul(t *testing.T, q money.Quantity, r money.Rate) money.Quantity {
	t.Helper()
	d, err := q.Decimal().Mul(r.Decimal())
	if err != nil {
		t.Fatal(err)
	}
	w, err := money.QuantityFromDecimal(d, money.RoundHalfUp)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
