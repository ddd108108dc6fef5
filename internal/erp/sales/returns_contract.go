package sales

import (
	"context"

	"github.com/loom-erp/loom/internal/erp/sales/internal/core"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
)

// returns answers salesreturns.Returns from the sales service, as Loom itself.
type returns struct{ s *core.Service }

var _ salesreturns.Returns = returns{}

func returnOf(r domain.SalesReturn) salesreturns.Return {
	out := salesreturns.Return{ID: r.ID, Number: r.Number, CustomerID: r.CustomerID, CustomerName: r.CustomerName,
		ShipmentID: r.ShipmentID, ShipmentNumber: r.ShipmentNumber, Status: string(r.Status)}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, salesreturns.Line{LineNo: l.LineNo, ItemID: l.ItemID, ItemCode: l.ItemCode, Quantity: l.Quantity, Received: l.Received})
	}
	return out
}

func (x returns) Return(ctx context.Context, id string) (salesreturns.Return, error) {
	r, err := x.s.Return(sys(ctx), id)
	if err != nil {
		return salesreturns.Return{}, err
	}
	return returnOf(r), nil
}

func (x returns) Received(ctx context.Context) ([]salesreturns.Return, error) {
	ctx = sys(ctx)
	list, err := x.s.Returns(ctx)
	if err != nil {
		return nil, err
	}
	var out []salesreturns.Return
	for _, head := range list {
		if head.Status != domain.ReturnReceived {
			continue
		}
		r, err := x.s.Return(ctx, head.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, returnOf(r))
	}
	return out, nil
}
