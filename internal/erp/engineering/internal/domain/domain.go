// Package domain holds engineering's types and rules: work centers, bills
// of materials and routings, how their inputs are validated, and the
// module's permissions and events. It knows neither SQL nor HTTP.
package domain

import (
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Status is where a BOM or routing stands: draft (editable), released
// (in use, immutable) or obsolete (no longer used).
type Status string

// The statuses of BOMs and routings.
const (
	StatusDraft    Status = "draft"
	StatusReleased Status = "released"
	StatusObsolete Status = "obsolete"
)

// WorkCenterKind says what a work center is.
type WorkCenterKind string

// The kinds of work centers.
const (
	KindMachine WorkCenterKind = "machine" // a die-casting cell, a CNC machine
	KindLabour  WorkCenterKind = "labour"  // a manual station: deburring, packing
	KindLine    WorkCenterKind = "line"    // a line of several stations run as one
)

// WorkCenterKinds lists every kind in the order screens offer them.
var WorkCenterKinds = []WorkCenterKind{KindMachine, KindLabour, KindLine}

// EngWorkCenter is a place where operations of routings are done.
type EngWorkCenter struct {
	ID   string         `json:"id"`
	Code string         `json:"code"`
	Name string         `json:"name"`
	Kind WorkCenterKind `json:"kind" enum:"machine,labour,line"`
	// CapacityHours is how many hours a day the work center can work.
	CapacityHours money.Quantity `json:"capacity_hours" doc:"Hours a day the work center can work."`
	// CostRate is the cost of one hour.
	CostRate money.UnitPrice `json:"cost_rate" doc:"Cost of one hour, in CNY."`
	// Efficiency is the share of the standard rate really reached: 0.85 is 85%.
	Efficiency money.Rate `json:"efficiency" doc:"Share of standard times reached, as a fraction: 0.85 is 85%."`
	Status     string     `json:"status" enum:"active,inactive"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// EngWorkCenterInput is what a user gives to create or change a work center.
type EngWorkCenterInput struct {
	Code          string          `json:"code" maxLength:"40"`
	Name          string          `json:"name" maxLength:"100"`
	Kind          WorkCenterKind  `json:"kind" enum:"machine,labour,line"`
	CapacityHours money.Quantity  `json:"capacity_hours" doc:"Hours a day, more than 0 and at most 24."`
	CostRate      money.UnitPrice `json:"cost_rate,omitempty"`
	Efficiency    money.Rate      `json:"efficiency,omitempty" doc:"1 (100%) when empty; at most 2."`
	Status        string          `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// EngBOM is one version of the bill of materials of an item: what goes into
// BaseQuantity of it.
type EngBOM struct {
	ID       string `json:"id"`
	ItemID   string `json:"item_id"`
	ItemCode string `json:"item_code"`
	ItemName string `json:"item_name"`
	UoM      string `json:"uom" doc:"The item's base unit of measure."`
	Version  string `json:"version"`
	Status   Status `json:"status" enum:"draft,released,obsolete"`
	// EffectiveFrom and EffectiveTo bound the dates the BOM is used on,
	// both included; an empty EffectiveTo has no end.
	EffectiveFrom string         `json:"effective_from" format:"date"`
	EffectiveTo   string         `json:"effective_to" doc:"Empty: no end."`
	BaseQuantity  money.Quantity `json:"base_quantity" doc:"The lines give what goes into this quantity of the item, such as 1 or 100."`
	Note          string         `json:"note"`
	Lines         []EngBOMLine   `json:"lines" nullable:"false"`
	CreatedBy     string         `json:"created_by"`
	ReleasedBy    string         `json:"released_by"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// EngBOMLine is one component of a BOM.
type EngBOMLine struct {
	LineNo        int    `json:"line_no"`
	ComponentID   string `json:"component_id"`
	ComponentCode string `json:"component_code"`
	ComponentName string `json:"component_name"`
	UoM           string `json:"uom"`
	// Quantity is how much of the component goes into the BOM's base
	// quantity, in the component's base unit, before scrap.
	Quantity money.Quantity `json:"quantity"`
	// Scrap is the share lost in making, as a fraction: 0.02 is 2%.
	Scrap money.Rate `json:"scrap" doc:"Share lost in making, as a fraction: 0.02 is 2%."`
	// Phantom marks a component that is never stocked: its own BOM is
	// exploded through.
	Phantom      bool `json:"phantom"`
	OperationSeq int  `json:"operation_seq,omitempty" doc:"The routing operation that consumes the component, such as 10."`
}

// EngBOMInput is what a user gives to create or change a draft BOM.
type EngBOMInput struct {
	Item          string            `json:"item,omitempty" maxLength:"40" doc:"The parent item's id or code; required to create, ignored by an update."`
	Version       string            `json:"version" maxLength:"20"`
	EffectiveFrom string            `json:"effective_from" doc:"YYYY-MM-DD"`
	EffectiveTo   string            `json:"effective_to,omitempty" doc:"YYYY-MM-DD; empty for no end."`
	BaseQuantity  *money.Quantity   `json:"base_quantity,omitempty" doc:"1 when left out."`
	Note          string            `json:"note,omitempty" maxLength:"500"`
	Lines         []EngBOMLineInput `json:"lines" maxItems:"500"`
}

// EngBOMLineInput is one component line of a BOMInput.
type EngBOMLineInput struct {
	Component    string         `json:"component" maxLength:"40" doc:"The component item's id or code."`
	Quantity     money.Quantity `json:"quantity"`
	Scrap        money.Rate     `json:"scrap,omitempty" doc:"As a fraction: 0.02 is 2%."`
	Phantom      bool           `json:"phantom,omitempty"`
	OperationSeq int            `json:"operation_seq,omitempty" minimum:"0" maximum:"9999"`
}

// EngRouting is one version of the sequence of operations that makes an item.
type EngRouting struct {
	ID            string         `json:"id"`
	ItemID        string         `json:"item_id"`
	ItemCode      string         `json:"item_code"`
	ItemName      string         `json:"item_name"`
	Version       string         `json:"version"`
	Status        Status         `json:"status" enum:"draft,released,obsolete"`
	EffectiveFrom string         `json:"effective_from" format:"date"`
	EffectiveTo   string         `json:"effective_to" doc:"Empty: no end."`
	Note          string         `json:"note"`
	Operations    []EngOperation `json:"operations" nullable:"false"`
	CreatedBy     string         `json:"created_by"`
	ReleasedBy    string         `json:"released_by"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// EngOperation is one step of a routing. Times are in minutes.
type EngOperation struct {
	Seq            int            `json:"seq" doc:"10, 20, …"`
	WorkCenterID   string         `json:"work_center_id"`
	WorkCenterCode string         `json:"work_center_code"`
	WorkCenterName string         `json:"work_center_name"`
	Description    string         `json:"description"`
	SetupMinutes   money.Quantity `json:"setup_minutes"`
	RunMinutes     money.Quantity `json:"run_minutes" doc:"Minutes per unit."`
	QueueMinutes   money.Quantity `json:"queue_minutes"`
	MoveMinutes    money.Quantity `json:"move_minutes"`
}

// EngRoutingInput is what a user gives to create or change a draft routing.
type EngRoutingInput struct {
	Item          string              `json:"item,omitempty" maxLength:"40" doc:"The item's id or code; required to create, ignored by an update."`
	Version       string              `json:"version" maxLength:"20"`
	EffectiveFrom string              `json:"effective_from" doc:"YYYY-MM-DD"`
	EffectiveTo   string              `json:"effective_to,omitempty" doc:"YYYY-MM-DD; empty for no end."`
	Note          string              `json:"note,omitempty" maxLength:"500"`
	Operations    []EngOperationInput `json:"operations" maxItems:"200"`
}

// EngOperationInput is one operation of a RoutingInput.
type EngOperationInput struct {
	Seq          int            `json:"seq" minimum:"1" maximum:"9999"`
	WorkCenter   string         `json:"work_center" maxLength:"40" doc:"The work center's id or code."`
	Description  string         `json:"description" maxLength:"200"`
	SetupMinutes money.Quantity `json:"setup_minutes,omitempty"`
	RunMinutes   money.Quantity `json:"run_minutes"`
	QueueMinutes money.Quantity `json:"queue_minutes,omitempty"`
	MoveMinutes  money.Quantity `json:"move_minutes,omitempty"`
}

// EngExplodedLine is one row of a multi-level explosion.
type EngExplodedLine struct {
	Level         int    `json:"level" doc:"1 for the components of the exploded item, 2 for theirs, …"`
	Path          string `json:"path" doc:"Position in the tree, such as 1.2.1."`
	ParentID      string `json:"parent_id"`
	ComponentID   string `json:"component_id"`
	ComponentCode string `json:"component_code"`
	ComponentName string `json:"component_name"`
	UoM           string `json:"uom"`
	// QuantityPer is the line's quantity per one unit of its parent.
	QuantityPer money.Quantity `json:"quantity_per" doc:"Per one unit of the parent, before scrap."`
	Scrap       money.Rate     `json:"scrap"`
	// Gross is what the exploded quantity needs, scrap included.
	Gross money.Quantity `json:"gross" doc:"What the exploded quantity needs, scrap included."`
	// Via names the phantom whose BOM the line came through, if any.
	Via          string `json:"via,omitempty" doc:"Code of the phantom component exploded through."`
	BOMID        string `json:"bom_id"`
	BOMVersion   string `json:"bom_version"`
	OperationSeq int    `json:"operation_seq,omitempty"`
	HasBOM       bool   `json:"has_bom" doc:"The component is made: its own BOM is exploded below it."`
}

// EngExplosion is a BOM exploded for a quantity of its item on a date.
type EngExplosion struct {
	ItemID   string            `json:"item_id"`
	ItemCode string            `json:"item_code"`
	ItemName string            `json:"item_name"`
	Quantity money.Quantity    `json:"quantity"`
	Date     string            `json:"date" format:"date"`
	BOMID    string            `json:"bom_id"`
	Version  string            `json:"version"`
	Lines    []EngExplodedLine `json:"lines" nullable:"false"`
}

// EngWhereUsed is one BOM that uses a component.
type EngWhereUsed struct {
	// Level is 1 for a BOM that has the item itself as a component, 2 for
	// one that has such a parent as a component, and so on up to the top.
	Level         int            `json:"level"`
	ComponentID   string         `json:"component_id" doc:"The component this BOM line is for: the item asked about at level 1, a parent of it above."`
	ComponentCode string         `json:"component_code"`
	BOMID         string         `json:"bom_id"`
	ParentID      string         `json:"parent_id"`
	ParentCode    string         `json:"parent_code"`
	ParentName    string         `json:"parent_name"`
	Version       string         `json:"version"`
	Status        Status         `json:"status"`
	EffectiveFrom string         `json:"effective_from"`
	EffectiveTo   string         `json:"effective_to"`
	BaseQuantity  money.Quantity `json:"base_quantity"`
	Quantity      money.Quantity `json:"quantity"`
	Scrap         money.Rate     `json:"scrap"`
	Phantom       bool           `json:"phantom"`
}

// Lengths of text fields.
const (
	MaxCode    = 40
	MaxName    = 100
	MaxVersion = 20
	MaxNote    = 500
	MaxDesc    = 200
	MaxLines   = 500
)

// Error message ids of engineering.
const (
	KeyCodeTaken       = "erp.engineering.error.code_taken"
	KeyKindInvalid     = "erp.engineering.error.kind_invalid"
	KeyCapacity        = "erp.engineering.error.capacity"
	KeyCostNegative    = "erp.engineering.error.cost_negative"
	KeyEfficiency      = "erp.engineering.error.efficiency"
	KeyStatusInvalid   = "erp.engineering.error.status_invalid"
	KeyItemUnknown     = "erp.engineering.error.item_unknown"
	KeyParentKind      = "erp.engineering.error.parent_kind"
	KeyComponentKind   = "erp.engineering.error.component_kind"
	KeyVersionTaken    = "erp.engineering.error.version_taken"
	KeyDateOrder       = "erp.engineering.error.date_order"
	KeyOverlap         = "erp.engineering.error.overlap"
	KeyBaseQuantity    = "erp.engineering.error.base_quantity"
	KeyQuantity        = "erp.engineering.error.quantity"
	KeyUnitDecimals    = "erp.engineering.error.unit_decimals"
	KeyScrap           = "erp.engineering.error.scrap"
	KeyNoLines         = "erp.engineering.error.no_lines"
	KeyTooManyLines    = "erp.engineering.error.too_many_lines"
	KeySelf            = "erp.engineering.error.self"
	KeyCycle           = "erp.engineering.error.cycle"
	KeyDuplicate       = "erp.engineering.error.duplicate_component"
	KeyNotDraft        = "erp.engineering.error.not_draft"
	KeyNotReleased     = "erp.engineering.error.not_released"
	KeyNoOperations    = "erp.engineering.error.no_operations"
	KeySeqInvalid      = "erp.engineering.error.seq_invalid"
	KeySeqTaken        = "erp.engineering.error.seq_taken"
	KeyWorkCenter      = "erp.engineering.error.work_center_unknown"
	KeyMinutes         = "erp.engineering.error.minutes"
	KeyNoEffectiveBOM  = "erp.engineering.error.no_bom"
	KeyExplodeQuantity = "erp.engineering.error.explode_quantity"
)

// Normalize trims a work center input and fills in its defaults.
func (in *EngWorkCenterInput) Normalize() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	if in.Efficiency.IsZero() {
		in.Efficiency = money.MustRate("1")
	}
	if in.Status == "" {
		in.Status = "active"
	}
}

// Validate reports every problem of a normalized work center input.
func (in EngWorkCenterInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, MaxCode)
	p.Text("name", in.Name, true, MaxName)
	switch in.Kind {
	case KindMachine, KindLabour, KindLine:
	default:
		p.Add("kind", KeyKindInvalid, "Choose machine, labour or line")
	}
	if in.CapacityHours.Sign() <= 0 || in.CapacityHours.Cmp(money.MustQuantity("24")) > 0 {
		p.Add("capacity_hours", KeyCapacity, "Enter the hours a day, more than 0 and at most 24")
	}
	if in.CostRate.Sign() < 0 {
		p.Add("cost_rate", KeyCostNegative, "The cost cannot be negative")
	}
	if in.Efficiency.Sign() <= 0 || in.Efficiency.Cmp(money.MustRate("2")) > 0 {
		p.Add("efficiency", KeyEfficiency, "Enter an efficiency above 0% and at most 200%")
	}
	if in.Status != "active" && in.Status != "inactive" {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	return p
}

// Normalize trims a BOM input and fills in its defaults.
func (in *EngBOMInput) Normalize() {
	in.Item = strings.TrimSpace(in.Item)
	in.Version = strings.TrimSpace(in.Version)
	in.EffectiveFrom = strings.TrimSpace(in.EffectiveFrom)
	in.EffectiveTo = strings.TrimSpace(in.EffectiveTo)
	in.Note = strings.TrimSpace(in.Note)
	if in.BaseQuantity == nil {
		one := money.MustQuantity("1")
		in.BaseQuantity = &one
	}
	for i := range in.Lines {
		in.Lines[i].Component = strings.TrimSpace(in.Lines[i].Component)
	}
}

// Base is the base quantity of a normalized input.
func (in EngBOMInput) Base() money.Quantity {
	if in.BaseQuantity == nil {
		return money.MustQuantity("1")
	}
	return *in.BaseQuantity
}

// Validate reports the problems of a normalized BOM input that need no
// lookup: text, dates, quantities and scrap. Units and items are checked by
// the service.
func (in EngBOMInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("version", in.Version, MaxVersion)
	p.Date("effective_from", in.EffectiveFrom, true)
	p.Date("effective_to", in.EffectiveTo, false)
	if !p.Has("effective_from") && !p.Has("effective_to") && in.EffectiveTo != "" && in.EffectiveTo < in.EffectiveFrom {
		p.Add("effective_to", KeyDateOrder, "The end date comes before the start date")
	}
	if in.Base().Sign() <= 0 {
		p.Add("base_quantity", KeyBaseQuantity, "Enter a base quantity above 0, such as 1 or 100")
	}
	p.Text("note", in.Note, false, MaxNote)
	switch {
	case len(in.Lines) == 0:
		p.Add("lines", KeyNoLines, "Add at least one component")
	case len(in.Lines) > MaxLines:
		p.Add("lines", KeyTooManyLines, "A BOM has at most {{.Max}} lines", map[string]any{"Max": MaxLines})
	}
	for i, l := range in.Lines {
		f := LineField(i)
		p.Text(f+".component", l.Component, true, MaxCode)
		if l.Quantity.Sign() <= 0 {
			p.Add(f+".quantity", KeyQuantity, "Enter a quantity above 0")
		}
		if l.Scrap.Sign() < 0 || l.Scrap.Cmp(money.MustRate("1")) >= 0 {
			p.Add(f+".scrap", KeyScrap, "Enter a scrap factor from 0% to below 100%")
		}
		if l.OperationSeq < 0 || l.OperationSeq > 9999 {
			p.Add(f+".operation_seq", KeySeqInvalid, "Enter an operation number from 1 to 9999")
		}
	}
	return p
}

// LineField is the field path of BOM line i (from 0) in errors.
func LineField(i int) string { return "lines[" + strconv.Itoa(i) + "]" }

// OpField is the field path of routing operation i (from 0) in errors.
func OpField(i int) string { return "operations[" + strconv.Itoa(i) + "]" }

// Normalize trims a routing input.
func (in *EngRoutingInput) Normalize() {
	in.Item = strings.TrimSpace(in.Item)
	in.Version = strings.TrimSpace(in.Version)
	in.EffectiveFrom = strings.TrimSpace(in.EffectiveFrom)
	in.EffectiveTo = strings.TrimSpace(in.EffectiveTo)
	in.Note = strings.TrimSpace(in.Note)
	for i := range in.Operations {
		in.Operations[i].WorkCenter = strings.TrimSpace(in.Operations[i].WorkCenter)
		in.Operations[i].Description = strings.TrimSpace(in.Operations[i].Description)
	}
}

// Validate reports the problems of a normalized routing input that need no lookup.
func (in EngRoutingInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("version", in.Version, MaxVersion)
	p.Date("effective_from", in.EffectiveFrom, true)
	p.Date("effective_to", in.EffectiveTo, false)
	if !p.Has("effective_from") && !p.Has("effective_to") && in.EffectiveTo != "" && in.EffectiveTo < in.EffectiveFrom {
		p.Add("effective_to", KeyDateOrder, "The end date comes before the start date")
	}
	p.Text("note", in.Note, false, MaxNote)
	if len(in.Operations) == 0 {
		p.Add("operations", KeyNoOperations, "Add at least one operation")
	}
	seen := map[int]bool{}
	for i, op := range in.Operations {
		f := OpField(i)
		switch {
		case op.Seq <= 0 || op.Seq > 9999:
			p.Add(f+".seq", KeySeqInvalid, "Enter an operation number from 1 to 9999")
		case seen[op.Seq]:
			p.Add(f+".seq", KeySeqTaken, "Another operation has this number")
		}
		seen[op.Seq] = true
		p.Text(f+".work_center", op.WorkCenter, true, MaxCode)
		p.Text(f+".description", op.Description, true, MaxDesc)
		for _, m := range []struct {
			name string
			v    money.Quantity
		}{{"setup_minutes", op.SetupMinutes}, {"run_minutes", op.RunMinutes}, {"queue_minutes", op.QueueMinutes}, {"move_minutes", op.MoveMinutes}} {
			if m.v.Sign() < 0 {
				p.Add(f+"."+m.name, KeyMinutes, "Minutes cannot be negative")
			}
		}
	}
	return p
}

// Overlaps reports whether two date ranges (to "" meaning no end) share a day.
func Overlaps(from1, to1, from2, to2 string) bool {
	return (to2 == "" || from1 <= to2) && (to1 == "" || from2 <= to1)
}

// EffectiveOn reports whether a range covers a date.
func EffectiveOn(from, to, date string) bool {
	return from <= date && (to == "" || date <= to)
}
