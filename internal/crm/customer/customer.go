// Package customer is the contract of the CRM's accounts (customers) and
// their contacts: companies with parent and child companies, addresses,
// tags, a level (A/B/C), an industry, an owner and through the owner a team.
//
// A rep sees the accounts they own, a manager those of their team, an
// administrator all of them (see internal/crm/internal/access). The mobile
// number and e-mail address of an account or contact are masked for anyone
// but the account's owner and holders of PermUnmask. Every change is audited
// and announced with the event crm.account.upserted, which ERP and BI keep
// their copy of the customer master from.
package customer

import (
	"context"
	"embed"
	"io/fs"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Module is the module's name.
const Module = "customer"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.customer"

// Kind is the data-scope kind of accounts and their contacts.
const Kind = "crm.account"

// Permissions of accounts and contacts.
const (
	PermRead   authz.Permission = "crm.account.read"
	PermWrite  authz.Permission = "crm.account.write"
	PermAssign authz.Permission = "crm.account.assign"
	PermUnmask authz.Permission = "crm.account.unmask"
	// PermPool lets a user set the customer pool's rules.
	PermPool authz.Permission = "crm.pool.manage"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermAssign, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
		authz.Definition{Name: PermUnmask, Module: "crm." + Module},
		authz.Definition{Name: PermPool, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
	)
	access.RegisterContactRules(Kind, PermUnmask)
	access.RegisterContactRules(ContactKind, PermUnmask)
}

// ContactKind is the kind of contacts in field rules; contacts take the
// data scope of their account.
const ContactKind = "crm.contact"

// Level ranks an account by its value to the company.
type Level string

// Account levels.
const (
	LevelA Level = "A"
	LevelB Level = "B"
	LevelC Level = "C"
)

// Levels lists the levels in order.
var Levels = []Level{LevelA, LevelB, LevelC}

// Status is whether an account is in business with the company.
type Status string

// Account statuses.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// Industries an account can be in; each has the message crm.industry.<code>.
var Industries = []string{
	"automotive", "motorcycle", "machinery", "electrical", "electronics", "appliances",
	"lighting", "telecom", "medical", "energy", "construction", "trading", "general",
}

// Currencies an account can be billed in.
var Currencies = []string{"CNY", "USD", "EUR", "JPY", "HKD"}

// AddressKind says what an address is for.
type AddressKind string

// Address kinds.
const (
	AddressBilling  AddressKind = "billing"
	AddressShipping AddressKind = "shipping"
	AddressOffice   AddressKind = "office"
)

// Address is a postal address of an account.
type Address struct {
	Kind      AddressKind `json:"kind"`
	Province  string      `json:"province"`
	City      string      `json:"city"`
	District  string      `json:"district"`
	Street    string      `json:"street"`
	Postcode  string      `json:"postcode"`
	Recipient string      `json:"recipient"`
	Phone     string      `json:"phone"`
}

// OneLine writes the address on one line: province city district street, postcode.
func (a Address) OneLine() string {
	var parts []string
	for _, p := range []string{a.Province, a.City, a.District, a.Street} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, " ")
	if a.Postcode != "" {
		s += ", " + a.Postcode
	}
	return s
}

// Account is a customer company.
type Account struct {
	ID         string    `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ShortName  string    `json:"short_name"`
	Level      Level     `json:"level"`
	Industry   string    `json:"industry"`
	TaxID      string    `json:"tax_id"`
	Currency   string    `json:"currency"`
	Status     Status    `json:"status"`
	ParentID   string    `json:"parent_id"`
	ParentName string    `json:"parent_name"`
	OwnerID    string    `json:"owner_id"`
	OwnerName  string    `json:"owner_name"`
	Phone      string    `json:"phone"`
	Mobile     string    `json:"mobile"`
	Email      string    `json:"email"`
	Website    string    `json:"website"`
	Region     string    `json:"region"`
	Notes      string    `json:"notes"`
	Tags       []string  `json:"tags"`
	Addresses  []Address `json:"addresses"`
	// Masked is true when Mobile and Email (and those of the contacts) are
	// masked for the caller.
	Masked bool `json:"masked"`
	// OwnedAt is when the owner got the account; zero while it is in the pool.
	OwnedAt time.Time `json:"owned_at,omitzero"`
	// LastContactAt is the last call, visit or meeting; LastWonAt the last deal won.
	LastContactAt time.Time `json:"last_contact_at,omitzero"`
	LastWonAt     time.Time `json:"last_won_at,omitzero"`
	// ReturnsAt is when the account goes back to the pool unless followed
	// up; only Get fills it, and it is zero when no rule returns it.
	ReturnsAt time.Time `json:"returns_at,omitzero"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Address returns the first address of a kind, and whether there is one.
func (a *Account) Address(kind AddressKind) (Address, bool) {
	for _, ad := range a.Addresses {
		if ad.Kind == kind {
			return ad, true
		}
	}
	return Address{}, false
}

// AccountInput creates or replaces an account's fields.
type AccountInput struct {
	// Code is unique; empty on create takes the next C000123.
	Code      string
	Name      string
	ShortName string
	Level     Level
	Industry  string
	TaxID     string
	Currency  string
	Status    Status
	ParentID  string
	// OwnerID empty means the caller; another user needs PermAssign. On
	// update it is ignored: use Assign.
	OwnerID   string
	Phone     string
	Mobile    string
	Email     string
	Website   string
	Region    string
	Notes     string
	Tags      []string
	Addresses []Address
	// Version, on update, must be the version read; 0 skips the check.
	Version int
}

// Filter selects accounts; empty fields match everything.
type Filter struct {
	// Query matches part of the code, name, short name, pinyin initials,
	// mobile or e-mail.
	Query    string
	Level    Level
	Industry string
	Tag      string
	OwnerID  string
	Status   Status
	ParentID string
	// InPool keeps the accounts nobody owns (the customer pool), which
	// anyone who may read accounts sees.
	InPool bool
	// Sort is an API sort parameter over name, code, level, created_at, updated_at.
	Sort string
	// Cursor continues a list (API); Page counts pages from 1 (web).
	Cursor string
	Page   int
	Limit  int
	// Total asks for the number of matching accounts.
	Total bool
}

// Page is one page of accounts.
type Page struct {
	Items []Account
	Next  string // cursor of the next page; "" on the last
	Total int64  // when asked for
}

// Contact is a person at an account.
type Contact struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	AccountName string    `json:"account_name"`
	Name        string    `json:"name"`
	Title       string    `json:"title"`
	Department  string    `json:"department"`
	Mobile      string    `json:"mobile"`
	Phone       string    `json:"phone"`
	Email       string    `json:"email"`
	WeChat      string    `json:"wechat"`
	Primary     bool      `json:"primary"`
	Notes       string    `json:"notes"`
	OwnerID     string    `json:"owner_id"`
	Masked      bool      `json:"masked"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ContactInput creates or replaces a contact's fields.
type ContactInput struct {
	Name       string
	Title      string
	Department string
	Mobile     string
	Phone      string
	Email      string
	WeChat     string
	Primary    bool
	Notes      string
	Version    int
}

// ContactFilter selects contacts.
type ContactFilter struct {
	AccountID string
	// Query matches part of the name, the account's name, the mobile or the e-mail.
	Query  string
	Cursor string
	Page   int
	Limit  int
	Total  bool
}

// ContactPage is one page of contacts, by name.
type ContactPage struct {
	Items []Contact
	Next  string
	Total int64
}

// Match is an account or contact that looks like given details, for
// duplicate detection.
type Match struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	OwnerID     string `json:"owner_id"`
	ContactID   string `json:"contact_id,omitempty"`
	ContactName string `json:"contact_name,omitempty"`
	// On names what matched: name, mobile or email.
	On string `json:"on"`
}

// InPool reports whether nobody owns the account: it sits in the customer pool.
func (a *Account) InPool() bool { return a.OwnerID == "" }

// TouchKind says what happened with a customer: contact (a call, visit or
// meeting) or a deal won.
type TouchKind string

// Touch kinds.
const (
	TouchContact TouchKind = "contact"
	TouchDeal    TouchKind = "deal"
)

// PoolRule says after how many days without a follow-up, or without a won
// deal, a customer of a level goes back to the pool; 0 never.
type PoolRule struct {
	FollowUpDays int `json:"follow_up_days"`
	DealDays     int `json:"deal_days"`
}

// PoolSettings are the rules of the customer pool (公海).
type PoolSettings struct {
	Enabled bool `json:"enabled"`
	// Rules per level A, B and C.
	Rules map[Level]PoolRule `json:"rules"`
	// WarnDays is how long before it goes back an owner is told.
	WarnDays int `json:"warn_days"`
	// MaxOwned is the most customers a rep may own; claiming more is refused.
	MaxOwned int `json:"max_owned"`
}

// Service manages accounts and contacts, checking the caller's permissions
// and data scope.
type Service interface {
	Create(ctx context.Context, in AccountInput) (*Account, error)
	// Update replaces an account's fields (its owner stays).
	Update(ctx context.Context, id string, in AccountInput) (*Account, error)
	Get(ctx context.Context, id string) (*Account, error)
	// Open returns, to read, an account the caller may see or one in the
	// pool (masked); work on a pool account needs claiming it first.
	Open(ctx context.Context, id string) (*Account, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Assign gives an account (and its contacts) to another owner; it needs PermAssign.
	Assign(ctx context.Context, id, ownerID string) (*Account, error)
	// Tags returns the tags in use on accounts the caller sees.
	Tags(ctx context.Context) ([]string, error)

	CreateContact(ctx context.Context, accountID string, in ContactInput) (*Contact, error)
	UpdateContact(ctx context.Context, id string, in ContactInput) (*Contact, error)
	DeleteContact(ctx context.Context, id string) error
	GetContact(ctx context.Context, id string) (*Contact, error)
	ListContacts(ctx context.Context, f ContactFilter) (ContactPage, error)

	// Duplicates finds accounts and contacts, whoever owns them, whose
	// normalised company name, mobile or e-mail equals the given ones.
	// Names of accounts the caller may not see are still returned (to warn
	// of a duplicate), but nothing else about them.
	Duplicates(ctx context.Context, company, mobile, email string) ([]Match, error)
	// Visible reports whether the caller may see the account.
	Visible(ctx context.Context, id string) (bool, error)
	// Lookup finds an account the caller sees by its exact code or name.
	Lookup(ctx context.Context, codeOrName string) (*Account, error)

	// Claim takes an account out of the pool for the caller, up to the
	// most customers a rep may own.
	Claim(ctx context.Context, id string) (*Account, error)
	// Release puts the caller's account (or, with PermAssign, any the
	// caller sees) back into the pool.
	Release(ctx context.Context, id string) (*Account, error)
	// Touch records, inside the caller's transaction, that the account was
	// contacted or won a deal at a time; other modules call it, and it
	// checks no permission.
	Touch(ctx context.Context, id string, kind TouchKind, at time.Time) error
	PoolSettings(ctx context.Context) (PoolSettings, error)
	SavePoolSettings(ctx context.Context, ps PoolSettings) (PoolSettings, error)
	// Returning lists the caller's own customers that go back to the pool
	// before a time unless followed up, soonest first.
	Returning(ctx context.Context, before time.Time) ([]Account, error)
	// SweepPool returns to the pool the accounts idle past their level's
	// rule, and tells owners whose accounts will soon be; it reports how
	// many went back and how many owners were told.
	SweepPool(ctx context.Context, now time.Time) (returned, warned int, err error)
}

// PanelsName is the name the account page's panel registry is provided
// under in module.Services.
const PanelsName = "crm.customer.panels"

// Panel renders a section of an account's page for another CRM module, such
// as its opportunities or its credit position; nil shows nothing. The caller
// may see the account; the panel checks its own permissions.
type Panel func(ctx context.Context, acc *Account) (templ.Component, error)

// Figure is a key figure of an account, shown at the top of its page, such
// as its revenue this year or its open pipeline.
type Figure struct {
	// Label is the figure's message key; Value the figure, formatted.
	Label string
	Value string
	// Warn marks a figure that needs attention.
	Warn bool
}

// Figures computes key figures of an account for another CRM module; nil
// shows none. The caller may see the account; Figures checks its own
// permissions.
type Figures func(ctx context.Context, acc *Account) ([]Figure, error)

// Panels collects the sections and key figures other CRM modules add to an
// account's page, shown in ascending order.
type Panels interface {
	Add(order int, p Panel)
	AddFigures(order int, f Figures)
}

//go:embed migrations
var migrations embed.FS

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

// Migrations holds the module's sqlite and postgres migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}
