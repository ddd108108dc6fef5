package reports

import (
	"context"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/money"
)

// closingNets returns, per account, the base debit less credit of the
// posted year-end closing entries dated between from and to, which the
// income statement leaves out.
func (s *Service) closingNets(ctx context.Context, from, to string) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT l.account_id, sum(l.base_debit) - sum(l.base_credit)
		FROM fin_entry e JOIN fin_line l ON l.entry_id = e.id
		WHERE e.source_kind = $1 AND e.status = 'posted' AND e.date >= $2 AND e.date <= $3 GROUP BY l.account_id`,
		ledger.SourceYearClose, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			id  string
			net money.Amount
		)
		if err := rows.Scan(&id, &net); err != nil {
			return nil, err
		}
		out[id] = net.Units()
	}
	return out, rows.Err()
}
