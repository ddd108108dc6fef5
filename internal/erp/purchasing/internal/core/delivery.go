package core

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
)

// Delivery measures how suppliers kept their dates over a period: of the
// order lines expected in it (approved orders and later), the share
// received in full by the expected date and the average days late of the
// others, counting lines still open as late until today.
func (s *Service) Delivery(ctx context.Context, from, to string) ([]domain.SupplierDelivery, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	var p erpkit.Problems
	p.Date("from", from, true)
	p.Date("to", to, true)
	if from != "" && to != "" && to < from && !p.Has("to") {
		p.Add("to", domain.KeyDateOrder, "The end comes before the start")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT o.supplier_id, o.supplier_name, l.expected_date, l.full_date FROM pur_order_line l
		JOIN pur_order o ON o.id = l.order_id
		WHERE l.expected_date >= $1 AND l.expected_date <= $2 AND o.status NOT IN ('draft', 'pending_approval', 'cancelled')`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.today()
	bySupplier := map[string]*domain.SupplierDelivery{}
	lateDays := map[string]int{}
	for rows.Next() {
		var id, name, expected, full string
		if err := rows.Scan(&id, &name, &expected, &full); err != nil {
			return nil, err
		}
		d := bySupplier[id]
		if d == nil {
			d = &domain.SupplierDelivery{SupplierID: id, SupplierName: name, AverageDaysLate: "0.0"}
			bySupplier[id] = d
		}
		d.Lines++
		done := full
		if done == "" {
			done = today
		}
		switch {
		case full != "" && full <= expected:
			d.OnTime++
		case done > expected:
			d.Late++
			lateDays[id] += days(expected, done)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]domain.SupplierDelivery, 0, len(bySupplier))
	for id, d := range bySupplier {
		d.OnTimePercent = d.OnTime * 100 / d.Lines
		if d.Late > 0 {
			tenths := (lateDays[id]*10 + d.Late/2) / d.Late
			d.AverageDaysLate = fmt.Sprintf("%d.%d", tenths/10, tenths%10)
		}
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b domain.SupplierDelivery) int {
		if a.OnTimePercent != b.OnTimePercent {
			return a.OnTimePercent - b.OnTimePercent
		}
		if a.SupplierName < b.SupplierName {
			return -1
		}
		return 1
	})
	return out, nil
}

// days counts the calendar days from a to b (YYYY-MM-DD).
func days(a, b string) int {
	ta, err1 := time.Parse(erpkit.DateLayout, a)
	tb, err2 := time.Parse(erpkit.DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}
