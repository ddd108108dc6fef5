package catalog

import (
	"context"
	"fmt"
	"io"

	"github.com/loom-erp/loom/internal/erp/catalog/internal/core"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Demo item codes other modules' demo data refers to.
const (
	DemoIngot        = "RM-ADC12"
	DemoInsert       = "RM-INS-M8"
	DemoBolt         = "RM-BOLT-M6"
	DemoCarton       = "PK-CTN-01"
	DemoGearboxRaw   = "SF-GBH-001"
	DemoGearbox      = "FG-GBH-001"
	DemoEndCover     = "FG-MEC-002"
	DemoPumpBody     = "FG-PMB-003"
	DemoMachining    = "SV-MACH"
	DemoBulkPrefix   = "FG-GEN-"
	demoBulkPerScale = 100
)

type demoUoM struct {
	code, name, nameEN string
	precision          int
}

type demoCategory struct{ code, name, nameEN string }

type demoItem struct {
	code, name, nameEN, spec string
	kind                     domain.Kind
	category, uom            string
	tracking                 domain.Tracking
	purchaseUoM, factor      string
	vat, list, floor         string
	lead                     int
	sellable                 bool
}

var demoUoMs = []demoUoM{
	{"pcs", "件", "piece", 0}, {"kg", "千克", "kilogram", 3}, {"box", "箱", "box", 0},
	{"set", "套", "set", 0}, {"h", "小时", "hour", 1},
}

var demoCategories = []demoCategory{
	{"RM-AL", "铝锭", "Aluminium ingots"}, {"RM-INS", "嵌件", "Inserts"}, {"RM-FST", "紧固件", "Fasteners"},
	{"PKG", "包装材料", "Packaging"}, {"SF", "压铸毛坯", "Raw castings"}, {"FG", "压铸件成品", "Finished castings"},
	{"SV", "加工服务", "Services"},
}

var demoItems = []demoItem{
	{DemoIngot, "ADC12 铝合金锭", "ADC12 aluminium ingot", "ADC12, 7 kg/块", domain.KindMaterial, "RM-AL", "kg", domain.TrackingLot, "", "", "13", "", "", 7, false},
	{DemoInsert, "M8 钢制螺纹嵌件", "M8 steel threaded insert", "M8×12, 镀锌", domain.KindMaterial, "RM-INS", "pcs", domain.TrackingLot, "box", "500", "13", "", "", 10, false},
	{DemoBolt, "M6 六角法兰螺栓", "M6 hex flange bolt", "M6×20, 8.8 级", domain.KindMaterial, "RM-FST", "pcs", domain.TrackingNone, "box", "1000", "13", "", "", 5, false},
	{DemoCarton, "五层瓦楞纸箱", "Five-ply carton", "600×400×400 mm", domain.KindMaterial, "PKG", "pcs", domain.TrackingNone, "", "", "13", "", "", 3, false},
	{DemoGearboxRaw, "变速箱壳体毛坯", "Gearbox housing, raw casting", "ADC12, 图号 GBH-001", domain.KindSemiFinished, "SF", "pcs", domain.TrackingLot, "", "", "13", "", "", 5, false},
	{DemoGearbox, "变速箱壳体", "Gearbox housing", "ADC12, 320×260×180 mm, 图号 GBH-001 B", domain.KindFinished, "FG", "pcs", domain.TrackingLot, "", "", "13", "268", "240", 15, true},
	{DemoEndCover, "电机端盖", "Motor end cover", "ADC12, Φ180 mm, 图号 MEC-002", domain.KindFinished, "FG", "pcs", domain.TrackingLot, "", "", "13", "86.5", "78", 12, true},
	{DemoPumpBody, "水泵壳体", "Water pump body", "ADC12, 图号 PMB-003", domain.KindFinished, "FG", "pcs", domain.TrackingSerial, "", "", "13", "412", "380", 20, true},
	{DemoMachining, "CNC 精加工服务", "CNC finishing service", "按工时计", domain.KindService, "SV", "h", domain.TrackingNone, "", "", "6", "180", "150", 0, true},
}

// demo creates the catalog of 华东精密压铸有限公司: units, categories, raw
// materials, castings and services; scale adds demoBulkPerScale generated
// finished goods per step, for benchmarks.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	svc, ok := env.Services.Lookup(ServiceName).(*core.Service)
	if !ok {
		return fmt.Errorf("catalog demo: the catalog is not wired")
	}
	uoms := map[string]string{}
	for _, u := range demoUoMs {
		x, err := svc.CreateUoM(ctx, domain.CatalogUoMInput{Code: u.code, Name: u.name, NameEN: u.nameEN, Precision: u.precision})
		if err != nil {
			return fmt.Errorf("catalog demo: unit %s: %w", u.code, err)
		}
		uoms[u.code] = x.ID
	}
	cats := map[string]string{}
	for _, c := range demoCategories {
		x, err := svc.CreateCategory(ctx, domain.CatalogCategoryInput{Code: c.code, Name: c.name, NameEN: c.nameEN})
		if err != nil {
			return fmt.Errorf("catalog demo: category %s: %w", c.code, err)
		}
		cats[c.code] = x.ID
	}
	items := demoItems
	for i := 1; i <= max(scale-1, 0)*demoBulkPerScale; i++ {
		items = append(items, demoItem{code: fmt.Sprintf("%s%05d", DemoBulkPrefix, i), name: fmt.Sprintf("压铸件 %05d", i),
			nameEN: fmt.Sprintf("Casting %05d", i), spec: "ADC12", kind: domain.KindFinished, category: "FG", uom: "pcs",
			tracking: domain.TrackingNone, vat: "13", list: "100", floor: "90", lead: 10, sellable: true})
	}
	return env.DB.InTx(ctx, func(ctx context.Context) error {
		for _, it := range items {
			in := domain.CatalogItemInput{Code: it.code, Name: it.name, NameEN: it.nameEN, Spec: it.spec, Kind: it.kind,
				CategoryID: cats[it.category], Tracking: it.tracking, UoMID: uoms[it.uom], VATRate: percent(it.vat),
				LeadTimeDays: it.lead, Sellable: it.sellable}
			if it.purchaseUoM != "" {
				in.PurchaseUoMID, in.PurchaseFactor = uoms[it.purchaseUoM], money.MustQuantity(it.factor)
			}
			if it.list != "" {
				in.ListPrice, in.FloorPrice = money.MustUnitPrice(it.list), money.MustUnitPrice(it.floor)
			}
			x, err := svc.CreateItem(ctx, in)
			if err != nil {
				return fmt.Errorf("catalog demo: item %s: %w", it.code, err)
			}
			if it.code == DemoGearbox {
				if _, err := svc.AddRevision(ctx, x.ID, domain.CatalogRevisionInput{Revision: "B", Note: "加强筋加厚 1 mm"}); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(log, "demo: catalog has %d items\n", len(items))
		return nil
	})
}

func percent(s string) money.Rate {
	r := money.MustRate(s)
	return money.RateFromUnits(r.Units() / 100)
}
