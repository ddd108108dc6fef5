package pipeline_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func fields(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

type fixture struct {
	e    *crmtest.Env
	svc  pipeline.Service
	acc  map[*authz.Principal]*customer.Account
	pipe *pipeline.Pipeline
}

const itemID = "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d"

func setup(t *testing.T, cfg db.Config) *fixture {
	e := crmtest.Start(t, cfg)
	f := &fixture{e: e, svc: e.Service(pipeline.ServiceName).(pipeline.Service), acc: map[*authz.Principal]*customer.Account{}}
	cs := e.Service(customer.ServiceName).(customer.Service)
	for _, p := range []*authz.Principal{crmtest.RepA, crmtest.RepB, crmtest.RepC} {
		a, err := cs.Create(crmtest.Ctx(p), customer.AccountInput{Name: "客户 " + p.Login})
		if err != nil {
			t.Fatal(err)
		}
		f.acc[p] = a
	}
	e.EmitERP(catalog.EventItemUpserted, itemID, map[string]any{"id": itemID, "code": "FG-GBH-001", "name": "变速箱壳体", "vat_rate": "0.13",
		"list_price": "268", "floor_price": "240", "currency": "CNY", "lead_time_days": 15, "sellable": true, "status": "active", "uom": "pcs"})
	e.WaitEvents()
	var err error
	if f.pipe, err = f.svc.DefaultPipeline(crmtest.Ctx(crmtest.RepA)); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDefaultPipeline(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		p := f.pipe
		if !p.Default || p.Name != "标准销售流程" || p.NameEN != "Standard sales process" || len(p.Stages) != 7 {
			t.Fatalf("default pipeline %+v", p)
		}
		if p.First().NameEN != "Qualification" || p.First().Probability.String() != "0.1" || p.Final(pipeline.StageWon).Probability.String() != "1" {
			t.Errorf("stages %+v", p.Stages)
		}
	})
}

func TestOpportunityLifecycle(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		ctx := crmtest.Ctx(crmtest.RepA)
		o, err := f.svc.Create(ctx, pipeline.OpportunityInput{Name: "变速箱壳体 2026 年度", AccountID: f.acc[crmtest.RepA].ID,
			CloseDate: "2026-06-30", Lines: []pipeline.LineInput{{ItemID: itemID, Quantity: money.MustQuantity("1000")}}})
		if err != nil {
			t.Fatal(err)
		}
		if o.Amount.String() != "268000.00" || o.StageID != f.pipe.First().ID || o.Number != "OP-"+o.CreatedAt.Format("2006")+"-000001" ||
			len(o.Lines) != 1 || o.Lines[0].Code != "FG-GBH-001" || o.Weighted().String() != "26800.00" {
			t.Fatalf("created %+v", o)
		}
		second := f.pipe.Stages[1]
		moved, err := f.svc.Move(ctx, o.ID, second.ID, o.Version)
		if err != nil || moved.StageID != second.ID || moved.Probability.String() != "0.2" {
			t.Fatalf("move %+v %v", moved, err)
		}
		if _, err := f.svc.Move(ctx, o.ID, f.pipe.Stages[2].ID, o.Version); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("stale move: %v", err)
		}
		if _, err := f.svc.Move(ctx, o.ID, f.pipe.Final(pipeline.StageWon).ID, 0); fields(err) != "stage_id" {
			t.Errorf("move into won: %v", err)
		}
		if _, err := f.svc.Lose(ctx, o.ID, " "); fields(err) != "reason" {
			t.Errorf("lose without reason: %v", err)
		}
		lost, err := f.svc.Lose(ctx, o.ID, "价格高于竞争对手")
		if err != nil || lost.Status != pipeline.StatusLost || lost.Reason != "价格高于竞争对手" || lost.ClosedAt.IsZero() {
			t.Fatalf("lose %+v %v", lost, err)
		}
		if _, err := f.svc.Move(ctx, o.ID, second.ID, 0); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Errorf("move a lost deal: %v", err)
		}
		if _, err := f.svc.Reopen(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		won, err := f.svc.Win(ctx, o.ID, "")
		if err != nil || won.Status != pipeline.StatusWon || won.Probability.String() != "1" {
			t.Fatalf("win %+v %v", won, err)
		}
		if a, _ := f.e.Service(customer.ServiceName).(customer.Service).Get(ctx, won.AccountID); !a.LastWonAt.Equal(won.ClosedAt) {
			t.Errorf("last won %v, want %v", a.LastWonAt, won.ClosedAt)
		}
		h, err := f.svc.History(ctx, o.ID)
		if err != nil || len(h) != 5 || h[0].FromStage != "" || h[2].Reason != "价格高于竞争对手" || h[4].ToNameEN != "Won" || h[1].UserName != "李雷" {
			t.Fatalf("history %+v %v", h, err)
		}
		if f.e.Audited("crm.opportunity.created") != 1 || f.e.Audited("crm.opportunity.moved") != 1 || f.e.Audited("crm.opportunity.won") != 1 {
			t.Error("not audited")
		}
	})
}

func TestOpportunityBadInputAndScopes(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		ctx := crmtest.Ctx(crmtest.RepA)
		_, err := f.svc.Create(ctx, pipeline.OpportunityInput{Name: "", AccountID: f.acc[crmtest.RepB].ID, CloseDate: "2026-02-30",
			Amount: money.MustAmount("-1"), Lines: []pipeline.LineInput{{ItemID: db.NewID(), Quantity: money.MustQuantity("1")}, {ItemID: itemID}}})
		got := fields(err)
		for _, want := range []string{"name", "account_id", "close_date", "amount", "lines[1].quantity"} {
			if !strings.Contains(","+got+",", ","+want+",") {
				t.Errorf("%s not named: %s", want, got)
			}
		}
		_, err = f.svc.Create(ctx, pipeline.OpportunityInput{Name: "x", AccountID: f.acc[crmtest.RepA].ID,
			Lines: []pipeline.LineInput{{ItemID: db.NewID(), Quantity: money.MustQuantity("1")}}})
		if fields(err) != "lines[0].item_id" {
			t.Errorf("unknown item: %v", err)
		}
		if _, err := f.svc.Create(ctx, pipeline.OpportunityInput{Name: "x", AccountID: f.acc[crmtest.RepA].ID, OwnerID: crmtest.RepB.UserID}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep gives a deal away: %v", err)
		}
		if n := f.e.Count("crm_opportunity"); n != 0 {
			t.Fatalf("%d opportunities written", n)
		}
		ids := map[*authz.Principal]string{}
		for _, p := range []*authz.Principal{crmtest.RepA, crmtest.RepB, crmtest.RepC} {
			o, err := f.svc.Create(crmtest.Ctx(p), pipeline.OpportunityInput{Name: "deal " + p.Login, AccountID: f.acc[p].ID, Amount: money.MustAmount("100")})
			if err != nil {
				t.Fatal(err)
			}
			ids[p] = o.ID
		}
		for p, want := range map[*authz.Principal]int{crmtest.RepA: 1, crmtest.RepB: 1, crmtest.Manager: 2, crmtest.Admin: 3} {
			page, err := f.svc.List(crmtest.Ctx(p), pipeline.Filter{})
			if err != nil || len(page.Items) != want {
				t.Errorf("%s sees %d deals (%v), want %d", p.Login, len(page.Items), err, want)
			}
			b, err := f.svc.Board(crmtest.Ctx(p), "", pipeline.Filter{})
			if err != nil || b.Columns[0].Count != want || len(b.Columns[0].Items) != want || b.Columns[0].Amount.String() != fmt.Sprintf("%d.00", 100*want) {
				t.Errorf("%s board %+v %v", p.Login, b.Columns[0], err)
			}
		}
		if _, err := f.svc.Move(crmtest.Ctx(crmtest.RepA), ids[crmtest.RepB], f.pipe.Stages[1].ID, 0); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("rep moves another's deal: %v", err)
		}
		if _, err := f.svc.List(crmtest.Ctx(crmtest.Clerk), pipeline.Filter{}); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("clerk lists deals: %v", err)
		}
		// Drag and drop from the board: htmx posts the move and gets the board back.
		r := f.e.Do(crmtest.RepA, "POST", "/crm/opportunities/"+ids[crmtest.RepA]+"/move",
			url.Values{"stage_id": {f.pipe.Stages[2].ID}}.Encode(), true)
		if r.Status != 303 {
			t.Errorf("move form: %d", r.Status)
		}
		if o, _ := f.svc.Get(crmtest.Ctx(crmtest.RepA), ids[crmtest.RepA]); o.StageID != f.pipe.Stages[2].ID {
			t.Errorf("stage after the move: %s", o.StageNameEN)
		}
		for _, path := range []string{"/crm/pipeline", "/crm/opportunities", "/crm/opportunities/" + ids[crmtest.RepA], "/crm/accounts/" + f.acc[crmtest.RepA].ID, "/crm/pipelines"} {
			p := crmtest.RepA
			if path == "/crm/pipelines" {
				p = crmtest.Manager
			}
			if r := f.e.Do(p, "GET", path, ""); r.Status != 200 || !strings.Contains(r.Body, "Proposal") && !strings.Contains(r.Body, "方案报价") {
				t.Errorf("%s: %d", path, r.Status)
			}
		}
		// The API refuses a stage of another pipeline and names it.
		r = f.e.Do(crmtest.RepA, "POST", "/api/v1/crm/opportunities/"+ids[crmtest.RepA]+"/move", `{"stage_id":"`+db.NewID()+`"}`)
		if r.Status != 422 || !strings.Contains(r.Body, "body.stage_id") {
			t.Errorf("API bad move: %d %s", r.Status, r.Body)
		}
	})
}

func TestPipelineSettings(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		mgr := crmtest.Ctx(crmtest.Manager)
		in := pipeline.PipelineInput{Name: "模具项目", NameEN: "Tooling projects", Stages: []pipeline.Stage{
			{Name: "询价", NameEN: "Enquiry", Kind: pipeline.StageOpen, Probability: money.MustRate("0.2")},
			{Name: "打样", NameEN: "Sampling", Kind: pipeline.StageOpen, Probability: money.MustRate("0.5")},
			{Name: "赢单", Kind: pipeline.StageWon}, {Name: "输单", Kind: pipeline.StageLost},
		}}
		if _, err := f.svc.CreatePipeline(crmtest.Ctx(crmtest.RepA), in); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("rep creates a pipeline: %v", err)
		}
		bad := in
		bad.Stages = []pipeline.Stage{{Name: "x", Kind: pipeline.StageOpen, Probability: money.MustRate("1.5")}, {Name: "赢", Kind: pipeline.StageWon}}
		if _, err := f.svc.CreatePipeline(mgr, bad); fields(err) != "stages[0].probability,stages" {
			t.Errorf("bad stages: %v", err)
		}
		p, err := f.svc.CreatePipeline(mgr, in)
		if err != nil || len(p.Stages) != 4 || p.Default {
			t.Fatalf("created %+v %v", p, err)
		}
		o, err := f.svc.Create(crmtest.Ctx(crmtest.RepA), pipeline.OpportunityInput{Name: "新模具", AccountID: f.acc[crmtest.RepA].ID, PipelineID: p.ID})
		if err != nil || o.StageNameEN != "Enquiry" {
			t.Fatalf("deal in new pipeline %+v %v", o, err)
		}
		// A stage with open deals cannot be removed.
		in.Stages = []pipeline.Stage{p.Stages[1], p.Stages[2], p.Stages[3]}
		if _, err := f.svc.UpdatePipeline(mgr, p.ID, in); fields(err) != "stages" {
			t.Errorf("remove a used stage: %v", err)
		}
		in.Stages = []pipeline.Stage{p.Stages[0], {Name: "试产", NameEN: "Pilot run", Kind: pipeline.StageOpen, Probability: money.MustRate("0.7")}, p.Stages[2], p.Stages[3]}
		in.Default = true
		p2, err := f.svc.UpdatePipeline(mgr, p.ID, in)
		if err != nil || len(p2.Stages) != 4 || p2.Stages[1].NameEN != "Pilot run" || !p2.Default {
			t.Fatalf("updated %+v %v", p2, err)
		}
		if def, _ := f.svc.DefaultPipeline(mgr); def.ID != p.ID {
			t.Error("the new default pipeline is not the default")
		}
	})
}
