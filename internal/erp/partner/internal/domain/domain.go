// Package domain holds the partner module's types and rules: customers
// (replicated from CRM, or entered in ERP) and suppliers, the module's
// permissions and the CRM event it consumes.
package domain

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is the partner module's name.
const Module = "partner"

// Permissions of the partner module.
const (
	// PermRead lets a user see customers and suppliers.
	PermRead authz.Permission = "erp.partner.read"
	// PermCustomer lets a user enter and change customers in ERP.
	PermCustomer authz.Permission = "erp.customer.manage"
	// PermSupplier lets a user enter and change suppliers.
	PermSupplier authz.Permission = "erp.supplier.manage"
)

// Status says whether a partner may be used in new documents.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// Sources of customers.
const (
	SourceCRM = "crm"
	SourceERP = "erp"
)

// EventAccountUpserted is the CRM event customers are replicated from.
const EventAccountUpserted = "crm.account.upserted"

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: []string{
			identity.RoleSalesRep, identity.RoleSalesManager, identity.RoleWarehouseClerk, identity.RoleBuyer,
			identity.RolePlanner, identity.RoleAccountant, identity.RoleFinanceManager,
		}},
		authz.Definition{Name: PermCustomer, Module: Module, Roles: []string{identity.RoleSalesManager}},
		authz.Definition{Name: PermSupplier, Module: Module, Roles: []string{identity.RoleBuyer}},
	)
	erpkit.RegisterForeign(outbox.EventType{
		Type: EventAccountUpserted, Version: 1, Source: "crm",
		Description: "A customer account was created or changed in CRM. ERP keeps its copy of the customer master from it.",
		Schema: json.RawMessage(`{"type":"object","required":["id","code","name","status"],"properties":{` +
			`"id":{"type":"string","format":"uuid"},"code":{"type":"string"},"name":{"type":"string"},"short_name":{"type":"string"},` +
			`"level":{"type":"string"},"industry":{"type":"string"},"tax_id":{"type":"string"},"currency":{"type":"string"},` +
			`"owner_id":{"type":"string"},"owner_name":{"type":"string"},"parent_id":{"type":"string"},` +
			`"status":{"type":"string","enum":["active","inactive"]},"billing_address":{"type":"string"},"shipping_address":{"type":"string"},` +
			`"contact_name":{"type":"string"},"contact_phone":{"type":"string"},"contact_email":{"type":"string"}}}`),
		Example: AccountUpserted{ID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Code: "C000123", Name: "宁波华翔汽车零部件有限公司",
			Level: "A", Currency: "CNY", Status: StatusActive},
	})
}

// AccountUpserted is the data of crm.account.upserted, as docs/events.md describes it.
type AccountUpserted struct {
	ID              string `json:"id"`
	Code            string `json:"code"`
	Name            string `json:"name"`
	ShortName       string `json:"short_name"`
	Level           string `json:"level"`
	Industry        string `json:"industry"`
	TaxID           string `json:"tax_id"`
	Currency        string `json:"currency"`
	OwnerID         string `json:"owner_id"`
	OwnerName       string `json:"owner_name"`
	ParentID        string `json:"parent_id"`
	Status          Status `json:"status"`
	BillingAddress  string `json:"billing_address"`
	ShippingAddress string `json:"shipping_address"`
	ContactName     string `json:"contact_name"`
	ContactPhone    string `json:"contact_phone"`
	ContactEmail    string `json:"contact_email"`
}

// PartnerCustomer is a customer as ERP keeps it.
type PartnerCustomer struct {
	ID              string    `json:"id" doc:"The CRM account's id for customers from CRM."`
	Code            string    `json:"code"`
	Name            string    `json:"name"`
	ShortName       string    `json:"short_name"`
	Level           string    `json:"level"`
	Industry        string    `json:"industry"`
	TaxID           string    `json:"tax_id"`
	Currency        string    `json:"currency"`
	OwnerID         string    `json:"owner_id"`
	OwnerName       string    `json:"owner_name"`
	ParentID        string    `json:"parent_id,omitempty"`
	Status          Status    `json:"status" enum:"active,inactive"`
	BillingAddress  string    `json:"billing_address"`
	ShippingAddress string    `json:"shipping_address"`
	ContactName     string    `json:"contact_name"`
	ContactPhone    string    `json:"contact_phone"`
	ContactEmail    string    `json:"contact_email"`
	Source          string    `json:"source" enum:"crm,erp" doc:"crm: kept from CRM and changed there; erp: entered in ERP."`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// PartnerCustomerInput enters or changes a customer in ERP.
type PartnerCustomerInput struct {
	Code            string `json:"code" maxLength:"40"`
	Name            string `json:"name" maxLength:"200"`
	ShortName       string `json:"short_name,omitempty" maxLength:"100"`
	TaxID           string `json:"tax_id,omitempty" maxLength:"40"`
	Currency        string `json:"currency,omitempty" doc:"CNY when empty."`
	BillingAddress  string `json:"billing_address,omitempty" maxLength:"300"`
	ShippingAddress string `json:"shipping_address,omitempty" maxLength:"300"`
	ContactName     string `json:"contact_name,omitempty" maxLength:"100"`
	ContactPhone    string `json:"contact_phone,omitempty" maxLength:"40"`
	ContactEmail    string `json:"contact_email,omitempty" maxLength:"200"`
	Status          Status `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
	Version         int64  `json:"version,omitempty" doc:"To change a customer: its version when it was read."`
}

// PartnerSupplier is a supplier.
type PartnerSupplier struct {
	ID           string    `json:"id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	TaxID        string    `json:"tax_id"`
	Currency     string    `json:"currency"`
	PaymentTerms string    `json:"payment_terms"`
	LeadTimeDays int       `json:"lead_time_days"`
	Address      string    `json:"address"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	ContactEmail string    `json:"contact_email"`
	Status       Status    `json:"status" enum:"active,inactive"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// PartnerSupplierInput enters or changes a supplier.
type PartnerSupplierInput struct {
	Code         string `json:"code" maxLength:"40"`
	Name         string `json:"name" maxLength:"200"`
	TaxID        string `json:"tax_id,omitempty" maxLength:"40"`
	Currency     string `json:"currency,omitempty" doc:"CNY when empty."`
	PaymentTerms string `json:"payment_terms,omitempty" maxLength:"100"`
	LeadTimeDays int    `json:"lead_time_days,omitempty" minimum:"0" maximum:"3650"`
	Address      string `json:"address,omitempty" maxLength:"300"`
	ContactName  string `json:"contact_name,omitempty" maxLength:"100"`
	ContactPhone string `json:"contact_phone,omitempty" maxLength:"40"`
	ContactEmail string `json:"contact_email,omitempty" maxLength:"200"`
	Status       Status `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
	Version      int64  `json:"version,omitempty" doc:"To change a supplier: its version when it was read."`
}

// Message ids of partner errors.
const (
	KeyCodeTaken       = "erp.partner.error.code_taken"
	KeyStatusInvalid   = "erp.partner.error.status_invalid"
	KeyCurrencyInvalid = "erp.partner.error.currency_invalid"
	KeyEmailInvalid    = "erp.partner.error.email_invalid"
	KeyFromCRM         = "erp.partner.error.from_crm"
	KeyLeadTime        = "erp.partner.error.lead_time_invalid"
)

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	emailPattern    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func trim(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}

// Normalize trims a customer input and fills in its defaults.
func (in *PartnerCustomerInput) Normalize() {
	trim(&in.Code, &in.Name, &in.ShortName, &in.TaxID, &in.BillingAddress, &in.ShippingAddress, &in.ContactName, &in.ContactPhone, &in.ContactEmail)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	if in.Status == "" {
		in.Status = StatusActive
	}
}

// Validate checks a customer input.
func (in PartnerCustomerInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, 40)
	p.Text("name", in.Name, true, 200)
	p.Text("short_name", in.ShortName, false, 100)
	p.Text("tax_id", in.TaxID, false, 40)
	p.Text("billing_address", in.BillingAddress, false, 300)
	p.Text("shipping_address", in.ShippingAddress, false, 300)
	p.Text("contact_name", in.ContactName, false, 100)
	p.Text("contact_phone", in.ContactPhone, false, 40)
	p.Text("contact_email", in.ContactEmail, false, 200)
	checkCommon(&p, in.Currency, in.ContactEmail, in.Status)
	return p
}

// Normalize trims a supplier input and fills in its defaults.
func (in *PartnerSupplierInput) Normalize() {
	trim(&in.Code, &in.Name, &in.TaxID, &in.PaymentTerms, &in.Address, &in.ContactName, &in.ContactPhone, &in.ContactEmail)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	if in.Status == "" {
		in.Status = StatusActive
	}
}

// Validate checks a supplier input.
func (in PartnerSupplierInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, 40)
	p.Text("name", in.Name, true, 200)
	p.Text("tax_id", in.TaxID, false, 40)
	p.Text("payment_terms", in.PaymentTerms, false, 100)
	p.Text("address", in.Address, false, 300)
	p.Text("contact_name", in.ContactName, false, 100)
	p.Text("contact_phone", in.ContactPhone, false, 40)
	p.Text("contact_email", in.ContactEmail, false, 200)
	if in.LeadTimeDays < 0 || in.LeadTimeDays > 3650 {
		p.Add("lead_time_days", KeyLeadTime, "Enter 0 to 3650 days")
	}
	checkCommon(&p, in.Currency, in.ContactEmail, in.Status)
	return p
}

func checkCommon(p *erpkit.Problems, currency, email string, status Status) {
	if !currencyPattern.MatchString(currency) {
		p.Add("currency", KeyCurrencyInvalid, "Enter a three-letter currency code such as CNY")
	}
	if email != "" && !p.Has("contact_email") && !emailPattern.MatchString(email) {
		p.Add("contact_email", KeyEmailInvalid, "Enter a valid e-mail address")
	}
	if status != StatusActive && status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
}
