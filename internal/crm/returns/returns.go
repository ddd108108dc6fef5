// Package returns is the contract of the CRM's return authorisations (RMA,
// 退货授权).
//
// A rep makes a return authorisation of goods ERP shipped to a customer:
// the shipment, and per item the quantity (at most what was shipped less
// what other authorisations of the shipment already cover) and the reason.
// A sales manager authorises it, which sends crm.return.authorized to ERP.
// ERP answers with erp.return.received when the goods arrive (or when it
// cannot take the authorisation): the RMA then shows them received, or
// rejected with ERP's reason. A return entered in ERP without an
// authorisation shows among the customer's and the order's returns too,
// read-only (FromERP). When ERP receives goods, the customer's owner gets a
// notice.
//
// The CRM keeps its own copy of ERP's shipments (erp.shipment.shipped) with
// their items. A user sees the RMAs of the customers they see (a rep their
// own customers', a manager their team's).
package returns

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
const Module = "returns"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.returns"

// Kind is the audit kind of return authorisations.
const Kind = "crm.return"

// Permissions of return authorisations.
const (
	PermRead    authz.Permission = "crm.return.read"
	PermWrite   authz.Permission = "crm.return.write"
	PermApprove authz.Permission = "crm.return.approve"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermApprove, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
	)
}

// Status is where a return authorisation stands.
type Status string

// Statuses of a return authorisation.
const (
	StatusDraft      Status = "draft"      // made by a rep, waiting for a manager
	StatusAuthorized Status = "authorized" // sent to ERP
	StatusReceived   Status = "received"   // ERP received the goods
	StatusRejected   Status = "rejected"   // ERP refused it, with a reason
	StatusCancelled  Status = "cancelled"  // withdrawn before authorising
)

// Statuses lists the statuses in their order.
var Statuses = []Status{StatusDraft, StatusAuthorized, StatusReceived, StatusRejected, StatusCancelled}

// Line is one item of a return authorisation.
type Line struct {
	LineNo   int            `json:"line_no"`
	ItemID   string         `json:"item_id"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	Quantity money.Quantity `json:"quantity"`
	Reason   string         `json:"reason"`
	// Received is what ERP reported received of the item.
	Received money.Quantity `json:"received"`
}

// RMA is a return authorisation.
type RMA struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	AccountID      string `json:"account_id"`
	AccountName    string `json:"account_name"`
	ShipmentID     string `json:"shipment_id"`
	ShipmentNumber string `json:"shipment_number"`
	SOID           string `json:"so_id"`
	SONumber       string `json:"so_number"`
	QuoteID        string `json:"quote_id"`
	Status         Status `json:"status"`
	Notes          string `json:"notes"`
	CreatedBy      string `json:"created_by"`
	CreatedByName  string `json:"created_by_name"`
	AuthorizedBy   string `json:"authorized_by"`
	AuthorizedName string `json:"authorized_by_name"`
	// AuthorizedAt and ReceivedAt are zero until then.
	AuthorizedAt time.Time `json:"authorized_at"`
	ReceivedAt   time.Time `json:"received_at"`
	// ReturnNumber is ERP's number of the return; ERPReason why ERP rejected it.
	ReturnNumber string `json:"return_number"`
	ERPReason    string `json:"erp_reason"`
	// FromERP marks a return entered in ERP without an authorisation: the
	// CRM shows it from erp.return.received, read-only.
	FromERP   bool      `json:"from_erp"`
	Lines     []Line    `json:"lines"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LineInput is a line as typed.
type LineInput struct {
	ItemID   string
	Quantity money.Quantity
	Reason   string
}

// Input makes a return authorisation.
type Input struct {
	ShipmentID string
	Notes      string
	Lines      []LineInput
}

// ShipmentItem is an item of a shipment with what may still be returned.
type ShipmentItem struct {
	ItemID   string         `json:"item_id"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	Shipped  money.Quantity `json:"shipped"`
	// Authorized is what return authorisations (not cancelled nor rejected)
	// already cover; Returnable is Shipped less Authorized.
	Authorized money.Quantity `json:"authorized"`
	Returnable money.Quantity `json:"returnable"`
}

// Shipment is the CRM's copy of a shipment ERP sent to a customer.
type Shipment struct {
	ID         string         `json:"id"`
	Number     string         `json:"number"`
	SOID       string         `json:"so_id"`
	SONumber   string         `json:"so_number"`
	QuoteID    string         `json:"quote_id"`
	AccountID  string         `json:"account_id"`
	Carrier    string         `json:"carrier"`
	TrackingNo string         `json:"tracking_no"`
	ShippedAt  time.Time      `json:"shipped_at"`
	Items      []ShipmentItem `json:"items"`
}

// Filter selects return authorisations.
type Filter struct {
	AccountID  string
	ShipmentID string
	SOID       string
	QuoteID    string
	Status     Status
	Cursor     string
	Page       int
	Limit      int
	Total      bool
}

// Page is a page of return authorisations, newest first.
type Page struct {
	Items []RMA
	Next  string
	Total int64
}

// Service keeps return authorisations. Every method checks the caller's
// permissions and sees only the customers the caller sees.
type Service interface {
	// Create makes a draft authorisation (PermWrite).
	Create(ctx context.Context, in Input) (*RMA, error)
	// Authorize authorises a draft and sends it to ERP (PermApprove).
	Authorize(ctx context.Context, id string) (*RMA, error)
	// Cancel withdraws a draft (PermWrite).
	Cancel(ctx context.Context, id string) (*RMA, error)
	Get(ctx context.Context, id string) (*RMA, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Shipments returns a customer's shipments, newest first, with what may
	// still be returned of each item.
	Shipments(ctx context.Context, accountID string) ([]Shipment, error)
	// Shipment returns one shipment of a customer the caller sees.
	Shipment(ctx context.Context, id string) (*Shipment, error)
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
