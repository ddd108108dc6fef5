package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

const billCols = `b.id, b.number, b.order_id, o.number, b.supplier_id, o.supplier_name, b.invoice_no, b.bill_date, b.due_date, b.currency,
	b.status, b.net, b.tax, b.gross, b.entry_id, b.decided_by, b.comment, b.created_by, b.created_at`

func scanBill(sc interface{ Scan(...any) error }) (domain.SupplierBill, error) {
	var (
		b    domain.SupplierBill
		when int64
	)
	err := sc.Scan(&b.ID, &b.Number, &b.OrderID, &b.OrderNo, &b.SupplierID, &b.Supplier, &b.InvoiceNo, &b.BillDate, &b.DueDate,
		&b.Currency, &b.Status, &b.Net, &b.Tax, &b.Gross, &b.EntryID, &b.DecidedBy, &b.Comment, &b.CreatedBy, &when)
	b.CreatedAt = db.FromMillis(when)
	return b, err
}

// BillFilter selects bills.
type BillFilter struct {
	Status  domain.BillStatus
	OrderID string
	Limit   int
}

// Bills lists supplier bills, newest first.
func (s *Service) Bills(ctx context.Context, f BillFilter) ([]domain.SupplierBill, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.Status != "" {
		args = append(args, string(f.Status))
		where = append(where, fmt.Sprintf("b.status = $%d", len(args)))
	}
	if f.OrderID != "" {
		args = append(args, f.OrderID)
		where = append(where, fmt.Sprintf("b.order_id = $%d", len(args)))
	}
	q := `SELECT ` + billCols + ` FROM pur_bill b JOIN pur_order o ON o.id = b.order_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, erpkit.Limit(f.Limit))
	rows, err := s.DB.Query(ctx, q+fmt.Sprintf(` ORDER BY b.created_at DESC, b.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("purchasing: list bills: %w", err)
	}
	defer rows.Close()
	out := []domain.SupplierBill{}
	for rows.Next() {
		b, err := scanBill(rows)
		if err != nil {
			return nil, err
		}
		b.Lines = []domain.SupplierBillLine{}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Bill returns a bill with its lines and what each matched against.
func (s *Service) Bill(ctx context.Context, id string) (domain.SupplierBill, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.SupplierBill{}, err
	}
	return s.bill(ctx, id, false)
}

func (s *Service) bill(ctx context.Context, id string, lock bool) (domain.SupplierBill, error) {
	if !db.ValidID(id) {
		return domain.SupplierBill{}, apperr.NotFound("bill", id)
	}
	q := `SELECT ` + billCols + ` FROM pur_bill b JOIN pur_order o ON o.id = b.order_id WHERE b.id = $1`
	if lock && s.DB.Engine == db.Postgres {
		q += ` FOR UPDATE OF b`
	}
	b, err := scanBill(s.DB.QueryRow(ctx, q, id))
	if noRows(err) {
		return b, apperr.NotFound("bill", id)
	}
	if err != nil {
		return b, err
	}
	rows, err := s.DB.Query(ctx, `SELECT bl.id, bl.line_id, l.item_code, l.item_name, l.uom, bl.quantity, bl.unit_price, bl.vat_rate,
		bl.net, bl.tax, l.quantity, l.received, l.unit_price, bl.reasons FROM pur_bill_line bl JOIN pur_order_line l ON l.id = bl.line_id
		WHERE bl.bill_id = $1 ORDER BY l.line_no, bl.id`, id)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	b.Lines = []domain.SupplierBillLine{}
	for rows.Next() {
		var (
			l       domain.SupplierBillLine
			reasons string
		)
		if err := rows.Scan(&l.ID, &l.LineID, &l.ItemCode, &l.ItemName, &l.UoM, &l.Quantity, &l.UnitPrice, &l.VATRate, &l.Net, &l.Tax,
			&l.Ordered, &l.Received, &l.POPrice, &reasons); err != nil {
			return b, err
		}
		l.Reasons = []string{}
		if reasons != "" {
			l.Reasons = strings.Split(reasons, ",")
		}
		b.Lines = append(b.Lines, l)
	}
	return b, rows.Err()
}

// EnterBill records a supplier's bill against a purchase order and
// matches it three ways: each line's billed quantity (with what was billed
// before) may not exceed what was received, within the over-receipt
// tolerance, and its price must be within the price tolerance of the
// order's. A bill that matches posts at once; one that does not is held,
// with its reasons, for a finance manager to approve or reject.
func (s *Service) EnterBill(ctx context.Context, in domain.SupplierBillInput) (domain.SupplierBill, error) {
	if _, err := erpkit.Require(ctx, domain.PermBill); err != nil {
		return domain.SupplierBill{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.SupplierBill{}, err
	}
	if in.BillDate == "" {
		in.BillDate = s.today()
	}
	if in.DueDate == "" {
		in.DueDate = in.BillDate
	}
	var out domain.SupplierBill
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.order(ctx, in.OrderID, true)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
			return apperr.Invalid("order_id", domain.KeyOrderUnknown, "No purchase order has this number")
		case err != nil:
			return err
		case o.Status == domain.StatusDraft || o.Status == domain.StatusPendingApproval || o.Status == domain.StatusCancelled:
			return apperr.Invalid("order_id", domain.KeyOrderStatus, "Nothing was received against this order").
				WithParams(map[string]any{"Number": o.Number})
		}
		st, err := s.settings(ctx)
		if err != nil {
			return err
		}
		lines := map[string]domain.PurchaseLine{}
		for _, l := range o.Lines {
			lines[l.ID] = l
		}
		var (
			p        erpkit.Problems
			net, tax int64
			held     bool
			billed   = map[string]money.Quantity{}
		)
		b := domain.SupplierBill{ID: db.NewID(), OrderID: o.ID, OrderNo: o.Number, SupplierID: o.SupplierID, Supplier: o.SupplierName,
			InvoiceNo: in.InvoiceNo, BillDate: in.BillDate, DueDate: in.DueDate, Currency: o.Currency, CreatedBy: erpkit.Actor(ctx),
			CreatedAt: s.now().UTC().Truncate(1e6)}
		for i, li := range in.Lines {
			f := domain.LinePath(i)
			l, ok := lines[li.LineID]
			if !ok {
				p.Add(f+".line_id", domain.KeyLineUnknown, "This line is not on the order")
				continue
			}
			base, err := toBase(li.Quantity, l.Factor)
			if err != nil || !precise(base, l.BasePrecision) {
				p.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
					map[string]any{"UoM": l.BaseUoM, "Scale": l.BasePrecision})
				continue
			}
			bl := domain.SupplierBillLine{ID: db.NewID(), LineID: l.ID, ItemCode: l.ItemCode, ItemName: l.ItemName, UoM: l.UoM,
				Quantity: li.Quantity, UnitPrice: l.UnitPrice, VATRate: l.VATRate, Ordered: l.Quantity, Received: l.Received,
				POPrice: l.UnitPrice, Reasons: []string{}}
			if li.UnitPrice != nil {
				bl.UnitPrice = *li.UnitPrice
			}
			if li.VATRate != nil {
				bl.VATRate = *li.VATRate
			}
			if bl.Net, bl.Tax, err = lineAmounts(bl.Quantity, bl.UnitPrice, bl.VATRate); err != nil {
				p.Add(f+".quantity", domain.KeyTooLarge, "The number is too large")
				continue
			}
			prior, ok := billed[l.ID]
			if !ok {
				prior = l.Billed
			}
			total, err := prior.Add(bl.Quantity)
			if err != nil {
				p.Add(f+".quantity", domain.KeyTooLarge, "The number is too large")
				continue
			}
			billed[l.ID] = total
			allowed, err := withTolerance(l.Received, st.ReceiptTolerance)
			if err != nil {
				return err
			}
			if total.Cmp(allowed) > 0 {
				bl.Reasons = append(bl.Reasons, domain.ReasonQuantity)
			}
			if ok, err := priceWithin(bl.UnitPrice, l.UnitPrice, st.PriceTolerance); err != nil {
				return err
			} else if !ok {
				bl.Reasons = append(bl.Reasons, domain.ReasonPrice)
			}
			held = held || len(bl.Reasons) > 0
			net += bl.Net.Units()
			tax += bl.Tax.Units()
			b.Lines = append(b.Lines, bl)
		}
		if err := p.Err(); err != nil {
			return err
		}
		b.Net, b.Tax, b.Gross = money.AmountFromUnits(net), money.AmountFromUnits(tax), money.AmountFromUnits(net+tax)
		b.Status = domain.BillPosted
		if held {
			b.Status = domain.BillHeld
		}
		if b.Number, err = s.DB.NextDocNumber(ctx, "PB", s.now()); err != nil {
			return err
		}
		// The bill is written held first and posted by the same path a
		// finance manager's approval takes.
		_, err = s.DB.Exec(ctx, `INSERT INTO pur_bill (id, number, order_id, supplier_id, invoice_no, bill_date, due_date, currency, status,
			net, tax, gross, entry_id, decided_by, comment, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'held', $9, $10, $11, '', '', '', $12, $13, $13)`, b.ID, b.Number, b.OrderID, b.SupplierID,
			b.InvoiceNo, b.BillDate, b.DueDate, b.Currency, b.Net, b.Tax, b.Gross, b.CreatedBy, db.Millis(b.CreatedAt))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("invoice_no", domain.KeyInvoiceTaken, "This supplier's invoice number is already entered")
		}
		if err != nil {
			return fmt.Errorf("purchasing: enter bill: %w", err)
		}
		for _, l := range b.Lines {
			if _, err := s.DB.Exec(ctx, `INSERT INTO pur_bill_line (id, bill_id, line_id, quantity, unit_price, vat_rate, net, tax, reasons)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, l.ID, b.ID, l.LineID, l.Quantity, l.UnitPrice, l.VATRate, l.Net, l.Tax,
				strings.Join(l.Reasons, ",")); err != nil {
				return fmt.Errorf("purchasing: enter bill line: %w", err)
			}
		}
		if !held {
			if err := s.post(ctx, b, ""); err != nil {
				return err
			}
		}
		if out, err = s.bill(ctx, b.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.bill.entered", EntityKind: "erp.purchasing.bill",
			EntityID: b.ID, After: out})
	})
	return out, err
}

// priceWithin reports whether price is within tol (a share) of want.
func priceWithin(price, want money.UnitPrice, tol money.Rate) (bool, error) {
	diff, err := price.Sub(want)
	if err != nil {
		return false, err
	}
	diff, err = diff.Abs()
	if err != nil {
		return false, err
	}
	d, err := want.Decimal().Mul(tol.Decimal())
	if err != nil {
		return false, err
	}
	limit, err := money.UnitPriceFromDecimal(d, money.RoundHalfUp)
	if err != nil {
		return false, err
	}
	return diff.Cmp(limit) <= 0, nil
}

// post posts a bill: GRNI is cleared at the order's price for the billed
// quantity, the difference to the billed net goes to price difference,
// input VAT is debited and the supplier's payable credited. The billed
// quantities of the order lines grow in the same transaction.
//
// A line's billed quantity never grows beyond what was ordered or received
// (the larger), over-receipt tolerance included: the update is conditional,
// so of two held bills approved for the same goods only the first posts,
// even when both approvals run at once.
func (s *Service) post(ctx context.Context, b domain.SupplierBill, comment string) error {
	var (
		lines []finance.PostingLine
		grni  int64
	)
	st, err := s.settings(ctx)
	if err != nil {
		return err
	}
	for _, l := range b.Lines {
		v, err := l.Quantity.MulUnitPrice(l.POPrice, money.RoundHalfUp)
		if err != nil {
			return err
		}
		grni += v.Units()
		if err := s.addBilled(ctx, l, st.ReceiptTolerance); err != nil {
			return err
		}
	}
	if grni > 0 {
		lines = append(lines, finance.PostingLine{Role: finance.RoleGRNI, Debit: money.AmountFromUnits(grni), Memo: b.InvoiceNo})
	}
	switch diff := b.Net.Units() - grni; {
	case diff > 0:
		lines = append(lines, finance.PostingLine{Role: finance.RolePriceDiff, Debit: money.AmountFromUnits(diff)})
	case diff < 0:
		lines = append(lines, finance.PostingLine{Role: finance.RolePriceDiff, Credit: money.AmountFromUnits(-diff)})
	}
	if b.Tax.Sign() > 0 {
		lines = append(lines, finance.PostingLine{Role: finance.RoleInputVAT, Debit: b.Tax})
	}
	if b.Gross.Sign() > 0 {
		lines = append(lines, finance.PostingLine{Role: finance.RoleAP, Credit: b.Gross, Memo: b.InvoiceNo})
	}
	entryID := ""
	if poster := s.Poster(); poster != nil && len(lines) > 0 {
		var err error
		if entryID, err = poster.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: b.ID, SourceNumber: b.Number,
			Date: b.BillDate, Currency: b.Currency, PartnerKind: "supplier", PartnerID: b.SupplierID, DueDate: b.DueDate,
			Memo: b.Supplier + " " + b.InvoiceNo, Lines: lines}); err != nil {
			return prefixFields(err, "date", "bill_date")
		}
	}
	decidedBy := ""
	if comment != "" || b.Status == domain.BillHeld {
		decidedBy = erpkit.Actor(ctx)
	}
	_, err = s.DB.Exec(ctx, `UPDATE pur_bill SET status = 'posted', entry_id = $2, decided_by = $3, comment = $4, updated_at = $5
		WHERE id = $1 AND status = 'held'`, b.ID, entryID, decidedBy, comment, db.Millis(s.now()))
	return err
}

// ApproveBill posts a held bill, mismatch and all, with the approver's comment.
func (s *Service) ApproveBill(ctx context.Context, id, comment string) (domain.SupplierBill, error) {
	return s.decideBill(ctx, id, comment, true)
}

// RejectBill rejects a held bill; nothing is posted.
func (s *Service) RejectBill(ctx context.Context, id, comment string) (domain.SupplierBill, error) {
	return s.decideBill(ctx, id, comment, false)
}

func (s *Service) decideBill(ctx context.Context, id, comment string, approve bool) (domain.SupplierBill, error) {
	if _, err := erpkit.Require(ctx, domain.PermApprove); err != nil {
		return domain.SupplierBill{}, err
	}
	if _, err := erpkit.Require(ctx, domain.PermBill); err != nil {
		return domain.SupplierBill{}, err
	}
	comment = strings.TrimSpace(comment)
	var p erpkit.Problems
	p.Text("comment", comment, !approve, 500)
	if err := p.Err(); err != nil {
		return domain.SupplierBill{}, err
	}
	var out domain.SupplierBill
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.bill(ctx, id, true)
		if err != nil {
			return err
		}
		if before.Status != domain.BillHeld {
			return apperr.Precondition(domain.KeyBillStatus, "Only a held bill can be approved or rejected")
		}
		action := "approved"
		if approve {
			if err := s.post(ctx, before, comment); err != nil {
				return err
			}
		} else {
			action = "rejected"
			if _, err := s.DB.Exec(ctx, `UPDATE pur_bill SET status = 'rejected', decided_by = $2, comment = $3, updated_at = $4
				WHERE id = $1 AND status = 'held'`, id, erpkit.Actor(ctx), comment, db.Millis(s.now())); err != nil {
				return err
			}
		}
		if out, err = s.bill(ctx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.bill." + action, EntityKind: "erp.purchasing.bill",
			EntityID: id, Before: before, After: out})
	})
	return out, err
}

// addBilled raises an order line's billed quantity by a bill line's, if
// the total stays within what the line ordered or received (the larger,
// with the tolerance); else it refuses with a conflict naming the item and
// what can still be billed.
func (s *Service) addBilled(ctx context.Context, l domain.SupplierBillLine, tol money.Rate) error {
	var ordered, received, billed money.Quantity
	var uom string
	if err := s.DB.QueryRow(ctx, `SELECT quantity, received, billed, uom FROM pur_order_line WHERE id = $1`, l.LineID).
		Scan(&ordered, &received, &billed, &uom); err != nil {
		return err
	}
	most := ordered
	if received.Cmp(most) > 0 {
		most = received
	}
	limit, err := withTolerance(most, tol)
	if err != nil {
		return err
	}
	n, err := s.DB.ExecAffected(ctx, `UPDATE pur_order_line SET billed = billed + $2 WHERE id = $1 AND billed + $2 <= $3`,
		l.LineID, l.Quantity, limit)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// Read again: on PostgreSQL another bill may have committed since.
	if err := s.DB.QueryRow(ctx, `SELECT billed FROM pur_order_line WHERE id = $1`, l.LineID).Scan(&billed); err != nil {
		return err
	}
	left, err := limit.Sub(billed)
	if err != nil || left.Sign() < 0 {
		left = money.Quantity{}
	}
	return apperr.Conflict(domain.KeyBilledAlready, "Other bills already billed this line up to what was ordered and received").
		WithParams(map[string]any{"Item": l.ItemCode, "Max": left.String(), "UoM": uom})
}
