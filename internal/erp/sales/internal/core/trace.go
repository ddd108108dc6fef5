package core

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/platform/db"
)

// ShipmentDetails tells the inventory's traceability screens about shipments.
type ShipmentDetails struct{ S *Service }

var _ inventory.ShipmentDetails = ShipmentDetails{}

const traceCols = `s.doc_id, s.id, s.number, o.id, o.number, o.customer_id, o.customer_name, s.carrier, s.tracking_no, s.date`

func (d ShipmentDetails) scan(ctx context.Context, q string, args ...any) ([]inventory.TraceShipment, error) {
	rows, err := d.S.DB.Query(ctx, `SELECT `+traceCols+` FROM so_shipment s JOIN so_order o ON o.id = s.order_id WHERE s.status = 'shipped' AND `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("sales: read shipments: %w", err)
	}
	defer rows.Close()
	var out []inventory.TraceShipment
	for rows.Next() {
		var t inventory.TraceShipment
		if err := rows.Scan(&t.DocID, &t.ShipmentID, &t.Number, &t.OrderID, &t.OrderNumber, &t.CustomerID, &t.CustomerName,
			&t.Carrier, &t.TrackingNo, &t.Date); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// LookupShipmentsByDoc returns the shipments that posted the stock documents, by document id.
func (d ShipmentDetails) LookupShipmentsByDoc(ctx context.Context, docIDs []string) (map[string]inventory.TraceShipment, error) {
	out := map[string]inventory.TraceShipment{}
	err := erpkit.Chunks(docIDs, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		ts, err := d.scan(ctx, `s.doc_id IN (`+erpkit.Placeholders(1, len(part))+`)`, args...)
		for _, t := range ts {
			out[t.DocID] = t
		}
		return err
	})
	return out, err
}

// LookupShipments returns the shipped shipments of a customer, or the one
// with a number or id, newest first.
func (d ShipmentDetails) LookupShipments(ctx context.Context, customerID, shipment string) ([]inventory.TraceShipment, error) {
	if shipment != "" {
		if db.ValidID(shipment) {
			return d.scan(ctx, `s.id = $1`, shipment)
		}
		return d.scan(ctx, `s.number = $1`, shipment)
	}
	return d.scan(ctx, `o.customer_id = $1 ORDER BY s.shipped_at DESC, s.id DESC LIMIT 200`, customerID)
}
