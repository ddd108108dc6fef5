// Package domain holds the catalog's types and rules: items, categories and
// units of measure, how they are validated, the catalog's permissions and
// events. It knows neither SQL nor HTTP.
package domain

import (
	"regexp"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Kind says what an item is for.
type Kind string

// The kinds of items.
const (
	KindMaterial     Kind = "material"      // bought and consumed: ingots, inserts, fasteners, packaging
	KindSemiFinished Kind = "semi_finished" // made and consumed again: raw castings
	KindFinished     Kind = "finished"      // made and sold: machined housings
	KindService      Kind = "service"       // sold or bought, never stocked
)

// Kinds lists every kind in the order screens offer them.
var Kinds = []Kind{KindMaterial, KindSemiFinished, KindFinished, KindService}

// Tracking says how stock of an item is told apart.
type Tracking string

// The ways stock is tracked.
const (
	TrackingNone   Tracking = "none"   // only quantities
	TrackingLot    Tracking = "lot"    // every receipt carries a lot number
	TrackingSerial Tracking = "serial" // every unit carries its own serial number
)

// Trackings lists every tracking in the order screens offer them.
var Trackings = []Tracking{TrackingNone, TrackingLot, TrackingSerial}

// Status says whether a record may be used in new documents.
type Status string

// The statuses of catalog records.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// DefaultCurrency is the currency of prices when none is given.
const DefaultCurrency = "CNY"

// CatalogUoM is a unit of measure, such as pieces or kilograms.
type CatalogUoM struct {
	ID     string `json:"id"`
	Code   string `json:"code" doc:"Short code, such as pcs or kg."`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// Precision is how many decimals a quantity in this unit may have (0–6).
	Precision int       `json:"precision" minimum:"0" maximum:"6"`
	Status    Status    `json:"status" enum:"active,inactive"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CatalogUoMInput is what a user gives to create or change a unit of measure.
type CatalogUoMInput struct {
	Code      string `json:"code" maxLength:"20"`
	Name      string `json:"name" maxLength:"100"`
	NameEN    string `json:"name_en,omitempty" maxLength:"100"`
	Precision int    `json:"precision" minimum:"0" maximum:"6"`
	Status    Status `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// CatalogCategory groups items; the ledger's posting rules choose accounts by it.
type CatalogCategory struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en"`
	ParentID  string    `json:"parent_id,omitempty"`
	Status    Status    `json:"status" enum:"active,inactive"`
	Items     int       `json:"items" doc:"How many items the category holds."`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CatalogCategoryInput is what a user gives to create or change a category.
type CatalogCategoryInput struct {
	Code     string `json:"code" maxLength:"40"`
	Name     string `json:"name" maxLength:"100"`
	NameEN   string `json:"name_en,omitempty" maxLength:"100"`
	ParentID string `json:"parent_id,omitempty"`
	Status   Status `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// CatalogItem is something the company buys, makes, stocks or sells.
type CatalogItem struct {
	ID           string   `json:"id"`
	Code         string   `json:"code" doc:"The item's code; scanners read it from labels."`
	Name         string   `json:"name"`
	NameEN       string   `json:"name_en"`
	Spec         string   `json:"spec" doc:"Specification: alloy, dimensions, drawing number."`
	Kind         Kind     `json:"kind" enum:"material,semi_finished,finished,service"`
	CategoryID   string   `json:"category_id"`
	CategoryName string   `json:"category_name"`
	Tracking     Tracking `json:"tracking" enum:"none,lot,serial"`
	// UoMID is the base unit of measure stock is kept in.
	UoMID        string `json:"uom_id"`
	UoM          string `json:"uom" doc:"Code of the base unit of measure."`
	UoMPrecision int    `json:"uom_precision"`
	// PurchaseUoMID is the unit the item is bought in, and PurchaseFactor
	// how many base units one of it holds (a box of 50 pieces: 50).
	PurchaseUoMID  string         `json:"purchase_uom_id"`
	PurchaseUoM    string         `json:"purchase_uom"`
	PurchaseFactor money.Quantity `json:"purchase_factor"`
	// SalesUoMID and SalesFactor are the same for selling.
	SalesUoMID   string          `json:"sales_uom_id"`
	SalesUoM     string          `json:"sales_uom"`
	SalesFactor  money.Quantity  `json:"sales_factor"`
	VATRate      money.Rate      `json:"vat_rate" doc:"VAT rate as a fraction: 0.13 is 13%."`
	LeadTimeDays int             `json:"lead_time_days" doc:"Standard days to buy or make the item."`
	ListPrice    money.UnitPrice `json:"list_price" doc:"Sales price per base unit, before tax."`
	FloorPrice   money.UnitPrice `json:"floor_price" doc:"Lowest price sales may quote without approval."`
	Currency     string          `json:"currency"`
	Sellable     bool            `json:"sellable"`
	Status       Status          `json:"status" enum:"active,inactive"`
	Revision     string          `json:"revision" doc:"The current engineering revision, such as A."`
	Version      int64           `json:"version" doc:"Changes with every update; send it back to update."`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Stocked reports whether stock of the item is kept (services are not).
func (it CatalogItem) Stocked() bool { return it.Kind != KindService }

// CatalogItemInput is what a user gives to create or change an item. The
// code cannot change once the item exists.
type CatalogItemInput struct {
	Code           string          `json:"code,omitempty" maxLength:"40" doc:"Required to create; ignored by an update."`
	Name           string          `json:"name" maxLength:"200"`
	NameEN         string          `json:"name_en,omitempty" maxLength:"200"`
	Spec           string          `json:"spec,omitempty" maxLength:"200"`
	Kind           Kind            `json:"kind" enum:"material,semi_finished,finished,service"`
	CategoryID     string          `json:"category_id"`
	Tracking       Tracking        `json:"tracking,omitempty" enum:"none,lot,serial" doc:"none when empty"`
	UoMID          string          `json:"uom_id"`
	PurchaseUoMID  string          `json:"purchase_uom_id,omitempty" doc:"The base unit when empty."`
	PurchaseFactor money.Quantity  `json:"purchase_factor,omitempty" doc:"1 when empty."`
	SalesUoMID     string          `json:"sales_uom_id,omitempty" doc:"The base unit when empty."`
	SalesFactor    money.Quantity  `json:"sales_factor,omitempty" doc:"1 when empty."`
	VATRate        money.Rate      `json:"vat_rate"`
	LeadTimeDays   int             `json:"lead_time_days,omitempty" minimum:"0" maximum:"3650"`
	ListPrice      money.UnitPrice `json:"list_price,omitempty"`
	FloorPrice     money.UnitPrice `json:"floor_price,omitempty"`
	Currency       string          `json:"currency,omitempty" doc:"CNY when empty."`
	Sellable       bool            `json:"sellable"`
	Status         Status          `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// CatalogRevision is one engineering revision of an item.
type CatalogRevision struct {
	ID            string    `json:"id"`
	ItemID        string    `json:"item_id"`
	Revision      string    `json:"revision"`
	Note          string    `json:"note"`
	EffectiveDate string    `json:"effective_date" format:"date"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// CatalogRevisionInput starts a new revision of an item.
type CatalogRevisionInput struct {
	Revision      string `json:"revision" maxLength:"20"`
	Note          string `json:"note,omitempty" maxLength:"500"`
	EffectiveDate string `json:"effective_date,omitempty" doc:"Today when empty." format:"date"`
}

// ItemFilter selects items for a list.
type ItemFilter struct {
	Query      string // matches code, names and specification
	Kind       Kind
	CategoryID string
	Status     Status
	Sellable   *bool
	Sort       string // code, name or -updated_at (see ItemSorts)
	Cursor     string
	Limit      int
}

// ItemSorts are the fields an item list sorts by.
var ItemSorts = []string{"code", "name", "updated_at"}

// Lengths of text fields.
const (
	MaxCode     = 40
	MaxName     = 200
	MaxUoMCode  = 20
	MaxShort    = 100
	MaxRevision = 20
	MaxNote     = 500
)

// Error message ids of the catalog.
const (
	KeyCodeTaken        = "erp.catalog.error.code_taken"
	KeyKindInvalid      = "erp.catalog.error.kind_invalid"
	KeyTrackingInvalid  = "erp.catalog.error.tracking_invalid"
	KeyServiceTracking  = "erp.catalog.error.service_tracking"
	KeyStatusInvalid    = "erp.catalog.error.status_invalid"
	KeyUoMUnknown       = "erp.catalog.error.uom_unknown"
	KeyCategoryUnknown  = "erp.catalog.error.category_unknown"
	KeyFactorInvalid    = "erp.catalog.error.factor_invalid"
	KeyFactorBase       = "erp.catalog.error.factor_base"
	KeyVATInvalid       = "erp.catalog.error.vat_invalid"
	KeyLeadTimeInvalid  = "erp.catalog.error.lead_time_invalid"
	KeyPriceNegative    = "erp.catalog.error.price_negative"
	KeyFloorAboveList   = "erp.catalog.error.floor_above_list"
	KeyCurrencyInvalid  = "erp.catalog.error.currency_invalid"
	KeyPrecisionInvalid = "erp.catalog.error.precision_invalid"
	KeyPrecisionLower   = "erp.catalog.error.precision_lower"
	KeyParentInvalid    = "erp.catalog.error.parent_invalid"
	KeyInUse            = "erp.catalog.error.in_use"
	KeyRevisionSame     = "erp.catalog.error.revision_same"
	KeyRevisionTaken    = "erp.catalog.error.revision_taken"
	KeyItemUnknown      = "erp.catalog.error.item_unknown"
)

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Normalize trims the text of an item input and fills in its defaults.
func (in *CatalogItemInput) Normalize() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Spec = strings.TrimSpace(in.Spec)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = DefaultCurrency
	}
	if in.Tracking == "" {
		in.Tracking = TrackingNone
	}
	if in.Status == "" {
		in.Status = StatusActive
	}
	one := money.MustQuantity("1")
	if in.PurchaseUoMID == "" || in.PurchaseUoMID == in.UoMID {
		in.PurchaseUoMID = in.UoMID
		if in.PurchaseFactor.IsZero() {
			in.PurchaseFactor = one
		}
	}
	if in.SalesUoMID == "" || in.SalesUoMID == in.UoMID {
		in.SalesUoMID = in.UoMID
		if in.SalesFactor.IsZero() {
			in.SalesFactor = one
		}
	}
}

// Validate checks the rules an item input obeys on its own; the service
// checks the references (units, category) and uniqueness.
func (in CatalogItemInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, MaxCode)
	p.Text("name", in.Name, true, MaxName)
	p.Text("name_en", in.NameEN, false, MaxName)
	p.Text("spec", in.Spec, false, MaxName)
	if !validKind(in.Kind) {
		p.Add("kind", KeyKindInvalid, "Choose material, semi-finished, finished or service")
	}
	if !validTracking(in.Tracking) {
		p.Add("tracking", KeyTrackingInvalid, "Choose none, lot or serial")
	} else if in.Kind == KindService && in.Tracking != TrackingNone {
		p.Add("tracking", KeyServiceTracking, "A service is not stocked, so it cannot be tracked by lot or serial")
	}
	if in.Status != StatusActive && in.Status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	if in.CategoryID == "" {
		p.Add("category_id", erpkit.KeyRequired, "This field is required")
	}
	if in.UoMID == "" {
		p.Add("uom_id", erpkit.KeyRequired, "This field is required")
	}
	one := money.MustQuantity("1")
	for _, f := range []struct {
		uom, field string
		factor     money.Quantity
	}{{in.PurchaseUoMID, "purchase_factor", in.PurchaseFactor}, {in.SalesUoMID, "sales_factor", in.SalesFactor}} {
		switch {
		case f.factor.Sign() <= 0:
			p.Add(f.field, KeyFactorInvalid, "Enter how many base units one unit holds (more than 0)")
		case f.uom == in.UoMID && f.factor.Cmp(one) != 0:
			p.Add(f.field, KeyFactorBase, "The base unit holds exactly 1 base unit")
		}
	}
	if in.VATRate.Sign() < 0 || in.VATRate.Cmp(money.MustRate("1")) > 0 {
		p.Add("vat_rate", KeyVATInvalid, "Enter a VAT rate between 0% and 100%")
	}
	if in.LeadTimeDays < 0 || in.LeadTimeDays > 3650 {
		p.Add("lead_time_days", KeyLeadTimeInvalid, "Enter 0 to 3650 days")
	}
	if in.ListPrice.Sign() < 0 {
		p.Add("list_price", KeyPriceNegative, "A price cannot be negative")
	}
	if in.FloorPrice.Sign() < 0 {
		p.Add("floor_price", KeyPriceNegative, "A price cannot be negative")
	} else if !in.ListPrice.IsZero() && in.FloorPrice.Cmp(in.ListPrice) > 0 {
		p.Add("floor_price", KeyFloorAboveList, "The floor price cannot be above the list price")
	}
	if !currencyPattern.MatchString(in.Currency) {
		p.Add("currency", KeyCurrencyInvalid, "Enter a three-letter currency code such as CNY")
	}
	return p
}

// Normalize trims a unit input and fills in its defaults.
func (in *CatalogUoMInput) Normalize() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	if in.Status == "" {
		in.Status = StatusActive
	}
}

// Validate checks a unit input.
func (in CatalogUoMInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, MaxUoMCode)
	p.Text("name", in.Name, true, MaxShort)
	p.Text("name_en", in.NameEN, false, MaxShort)
	if in.Precision < 0 || in.Precision > money.QuantityScale {
		p.Add("precision", KeyPrecisionInvalid, "Enter 0 to 6 decimal places")
	}
	if in.Status != StatusActive && in.Status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	return p
}

// Normalize trims a category input and fills in its defaults.
func (in *CatalogCategoryInput) Normalize() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	if in.Status == "" {
		in.Status = StatusActive
	}
}

// Validate checks a category input.
func (in CatalogCategoryInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, MaxCode)
	p.Text("name", in.Name, true, MaxShort)
	p.Text("name_en", in.NameEN, false, MaxShort)
	if in.Status != StatusActive && in.Status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	return p
}

// Normalize trims a revision input.
func (in *CatalogRevisionInput) Normalize() {
	in.Revision = strings.TrimSpace(in.Revision)
	in.Note = strings.TrimSpace(in.Note)
	in.EffectiveDate = strings.TrimSpace(in.EffectiveDate)
}

// Validate checks a revision input.
func (in CatalogRevisionInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("revision", in.Revision, MaxRevision)
	p.Text("note", in.Note, false, MaxNote)
	p.Date("effective_date", in.EffectiveDate, false)
	return p
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func validTracking(t Tracking) bool {
	for _, x := range Trackings {
		if x == t {
			return true
		}
	}
	return false
}
