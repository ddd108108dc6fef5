// Package contract is the contract of the CRM's sales contracts and their
// payment plans (回款计划).
//
// A contract is made from a won opportunity or an accepted quote, or typed
// in: a customer, a total and installments with due dates, amounts and
// conditions that add up to the total. Once signed (active), its plan is
// sent to ERP as crm.contract.payment_plan.changed, and every change of the
// plan again. ERP's invoices and payments that name the contract tell how
// far each installment is invoiced and paid; an installment past its due
// date and not paid, or more invoiced or paid than the contract's total, is
// a mismatch between plan and reality that stands out on the contract and
// in the list.
//
// A user sees the contracts they own (team or company with a wider scope).
package contract

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
const Module = "contract"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.contract"

// Kind is the data-scope kind of contracts.
const Kind = "crm.contract"

// Permissions of contracts.
const (
	PermRead  authz.Permission = "crm.contract.read"
	PermWrite authz.Permission = "crm.contract.write"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
	)
}

// Status is where a contract stands.
type Status string

// Statuses of a contract.
const (
	StatusDraft     Status = "draft"
	StatusActive    Status = "active"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
)

// Statuses lists the statuses in their order.
var Statuses = []Status{StatusDraft, StatusActive, StatusCompleted, StatusCancelled}

// State is where an installment stands against ERP's payments.
type State string

// States of an installment.
const (
	StatePlanned State = "planned" // not due yet, not paid
	StatePartial State = "partial" // partly paid
	StatePaid    State = "paid"    // paid in full
	StateOverdue State = "overdue" // due date passed, not paid in full
)

// Installment is one payment of a contract's plan. Payments are applied to
// installments in order of their due dates.
type Installment struct {
	No        int          `json:"no"`
	DueDate   string       `json:"due_date"`
	Amount    money.Amount `json:"amount"`
	Condition string       `json:"condition"`
	// Paid is how much of it ERP's payments cover.
	Paid  money.Amount `json:"paid"`
	State State        `json:"state"`
}

// Mismatch names a difference between the plan and what ERP reports.
type Mismatch string

// Mismatches.
const (
	MismatchOverdue      Mismatch = "overdue"       // an installment is past due and not paid
	MismatchOverInvoiced Mismatch = "over_invoiced" // more invoiced than the total
	MismatchOverPaid     Mismatch = "over_paid"     // more paid than the total
)

// Contract is a sales contract with its payment plan.
type Contract struct {
	ID            string        `json:"id"`
	Number        string        `json:"number"`
	Title         string        `json:"title"`
	AccountID     string        `json:"account_id"`
	AccountName   string        `json:"account_name"`
	OpportunityID string        `json:"opportunity_id"`
	QuoteID       string        `json:"quote_id"`
	Currency      string        `json:"currency"`
	Total         money.Amount  `json:"total"`
	SignedDate    string        `json:"signed_date"`
	StartDate     string        `json:"start_date"`
	EndDate       string        `json:"end_date"`
	Status        Status        `json:"status"`
	Reason        string        `json:"reason"`
	OwnerID       string        `json:"owner_id"`
	OwnerName     string        `json:"owner_name"`
	Notes         string        `json:"notes"`
	Installments  []Installment `json:"installments"`
	// Invoiced and Paid are what ERP invoiced and received for the contract.
	Invoiced   money.Amount `json:"invoiced"`
	Paid       money.Amount `json:"paid"`
	Mismatches []Mismatch   `json:"mismatches"`
	Version    int          `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// Editable reports whether the contract's content may change.
func (c *Contract) Editable() bool { return c.Status == StatusDraft || c.Status == StatusActive }

// InstallmentInput is an installment as typed.
type InstallmentInput struct {
	DueDate   string
	Amount    money.Amount
	Condition string
}

// Input creates or replaces a contract. Installments must add up to Total.
type Input struct {
	AccountID     string
	OpportunityID string
	QuoteID       string
	Title         string
	Currency      string
	Total         money.Amount
	SignedDate    string
	StartDate     string
	EndDate       string
	Notes         string
	Installments  []InstallmentInput
	Version       int
}

// Filter selects contracts.
type Filter struct {
	Query     string
	Status    Status
	AccountID string
	// Mismatch keeps contracts whose plan and reality differ.
	Mismatch bool
	Cursor   string
	Limit    int
	Page     int
	Total    bool
}

// Page is a page of contracts.
type Page struct {
	Items []Contract
	Next  string
	Total int64
}

// Service manages contracts, checking the caller's permissions and scope.
type Service interface {
	Create(ctx context.Context, in Input) (*Contract, error)
	// Update replaces a draft or active contract's fields and plan.
	Update(ctx context.Context, id string, in Input) (*Contract, error)
	Get(ctx context.Context, id string) (*Contract, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Activate marks a draft contract signed and sends its plan to ERP.
	Activate(ctx context.Context, id string) (*Contract, error)
	// Complete closes an active contract.
	Complete(ctx context.Context, id string) (*Contract, error)
	// Cancel cancels a contract, saying why; ERP is told the plan is gone.
	Cancel(ctx context.Context, id, reason string) (*Contract, error)
	// Draft proposes a contract for a won opportunity or an accepted quote
	// (one of the ids), with one installment of the whole amount.
	Draft(ctx context.Context, opportunityID, quoteID string) (Input, error)
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
