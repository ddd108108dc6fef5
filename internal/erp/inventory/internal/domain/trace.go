package domain

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/money"
)

// TraceShipment is a shipment to a customer as the sales module knows it.
type TraceShipment struct {
	DocID        string `json:"doc_id"`
	ShipmentID   string `json:"shipment_id"`
	Number       string `json:"number"`
	OrderID      string `json:"order_id"`
	OrderNumber  string `json:"order_number"`
	CustomerID   string `json:"customer_id"`
	CustomerName string `json:"customer_name"`
	Carrier      string `json:"carrier"`
	TrackingNo   string `json:"tracking_no"`
	Date         string `json:"date"`
}

// ShipmentDetails tells the inventory about the shipments behind its
// shipment documents; the sales module provides it under
// ShipmentDetailsName, and without it traceability shows documents only.
type ShipmentDetails interface {
	// LookupShipmentsByDoc returns the shipments that posted the documents, by document id.
	LookupShipmentsByDoc(ctx context.Context, docIDs []string) (map[string]TraceShipment, error)
	// LookupShipments returns the shipped shipments of a customer, or the one
	// with a number (or id), newest first.
	LookupShipments(ctx context.Context, customerID, shipment string) ([]TraceShipment, error)
}

// ShipmentDetailsName is the name ShipmentDetails is provided under.
const ShipmentDetailsName = "erp.sales.shipment_details"

// LotTrace is where a lot or serial number came from, where it is now, and
// where it went.
type LotTrace struct {
	ItemID    string             `json:"item_id"`
	ItemCode  string             `json:"item_code"`
	ItemName  string             `json:"item_name"`
	UoM       string             `json:"uom"`
	LotID     string             `json:"lot_id"`
	LotNo     string             `json:"lot_no"`
	Serial    bool               `json:"serial" doc:"A serial number rather than a lot."`
	Expiry    string             `json:"expiry_date,omitempty"`
	Origins   []TraceOrigin      `json:"origins" nullable:"false" doc:"Documents that brought the lot in: receipts, production, customer returns."`
	Locations []InventoryBalance `json:"locations" nullable:"false" doc:"Where it lies now."`
	Shipments []TraceOut         `json:"shipments" nullable:"false" doc:"Every shipment it went out on."`
	Moves     []InventoryMove    `json:"moves" nullable:"false" doc:"Every move of the lot, oldest first."`
}

// TraceOrigin is a document that brought a lot in.
type TraceOrigin struct {
	DocID       string         `json:"doc_id"`
	Number      string         `json:"number"`
	Kind        DocKind        `json:"kind"`
	Date        string         `json:"date"`
	Reference   string         `json:"reference"`
	PartnerKind string         `json:"partner_kind,omitempty" enum:"customer,supplier,"`
	PartnerID   string         `json:"partner_id,omitempty"`
	PartnerName string         `json:"partner_name,omitempty"`
	Quantity    money.Quantity `json:"quantity"`
}

// TraceOut is a shipment a lot went out on, with how much of it.
type TraceOut struct {
	TraceShipment
	Quantity money.Quantity `json:"quantity"`
}

// ShipmentLots is a shipment with the lots (and serial numbers) it took out.
type ShipmentLots struct {
	TraceShipment
	Lots []ShippedLot `json:"lots" nullable:"false"`
}

// ShippedLot is so much of an item's lot on a shipment.
type ShippedLot struct {
	ItemID   string         `json:"item_id"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	LotNo    string         `json:"lot_no"`
	Quantity money.Quantity `json:"quantity"`
}

// LotMatch is an item that has a lot or serial number of the number searched.
type LotMatch struct {
	ItemID   string `json:"item_id"`
	ItemCode string `json:"item_code"`
	ItemName string `json:"item_name"`
	LotNo    string `json:"lot_no"`
}
