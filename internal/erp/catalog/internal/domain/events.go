package domain

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is the catalog's module name: its migrations and audit actions.
const Module = "catalog"

// Permissions of the catalog.
const (
	// PermRead lets a user see items, categories and units of measure.
	PermRead authz.Permission = "erp.catalog.read"
	// PermManage lets a user create and change them, and import items.
	PermManage authz.Permission = "erp.catalog.manage"
)

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: []string{
			identity.RoleSalesRep, identity.RoleSalesManager, identity.RoleWarehouseClerk, identity.RoleBuyer,
			identity.RolePlanner, identity.RoleProductionSupervisor, identity.RoleOperator,
			identity.RoleQualityInspector, identity.RoleAccountant, identity.RoleFinanceManager,
		}},
		authz.Definition{Name: PermManage, Module: Module, Roles: []string{identity.RolePlanner}},
	)
	outbox.MustRegister(outbox.EventType{
		Type:    EventItemUpserted,
		Version: 1,
		Source:  "erp",
		Description: "An item of the catalog was created or changed (including its price, unit, category name " +
			"or status). CRM, MES and BI keep their copy of the catalog from it.",
		Schema:  json.RawMessage(itemUpsertedSchema),
		Example: itemUpsertedExample,
	})
}

// EventItemUpserted is the type of the event sent on every change of an item.
const EventItemUpserted = "erp.item.upserted"

// ItemUpserted is the data of erp.item.upserted, exactly as docs/events.md
// describes it.
type ItemUpserted struct {
	ID           string          `json:"id"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	NameEN       string          `json:"name_en"`
	Spec         string          `json:"spec"`
	Kind         Kind            `json:"kind"`
	CategoryID   string          `json:"category_id"`
	CategoryName string          `json:"category_name"`
	UoM          string          `json:"uom"`
	UoMPrecision int             `json:"uom_precision"`
	VATRate      money.Rate      `json:"vat_rate"`
	ListPrice    money.UnitPrice `json:"list_price"`
	FloorPrice   money.UnitPrice `json:"floor_price"`
	Currency     string          `json:"currency"`
	LeadTimeDays int             `json:"lead_time_days"`
	Tracking     Tracking        `json:"tracking"`
	Sellable     bool            `json:"sellable"`
	Status       Status          `json:"status"`
}

// Upserted returns the event data of an item.
func (it CatalogItem) Upserted() ItemUpserted {
	return ItemUpserted{
		ID: it.ID, Code: it.Code, Name: it.Name, NameEN: it.NameEN, Spec: it.Spec, Kind: it.Kind,
		CategoryID: it.CategoryID, CategoryName: it.CategoryName, UoM: it.UoM, UoMPrecision: it.UoMPrecision,
		VATRate: it.VATRate, ListPrice: it.ListPrice, FloorPrice: it.FloorPrice, Currency: it.Currency,
		LeadTimeDays: it.LeadTimeDays, Tracking: it.Tracking, Sellable: it.Sellable, Status: it.Status,
	}
}

const itemUpsertedSchema = `{"type":"object","required":["id","code","name","kind","category_id","uom","uom_precision","vat_rate","list_price","floor_price","currency","lead_time_days","tracking","sellable","status"],"properties":{` +
	`"id":{"type":"string","format":"uuid"},"code":{"type":"string"},"name":{"type":"string"},"name_en":{"type":"string"},"spec":{"type":"string"},` +
	`"kind":{"type":"string","enum":["material","semi_finished","finished","service"]},` +
	`"category_id":{"type":"string","format":"uuid"},"category_name":{"type":"string"},` +
	`"uom":{"type":"string"},"uom_precision":{"type":"integer","minimum":0,"maximum":6},` +
	`"vat_rate":{"type":"string","format":"decimal"},"list_price":{"type":"string","format":"decimal"},"floor_price":{"type":"string","format":"decimal"},` +
	`"currency":{"type":"string","pattern":"^[A-Z]{3}$"},"lead_time_days":{"type":"integer","minimum":0},` +
	`"tracking":{"type":"string","enum":["none","lot","serial"]},"sellable":{"type":"boolean"},"status":{"type":"string","enum":["active","inactive"]}}}`

var itemUpsertedExample = ItemUpserted{
	ID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Code: "FG-GBH-001", Name: "变速箱壳体", NameEN: "Gearbox housing",
	Spec: "ADC12, 320×260×180 mm", Kind: KindFinished, CategoryID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e",
	CategoryName: "压铸件", UoM: "pcs", UoMPrecision: 0, VATRate: money.MustRate("0.13"),
	ListPrice: money.MustUnitPrice("268"), FloorPrice: money.MustUnitPrice("240"), Currency: "CNY",
	LeadTimeDays: 15, Tracking: TrackingLot, Sellable: true, Status: StatusActive,
}
