package receivables

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Error keys of credit notes from customer returns.
const (
	keyReturnUnknown     = "fin.ret.error.unknown"
	keyReturnNotReceived = "fin.ret.error.not_received"
	keyReturnNotInvoiced = "fin.ret.error.not_invoiced"
	keyReturnCredited    = "fin.ret.error.credited"
	keyReturnNoSales     = "fin.ret.error.no_sales"
	keyReturnNothing     = "fin.ret.error.nothing"
)

// SetReturns sets where customer returns are read (the sales module's
// salesreturns.Returns); returns gives nil while no sales module is wired.
func (s *Service) SetReturns(returns func() salesreturns.Returns) { s.rets = returns }

func (s *Service) salesReturns() salesreturns.Returns {
	if s.rets == nil {
		return nil
	}
	return s.rets()
}

// ReturnToCredit is a received customer return with the posted invoice of
// its shipment and the credit note written for it, if any.
type ReturnToCredit struct {
	ReturnID       string `json:"return_id"`
	ReturnNumber   string `json:"return_number"`
	CustomerID     string `json:"customer_id"`
	CustomerName   string `json:"customer_name"`
	ShipmentID     string `json:"shipment_id"`
	ShipmentNumber string `json:"shipment_number"`
	InvoiceID      string `json:"invoice_id,omitempty"`
	InvoiceNumber  string `json:"invoice_number,omitempty"`
	CreditNoteID   string `json:"credit_note_id,omitempty"`
}

// ReturnCreditInput writes the draft credit note of a received return.
type ReturnCreditInput struct {
	ReturnID string
	Date     string
	Memo     string
}

// creditedBy returns the credit note written for a return, or "".
func (s *Service) creditedBy(ctx context.Context, returnID string) (string, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT r.credit_note_id FROM fin_return_credit r JOIN fin_invoice i ON i.id = r.credit_note_id
		WHERE r.return_id = $1`, returnID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// shipmentInvoice returns the posted invoice that billed (the last of) a
// shipment, or while it is partly invoiced its newest posted invoice, or "".
func (s *Service) shipmentInvoice(ctx context.Context, shipmentID string) (string, string, error) {
	var id, number string
	err := s.db.QueryRow(ctx, `SELECT s.invoice_id, COALESCE(i.number, '') FROM fin_shipment s
		LEFT JOIN fin_invoice i ON i.id = NULLIF(s.invoice_id, '') WHERE s.id = $1`, shipmentID).Scan(&id, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil || id != "" {
		return id, number, err
	}
	err = s.db.QueryRow(ctx, `SELECT id, number FROM fin_invoice WHERE shipment_id = $1 AND kind = 'invoice' AND status = 'posted'
		ORDER BY date DESC, number DESC LIMIT 1`, shipmentID).Scan(&id, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, number, err
}

// ReturnsToCredit lists the newest received customer returns with the
// invoice of their shipment and their credit note; it needs PermInvoiceRead.
// Without a sales module it lists none.
func (s *Service) ReturnsToCredit(ctx context.Context) ([]ReturnToCredit, error) {
	if _, err := require(ctx, finance.PermInvoiceRead); err != nil {
		return nil, err
	}
	out := []ReturnToCredit{}
	rs := s.salesReturns()
	if rs == nil {
		return out, nil
	}
	list, err := rs.Received(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		x := ReturnToCredit{ReturnID: r.ID, ReturnNumber: r.Number, CustomerID: r.CustomerID, CustomerName: r.CustomerName,
			ShipmentID: r.ShipmentID, ShipmentNumber: r.ShipmentNumber}
		if x.InvoiceID, x.InvoiceNumber, err = s.shipmentInvoice(ctx, r.ShipmentID); err != nil {
			return nil, err
		}
		if x.CreditNoteID, err = s.creditedBy(ctx, r.ID); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// returnCreditLines finds the posted invoice of a received return's
// shipment and the credit note lines for what came back: each item's
// received quantity at the invoiced unit price and VAT rate (the first
// invoice line of the item).
func (s *Service) returnCreditLines(ctx context.Context, r salesreturns.Return) (string, []InvoiceLineInput, error) {
	if r.Status != salesreturns.StatusReceived {
		return "", nil, invalid("return_id", keyReturnNotReceived, map[string]any{"Number": r.Number})
	}
	invID, _, err := s.shipmentInvoice(ctx, r.ShipmentID)
	if err != nil {
		return "", nil, err
	}
	if invID == "" {
		return "", nil, invalid("return_id", keyReturnNotInvoiced, map[string]any{"Number": r.ShipmentNumber})
	}
	inv, _, err := s.invoice(ctx, invID)
	if err != nil {
		return "", nil, err
	}
	var lines []InvoiceLineInput
	for _, rl := range r.Lines {
		if rl.Received.Sign() <= 0 {
			continue
		}
		for _, l := range inv.Lines {
			if (rl.ItemID != "" && l.ItemID == rl.ItemID) || (l.ItemID == "" && rl.ItemCode != "" && strings.EqualFold(l.ItemCode, rl.ItemCode)) {
				rate := l.VATRate
				lines = append(lines, InvoiceLineInput{ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec, UoM: l.UoM,
					TaxCode: l.TaxCode, Quantity: rl.Received, UnitPrice: l.UnitPrice, VATRate: &rate})
				break
			}
		}
	}
	if len(lines) == 0 {
		return "", nil, invalid("return_id", keyReturnNothing, map[string]any{"Number": r.Number})
	}
	return invID, lines, nil
}

// CreateReturnCreditNote writes the draft credit note of a received
// customer return against the posted invoice of its shipment: the
// quantities received back at the invoiced prices, VAT half-up per line. It
// needs PermInvoiceWrite; a return gets one credit note (deleting the draft
// frees it again). Posting goes through PostInvoice like any credit note.
func (s *Service) CreateReturnCreditNote(ctx context.Context, in ReturnCreditInput) (*Invoice, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	in.ReturnID = strings.TrimSpace(in.ReturnID)
	if in.ReturnID == "" {
		return nil, invalid("return_id", keyRequired)
	}
	rs := s.salesReturns()
	if rs == nil {
		return nil, invalid("return_id", keyReturnNoSales)
	}
	if !db.ValidID(in.ReturnID) {
		return nil, invalid("return_id", keyReturnUnknown)
	}
	r, err := rs.Return(ctx, in.ReturnID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, invalid("return_id", keyReturnUnknown)
	}
	if err != nil {
		return nil, err
	}
	var id string
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if cn, err := s.creditedBy(ctx, r.ID); err != nil {
			return err
		} else if cn != "" {
			return invalid("return_id", keyReturnCredited, map[string]any{"Number": r.Number})
		}
		invID, lines, err := s.returnCreditLines(ctx, r)
		if err != nil {
			return err
		}
		memo := in.Memo
		if strings.TrimSpace(memo) == "" {
			memo = r.Number
		}
		cn, err := s.CreateCreditNote(ctx, CreditNoteInput{CreditOf: invID, Date: in.Date, Memo: memo, Lines: lines})
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_return_credit WHERE return_id = $1`, r.ID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_return_credit (return_id, return_number, credit_note_id) VALUES ($1, $2, $3)`,
			r.ID, r.Number, cn.ID); err != nil {
			if db.IsUniqueViolation(err) {
				return invalid("return_id", keyReturnCredited, map[string]any{"Number": r.Number})
			}
			return err
		}
		id = cn.ID
		return s.record(ctx, "fin.invoice.return_credited", kindInvoice, cn.ID, nil, map[string]any{"return_id": r.ID, "return_number": r.Number})
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, id)
}
