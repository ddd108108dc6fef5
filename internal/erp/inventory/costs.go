package inventory

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// sourceCosts answers shipmentcosts.Costs from the stock ledger: the
// signed value the valuation gave each move of the sources' documents.
type sourceCosts struct{ db *db.DB }

var _ shipmentcosts.Costs = sourceCosts{}

func (c sourceCosts) SourceCosts(ctx context.Context, kind string, ids []string) ([]shipmentcosts.ItemCost, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 1000 {
		return nil, fmt.Errorf("inventory: costs of %d sources at once, at most 1000", len(ids))
	}
	args := []any{kind}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := c.db.Query(ctx, `SELECT d.source_id, m.item_id, -sum(m.quantity), -sum(v.value)
		FROM inv_doc d JOIN inv_move m ON m.doc_id = d.id JOIN inv_cost v ON v.seq = m.seq
		WHERE d.source_kind = $1 AND d.source_id IN (`+strings.Join(marks, ", ")+`)
		GROUP BY d.source_id, m.item_id ORDER BY d.source_id, m.item_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shipmentcosts.ItemCost
	for rows.Next() {
		var (
			x    shipmentcosts.ItemCost
			q, v int64
		)
		if err := rows.Scan(&x.SourceID, &x.ItemID, &q, &v); err != nil {
			return nil, err
		}
		x.Quantity, x.Cost = money.QuantityFromUnits(q), money.AmountFromUnits(v)
		out = append(out, x)
	}
	return out, rows.Err()
}
