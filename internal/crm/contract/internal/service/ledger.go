package service

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ERP's events that name contracts (their schemas are registered by the
// catalog module, or by ERP).
const (
	eventInvoicePosted   = "erp.invoice.posted"
	eventPaymentReceived = "erp.payment.received"
)

// Events lists the ERP events the contract module applies.
func Events() []string { return []string{eventInvoicePosted, eventPaymentReceived} }

type invoicePosted struct {
	InvoiceID  string       `json:"invoice_id"`
	ContractID string       `json:"contract_id"`
	Gross      money.Amount `json:"gross"`
}

type paymentReceived struct {
	Allocations []struct {
		InvoiceID  string       `json:"invoice_id"`
		ContractID string       `json:"contract_id"`
		Amount     money.Amount `json:"amount"`
	} `json:"allocations"`
}

// Apply adds an invoice or a payment ERP reports to the contracts it
// names; the bus runs it once per event inside the CRM's transaction.
// Contracts the CRM does not know are left alone.
func (s *Service) Apply(ctx context.Context, ev bus.Envelope) error {
	switch ev.Type {
	case eventInvoicePosted:
		var d invoicePosted
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return fmt.Errorf("contract: %s: %w", ev.Type, err)
		}
		if d.ContractID == "" {
			return nil
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_contract SET invoiced = invoiced + $2 WHERE id = $1`, d.ContractID, d.Gross)
		if err != nil || n == 0 {
			return err
		}
		_, err = s.db.Exec(ctx, `INSERT INTO crm_contract_invoice (invoice_id, contract_id, gross) VALUES ($1, $2, $3)
			ON CONFLICT (invoice_id) DO NOTHING`, d.InvoiceID, d.ContractID, d.Gross)
		return err
	case eventPaymentReceived:
		var d paymentReceived
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return fmt.Errorf("contract: %s: %w", ev.Type, err)
		}
		for _, a := range d.Allocations {
			id := a.ContractID
			if id == "" && a.InvoiceID != "" {
				err := s.db.QueryRow(ctx, `SELECT contract_id FROM crm_contract_invoice WHERE invoice_id = $1`, a.InvoiceID).Scan(&id)
				if isNoRows(err) {
					continue
				}
				if err != nil {
					return err
				}
			}
			if id == "" {
				continue
			}
			if _, err := s.db.Exec(ctx, `UPDATE crm_contract SET paid = paid + $2 WHERE id = $1`, id, a.Amount); err != nil {
				return err
			}
		}
	}
	return nil
}
