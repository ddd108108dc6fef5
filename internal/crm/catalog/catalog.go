// Package catalog is the contract of the CRM's copy of what ERP knows: the
// sellable items with their prices and VAT rates, each item's stock
// availability and incoming receipts, each customer's credit position, and
// the progress of the orders, shipments, invoices and payments that came of
// the CRM's quotes.
//
// Nothing here is entered in the CRM. The copy is kept from ERP's events
// (erp.item.upserted, erp.stock.availability_changed,
// erp.customer_credit.changed, erp.sales_order.*, erp.shipment.shipped,
// erp.invoice.posted, erp.payment.received), so sales keep quoting when ERP
// is down, and no ERP code is imported.
package catalog

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
const Module = "catalog"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.catalog"

// Permissions of the replicated ERP data.
const (
	// PermRead lets a user see items, prices, availability and promise dates.
	PermRead authz.Permission = "crm.catalog.read"
	// PermCredit lets a user see customers' credit, invoices and payments
	// (of the customers they may see).
	PermCredit authz.Permission = "crm.credit.read"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermCredit, Module: "crm." + Module, Roles: append(sales, identity.RoleFinanceManager, identity.RoleAccountant)},
	)
}

// Item is a sellable item as ERP describes it.
type Item struct {
	ID           string          `json:"id"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	NameEN       string          `json:"name_en"`
	Spec         string          `json:"spec"`
	Kind         string          `json:"kind"`
	CategoryID   string          `json:"category_id"`
	CategoryName string          `json:"category_name"`
	UoM          string          `json:"uom"`
	UoMPrecision int             `json:"uom_precision"`
	VATRate      money.Rate      `json:"vat_rate"`
	ListPrice    money.UnitPrice `json:"list_price"`
	FloorPrice   money.UnitPrice `json:"floor_price"`
	Currency     string          `json:"currency"`
	LeadTimeDays int             `json:"lead_time_days"`
	Tracking     string          `json:"tracking"`
	Sellable     bool            `json:"sellable"`
	Status       string          `json:"status"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Usable reports whether the item may go on a new quote.
func (it *Item) Usable() bool { return it.Sellable && it.Status == "active" }

// Incoming is stock ERP expects on a date (a purchase or production receipt).
type Incoming struct {
	Date     string         `json:"date"`
	Quantity money.Quantity `json:"quantity"`
}

// Availability is an item's stock as ERP last reported it.
type Availability struct {
	ItemID       string         `json:"item_id"`
	OnHand       money.Quantity `json:"on_hand"`
	Reserved     money.Quantity `json:"reserved"`
	Available    money.Quantity `json:"available"`
	Incoming     []Incoming     `json:"incoming"`
	LeadTimeDays int            `json:"lead_time_days"`
	AsOf         time.Time      `json:"as_of"`
	// Known is false when ERP never reported the item's stock.
	Known bool `json:"known"`
}

// Promise says when a quantity of an item can be delivered.
type Promise struct {
	// Now is what can be delivered from stock at once (at most the quantity).
	Now money.Quantity `json:"now"`
	// Short is the part that must wait; zero when stock covers everything.
	Short money.Quantity `json:"short"`
	// Date is the earliest date the whole quantity is available (YYYY-MM-DD):
	// today, the date of the incoming receipt that covers the rest, or
	// today plus the lead time when the receipts do not.
	Date string `json:"date"`
	// ByLeadTime is true when Date comes from the lead time, not a receipt.
	ByLeadTime bool `json:"by_lead_time"`
}

// Promise computes when qty can be delivered, counting from today (YYYY-MM-DD).
func (a Availability) Promise(qty money.Quantity, today string) Promise {
	p := Promise{Date: today}
	avail := a.Available
	if avail.Sign() < 0 {
		avail = money.Quantity{}
	}
	if qty.Cmp(avail) <= 0 {
		p.Now = qty
		return p
	}
	p.Now = avail
	p.Short, _ = qty.Sub(avail)
	need := p.Short
	for _, in := range a.Incoming {
		if in.Date < today || in.Quantity.Sign() <= 0 {
			continue
		}
		if in.Quantity.Cmp(need) >= 0 {
			p.Date = in.Date
			return p
		}
		need, _ = need.Sub(in.Quantity)
	}
	t, err := time.Parse("2006-01-02", today)
	if err == nil {
		p.Date = t.AddDate(0, 0, a.LeadTimeDays).Format("2006-01-02")
	}
	p.ByLeadTime = true
	return p
}

// Credit is a customer's credit position as ERP last reported it.
type Credit struct {
	CustomerID      string       `json:"customer_id"`
	Currency        string       `json:"currency"`
	Limit           money.Amount `json:"credit_limit"`
	ARBalance       money.Amount `json:"ar_balance"`
	Overdue         money.Amount `json:"overdue"`
	OpenOrders      money.Amount `json:"open_orders"`
	AvailableCredit money.Amount `json:"available_credit"`
	OnHold          bool         `json:"on_hold"`
	AsOf            time.Time    `json:"as_of"`
	// Known is false when ERP never reported the customer's credit.
	Known bool `json:"known"`
}

// Allows reports whether an order of amount fits the credit: the customer
// is not on hold, and the amount is within the available credit. A customer
// ERP never reported has no limit to check.
func (c Credit) Allows(amount money.Amount) bool {
	if !c.Known {
		return true
	}
	return !c.OnHold && amount.Cmp(c.AvailableCredit) <= 0
}

// Order is a sales order ERP made of a CRM quote.
type Order struct {
	SOID        string       `json:"so_id"`
	SONumber    string       `json:"so_number"`
	QuoteID     string       `json:"quote_id"`
	RequestID   string       `json:"request_id"`
	CustomerID  string       `json:"customer_id"`
	Status      string       `json:"status"`
	PromiseDate string       `json:"promise_date"`
	Carrier     string       `json:"carrier"`
	TrackingNo  string       `json:"tracking_no"`
	Amount      money.Amount `json:"amount"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// OrderEvent is one step of an order's progress as ERP reported it.
type OrderEvent struct {
	ID      string `json:"id"`
	QuoteID string `json:"quote_id"`
	SOID    string `json:"so_id"`
	// Kind is accepted, rejected, status, shipped, invoiced or paid.
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Detail names the reason of a rejection, the carrier and tracking
	// number of a shipment, or the number of an invoice or payment.
	Detail     map[string]string `json:"detail"`
	At         time.Time         `json:"at"`
	SONumber   string            `json:"so_number"`
	ReasonCode string            `json:"reason_code,omitempty"`
}

// Invoice is an invoice ERP posted to a customer, with what is paid of it.
type Invoice struct {
	ID         string       `json:"id"`
	Number     string       `json:"number"`
	CustomerID string       `json:"customer_id"`
	SOID       string       `json:"so_id"`
	ContractID string       `json:"contract_id"`
	Date       string       `json:"date"`
	DueDate    string       `json:"due_date"`
	Currency   string       `json:"currency"`
	Net        money.Amount `json:"net"`
	Tax        money.Amount `json:"tax"`
	Gross      money.Amount `json:"gross"`
	Paid       money.Amount `json:"paid"`
}

// Open returns what is still owed on the invoice.
func (i Invoice) Open() money.Amount {
	o, _ := i.Gross.Sub(i.Paid)
	return o
}

// Payment is money ERP received from a customer.
type Payment struct {
	ID          string       `json:"id"`
	Number      string       `json:"number"`
	CustomerID  string       `json:"customer_id"`
	Date        string       `json:"date"`
	Currency    string       `json:"currency"`
	Amount      money.Amount `json:"amount"`
	Unallocated money.Amount `json:"unallocated"`
}

// ItemFilter selects items.
type ItemFilter struct {
	// Query matches part of the code, name, English name, spec or the
	// pinyin initials of the name.
	Query string
	// Sellable keeps only items that may go on a quote.
	Sellable bool
	Cursor   string
	Page     int
	Limit    int
	Total    bool
}

// ItemPage is a page of items by code.
type ItemPage struct {
	Items []Item
	Next  string
	Total int64
}

// Ledger is what ERP reported about a customer's orders and money.
type Ledger struct {
	Credit   Credit
	Orders   []Order
	Invoices []Invoice
	Payments []Payment
}

// OrderRequest is an order the CRM asks ERP to make of a quote.
type OrderRequest struct {
	RequestID  string
	QuoteID    string
	CustomerID string
}

// Service reads the copy. Items and Item need PermRead; Ledger needs
// PermCredit and a customer the caller may see. ItemsByID, Availability,
// Credit and OrderOfQuote serve other CRM modules' rules and screens, which
// check their own permissions and scopes first; they check none.
type Service interface {
	Items(ctx context.Context, f ItemFilter) (ItemPage, error)
	Item(ctx context.Context, id string) (*Item, error)
	// ItemByCode returns the item with a code, ignoring letter case.
	ItemByCode(ctx context.Context, code string) (*Item, error)
	// ItemsByID returns the known items of the given ids.
	ItemsByID(ctx context.Context, ids []string) (map[string]Item, error)
	// Availability returns the stock of the given items; items ERP never
	// reported are returned with Known false and their lead time.
	Availability(ctx context.Context, itemIDs []string) (map[string]Availability, error)
	// Credit returns a customer's credit position (Known false if none).
	Credit(ctx context.Context, customerID string) (Credit, error)
	// Ledger returns a customer's credit, orders, invoices and payments.
	Ledger(ctx context.Context, customerID string) (Ledger, error)
	// Revenue sums the net of the customer's invoices dated from a day on
	// (YYYY-MM-DD), in the invoices' currency.
	Revenue(ctx context.Context, customerID, from string) (money.Amount, error)
	// OrderOfQuote returns the order ERP made of a quote (nil if none yet)
	// and every step ERP reported for the quote, oldest first.
	OrderOfQuote(ctx context.Context, quoteID string) (*Order, []OrderEvent, error)
	// ExpectOrder records, inside the caller's transaction, an order request
	// sent to ERP, so ERP's answer can be tied to the customer.
	ExpectOrder(ctx context.Context, r OrderRequest) error
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
