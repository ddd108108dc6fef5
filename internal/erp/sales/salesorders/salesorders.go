// Package salesorders is the read contract of the sales module's orders for
// the other ERP modules: an order's lines with their prices, and what a
// customer's open orders are worth. It is a leaf package (money and module
// only), so finance can read orders although the sales module imports the
// finance module.
package salesorders

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ServiceName is the name the sales module provides its Orders under.
const ServiceName = "erp.sales.orders"

// Line is one line of a sales order with its price.
type Line struct {
	LineNo    int
	ItemID    string
	ItemCode  string
	Quantity  money.Quantity
	Shipped   money.Quantity
	UnitPrice money.UnitPrice // before VAT and discount
	Discount  money.Rate      // as a fraction: 0.05 is 5% off
	VATRate   money.Rate
	Net       money.Amount // quantity × price less the discount
}

// Order is a sales order as other modules read it.
type Order struct {
	ID         string
	Number     string
	CustomerID string
	Currency   string
	Status     string
	Lines      []Line
}

// ShippedLine is what one shipment took of one order line.
type ShippedLine struct {
	LineNo   int // the order line's number
	ItemID   string
	Quantity money.Quantity
}

// Orders reads sales orders; its methods check no permission.
type Orders interface {
	// OrderLines returns an order with its lines (apperr NotFound if none).
	OrderLines(ctx context.Context, orderID string) (Order, error)
	// OpenOrdersValue returns what a customer's confirmed orders still to
	// ship are worth, VAT included, per currency.
	OpenOrdersValue(ctx context.Context, customerID string) (map[string]money.Amount, error)
	// ShipmentLines returns what a shipment took of each order line, by
	// order line number (apperr NotFound if no such shipment).
	ShipmentLines(ctx context.Context, shipmentID string) ([]ShippedLine, error)
}

// From returns the Orders wired in this process, or nil.
func From(s *module.Services) Orders {
	if s == nil {
		return nil
	}
	o, _ := s.Lookup(ServiceName).(Orders)
	return o
}
