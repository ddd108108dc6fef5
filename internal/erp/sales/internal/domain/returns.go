package domain

import (
	"encoding/json"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// PermReturn lets a user enter customer returns and receive their goods.
const PermReturn authz.Permission = "erp.sales.return"

// Event types of customer returns.
const (
	EventReturnAuthorized = "crm.return.authorized"
	EventReturnReceived   = "erp.return.received"
)

// ReturnStatus says where a customer return stands.
type ReturnStatus string

// The statuses of a customer return.
const (
	ReturnExpected  ReturnStatus = "expected"  // authorised or entered, goods not all in yet
	ReturnReceived  ReturnStatus = "received"  // every line arrived into quarantine
	ReturnRejected  ReturnStatus = "rejected"  // an authorisation ERP could not take
	ReturnCancelled ReturnStatus = "cancelled" // called off before anything arrived
)

// ReturnInput enters a customer return against a shipment in ERP.
type ReturnInput struct {
	Shipment string            `json:"shipment" doc:"The shipment's id or number."`
	Reason   string            `json:"reason,omitempty" maxLength:"500"`
	Lines    []ReturnLineInput `json:"lines" minItems:"1" maxItems:"500"`
}

// ReturnLineInput is one item coming back.
type ReturnLineInput struct {
	Item     string         `json:"item" doc:"The item's id or code."`
	Quantity money.Quantity `json:"quantity" doc:"At most what the shipment shipped less what earlier returns took back."`
	Reason   string         `json:"reason,omitempty" maxLength:"500"`
}

// ReturnReceiveInput receives goods of a return into a quarantine location.
type ReturnReceiveInput struct {
	Location string         `json:"location" doc:"A quarantine location's id or code."`
	Item     string         `json:"item" doc:"The item's id or code."`
	Lot      string         `json:"lot,omitempty" maxLength:"60" doc:"The lot or serial number the goods shipped with."`
	Quantity money.Quantity `json:"quantity"`
}

// SalesReturn is a customer return with its lines and what arrived.
type SalesReturn struct {
	ID             string              `json:"id"`
	Number         string              `json:"number"`
	RMAID          string              `json:"rma_id,omitempty"`
	RMANumber      string              `json:"rma_number,omitempty"`
	CustomerID     string              `json:"customer_id"`
	CustomerName   string              `json:"customer_name"`
	ShipmentID     string              `json:"shipment_id,omitempty"`
	ShipmentNumber string              `json:"shipment_number,omitempty"`
	OrderID        string              `json:"order_id,omitempty"`
	OrderNumber    string              `json:"order_number,omitempty"`
	Status         ReturnStatus        `json:"status" enum:"expected,received,rejected,cancelled"`
	Reason         string              `json:"reason"`
	ReceivedAt     *time.Time          `json:"received_at,omitempty"`
	ClosedShort    bool                `json:"closed_short" doc:"Received, but closed with less than expected on some line."`
	CreatedBy      string              `json:"created_by"`
	CreatedAt      time.Time           `json:"created_at"`
	Lines          []SalesReturnLine   `json:"lines" nullable:"false"`
	Receipts       []SalesReturnIntake `json:"receipts" nullable:"false"`
}

// SalesReturnLine is one item of a return.
type SalesReturnLine struct {
	ID           string         `json:"id"`
	LineNo       int            `json:"line_no"`
	ItemID       string         `json:"item_id"`
	ItemCode     string         `json:"item_code"`
	ItemName     string         `json:"item_name"`
	UoM          string         `json:"uom"`
	UoMPrecision int            `json:"uom_precision"`
	Quantity     money.Quantity `json:"quantity"`
	Received     money.Quantity `json:"received"`
	Reason       string         `json:"reason"`
}

// SalesReturnIntake is goods of a return received into quarantine.
type SalesReturnIntake struct {
	ItemID       string         `json:"item_id"`
	ItemCode     string         `json:"item_code"`
	LocationCode string         `json:"location_code"`
	LotNo        string         `json:"lot_no,omitempty"`
	Quantity     money.Quantity `json:"quantity"`
	DocID        string         `json:"doc_id"`
	CreatedAt    time.Time      `json:"created_at"`
}

// ReturnAuthorized is the data of crm.return.authorized. Decimals are read
// as text, so a malformed one rejects the authorisation.
type ReturnAuthorized struct {
	RMAID      string                 `json:"rma_id"`
	Number     string                 `json:"number"`
	CustomerID string                 `json:"customer_id"`
	ShipmentID string                 `json:"shipment_id"`
	Lines      []ReturnAuthorizedLine `json:"lines"`
}

// ReturnAuthorizedLine is one line of crm.return.authorized.
type ReturnAuthorizedLine struct {
	ItemID   string  `json:"item_id"`
	Quantity Decimal `json:"quantity"`
	Reason   string  `json:"reason"`
}

// ReturnReceivedData is the data of erp.return.received.
type ReturnReceivedData struct {
	RMAID      string               `json:"rma_id"`
	ReturnID   string               `json:"return_id"`
	Number     string               `json:"number"`
	CustomerID string               `json:"customer_id"`
	ShipmentID string               `json:"shipment_id"`
	SOID       string               `json:"so_id"`
	Status     ReturnStatus         `json:"status"`
	Reason     string               `json:"reason"`
	ReceivedAt string               `json:"received_at"`
	Lines      []ReturnReceivedLine `json:"lines"`
}

// ReturnReceivedLine is one item of erp.return.received.
type ReturnReceivedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
	Lots     []string       `json:"lots"`
}

// Message ids of return errors.
const (
	KeyShipmentUnknown   = "erp.sales.error.shipment_unknown"
	KeyReturnExceeds     = "erp.sales.error.return_exceeds"
	KeyItemNotShipped    = "erp.sales.error.item_not_shipped"
	KeyNotQuarantine     = "erp.sales.error.not_quarantine"
	KeyReturnNotExpected = "erp.sales.error.return_not_expected"
	KeyLotNotShipped     = "erp.sales.error.lot_not_shipped"
	KeyLocationUnknown   = "erp.sales.error.location_unknown"
	KeyReturnNothingIn   = "erp.sales.error.return_nothing_in"
	KeyReturnSomeIn      = "erp.sales.error.return_some_in"
)

func init() {
	authz.Register(authz.Definition{Name: PermReturn, Module: Module, Roles: []string{identity.RoleSalesManager, identity.RoleWarehouseClerk}})
	uuid := `{"type":"string","format":"uuid"}`
	decimal := `{"type":"string","format":"decimal"}`
	erpkit.RegisterForeign(outbox.EventType{
		Type: EventReturnAuthorized, Version: 1, Source: "crm",
		Description: "A customer's return of shipped goods was authorised in CRM; ERP expects the goods back.",
		Schema: json.RawMessage(`{"type":"object","required":["rma_id","number","customer_id","shipment_id","lines"],"properties":{` +
			`"rma_id":` + uuid + `,"number":{"type":"string"},"customer_id":` + uuid + `,"shipment_id":` + uuid + `,` +
			`"lines":{"type":"array","items":{"type":"object","required":["item_id","quantity"],"properties":{` +
			`"item_id":` + uuid + `,"quantity":` + decimal + `,"reason":{"type":"string"}}}}}}`),
		Example: map[string]any{"rma_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c40", "number": "RMA-2026-000003",
			"customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c13", "shipment_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c16",
			"lines": []map[string]any{{"item_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c14", "quantity": "20", "reason": "气孔超标"}}},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventReturnReceived, Version: 1, Source: "erp",
		Description: "Goods of a customer return arrived into quarantine (status received), or ERP cannot take a return " +
			"authorisation (status rejected, with the reason: an unknown shipment, or more than was shipped).",
		Schema: json.RawMessage(`{"type":"object","required":["rma_id","return_id","number","status"],"properties":{` +
			`"rma_id":{"type":"string"},"return_id":{"type":"string"},"number":{"type":"string"},"customer_id":{"type":"string"},` +
			`"shipment_id":{"type":"string"},"so_id":{"type":"string"},"status":{"type":"string","enum":["received","rejected"]},` +
			`"reason":{"type":"string"},"received_at":{"type":"string"},` +
			`"lines":{"type":"array","items":{"type":"object","required":["item_id","quantity","lots"],"properties":{` +
			`"item_id":{"type":"string"},"quantity":` + decimal + `,"lots":{"type":"array","items":{"type":"string"}}}}}}}`),
		Example: ReturnReceivedData{RMAID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c40", ReturnID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c41",
			Number: "RMA-2026-000002", CustomerID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c13", ShipmentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c16",
			SOID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c15", Status: ReturnReceived, ReceivedAt: "2026-05-14T08:30:00Z",
			Lines: []ReturnReceivedLine{{ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c14", Quantity: money.MustQuantity("20"), Lots: []string{"GBH-2605-01"}}}},
	})
}
