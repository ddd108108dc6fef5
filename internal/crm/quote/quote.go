// Package quote is the contract of the CRM's quotes: priced offers to a
// customer built from the catalog ERP replicates, checked against the
// customer's credit and the stock ERP reports, approved where a discount,
// a price below the floor or the credit position asks for it, sent, revised,
// printed in either language, and accepted, which asks ERP for a sales
// order with crm.order.requested and follows what ERP answers.
//
// Prices come, most specific first, from the customer's own prices, the
// price list of the customer's level and currency, or the item's list
// price, each with quantity breaks. A quote is tax-exclusive (prices before
// VAT) or tax-inclusive (prices with VAT); each line is rounded half-up to
// the fen, and the totals are the sums of the lines.
//
// A rep sees their own quotes, a manager their team's, finance and
// administrators all of them.
package quote

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module is the module's name.
const Module = "quote"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.quote"

// Kind is the data-scope kind of quotes.
const Kind = "crm.quote"

// Permissions of quotes, approvals, prices and settings.
const (
	PermRead            authz.Permission = "crm.quote.read"
	PermWrite           authz.Permission = "crm.quote.write"
	PermApproveDiscount authz.Permission = "crm.quote.approve_discount"
	PermApproveCredit   authz.Permission = "crm.quote.approve_credit"
	PermManage          authz.Permission = "crm.quote.manage"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: append(sales, identity.RoleFinanceManager)},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermApproveDiscount, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
		authz.Definition{Name: PermApproveCredit, Module: "crm." + Module, Roles: []string{identity.RoleFinanceManager}},
		authz.Definition{Name: PermManage, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
	)
}

// Status is where a quote stands.
type Status string

// Quote statuses. Only a draft can be changed; a sent quote is changed by
// revising it, which makes a new draft revision and supersedes the old one.
const (
	StatusDraft      Status = "draft"
	StatusPending    Status = "pending_approval"
	StatusApproved   Status = "approved"
	StatusSent       Status = "sent"
	StatusAccepted   Status = "accepted"
	StatusDeclined   Status = "declined"
	StatusSuperseded Status = "superseded"
)

// TaxMode says whether a quote's prices include VAT.
type TaxMode string

// Tax modes.
const (
	TaxExclusive TaxMode = "exclusive"
	TaxInclusive TaxMode = "inclusive"
)

// PriceSource says where a line's reference price came from.
type PriceSource string

// Price sources, most specific first.
const (
	SourceCustomer PriceSource = "customer"
	SourceList     PriceSource = "list"
	SourceItem     PriceSource = "item"
)

// Line is a product on a quote. Prices are in the quote's tax mode.
type Line struct {
	No       int            `json:"line_no"`
	ItemID   string         `json:"item_id"`
	Code     string         `json:"code"`
	Name     string         `json:"name"`
	Spec     string         `json:"spec"`
	UoM      string         `json:"uom"`
	Quantity money.Quantity `json:"quantity"`
	// RefPrice is the price the customer gets without a discount, from Source.
	RefPrice money.UnitPrice `json:"ref_price"`
	Source   PriceSource     `json:"source"`
	// UnitPrice is the price before the line's discount.
	UnitPrice money.UnitPrice `json:"unit_price"`
	Discount  money.Rate      `json:"discount"`
	// NetPrice is the unit price after the discount.
	NetPrice money.UnitPrice `json:"net_price"`
	VATRate  money.Rate      `json:"vat_rate"`
	Net      money.Amount    `json:"net"`
	Tax      money.Amount    `json:"tax"`
	Gross    money.Amount    `json:"gross"`
	// Reduction is how far the net price is below the reference price (0 to 1).
	Reduction money.Rate `json:"reduction"`
	// BelowFloor is true when the net price (before VAT) is under the item's floor price.
	BelowFloor bool `json:"below_floor"`
}

// Quote is an offer to a customer.
type Quote struct {
	ID            string  `json:"id"`
	Number        string  `json:"number"`
	Revision      int     `json:"revision"`
	AccountID     string  `json:"account_id"`
	AccountName   string  `json:"account_name"`
	ContactID     string  `json:"contact_id"`
	OpportunityID string  `json:"opportunity_id"`
	OwnerID       string  `json:"owner_id"`
	OwnerName     string  `json:"owner_name"`
	Currency      string  `json:"currency"`
	TaxMode       TaxMode `json:"tax_mode"`
	Status        Status  `json:"status"`
	ValidUntil    string  `json:"valid_until"`
	// RequestedDate is when the customer wants the goods.
	RequestedDate string       `json:"requested_date"`
	ShipTo        string       `json:"ship_to"`
	PaymentTerms  string       `json:"payment_terms"`
	Notes         string       `json:"notes"`
	Lines         []Line       `json:"lines"`
	Net           money.Amount `json:"net"`
	Tax           money.Amount `json:"tax"`
	Gross         money.Amount `json:"gross"`
	// RequestID is the crm.order.requested sent when the quote was accepted.
	RequestID     string    `json:"request_id"`
	SupersedesID  string    `json:"supersedes_id"`
	SupersededBy  string    `json:"superseded_by"`
	DeclineReason string    `json:"decline_reason"`
	Version       int       `json:"version"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	AcceptedAt    time.Time `json:"accepted_at,omitzero"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Editable reports whether the quote's content may still change.
func (q *Quote) Editable() bool { return q.Status == StatusDraft }

// LineInput is a product on a quote. An empty unit price takes the
// customer's reference price; below-floor prices need FloorApproval.
type LineInput struct {
	ItemID    string
	Quantity  money.Quantity
	UnitPrice *money.UnitPrice
	Discount  money.Rate
	// FloorApproval asks a manager to approve a net price below the floor;
	// without it such a price is refused.
	FloorApproval bool
}

// Input creates or replaces a draft quote.
type Input struct {
	AccountID     string
	ContactID     string
	OpportunityID string
	Currency      string
	TaxMode       TaxMode
	ValidUntil    string
	RequestedDate string
	ShipTo        string
	PaymentTerms  string
	Notes         string
	Lines         []LineInput
	Version       int
}

// Filter selects quotes; by default only each quote's latest revision.
type Filter struct {
	Query         string
	AccountID     string
	OpportunityID string
	Status        Status
	OwnerID       string
	AllRevisions  bool
	Sort          string
	Cursor        string
	Page          int
	Limit         int
	Total         bool
}

// Page is a page of quotes.
type Page struct {
	Items []Quote
	Next  string
	Total int64
}

// ApprovalKind says what an approval is about.
type ApprovalKind string

// Approval kinds and the permission each needs.
const (
	ApprovalDiscount ApprovalKind = "discount"
	ApprovalFloor    ApprovalKind = "floor"
	ApprovalCredit   ApprovalKind = "credit"
)

// Perm returns the permission that decides approvals of kind k.
func (k ApprovalKind) Perm() authz.Permission {
	if k == ApprovalCredit {
		return PermApproveCredit
	}
	return PermApproveDiscount
}

// ApprovalStatus is where an approval stands.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	// ApprovalWithdrawn ends an approval whose quote went back to draft.
	ApprovalWithdrawn ApprovalStatus = "withdrawn"
)

// Approval is one decision a quote waits for.
type Approval struct {
	ID          string       `json:"id"`
	QuoteID     string       `json:"quote_id"`
	QuoteNumber string       `json:"quote_number"`
	Revision    int          `json:"revision"`
	AccountName string       `json:"account_name"`
	OwnerName   string       `json:"owner_name"`
	Gross       money.Amount `json:"gross"`
	Currency    string       `json:"currency"`
	Kind        ApprovalKind `json:"kind"`
	// Detail says what asks for the approval: the largest discount and the
	// threshold, the lines below their floor, or the credit shortfall.
	Detail      map[string]string `json:"detail"`
	Status      ApprovalStatus    `json:"status"`
	RequestedBy string            `json:"requested_by"`
	RequestedAt time.Time         `json:"requested_at"`
	DecidedBy   string            `json:"decided_by"`
	DecidedAt   time.Time         `json:"decided_at,omitzero"`
	Comment     string            `json:"comment"`
}

// CreditPolicy says what happens to a quote over the customer's credit.
type CreditPolicy string

// Credit policies.
const (
	CreditBlock   CreditPolicy = "block"
	CreditApprove CreditPolicy = "approve"
)

// Settings are the quote rules of the company.
type Settings struct {
	// DiscountThreshold is the largest reduction below the reference price
	// a rep may give without approval (0.1 is 10%).
	DiscountThreshold money.Rate   `json:"discount_threshold"`
	CreditPolicy      CreditPolicy `json:"credit_policy"`
	ValidityDays      int          `json:"validity_days"`
	// Company and CompanyEN head printed quotes.
	Company   string `json:"company"`
	CompanyEN string `json:"company_en"`
	// Terms is printed under every quote.
	Terms   string `json:"terms"`
	TermsEN string `json:"terms_en"`
}

// PriceList holds prices for customers of a level (A, B or C; empty for
// every level) in a currency.
type PriceList struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Level    string      `json:"level"`
	Currency string      `json:"currency"`
	Active   bool        `json:"active"`
	Prices   []PriceRule `json:"prices"`
	Version  int         `json:"version"`
}

// PriceRule is a price of an item from a quantity on.
type PriceRule struct {
	ItemID    string          `json:"item_id"`
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	MinQty    money.Quantity  `json:"min_qty"`
	UnitPrice money.UnitPrice `json:"unit_price"`
}

// CustomerPrice is an item's price agreed with one customer, from a quantity on.
type CustomerPrice struct {
	ID        string          `json:"id"`
	AccountID string          `json:"account_id"`
	ItemID    string          `json:"item_id"`
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	Currency  string          `json:"currency"`
	MinQty    money.Quantity  `json:"min_qty"`
	UnitPrice money.UnitPrice `json:"unit_price"`
}

// Price is what a customer pays for a quantity of an item, before VAT.
type Price struct {
	ItemID    string          `json:"item_id"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price"`
	Source    PriceSource     `json:"source"`
	// Floor is the lowest net price without approval.
	Floor   money.UnitPrice `json:"floor"`
	VATRate money.Rate      `json:"vat_rate"`
}

// Service manages quotes, their approvals, prices and settings.
type Service interface {
	Create(ctx context.Context, in Input) (*Quote, error)
	// Update replaces a draft's content.
	Update(ctx context.Context, id string, in Input) (*Quote, error)
	Get(ctx context.Context, id string) (*Quote, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Revisions returns every revision of a quote's number, newest first.
	Revisions(ctx context.Context, id string) ([]Quote, error)

	// Submit checks a draft's discounts, floors and credit: with nothing to
	// approve it becomes approved, else it waits for the approvals.
	Submit(ctx context.Context, id string, version int) (*Quote, error)
	// Recall takes a quote waiting for approval back to draft.
	Recall(ctx context.Context, id string) (*Quote, error)
	Send(ctx context.Context, id string) (*Quote, error)
	// Revise makes a new draft revision of a sent or approved quote.
	Revise(ctx context.Context, id string) (*Quote, error)
	// Accept records the customer's acceptance and asks ERP for a sales order.
	Accept(ctx context.Context, id string) (*Quote, error)
	Decline(ctx context.Context, id, reason string) (*Quote, error)

	// Approvals lists a quote's approvals, or with an empty id the pending
	// approvals the caller may decide (the inbox).
	Approvals(ctx context.Context, quoteID string) ([]Approval, error)
	Decide(ctx context.Context, approvalID string, approve bool, comment string) (*Approval, error)

	// PriceOf resolves a customer's price of an item for a quantity.
	PriceOf(ctx context.Context, accountID, itemID, currency string, qty money.Quantity) (*Price, error)
	PriceLists(ctx context.Context) ([]PriceList, error)
	SavePriceList(ctx context.Context, pl PriceList) (*PriceList, error)
	CustomerPrices(ctx context.Context, accountID string) ([]CustomerPrice, error)
	SetCustomerPrice(ctx context.Context, cp CustomerPrice) (*CustomerPrice, error)
	DeleteCustomerPrice(ctx context.Context, id string) error

	Settings(ctx context.Context) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) (Settings, error)
}

//go:embed migrations
var migrations embed.FS

// Migrations holds the module's sqlite and postgres migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

//go:embed locales/*.toml
var locales embed.FS

// Messages holds the module's message files, for i18n.Register.
func Messages() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}
