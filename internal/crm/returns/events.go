package returns

import (
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Event types of returns.
const (
	// EventAuthorized is sent when a return authorisation is authorised.
	EventAuthorized = "crm.return.authorized"
	// EventReceived is ERP's answer: the goods arrived, or ERP refused them.
	EventReceived = "erp.return.received"
	// EventShipped is ERP's shipment, of which the CRM keeps a copy.
	EventShipped = "erp.shipment.shipped"
)

// AuthorizedLine is a line of crm.return.authorized.
type AuthorizedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
	Reason   string         `json:"reason"`
}

// AuthorizedData is the data of crm.return.authorized v1.
type AuthorizedData struct {
	RMAID      string           `json:"rma_id"`
	Number     string           `json:"number"`
	CustomerID string           `json:"customer_id"`
	ShipmentID string           `json:"shipment_id"`
	Lines      []AuthorizedLine `json:"lines"`
}

// ReceivedLine is a line of erp.return.received.
type ReceivedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
	Lots     []string       `json:"lots"`
}

// ReceivedData is the data of erp.return.received v1.
type ReceivedData struct {
	RMAID      string         `json:"rma_id"`
	ReturnID   string         `json:"return_id"`
	Number     string         `json:"number"`
	CustomerID string         `json:"customer_id"`
	ShipmentID string         `json:"shipment_id"`
	SOID       string         `json:"so_id"`
	Status     string         `json:"status"`
	Reason     string         `json:"reason"`
	ReceivedAt string         `json:"received_at"`
	Lines      []ReceivedLine `json:"lines"`
}

// ShippedLine is an item of erp.shipment.shipped.
type ShippedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
}

// ShippedData is the part of erp.shipment.shipped v1 the module keeps.
type ShippedData struct {
	ShipmentID string        `json:"shipment_id"`
	Number     string        `json:"number"`
	SOID       string        `json:"so_id"`
	SONumber   string        `json:"so_number"`
	QuoteID    string        `json:"quote_id"`
	CustomerID string        `json:"customer_id"`
	Carrier    string        `json:"carrier"`
	TrackingNo string        `json:"tracking_no"`
	ShippedAt  string        `json:"shipped_at"`
	Lines      []ShippedLine `json:"lines"`
}

const (
	qtySchema  = `{"type":"string","pattern":"^-?[0-9]+(\\.[0-9]+)?$"}`
	uuidSchema = `{"type":"string","format":"uuid"}`
)

func init() {
	if _, ok := outbox.Lookup(EventAuthorized, 1); ok {
		return
	}
	et := outbox.EventType{Type: EventAuthorized, Version: 1, Source: "crm",
		Description: "A sales manager authorised a customer's return of shipped goods (退货授权); ERP expects the goods back.",
		Schema: json.RawMessage(`{"type":"object","required":["rma_id","number","customer_id","shipment_id","lines"],"properties":{` +
			`"rma_id":` + uuidSchema + `,"number":{"type":"string"},"customer_id":` + uuidSchema + `,"shipment_id":` + uuidSchema + `,` +
			`"lines":{"type":"array","items":{"type":"object","required":["item_id","quantity","reason"],"properties":{` +
			`"item_id":` + uuidSchema + `,"quantity":` + qtySchema + `,"reason":{"type":"string"}}}}}}`),
		Example: AuthorizedData{RMAID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c40", Number: "RMA-2026-000003",
			CustomerID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", ShipmentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1f",
			Lines: []AuthorizedLine{{ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", Quantity: money.MustQuantity("20"), Reason: "气孔超标"}}},
	}
	if err := outbox.Register(et); err != nil {
		if _, ok := outbox.Lookup(EventAuthorized, 1); !ok {
			panic(err)
		}
	}
}

// RegisterERPTypes registers erp.return.received when ERP's modules are not
// in the program; ERP's own definition wins when present.
func RegisterERPTypes() error {
	if _, ok := outbox.Lookup(EventReceived, 1); ok {
		return nil
	}
	et := outbox.EventType{Type: EventReceived, Version: 1, Source: "erp",
		Description: "Goods of a return arrived (into quarantine), or ERP cannot take a return authorisation.",
		Schema: json.RawMessage(`{"type":"object","required":["status"],"properties":{"rma_id":{"type":"string"},"return_id":{"type":"string"},` +
			`"number":{"type":"string"},"customer_id":{"type":"string"},"shipment_id":{"type":"string"},"so_id":{"type":"string"},` +
			`"status":{"type":"string","enum":["received","rejected"]},"reason":{"type":"string"},"received_at":{"type":"string"},` +
			`"lines":{"type":"array","items":{"type":"object","properties":{"item_id":{"type":"string"},"quantity":` + qtySchema +
			`,"lots":{"type":"array","items":{"type":"string"}}}}}}}`),
		Example: ReceivedData{RMAID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c40", ReturnID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c41",
			Number: "RT-2026-000002", Status: "received", ReceivedAt: "2026-05-12T08:30:00Z",
			Lines: []ReceivedLine{{ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", Quantity: money.MustQuantity("20"), Lots: []string{}}}},
	}
	if err := outbox.Register(et); err != nil {
		if _, ok := outbox.Lookup(EventReceived, 1); !ok {
			return fmt.Errorf("returns: register %s: %w", EventReceived, err)
		}
	}
	return nil
}
