package domain

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is engineering's module name: its migrations and audit actions.
const Module = "engineering"

// Permissions of engineering.
const (
	// PermRead lets a user see work centers, BOMs, routings and explosions.
	PermRead authz.Permission = "erp.engineering.read"
	// PermWrite lets a user create, change, release and import them.
	PermWrite authz.Permission = "erp.engineering.write"
)

// Event types engineering sends.
const (
	EventBOMReleased     = "erp.bom.released"
	EventRoutingReleased = "erp.routing.released"
)

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: []string{
			identity.RoleWarehouseClerk, identity.RoleBuyer, identity.RolePlanner, identity.RoleProductionSupervisor,
			identity.RoleOperator, identity.RoleQualityInspector, identity.RoleAccountant, identity.RoleFinanceManager,
			identity.RoleSalesManager,
		}},
		authz.Definition{Name: PermWrite, Module: Module, Roles: []string{identity.RolePlanner}},
	)
	outbox.MustRegister(outbox.EventType{
		Type: EventBOMReleased, Version: 1, Source: "erp",
		Description: "A BOM version was released: planning and MES explode it for the dates it is effective on. " +
			"Its lines never change afterwards; a change is a new version.",
		Schema: json.RawMessage(bomReleasedSchema), Example: bomReleasedExample,
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventRoutingReleased, Version: 1, Source: "erp",
		Description: "A routing version was released: MES and planning use its operations for the dates it is effective on.",
		Schema:      json.RawMessage(routingReleasedSchema), Example: routingReleasedExample,
	})
}

// BOMReleased is the data of erp.bom.released.
type BOMReleased struct {
	BOMID         string            `json:"bom_id"`
	ItemID        string            `json:"item_id"`
	Version       string            `json:"version"`
	EffectiveFrom string            `json:"effective_from"`
	EffectiveTo   string            `json:"effective_to"`
	BaseQuantity  money.Quantity    `json:"base_quantity"`
	Lines         []BOMReleasedLine `json:"lines"`
}

// BOMReleasedLine is one line of erp.bom.released.
type BOMReleasedLine struct {
	LineNo       int            `json:"line_no"`
	ComponentID  string         `json:"component_item_id"`
	Quantity     money.Quantity `json:"quantity"`
	Scrap        money.Rate     `json:"scrap"`
	Phantom      bool           `json:"phantom"`
	OperationSeq int            `json:"operation_seq"`
}

// Released returns the event data of a BOM.
func (b EngBOM) Released() BOMReleased {
	out := BOMReleased{BOMID: b.ID, ItemID: b.ItemID, Version: b.Version, EffectiveFrom: b.EffectiveFrom,
		EffectiveTo: b.EffectiveTo, BaseQuantity: b.BaseQuantity, Lines: make([]BOMReleasedLine, len(b.Lines))}
	for i, l := range b.Lines {
		out.Lines[i] = BOMReleasedLine{LineNo: l.LineNo, ComponentID: l.ComponentID, Quantity: l.Quantity, Scrap: l.Scrap,
			Phantom: l.Phantom, OperationSeq: l.OperationSeq}
	}
	return out
}

// RoutingReleased is the data of erp.routing.released.
type RoutingReleased struct {
	RoutingID     string                     `json:"routing_id"`
	ItemID        string                     `json:"item_id"`
	Version       string                     `json:"version"`
	EffectiveFrom string                     `json:"effective_from"`
	EffectiveTo   string                     `json:"effective_to"`
	Operations    []RoutingReleasedOperation `json:"operations"`
}

// RoutingReleasedOperation is one operation of erp.routing.released.
type RoutingReleasedOperation struct {
	Seq            int            `json:"seq"`
	WorkCenterID   string         `json:"work_center_id"`
	WorkCenterCode string         `json:"work_center_code"`
	Description    string         `json:"description"`
	SetupMinutes   money.Quantity `json:"setup_minutes"`
	RunMinutes     money.Quantity `json:"run_minutes"`
	QueueMinutes   money.Quantity `json:"queue_minutes"`
	MoveMinutes    money.Quantity `json:"move_minutes"`
}

// Released returns the event data of a routing.
func (r EngRouting) Released() RoutingReleased {
	out := RoutingReleased{RoutingID: r.ID, ItemID: r.ItemID, Version: r.Version, EffectiveFrom: r.EffectiveFrom,
		EffectiveTo: r.EffectiveTo, Operations: make([]RoutingReleasedOperation, len(r.Operations))}
	for i, op := range r.Operations {
		out.Operations[i] = RoutingReleasedOperation{Seq: op.Seq, WorkCenterID: op.WorkCenterID, WorkCenterCode: op.WorkCenterCode,
			Description: op.Description, SetupMinutes: op.SetupMinutes, RunMinutes: op.RunMinutes,
			QueueMinutes: op.QueueMinutes, MoveMinutes: op.MoveMinutes}
	}
	return out
}

const bomReleasedSchema = `{"type":"object","required":["bom_id","item_id","version","effective_from","effective_to","base_quantity","lines"],"properties":{` +
	`"bom_id":{"type":"string","format":"uuid"},"item_id":{"type":"string","format":"uuid"},"version":{"type":"string"},` +
	`"effective_from":{"type":"string","format":"date"},"effective_to":{"type":"string","description":"YYYY-MM-DD, or empty for no end"},` +
	`"base_quantity":{"type":"string","format":"decimal"},` +
	`"lines":{"type":"array","items":{"type":"object","required":["line_no","component_item_id","quantity","scrap","phantom"],"properties":{` +
	`"line_no":{"type":"integer"},"component_item_id":{"type":"string","format":"uuid"},"quantity":{"type":"string","format":"decimal"},` +
	`"scrap":{"type":"string","format":"decimal","description":"fraction: 0.02 is 2%"},"phantom":{"type":"boolean"},"operation_seq":{"type":"integer"}}}}}}`

const routingReleasedSchema = `{"type":"object","required":["routing_id","item_id","version","effective_from","effective_to","operations"],"properties":{` +
	`"routing_id":{"type":"string","format":"uuid"},"item_id":{"type":"string","format":"uuid"},"version":{"type":"string"},` +
	`"effective_from":{"type":"string","format":"date"},"effective_to":{"type":"string","description":"YYYY-MM-DD, or empty for no end"},` +
	`"operations":{"type":"array","items":{"type":"object","required":["seq","work_center_id","work_center_code","description","setup_minutes","run_minutes"],"properties":{` +
	`"seq":{"type":"integer"},"work_center_id":{"type":"string","format":"uuid"},"work_center_code":{"type":"string"},"description":{"type":"string"},` +
	`"setup_minutes":{"type":"string","format":"decimal"},"run_minutes":{"type":"string","format":"decimal"},` +
	`"queue_minutes":{"type":"string","format":"decimal"},"move_minutes":{"type":"string","format":"decimal"}}}}}}`

var bomReleasedExample = BOMReleased{
	BOMID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c10", ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Version: "B",
	EffectiveFrom: "2026-01-01", EffectiveTo: "", BaseQuantity: money.MustQuantity("1"),
	Lines: []BOMReleasedLine{
		{LineNo: 1, ComponentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", Quantity: money.MustQuantity("1"), Scrap: money.MustRate("0.02"), OperationSeq: 10},
		{LineNo: 2, ComponentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12", Quantity: money.MustQuantity("6"), Scrap: money.MustRate("0")},
	},
}

var routingReleasedExample = RoutingReleased{
	RoutingID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c20", ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Version: "A",
	EffectiveFrom: "2026-01-01",
	Operations: []RoutingReleasedOperation{
		{Seq: 10, WorkCenterID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c21", WorkCenterCode: "WC-CNC", Description: "CNC 精加工",
			SetupMinutes: money.MustQuantity("30"), RunMinutes: money.MustQuantity("12.5"), QueueMinutes: money.MustQuantity("60"), MoveMinutes: money.MustQuantity("10")},
	},
}
