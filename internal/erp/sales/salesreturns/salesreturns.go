// Package salesreturns is the read contract of the sales module's customer
// returns for the other ERP modules: which goods came back on which
// shipment. It is a leaf package (money and module only), so finance can
// read returns although the sales module imports the finance module.
package salesreturns

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ServiceName is the name the sales module provides its Returns under.
const ServiceName = "erp.sales.returns"

// StatusReceived is the status of a return whose goods all arrived.
const StatusReceived = "received"

// Line is one item of a return.
type Line struct {
	LineNo   int
	ItemID   string
	ItemCode string
	Quantity money.Quantity // what the customer sends back
	Received money.Quantity // what arrived into quarantine
}

// Return is a customer return as other modules read it.
type Return struct {
	ID             string
	Number         string
	CustomerID     string
	CustomerName   string
	ShipmentID     string
	ShipmentNumber string
	Status         string // expected, received, rejected or cancelled
	Lines          []Line
}

// Returns reads customer returns; its methods check no permission.
type Returns interface {
	// Return returns a return with its lines (apperr NotFound if none).
	Return(ctx context.Context, id string) (Return, error)
	// Received lists the newest received returns (at most 200), with their lines.
	Received(ctx context.Context) ([]Return, error)
}

// From returns the Returns wired in this process, or nil.
func From(s *module.Services) Returns {
	if s == nil {
		return nil
	}
	r, _ := s.Lookup(ServiceName).(Returns)
	return r
}
