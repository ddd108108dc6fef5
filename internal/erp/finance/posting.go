// Package finance is the contract of the ERP unit's finance module: the
// immutable ledger that every business document posts itself into, in the
// same transaction as the document.
//
// This file is the seam between the supply-chain modules (inventory, sales,
// purchasing) and the ledger: a document describes what happened in business
// terms (its amounts by role: inventory, goods received not invoiced, cost of
// goods sold, …) and the ledger's posting rules choose the accounts by item
// category and warehouse.
package finance

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Role names what a posting line's amount is, in business terms. The
// ledger's posting rules turn a role (with the item category and warehouse)
// into an account.
type Role string

// The roles documents post with.
const (
	RoleInventory  Role = "inventory"  // stock value
	RoleGRNI       Role = "grni"       // goods received not invoiced
	RoleCOGS       Role = "cogs"       // cost of goods sold
	RoleAR         Role = "ar"         // accounts receivable
	RoleRevenue    Role = "revenue"    // sales revenue
	RoleOutputVAT  Role = "output_vat" // VAT on sales
	RoleInputVAT   Role = "input_vat"  // VAT on purchases
	RoleAP         Role = "ap"         // accounts payable
	RoleBank       Role = "bank"       // a bank or cash account
	RoleAdvance    Role = "advance"    // customer advances (overpayments)
	RoleAdjustment Role = "adjustment" // stock count gains and losses
	RoleScrap      Role = "scrap"      // scrapped stock
	RolePriceDiff  Role = "price_diff" // purchase price variance
	RoleWIP        Role = "wip"        // work in progress (production)
	RoleFinished   Role = "finished"   // finished goods from production
)

// Source kinds of the documents that post.
const (
	SourceReceipt       = "inv.receipt"
	SourceShipment      = "inv.shipment"
	SourceReturn        = "inv.return"
	SourceAdjustment    = "inv.adjustment"
	SourceScrap         = "inv.scrap"
	SourceRevaluation   = "inv.revaluation"
	SourceSupplierBill  = "pur.bill"
	SourceInvoice       = "fin.invoice"
	SourceCreditNote    = "fin.credit_note"
	SourcePaymentIn     = "fin.payment_in"
	SourcePaymentOut    = "fin.payment_out"
	SourceAllocation    = "fin.allocation" // an advance applied to invoices later
	SourceManual        = "fin.manual"
	SourceOpening       = "fin.opening"  // opening balances, dated the day before the books start
	SourceReversal      = "fin.reversal" // a reversal; its source id is the reversed entry's id
	SourceProductionIn  = "mes.production_in"
	SourceProductionOut = "mes.production_out"
)

// Posting is a business document asking to be posted to the ledger.
type Posting struct {
	SourceKind   string // one of the Source constants
	SourceID     string // the document's id; a document posts once per kind
	SourceNumber string // its human number, shown on the voucher
	Date         string // posting date, YYYY-MM-DD, in the company's time zone
	Currency     string // ISO 4217, e.g. CNY; amounts below are in it
	// Rate converts Currency to the company's base currency (units of base
	// per unit of Currency); zero takes the ledger's rate for Date.
	Rate        money.Rate
	PartnerKind string // "customer", "supplier" or ""
	PartnerID   string
	Memo        string
	// DueDate (YYYY-MM-DD), for a document that leaves an amount open with
	// its partner (a supplier bill: the payable on the AP line); empty
	// means the posting date.
	DueDate string
	Lines   []PostingLine
}

// PostingLine is one amount of a posting. Exactly one of Debit and Credit is
// non-zero; the debits and credits of a posting balance.
type PostingLine struct {
	Role Role
	// Account, when set, names the account (by code) instead of the rules,
	// for documents where the user picked it, such as the bank account a
	// payment arrived on.
	Account      string
	ItemCategory string // the item's category id, for rules by category
	Warehouse    string // the warehouse id, for rules by warehouse
	Debit        money.Amount
	Credit       money.Amount
	Memo         string
}

// Poster posts documents. It must be called inside the ERP database
// transaction that records the document, so the document and its journal
// entry commit or fail together.
type Poster interface {
	Post(ctx context.Context, p Posting) (entryID string, err error)
}

// Reverser undoes the posting of a document, for documents that are
// cancelled: it posts a reversing entry linked to the original, inside the
// caller's transaction. The Poster the finance module provides implements it.
type Reverser interface {
	// ReverseSource reverses the entry posted for the document (kind and
	// id) on date (YYYY-MM-DD, in an open period) and returns the
	// reversal's id; a document is reversed once, and a repeat returns the
	// existing reversal.
	ReverseSource(ctx context.Context, sourceKind, sourceID, date, memo string) (entryID string, err error)
}

// ServiceName is the name the finance module provides its Poster under in
// module.Services.
const ServiceName = "erp.finance.poster"

// PosterFrom returns the Poster of the finance module wired in this
// process, or nil when none is (tests of supply modules alone).
func PosterFrom(s *module.Services) Poster {
	if s == nil {
		return nil
	}
	p, _ := s.Lookup(ServiceName).(Poster)
	return p
}

// ReverserFrom returns the Reverser of the finance module wired in this
// process, or nil when none is.
func ReverserFrom(s *module.Services) Reverser {
	if s == nil {
		return nil
	}
	r, _ := s.Lookup(ServiceName).(Reverser)
	return r
}
