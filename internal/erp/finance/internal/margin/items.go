package margin

import (
	"context"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
)

// itemLine is one posted invoice or credit note line as the margin by item reads it.
type itemLine struct {
	invoice, kind, shipment, ret string
	item, code, description      string
	rate                         money.Rate
	qty                          money.Quantity
	net                          money.Amount
}

// byItem is the gross margin per item: each invoice line's net at its
// invoice's rate against the cost of what it billed, at the unit cost its
// shipment took the item out of stock at (the inventory's valuation);
// credit notes take off revenue, and those written for a received return
// take off the cost the goods came back in at. Lines of no catalog item
// group by description; without the inventory module costs are zero.
func (s *Service) byItem(ctx context.Context, o Options) (*Report, error) {
	var out *Report
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		comp, err := s.l.Company(authz.WithPrincipal(ctx, authz.System()))
		if err != nil {
			return err
		}
		// A line billing a shipment line is of that line's item, named in the catalog or not.
		q := `SELECT i.id, i.kind, i.shipment_id, COALESCE(rc.return_id, ''), COALESCE(NULLIF(l.item_id, ''), sl.item_id, ''),
			l.item_code, l.description, i.rate, l.quantity, l.net FROM fin_invoice i JOIN fin_invoice_line l ON l.invoice_id = i.id
			LEFT JOIN fin_shipment_line sl ON sl.shipment_id = i.shipment_id AND sl.line_no = l.shipment_line
			LEFT JOIN fin_return_credit rc ON rc.credit_note_id = i.id
			WHERE i.status = 'posted' AND i.date >= $1 AND i.date <= $2`
		args := []any{o.From, o.To}
		if o.CustomerID != "" {
			args = append(args, o.CustomerID)
			q += ` AND i.customer_id = $` + itoa(len(args))
		}
		if o.SOID != "" {
			args = append(args, o.SOID)
			q += ` AND i.so_id = $` + itoa(len(args))
		}
		rows, err := s.db.Query(ctx, q+` ORDER BY i.date, i.id, l.line_no`, args...)
		if err != nil {
			return err
		}
		var lines []itemLine
		for rows.Next() {
			var l itemLine
			if err := rows.Scan(&l.invoice, &l.kind, &l.shipment, &l.ret, &l.item, &l.code, &l.description, &l.rate, &l.qty, &l.net); err != nil {
				rows.Close()
				return err
			}
			lines = append(lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		unit, err := s.unitCosts(ctx, lines)
		if err != nil {
			return err
		}
		type acc struct {
			label         string
			invoices      map[string]bool
			qty           int64
			revenue, cogs int64
		}
		by := map[string]*acc{}
		tot := acc{invoices: map[string]bool{}}
		for _, l := range lines {
			rev, err := l.net.MulRate(l.rate, money.RoundHalfUp)
			if err != nil {
				return err
			}
			qty := l.qty
			var cost money.Amount
			if c, ok := unit[costKey(l)]; ok {
				if cost, err = share(c.cost, qty, c.qty); err != nil {
					return err
				}
			}
			if l.kind == "credit_note" {
				rev, _ = rev.Neg()
				cost, _ = cost.Neg()
				qty, _ = qty.Neg()
			}
			key, label := l.item, strings.TrimSpace(l.code+" "+l.description)
			if key == "" {
				key, label = "-"+l.description, l.description
			}
			a := by[key]
			if a == nil {
				a = &acc{label: label, invoices: map[string]bool{}}
				by[key] = a
			}
			for _, x := range []*acc{a, &tot} {
				x.invoices[l.invoice] = true
				x.qty += qty.Units()
				x.revenue += rev.Units()
				x.cogs += cost.Units()
			}
		}
		mk := func(key string, a *acc, withQty bool) Row {
			r := Row{Key: key, Label: a.label, Invoices: len(a.invoices), Revenue: money.AmountFromUnits(a.revenue),
				COGS: money.AmountFromUnits(a.cogs), Margin: money.AmountFromUnits(a.revenue - a.cogs)}
			if withQty {
				r.Quantity = money.QuantityFromUnits(a.qty).String()
			}
			r.Percent = percent(r.Margin, r.Revenue)
			return r
		}
		out = &Report{From: o.From, To: o.To, By: ByItem, Currency: comp.BaseCurrency, Rows: []Row{}}
		for k, a := range by {
			if strings.HasPrefix(k, "-") {
				k = ""
			}
			out.Rows = append(out.Rows, mk(k, a, true))
		}
		slices.SortFunc(out.Rows, func(a, b Row) int {
			if x := b.Revenue.Cmp(a.Revenue); x != 0 {
				return x
			}
			return strings.Compare(a.Label, b.Label)
		})
		out.Total = mk("", &tot, false)
		return nil
	})
	return out, err
}

// costKey is where a line's unit cost is found: its shipment's item for an
// invoice, its return's item for a return's credit note.
func costKey(l itemLine) [3]string {
	switch {
	case l.item == "":
		return [3]string{}
	case l.kind == "invoice" && l.shipment != "":
		return [3]string{shipmentcosts.SourceShipment, l.shipment, l.item}
	case l.kind == "credit_note" && l.ret != "":
		return [3]string{shipmentcosts.SourceReturn, l.ret, l.item}
	}
	return [3]string{}
}

// unitCosts reads from the inventory the unit cost of each item of the
// lines' shipments and returns: cost ÷ quantity moved.
func (s *Service) unitCosts(ctx context.Context, lines []itemLine) (map[[3]string]unitCost, error) {
	out := map[[3]string]unitCost{}
	var c shipmentcosts.Costs
	if s.costs != nil {
		c = s.costs()
	}
	if c == nil {
		return out, nil
	}
	ids := map[string][]string{}
	seen := map[[2]string]bool{}
	for _, l := range lines {
		k := costKey(l)
		if k[0] == "" || seen[[2]string{k[0], k[1]}] {
			continue
		}
		seen[[2]string{k[0], k[1]}] = true
		ids[k[0]] = append(ids[k[0]], k[1])
	}
	for kind, all := range ids {
		for start := 0; start < len(all); start += 1000 {
			part := all[start:min(start+1000, len(all))]
			got, err := c.SourceCosts(ctx, kind, part)
			if err != nil {
				return nil, err
			}
			for _, x := range got {
				if x.Quantity.IsZero() {
					continue
				}
				out[[3]string{kind, x.SourceID, x.ItemID}] = unitCost{cost: x.Cost, qty: x.Quantity}
			}
		}
	}
	return out, nil
}

// unitCost is what a source moved of an item: its cost over its quantity.
type unitCost struct {
	cost money.Amount
	qty  money.Quantity
}
