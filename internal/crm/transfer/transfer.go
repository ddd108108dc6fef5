// Package transfer is the contract of the CRM's Excel import and export.
//
// Leads, customers and contacts are imported from an .xlsx file laid out
// like a downloadable template: the file's columns are mapped to fields
// (by their headings, which the user can change), every row is checked as
// if it were imported, and every bad row is reported with its column and
// the reason. Nothing is written unless every row is good, or the user
// chooses to import only the good rows. Rows are created through the
// customer and lead services, so permissions, scopes, audit and events
// apply as for a form.
//
// Every list of the CRM can be exported with its current filters; an
// export holds what the list shows the user, masked the same way.
package transfer

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Module is the module's name.
const Module = "transfer"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.transfer"

// Permissions of import and export.
const (
	// PermImport lets a user import leads, customers and contacts; each row
	// also needs the permission to create it.
	PermImport authz.Permission = "crm.data.import"
	// PermExport lets a user download the lists they see as Excel files.
	PermExport authz.Permission = "crm.data.export"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermImport, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermExport, Module: "crm." + Module, Roles: sales},
	)
}

// Kind is what a file imports.
type Kind string

// Kinds of import.
const (
	KindLeads    Kind = "leads"
	KindAccounts Kind = "accounts"
	KindContacts Kind = "contacts"
)

// Kinds lists the kinds of import.
var Kinds = []Kind{KindLeads, KindAccounts, KindContacts}

// Column is a field a file's column can fill.
type Column struct {
	// Field is the field's name, as errors name it (name, mobile,
	// addresses[0].city...).
	Field string `json:"field"`
	// Label is the message key of the column's heading.
	Label string `json:"label"`
	// Required columns must be mapped and filled.
	Required bool `json:"required"`
	// Example is the value the template's sample row shows.
	Example string `json:"example"`
}

// Mode says what an import does with the rows.
type Mode string

// Modes of an import.
const (
	// ModeCheck checks every row and writes nothing.
	ModeCheck Mode = "check"
	// ModeAll imports every row, or nothing when any row is bad.
	ModeAll Mode = "all"
	// ModeGood imports the good rows and leaves out the bad ones.
	ModeGood Mode = "good"
)

// Problem is what is wrong with a row.
type Problem struct {
	// Row is the row's number in the sheet, counted from 1 like Excel does.
	Row int `json:"row"`
	// Column is the heading of the file's column, empty when the problem
	// is with the row as a whole.
	Column string `json:"column"`
	// Field is the field the column fills.
	Field string `json:"field"`
	// Key and Message tell the reason (the message in English).
	Key     string `json:"key"`
	Message string `json:"message"`
	// Params fill the message's placeholders.
	Params map[string]any `json:"params,omitempty"`
}

// Status is where an uploaded file stands.
type Status string

// Statuses of an upload.
const (
	StatusOpen Status = "open"
	StatusDone Status = "done"
)

// Report is the outcome of checking or importing a file.
type Report struct {
	ID       string `json:"id"`
	Kind     Kind   `json:"kind"`
	FileName string `json:"file_name"`
	Status   Status `json:"status"`
	// Headings are the file's column headings; Mapping the field each
	// fills ("" leaves it out), in the same order.
	Headings []string `json:"headings"`
	Mapping  []string `json:"mapping"`
	// Sample holds the first rows, as read.
	Sample [][]string `json:"sample"`
	// Rows counts the rows with data; Good those without problems.
	Rows int `json:"rows"`
	Good int `json:"good"`
	// Problems lists every problem of every bad row, by row.
	Problems []Problem `json:"problems"`
	// Imported counts the rows written (0 after a check).
	Imported  int       `json:"imported"`
	CreatedAt time.Time `json:"created_at"`
}

// BadRows counts the rows with a problem.
func (r *Report) BadRows() int { return r.Rows - r.Good }

// MaxRows is the most rows a file may hold.
const MaxRows = 5000

// MaxBytes is the largest file accepted.
const MaxBytes = 8 << 20

// Service imports files.
type Service interface {
	// Columns lists the fields a kind of file can fill.
	Columns(kind Kind) []Column
	// Template returns an .xlsx file with the kind's headings (in the
	// language of ctx), a sample row and notes.
	Template(ctx context.Context, kind Kind) ([]byte, error)
	// Upload keeps a file for the caller, maps its columns by their
	// headings and checks it.
	Upload(ctx context.Context, kind Kind, fileName string, data []byte) (*Report, error)
	// Get checks a file the caller uploaded again, with its mapping.
	Get(ctx context.Context, id string) (*Report, error)
	// Map changes which field each column fills and checks the file again.
	Map(ctx context.Context, id string, mapping []string) (*Report, error)
	// Run imports a file the caller uploaded: ModeAll or ModeGood.
	Run(ctx context.Context, id string, mode Mode) (*Report, error)
	// Import checks or imports a file at once, without keeping it; an
	// empty mapping maps the columns by their headings.
	Import(ctx context.Context, kind Kind, data []byte, mapping []string, mode Mode) (*Report, error)
	// Recent lists the caller's latest uploads.
	Recent(ctx context.Context) ([]Report, error)
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
