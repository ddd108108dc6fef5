package inventory

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/core"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Demo warehouse and location codes other modules' demo data refers to.
const (
	DemoWarehouseFG = "FG"
	DemoWarehouseRM = "RM"
	DemoWarehouseQC = "QC"
	DemoLocFG       = "FG-A01"
	DemoLocRM       = "RM-A01"
	DemoLocQC       = "QC-01"
)

type demoLoc struct {
	code, name string
	typ        domain.LocationType
}

type demoWarehouse struct {
	code, name, address string
	isDefault           bool
	locs                []demoLoc
}

var demoWarehouses = []demoWarehouse{
	{DemoWarehouseRM, "原料仓", "江苏省苏州市吴中区胥口镇孙武路 1018 号 1 号库", false, []demoLoc{
		{DemoLocRM, "原料货架 A01", domain.LocStock}, {"RM-A02", "原料货架 A02", domain.LocStock},
		{"RM-B01", "铝锭堆场", domain.LocStock}, {"RM-WIP", "压铸车间线边库", domain.LocWIP},
	}},
	{DemoWarehouseFG, "成品仓", "江苏省苏州市吴中区胥口镇孙武路 1018 号 2 号库", true, []demoLoc{
		{DemoLocFG, "成品货架 A01", domain.LocStock}, {"FG-A02", "成品货架 A02", domain.LocStock},
		{"FG-B01", "成品货架 B01", domain.LocStock}, {"FG-SCRAP", "不良品区", domain.LocScrap},
		{"FG-TRANSIT", "发货待运区", domain.LocTransit},
	}},
	{DemoWarehouseQC, "待检区", "江苏省苏州市吴中区胥口镇孙武路 1018 号 3 号库", false, []demoLoc{
		{DemoLocQC, "来料待检", domain.LocQuarantine}, {"QC-02", "成品待检", domain.LocQuarantine},
	}},
}

type demoStock struct {
	item, loc, lot, expiry, qty, cost string
}

// demoOpening is the opening stock of 华东精密压铸有限公司, received a
// month before today with lots.
var demoOpening = []demoStock{
	{catalog.DemoIngot, "RM-B01", "AL2603-001", "", "8500", "18.6"},
	{catalog.DemoIngot, "RM-B01", "AL2603-002", "", "6200", "18.9"},
	{catalog.DemoInsert, DemoLocRM, "INS-2602-11", "2027-02-28", "20000", "0.42"},
	{catalog.DemoBolt, DemoLocRM, "", "", "50000", "0.085"},
	{catalog.DemoCarton, "RM-A02", "", "", "1200", "6.5"},
	{catalog.DemoGearboxRaw, "RM-WIP", "GBH-R-0301", "", "180", "112"},
	{catalog.DemoGearbox, DemoLocFG, "GBH-2603-01", "", "120", "186.4"},
	{catalog.DemoGearbox, "FG-A02", "GBH-2603-02", "", "60", "188"},
	{catalog.DemoEndCover, DemoLocFG, "MEC-2603-07", "", "800", "52.3"},
	{catalog.DemoEndCover, "QC-02", "MEC-2603-08", "", "150", "52.3"},
	{catalog.DemoPumpBody, "FG-B01", "PMB-000101", "", "1", "265"},
	{catalog.DemoPumpBody, "FG-B01", "PMB-000102", "", "1", "265"},
	{catalog.DemoPumpBody, "FG-B01", "PMB-000103", "", "1", "265"},
}

// demo creates the warehouses and locations of the demo company and its
// opening stock; at larger scales every generated finished good gets stock too.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	svc, ok := env.Services.Lookup(ServiceName).(*core.Service)
	if !ok {
		return fmt.Errorf("inventory demo: the inventory is not wired")
	}
	for _, w := range demoWarehouses {
		wh, err := svc.CreateWarehouse(ctx, domain.InventoryWarehouseInput{Code: w.code, Name: w.name, Address: w.address, IsDefault: w.isDefault})
		if err != nil {
			return fmt.Errorf("inventory demo: warehouse %s: %w", w.code, err)
		}
		for _, l := range w.locs {
			if _, err := svc.CreateLocation(ctx, wh.ID, domain.InventoryLocationInput{Code: l.code, Name: l.name, Type: l.typ}); err != nil {
				return fmt.Errorf("inventory demo: location %s: %w", l.code, err)
			}
		}
	}
	date := erpkit.Today(time.Now().AddDate(0, -1, 0))
	opening := domain.InventoryDocInput{Kind: domain.DocReceipt, Date: date, Reference: "期初库存 Opening stock"}
	for _, s := range demoOpening {
		opening.Lines = append(opening.Lines, domain.InventoryLineInput{Item: s.item, Location: s.loc, Lot: s.lot,
			ExpiryDate: s.expiry, Quantity: money.MustQuantity(s.qty), UnitCost: money.MustUnitPrice(s.cost)})
	}
	if _, err := svc.RecordDoc(ctx, opening); err != nil {
		return fmt.Errorf("inventory demo: opening stock: %w", err)
	}
	bulk := max(scale-1, 0) * 100
	for start := 1; start <= bulk; start += 1000 {
		doc := domain.InventoryDocInput{Kind: domain.DocReceipt, Date: date, Reference: "期初库存 Opening stock"}
		for i := start; i < start+1000 && i <= bulk; i++ {
			doc.Lines = append(doc.Lines, domain.InventoryLineInput{Item: fmt.Sprintf("%s%05d", catalog.DemoBulkPrefix, i),
				Location: DemoLocFG, Quantity: money.MustQuantity("1000"), UnitCost: money.MustUnitPrice("60")})
		}
		if _, err := svc.RecordDoc(ctx, doc); err != nil {
			return fmt.Errorf("inventory demo: bulk opening stock: %w", err)
		}
	}
	fmt.Fprintf(log, "demo: inventory has %d warehouses and opening stock of %d lines\n", len(demoWarehouses), len(demoOpening)+bulk)
	return nil
}
