package domain

import (
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// PermRequest lets a user ask for goods to be bought (a requisition).
const PermRequest authz.Permission = "erp.purchase.request"

func init() {
	authz.Register(authz.Definition{Name: PermRequest, Module: Module, Roles: []string{identity.RoleBuyer, identity.RolePlanner,
		identity.RoleWarehouseClerk, identity.RoleProductionSupervisor}})
}

// PurchaseReorder is an item's reorder point in a warehouse, in the base unit:
// when what is available plus what is on order falls to Min plus Safety,
// Loom suggests buying up to Max plus Safety.
type PurchaseReorder struct {
	ItemID      string         `json:"item_id"`
	ItemCode    string         `json:"item_code"`
	ItemName    string         `json:"item_name"`
	UoM         string         `json:"uom"`
	WarehouseID string         `json:"warehouse_id"`
	Min         money.Quantity `json:"min"`
	Max         money.Quantity `json:"max"`
	Safety      money.Quantity `json:"safety"`
	UpdatedBy   string         `json:"updated_by"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// PurchaseReorderInput sets an item's reorder point in a warehouse; all zero removes it.
type PurchaseReorderInput struct {
	Item        string         `json:"item" doc:"The item's id or code."`
	WarehouseID string         `json:"warehouse_id"`
	Min         money.Quantity `json:"min"`
	Max         money.Quantity `json:"max"`
	Safety      money.Quantity `json:"safety,omitempty"`
}

// Validate checks what a reorder input says on its own.
func (in PurchaseReorderInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if strings.TrimSpace(in.Item) == "" {
		p.Add("item", erpkit.KeyRequired, "This field is required")
	}
	if in.WarehouseID == "" {
		p.Add("warehouse_id", erpkit.KeyRequired, "This field is required")
	}
	for f, q := range map[string]money.Quantity{"min": in.Min, "max": in.Max, "safety": in.Safety} {
		if q.Sign() < 0 {
			p.Add(f, KeyNegative, "Enter zero or more")
		}
	}
	if in.Max.Cmp(in.Min) < 0 && !p.Has("max") {
		p.Add("max", KeyMaxBelowMin, "The maximum is below the minimum")
	}
	return p
}

// PurchaseSuggestion is what the reorder points say to buy of an item for a warehouse.
type PurchaseSuggestion struct {
	PurchaseReorder
	Available   money.Quantity `json:"available" doc:"On hand in stock locations less reserved, in the base unit."`
	OnOrder     money.Quantity `json:"on_order" doc:"Still to come on purchase orders and open requisitions, in the base unit."`
	Suggested   money.Quantity `json:"suggested" doc:"To buy, in the base unit."`
	Quantity    money.Quantity `json:"quantity" doc:"To buy, in the purchase unit (whole packs when a pack holds several base units)."`
	PurchaseUoM string         `json:"purchase_uom"`
	SupplierID  string         `json:"supplier_id,omitempty" doc:"The preferred supplier: the lowest valid price."`
	Supplier    string         `json:"supplier_name,omitempty"`
}

// ReqStatus says where a requisition stands.
type ReqStatus string

// The statuses of a requisition.
const (
	ReqOpen     ReqStatus = "open"
	ReqApproved ReqStatus = "approved"
	ReqRejected ReqStatus = "rejected"
	ReqOrdered  ReqStatus = "ordered"
)

// PurchaseRequisition asks for an item to be bought.
type PurchaseRequisition struct {
	ID          string         `json:"id"`
	Number      string         `json:"number"`
	ItemID      string         `json:"item_id"`
	ItemCode    string         `json:"item_code"`
	ItemName    string         `json:"item_name"`
	UoM         string         `json:"uom" doc:"The purchase unit."`
	WarehouseID string         `json:"warehouse_id"`
	Quantity    money.Quantity `json:"quantity"`
	NeededDate  string         `json:"needed_date"`
	Reason      string         `json:"reason"`
	Status      ReqStatus      `json:"status" enum:"open,approved,rejected,ordered"`
	OrderID     string         `json:"order_id,omitempty"`
	CreatedBy   string         `json:"created_by"`
	DecidedBy   string         `json:"decided_by"`
	CreatedAt   time.Time      `json:"created_at"`
}

// PurchaseRequisitionInput asks for an item to be bought.
type PurchaseRequisitionInput struct {
	Item        string         `json:"item" doc:"The item's id or code."`
	WarehouseID string         `json:"warehouse_id,omitempty" doc:"The default warehouse when empty."`
	Quantity    money.Quantity `json:"quantity" doc:"In the item's purchase unit."`
	NeededDate  string         `json:"needed_date"`
	Reason      string         `json:"reason,omitempty" maxLength:"200"`
}

// Validate checks what a requisition input says on its own.
func (in PurchaseRequisitionInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if strings.TrimSpace(in.Item) == "" {
		p.Add("item", erpkit.KeyRequired, "This field is required")
	}
	if in.Quantity.Sign() <= 0 {
		p.Add("quantity", KeyQuantityPositive, "Enter a quantity above zero")
	}
	p.Date("needed_date", in.NeededDate, true)
	p.Text("reason", in.Reason, false, 200)
	return p
}

// ReasonReorderPoint is the reason of requisitions made from purchase suggestions.
const ReasonReorderPoint = "reorder_point"

// PurchaseConvertInput turns approved requisitions into purchase orders.
type PurchaseConvertInput struct {
	Requisitions []string `json:"requisitions" minItems:"1" maxItems:"200" doc:"Ids of approved requisitions."`
}

// PurchaseSuggestionsInput turns purchase suggestions into requisitions.
type PurchaseSuggestionsInput struct {
	Items []PurchaseSuggestionPick `json:"items" minItems:"1" maxItems:"500"`
}

// PurchaseSuggestionPick is one suggestion to turn into a requisition.
type PurchaseSuggestionPick struct {
	ItemID      string `json:"item_id"`
	WarehouseID string `json:"warehouse_id"`
}

// Message ids of the planning errors.
const (
	KeyMaxBelowMin  = "erp.purchasing.error.max_below_min"
	KeyReqStatus    = "erp.purchasing.error.requisition_status"
	KeyReqUnknown   = "erp.purchasing.error.requisition_unknown"
	KeyNoSupplier   = "erp.purchasing.error.no_supplier"
	KeyNoSuggestion = "erp.purchasing.error.no_suggestion"
)
