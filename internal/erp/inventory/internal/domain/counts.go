package domain

import (
	"time"

	"github.com/loom-erp/loom/internal/platform/money"
)

// CountStatus says where a stock count stands.
type CountStatus string

// The statuses of a stock count.
const (
	CountCounting         CountStatus = "counting"
	CountAwaitingApproval CountStatus = "awaiting_approval"
	CountPosted           CountStatus = "posted"
	CountCancelled        CountStatus = "cancelled"
)

// CountScope says what a stock count covers.
type CountScope string

// The scopes of a stock count: the whole warehouse, some of its locations,
// or one item or category in the whole warehouse.
const (
	ScopeFull      CountScope = "full"
	ScopeLocations CountScope = "locations"
	ScopeItems     CountScope = "items"
)

// CountInput starts a stock count.
type CountInput struct {
	Warehouse string     `json:"warehouse" doc:"The warehouse's id or code."`
	Scope     CountScope `json:"scope" enum:"full,locations,items"`
	// Locations are the locations of a cycle count (scope locations), by id or code.
	Locations []string `json:"locations,omitempty" maxItems:"500"`
	Item      string   `json:"item,omitempty" doc:"Scope items: the item's id or code."`
	Category  string   `json:"category,omitempty" doc:"Scope items: an item category's id."`
	Note      string   `json:"note,omitempty" maxLength:"500"`
	// Blind hides the book quantities from the counters until the count is posted.
	Blind bool `json:"blind,omitempty" doc:"A blind count: users without erp.stock.count.approve do not see snapshot, expected quantity or variance until the count is posted or cancelled."`
}

// CountLineInput records what a counter found at a location.
type CountLineInput struct {
	Location string         `json:"location" doc:"The location's id or code."`
	Item     string         `json:"item" doc:"The item's id or code."`
	Lot      string         `json:"lot,omitempty" maxLength:"60"`
	Quantity money.Quantity `json:"quantity" doc:"What was counted, in the item's base unit; 0 when nothing is there."`
	// Recount replaces a quantity counted before; without it a line is counted once.
	Recount bool `json:"recount,omitempty"`
}

// Count is a stock count with its lines.
type Count struct {
	ID             string        `json:"id"`
	Number         string        `json:"number"`
	WarehouseID    string        `json:"warehouse_id"`
	WarehouseCode  string        `json:"warehouse_code"`
	Scope          CountScope    `json:"scope"`
	ItemID         string        `json:"item_id,omitempty"`
	CategoryID     string        `json:"category_id,omitempty"`
	Status         CountStatus   `json:"status" enum:"counting,awaiting_approval,posted,cancelled"`
	ThresholdPct   money.Rate    `json:"threshold_pct" doc:"A line whose variance is more than this share of the book quantity needs approval."`
	ThresholdValue *money.Amount `json:"threshold_value,omitempty" doc:"A line whose variance is worth more than this needs approval; only for users who may see costs."`
	Note           string        `json:"note"`
	Blind          bool          `json:"blind"`
	// Hidden says the book quantities were left out for this user: a blind
	// count still open, read without erp.stock.count.approve.
	Hidden        bool          `json:"quantities_hidden" doc:"Snapshot, expected, variance and values are left out (blind count, read by a counter)."`
	DocID         string        `json:"doc_id,omitempty" doc:"The adjustment document posted."`
	CreatedBy     string        `json:"created_by"`
	CreatedAt     time.Time     `json:"created_at"`
	ApprovedBy    string        `json:"approved_by,omitempty"`
	LocationIDs   []string      `json:"location_ids" nullable:"false"`
	Lines         []CountLine   `json:"lines" nullable:"false"`
	Counted       int           `json:"counted" doc:"Lines counted."`
	NeedsApproval bool          `json:"needs_approval" doc:"Some counted line's variance is above a threshold."`
	VarianceValue *money.Amount `json:"variance_value,omitempty" doc:"Net value of the variances; only for users who may see costs."`
}

// CountLine is one item, location and lot of a count. Expected is the
// snapshot taken when the count started plus the moves posted since, up to
// the moment the line was counted; the variance is counted minus expected.
type CountLine struct {
	ItemID       string           `json:"item_id"`
	ItemCode     string           `json:"item_code"`
	ItemName     string           `json:"item_name"`
	UoM          string           `json:"uom"`
	UoMPrecision int              `json:"uom_precision"`
	LocationID   string           `json:"location_id"`
	LocationCode string           `json:"location_code"`
	LotNo        string           `json:"lot_no,omitempty"`
	Snapshot     *money.Quantity  `json:"snapshot,omitempty" doc:"On the books when the count started; left out when quantities are hidden."`
	Expected     *money.Quantity  `json:"expected,omitempty" doc:"On the books when the line was counted: the snapshot plus the moves since."`
	Counted      *money.Quantity  `json:"counted,omitempty" doc:"Empty until counted."`
	Variance     *money.Quantity  `json:"variance,omitempty"`
	UnitCost     *money.UnitPrice `json:"unit_cost,omitempty" doc:"Only for users who may see costs."`
	Value        *money.Amount    `json:"variance_value,omitempty" doc:"Only for users who may see costs."`
	OverLimit    bool             `json:"over_threshold"`
	CountedBy    string           `json:"counted_by,omitempty"`
	Counts       int              `json:"counts" doc:"How often the line was counted."`
}

// CountSettings are the thresholds above which a count needs approval.
type CountSettings struct {
	ThresholdPct   money.Rate   `json:"threshold_pct" doc:"Share of the book quantity, 0.05 for 5 %."`
	ThresholdValue money.Amount `json:"threshold_value" doc:"Value of one line's variance."`
}

// ReleaseDecision says what an inspection decided about goods in quarantine.
type ReleaseDecision string

// The decisions of an inspection.
const (
	ReleaseAccept ReleaseDecision = "accept" // to a stock location
	ReleaseReject ReleaseDecision = "reject" // to a scrap or transit location (back to the supplier)
)

// ReleaseInput releases goods from quarantine after inspection.
type ReleaseInput struct {
	Location   string          `json:"location" doc:"The quarantine location's id or code."`
	Item       string          `json:"item" doc:"The item's id or code."`
	Lot        string          `json:"lot,omitempty" maxLength:"60"`
	Quantity   money.Quantity  `json:"quantity"`
	Decision   ReleaseDecision `json:"decision" enum:"accept,reject"`
	ToLocation string          `json:"to_location" doc:"Accepted: a stock location; rejected: a scrap or transit location."`
	Reason     string          `json:"reason" maxLength:"500"`
}

// Message ids of counts and quarantine releases.
const (
	KeyNotQuarantine     = "erp.inventory.error.not_quarantine"
	KeyReleaseTarget     = "erp.inventory.error.release_target"
	KeyDecisionInvalid   = "erp.inventory.error.decision_invalid"
	KeyScopeInvalid      = "erp.inventory.error.scope_invalid"
	KeyOutOfScope        = "erp.inventory.error.out_of_scope"
	KeyCountCounted      = "erp.inventory.error.count_counted"
	KeyCountClosed       = "erp.inventory.error.count_closed"
	KeyCountNegative     = "erp.inventory.error.count_negative"
	KeyThresholdNegative = "erp.inventory.error.threshold_negative"
	KeyNotAwaiting       = "erp.inventory.error.count_not_awaiting"
	KeyCategoryUnknown   = "erp.inventory.error.category_unknown"
)
