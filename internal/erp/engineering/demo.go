package engineering

import (
	"context"
	"fmt"
	"io"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Demo codes other modules' demo data may refer to.
const (
	DemoDieCasting = "WC-DC-01"
	DemoCNC        = "WC-CNC-01"
	DemoDeburring  = "WC-DEB-01"
	DemoPacking    = "WC-PACK-01"
)

// demoFrom is the date the demo BOMs and routings are effective from.
const demoFrom = "2026-01-01"

type demoWC struct {
	code, name string
	kind       domain.WorkCenterKind
	hours      string
	rate       string
	eff        string
}

var demoWorkCenters = []demoWC{
	{DemoDieCasting, "压铸单元 1 号（800 吨）", domain.KindMachine, "22", "320", "0.85"},
	{DemoCNC, "CNC 加工中心", domain.KindMachine, "20", "180", "0.9"},
	{DemoDeburring, "去毛刺工位", domain.KindLabour, "16", "60", "1"},
	{DemoPacking, "包装线", domain.KindLine, "16", "45", "1"},
}

type demoLine struct {
	component, qty, scrap string
	phantom               bool
	op                    int
}

type demoBOM struct {
	item, base string
	lines      []demoLine
}

// The gearbox housing is made in three levels: the finished housing from
// its raw casting, bolts and a carton; the raw casting from ingot and
// inserts. The end cover and pump body follow the same pattern, with the
// gearbox raw casting's own BOM showing where-used across products.
var demoBOMs = []demoBOM{
	{catalog.DemoGearboxRaw, "1", []demoLine{
		{catalog.DemoIngot, "4.35", "3", false, 10},
		{catalog.DemoInsert, "4", "1", false, 10},
	}},
	// Four housings go into one carton, so the housing's BOM is per 4.
	{catalog.DemoGearbox, "4", []demoLine{
		{catalog.DemoGearboxRaw, "4", "2", false, 10},
		{catalog.DemoBolt, "24", "0", false, 30},
		{catalog.DemoCarton, "1", "0", false, 40},
	}},
	{catalog.DemoEndCover, "100", []demoLine{
		{catalog.DemoIngot, "118.5", "2.5", false, 10},
		{catalog.DemoInsert, "300", "1", false, 10},
		{catalog.DemoCarton, "5", "0", false, 40},
	}},
}

type demoOp struct {
	seq                      int
	wc, desc                 string
	setup, run, queue, moves string
}

var demoRoutings = map[string][]demoOp{
	catalog.DemoGearboxRaw: {
		{10, DemoDieCasting, "压铸成型", "45", "1.8", "30", "10"},
		{20, DemoDeburring, "去浇口、去毛刺", "5", "2.5", "60", "10"},
	},
	catalog.DemoGearbox: {
		{10, DemoCNC, "CNC 精加工（面、孔、螺纹）", "30", "12.5", "120", "15"},
		{20, DemoDeburring, "清洗、去毛刺", "0", "3", "30", "10"},
		{30, DemoCNC, "装配螺栓、气密检测", "10", "4", "30", "10"},
		{40, DemoPacking, "包装", "0", "1.5", "0", "0"},
	},
	catalog.DemoEndCover: {
		{10, DemoDieCasting, "压铸成型", "40", "0.9", "30", "10"},
		{20, DemoCNC, "CNC 车削", "20", "4.5", "60", "10"},
		{40, DemoPacking, "包装", "0", "0.5", "0", "0"},
	},
}

// demo creates the work centers, BOMs and routings of the demo products,
// all released from the start of 2026.
func demo(ctx context.Context, env *module.Env, _ int, log io.Writer) error {
	c, ok := env.Services.Lookup(ServiceName).(contract)
	if !ok {
		return fmt.Errorf("engineering demo: engineering is not wired")
	}
	svc := c.svc
	return env.DB.InTx(ctx, func(ctx context.Context) error {
		for _, w := range demoWorkCenters {
			if _, err := svc.CreateWorkCenter(ctx, domain.EngWorkCenterInput{Code: w.code, Name: w.name, Kind: w.kind,
				CapacityHours: money.MustQuantity(w.hours), CostRate: money.MustUnitPrice(w.rate), Efficiency: money.MustRate(w.eff)}); err != nil {
				return fmt.Errorf("engineering demo: work center %s: %w", w.code, err)
			}
		}
		for _, b := range demoBOMs {
			base := money.MustQuantity(b.base)
			in := domain.EngBOMInput{Item: b.item, Version: "A", EffectiveFrom: demoFrom, BaseQuantity: &base}
			for _, l := range b.lines {
				scrap := money.MustRate(l.scrap)
				in.Lines = append(in.Lines, domain.EngBOMLineInput{Component: l.component, Quantity: money.MustQuantity(l.qty),
					Scrap: money.RateFromUnits(scrap.Units() / 100), Phantom: l.phantom, OperationSeq: l.op})
			}
			bom, err := svc.CreateBOM(ctx, in)
			if err != nil {
				return fmt.Errorf("engineering demo: BOM of %s: %w", b.item, err)
			}
			if _, err := svc.ReleaseBOM(ctx, bom.ID); err != nil {
				return fmt.Errorf("engineering demo: release BOM of %s: %w", b.item, err)
			}
		}
		for _, item := range []string{catalog.DemoGearboxRaw, catalog.DemoGearbox, catalog.DemoEndCover} {
			in := domain.EngRoutingInput{Item: item, Version: "A", EffectiveFrom: demoFrom}
			for _, o := range demoRoutings[item] {
				in.Operations = append(in.Operations, domain.EngOperationInput{Seq: o.seq, WorkCenter: o.wc, Description: o.desc,
					SetupMinutes: money.MustQuantity(o.setup), RunMinutes: money.MustQuantity(o.run),
					QueueMinutes: money.MustQuantity(o.queue), MoveMinutes: money.MustQuantity(o.moves)})
			}
			rt, err := svc.CreateRouting(ctx, in)
			if err != nil {
				return fmt.Errorf("engineering demo: routing of %s: %w", item, err)
			}
			if _, err := svc.ReleaseRouting(ctx, rt.ID); err != nil {
				return fmt.Errorf("engineering demo: release routing of %s: %w", item, err)
			}
		}
		fmt.Fprintf(log, "demo: engineering has %d work centers, %d BOMs and %d routings\n", len(demoWorkCenters), len(demoBOMs), len(demoRoutings))
		return nil
	})
}
