// Package shipmentcosts is the read contract of the cost of goods the
// inventory moved for a source document, per item: what a sales shipment
// took out of stock at its valuation, or what a customer return brought
// back. Finance reads it for the gross margin by item. It is a leaf
// package (money and module only), like the sales module's salesorders.
package shipmentcosts

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ServiceName is the name the inventory provides its Costs under.
const ServiceName = "erp.inventory.shipment_costs"

// Source kinds of the stock documents whose costs are read.
const (
	SourceShipment = "so_shipment" // a sales shipment: goods out
	SourceReturn   = "so_return"   // a received customer return: goods back in
)

// ItemCost is what the stock documents of one source moved of one item:
// the quantity and its cost at the stock valuation, both counted positive
// for goods going out (a shipment) and negative for goods coming in (a
// return).
type ItemCost struct {
	SourceID string
	ItemID   string
	Quantity money.Quantity
	Cost     money.Amount
}

// Costs reads the cost of goods of source documents; it checks no permission.
type Costs interface {
	// SourceCosts returns, per source and item, what the stock documents
	// of the sources of a kind moved; sources without a stock document
	// are left out. At most 1000 sources at once.
	SourceCosts(ctx context.Context, sourceKind string, sourceIDs []string) ([]ItemCost, error)
}

// From returns the Costs wired in this process, or nil.
func From(s *module.Services) Costs {
	if s == nil {
		return nil
	}
	c, _ := s.Lookup(ServiceName).(Costs)
	return c
}
