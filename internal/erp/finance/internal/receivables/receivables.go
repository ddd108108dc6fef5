// Package receivables is the finance module's receivables: its copy of the
// customers with their credit terms, customer invoices and credit notes with
// VAT, the fapiao recorded against them, payments and their allocations, and
// each customer's credit position.
//
// Every document posts through the ledger in the transaction that records
// it. What is still owed is kept per invoice, credit note and payment in
// fin_ar_item and moved by conditional updates, so two allocations racing
// for the same invoice never take more than is open. Each change that moves
// a customer's credit position sends erp.customer_credit.changed.
package receivables

import (
	"context"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Items finds catalog items for invoice lines.
type Items interface {
	LookupItemByCode(ctx context.Context, code string) (catalog.Item, error)
	LookupItems(ctx context.Context, ids []string) (map[string]catalog.Item, error)
}

// Service is the receivables of one ERP database.
type Service struct {
	db     *db.DB
	ledger *ledger.Service
	items  func() Items
	dir    func() Directory
	orders func() salesorders.Orders   // orders.go: sales order prices and open orders
	rets   func() salesreturns.Returns // returns.go: customer returns to credit
	now    func() time.Time
}

// New returns the receivables over a ledger; items finds catalog items
// (nil, or returning nil, when no catalog is wired).
func New(l *ledger.Service, items func() Items, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if items == nil {
		items = func() Items { return nil }
	}
	return &Service{db: l.DB(), ledger: l, items: items, now: now}
}

// Audit entity kinds.
const (
	kindCustomer = "fin.customer"
	kindInvoice  = "fin.invoice"
	kindPayment  = "fin.payment"
	kindAlloc    = "fin.allocation"
	kindFapiao   = "fin.fapiao"
	kindShipment = "fin.shipment"
)

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.db, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after, At: s.now()})
}

// fieldError is one bad input field.
type fieldError = apperr.FieldError

func fieldErrorsOf(fs []fieldError) error { return apperr.InvalidFields(fs...) }

// systemCtx acts as Loom itself, for reads the caller's own permission
// already covers (the company's base currency behind a credit position).
func systemCtx(ctx context.Context) context.Context { return authz.WithPrincipal(ctx, authz.System()) }

func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

// scope is which customers a principal may see: all, or those it owns.
type scope struct {
	all   bool
	owner string
}

// customerScope narrows a principal to its customers. Finance roles see
// every customer; a sales role sees the customers it owns (a team scope
// counts as its own customers, since ERP does not know the CRM's teams).
func customerScope(p *authz.Principal) scope {
	if p == nil {
		return scope{}
	}
	if p.System || p.Scope(kindCustomer) == authz.ScopeCompany {
		return scope{all: true}
	}
	return scope{owner: p.UserID}
}

// sees reports whether the scope includes a customer of owner.
func (sc scope) sees(owner string) bool { return sc.all || (sc.owner != "" && sc.owner == owner) }

// where returns a condition on the customer's owner column, with its argument.
func (sc scope) where(col string, n int) (string, []any) {
	if sc.all {
		return "1 = 1", nil
	}
	return col + " = $" + itoa(n), []any{sc.owner}
}

func actor(ctx context.Context) string {
	p := authz.FromContext(ctx)
	if p == nil || p.System {
		return authz.SystemLogin
	}
	if p.Login != "" {
		return p.Login
	}
	return p.UserID
}

func english(key string, params ...map[string]any) string {
	return i18n.TL(i18n.EN, key, params...)
}

func fe(field, key string, params ...map[string]any) apperr.FieldError {
	var p map[string]any
	if len(params) > 0 {
		p = params[0]
	}
	return apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key, p), Params: p}
}

func invalid(field, key string, params ...map[string]any) error {
	return apperr.InvalidFields(fe(field, key, params...))
}

func conflict(key string, params ...map[string]any) *apperr.Error {
	e := apperr.Conflict(key, english(key))
	if len(params) > 0 {
		e.Params, e.Message = params[0], english(key, params[0])
	}
	return e
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func validDate(s string) bool {
	if len(s) != len(db.DateLayout) {
		return false
	}
	_, err := time.Parse(db.DateLayout, s)
	return err == nil
}

// addDays returns date plus n days.
func addDays(date string, n int) string {
	d, err := time.Parse(db.DateLayout, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, 0, n).Format(db.DateLayout)
}

// Message keys of the receivables' errors.
const (
	keyRequired          = "fin.error.required"
	keyTooLong           = "fin.error.too_long"
	keyDateInvalid       = "fin.error.date_invalid"
	keyStale             = "fin.error.stale"
	keyCustomerUnknown   = "fin.error.customer_unknown"
	keyCustomerInactive  = "fin.error.customer_inactive"
	keyDaysInvalid       = "fin.error.days_invalid"
	keyLimitInvalid      = "fin.error.limit_invalid"
	keyCurrencyUnknown   = "fin.error.currency_unknown"
	keyLinesRequired     = "fin.error.invoice_lines_required"
	keyLinesTooMany      = "fin.error.lines_too_many"
	keyQuantityInvalid   = "fin.error.quantity_invalid"
	keyPriceInvalid      = "fin.error.price_invalid"
	keyVATInvalid        = "fin.error.vat_invalid"
	keyItemUnknown       = "fin.error.item_unknown"
	keyDescription       = "fin.error.description_required"
	keyDueBeforeDate     = "fin.error.due_before_date"
	keyInvoiceNotDraft   = "fin.error.invoice_not_draft"
	keyInvoicePosted     = "fin.error.invoice_posted"
	keyInvoiceUnknown    = "fin.error.invoice_unknown"
	keyInvoiceNotPosted  = "fin.error.invoice_not_posted"
	keyCreditTooMuch     = "fin.error.credit_too_much"
	keyCreditOfCredit    = "fin.error.credit_of_credit"
	keyTotalZero         = "fin.error.total_zero"
	keyAmountInvalid     = "fin.error.payment_amount"
	keyAllocTooMuch      = "fin.error.allocation_exceeds_open"
	keyAllocOverPayment  = "fin.error.allocations_exceed_payment"
	keyAllocCustomer     = "fin.error.allocation_customer"
	keyAllocCurrency     = "fin.error.allocation_currency"
	keyAllocTwice        = "fin.error.allocation_twice"
	keyAllocNothing      = "fin.error.allocation_nothing_open"
	keyAllocSource       = "fin.error.allocation_source"
	keyAllocBefore       = "fin.error.allocation_before"
	keyCreditBefore      = "fin.error.credit_before_invoice"
	keyBankAccount       = "fin.error.bank_account"
	keyFapiaoType        = "fin.error.fapiao_type"
	keyFapiaoNumber      = "fin.error.fapiao_number"
	keyFapiaoCode        = "fin.error.fapiao_code"
	keyFapiaoTaken       = "fin.error.fapiao_taken"
	keyFapiaoTooMuch     = "fin.error.fapiao_exceeds_invoice"
	keyFapiaoNotIssued   = "fin.error.fapiao_not_issued"
	keyFapiaoUnknown     = "fin.error.fapiao_unknown"
	keyFapiaoCreditNote  = "fin.error.fapiao_credit_note"
	keyImportFile        = "fin.error.import_file"
	keyImportHeader      = "fin.error.import_header"
	keyAmountBad         = "fin.error.amount_invalid"
	keyAmountDecimals    = "fin.error.amount_decimals"
	keyTaxIDInvalid      = "fin.error.tax_id_invalid"
	keyOverflow          = "fin.error.overflow"
	keyPaymentUnknown    = "fin.error.payment_unknown"
	keyHoldReasonMissing = "fin.error.hold_reason_required"
	keyShipmentUnknown   = "fin.error.shipment_unknown"
	keyShipmentInvoiced  = "fin.error.shipment_invoiced"
	keyShipmentCustomer  = "fin.error.shipment_customer"
	keyShipmentLine      = "fin.error.shipment_line"
	keyShipmentOver      = "fin.error.shipment_over"
	keyShipmentPartly    = "fin.error.shipment_partly"
	keyShipmentNoLine    = "fin.error.shipment_no_line"
	keyOrderLine         = "fin.error.order_line"
)

// notFound reports a record that does not exist or that the user may not see.
func notFound(what, id string) *apperr.Error { return apperr.NotFound(what, id) }

// Sources the receivables post with.
var (
	srcInvoice    = finance.SourceInvoice
	srcCreditNote = finance.SourceCreditNote
	srcPaymentIn  = finance.SourcePaymentIn
	srcAllocation = finance.SourceAllocation
)

// asInvalid returns the bad fields of an invalid-input error.
func asInvalid(err error) ([]fieldError, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return nil, false
	}
	return e.Fields, true
}
