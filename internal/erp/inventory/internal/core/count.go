package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// SourceCount is the source kind of the adjustments stock counts post.
const SourceCount = "inv_count"

// Stock counts never block moves. When the count starts, the balances in
// its scope are frozen as its snapshot; when a line is counted, the
// balance at that moment (the snapshot plus every move posted since) is
// kept with it as the expected quantity, read under the balance's lock, so
// goods that moved while the count ran are no variance. Posting adjusts
// each line by counted minus expected.

// CountSettings returns the thresholds above which a count needs approval.
func (s *Service) CountSettings(ctx context.Context) (domain.CountSettings, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.CountSettings{}, err
	}
	return s.countSettings(ctx)
}

func (s *Service) countSettings(ctx context.Context) (domain.CountSettings, error) {
	var st domain.CountSettings
	err := s.DB.QueryRow(ctx, `SELECT threshold_pct, threshold_value FROM inv_count_setting WHERE id = 1`).
		Scan(&st.ThresholdPct, &st.ThresholdValue)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.CountSettings{ThresholdPct: money.RateFromUnits(50_000), ThresholdValue: money.AmountFromUnits(100_000)}, nil
	}
	return st, err
}

// SetCountSettings changes the thresholds; new counts take them.
func (s *Service) SetCountSettings(ctx context.Context, in domain.CountSettings) (domain.CountSettings, error) {
	if _, err := erpkit.Require(ctx, domain.PermCountApprove); err != nil {
		return in, err
	}
	var p erpkit.Problems
	if in.ThresholdPct.Sign() < 0 {
		p.Add("threshold_pct", domain.KeyThresholdNegative, "A threshold cannot be negative")
	}
	if in.ThresholdValue.Sign() < 0 {
		p.Add("threshold_value", domain.KeyThresholdNegative, "A threshold cannot be negative")
	}
	if err := p.Err(); err != nil {
		return in, err
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.countSettings(ctx)
		if err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `UPDATE inv_count_setting SET threshold_pct = $1, threshold_value = $2, updated_at = $3 WHERE id = 1`,
			in.ThresholdPct.Units(), in.ThresholdValue.Units(), db.Millis(s.now())); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.count_settings.changed", "erp.inventory.count_settings", "1", before, in)
	})
	return in, err
}

// StartCount starts a count: it takes the next number, the scope's
// locations, and the snapshot of the balances in scope.
func (s *Service) StartCount(ctx context.Context, in domain.CountInput) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermAdjust); err != nil {
		return domain.Count{}, err
	}
	in.Note = strings.TrimSpace(in.Note)
	var p erpkit.Problems
	p.Text("note", in.Note, false, 500)
	var wh domain.InventoryWarehouse
	if ref := strings.TrimSpace(in.Warehouse); ref == "" {
		p.Add("warehouse", erpkit.KeyRequired, "This field is required")
	} else {
		ws, err := s.warehouses(ctx)
		if err != nil {
			return domain.Count{}, err
		}
		for _, w := range ws {
			if w.ID == ref || erpkit.CodeKey(w.Code) == erpkit.CodeKey(ref) {
				wh = w
			}
		}
		if wh.ID == "" {
			p.Add("warehouse", domain.KeyWarehouseUnknown, "No warehouse has this code")
		}
	}
	var locIDs []string
	var itemID, categoryID string
	switch in.Scope {
	case domain.ScopeFull:
	case domain.ScopeLocations:
		if len(in.Locations) == 0 {
			p.Add("locations", erpkit.KeyRequired, "This field is required")
		}
		for i, ref := range in.Locations {
			l, err := s.LookupLocation(ctx, strings.TrimSpace(ref))
			switch {
			case apperr.IsKind(err, apperr.KindNotFound):
				p.Add(fmt.Sprintf("locations[%d]", i), domain.KeyLocationUnknown, "No location has this code")
			case err != nil:
				return domain.Count{}, err
			case wh.ID != "" && l.WarehouseID != wh.ID:
				p.Add(fmt.Sprintf("locations[%d]", i), domain.KeyWarehouseMismatch, "This location is in another warehouse")
			default:
				if !slices.Contains(locIDs, l.ID) {
					locIDs = append(locIDs, l.ID)
				}
			}
		}
	case domain.ScopeItems:
		item, cat := strings.TrimSpace(in.Item), strings.TrimSpace(in.Category)
		switch {
		case item == "" && cat == "":
			p.Add("item", erpkit.KeyRequired, "This field is required")
		case item != "":
			it, err := s.resolveItem(ctx, item)
			switch {
			case apperr.IsKind(err, apperr.KindNotFound):
				p.Add("item", domain.KeyItemUnknown, "No item has this code")
			case err != nil:
				return domain.Count{}, err
			default:
				itemID = it.ID
			}
		default:
			// The catalog's service can look a category up; its contract
			// cannot, so a process with another catalog takes the id as given.
			if cats, ok := s.Catalog.(interface {
				Category(ctx context.Context, id string) (catalog.Category, error)
			}); ok {
				_, err := cats.Category(ctx, cat)
				switch {
				case apperr.IsKind(err, apperr.KindNotFound) || !db.ValidID(cat):
					p.Add("category", domain.KeyCategoryUnknown, "No item category has this id")
				case err != nil:
					return domain.Count{}, err
				}
			}
			categoryID = cat
		}
	default:
		p.Add("scope", domain.KeyScopeInvalid, "Choose full, locations or items")
	}
	if err := p.Err(); err != nil {
		return domain.Count{}, err
	}
	if in.Scope != domain.ScopeLocations {
		locs, err := s.Locations(ctx, wh.ID)
		if err != nil {
			return domain.Count{}, err
		}
		for _, l := range locs {
			locIDs = append(locIDs, l.ID)
		}
	}
	st, err := s.countSettings(ctx)
	if err != nil {
		return domain.Count{}, err
	}
	id := db.NewID()
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		number, err := s.DB.NextDocNumber(ctx, "CNT", s.now())
		if err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `INSERT INTO inv_count (id, number, warehouse_id, scope, item_id, category_id, status, threshold_pct,
			threshold_value, note, doc_id, created_by, created_at, approved_by, posted_at, blind)
			VALUES ($1, $2, $3, $4, $5, $6, 'counting', $7, $8, $9, '', $10, $11, '', 0, $12)`,
			id, number, wh.ID, string(in.Scope), itemID, categoryID, st.ThresholdPct.Units(), st.ThresholdValue.Units(), in.Note,
			erpkit.Actor(ctx), db.Millis(s.now()), blindInt(in.Blind)); err != nil {
			return fmt.Errorf("inventory: write count: %w", err)
		}
		for _, l := range locIDs {
			if _, err := s.DB.Exec(ctx, `INSERT INTO inv_count_location (count_id, location_id) VALUES ($1, $2)`, id, l); err != nil {
				return err
			}
		}
		// The snapshot: every balance in scope with something on hand.
		bals, err := s.LookupBalances(ctx, domain.StockFilter{WarehouseID: wh.ID, ItemID: itemID})
		if err != nil {
			return err
		}
		var ids []string
		for _, b := range bals {
			ids = append(ids, b.ItemID)
		}
		items, err := s.Catalog.LookupItems(ctx, ids)
		if err != nil {
			return err
		}
		n := 0
		for _, b := range bals {
			if !slices.Contains(locIDs, b.LocationID) || (categoryID != "" && items[b.ItemID].CategoryID != categoryID) {
				continue
			}
			n++
			if _, err := s.DB.Exec(ctx, `INSERT INTO inv_count_line (count_id, item_id, location_id, lot_key, lot_no, snapshot_qty, book_qty,
				counted_qty, counted_by, counted_at, counts) VALUES ($1, $2, $3, $4, $5, $6, $6, NULL, '', 0, 0)`,
				id, b.ItemID, b.LocationID, erpkit.CodeKey(b.LotNo), b.LotNo, b.OnHand.Units()); err != nil {
				return fmt.Errorf("inventory: write count snapshot: %w", err)
			}
		}
		return s.record(ctx, "erp.inventory.count.started", "erp.inventory.count", id, nil,
			map[string]any{"number": number, "warehouse_id": wh.ID, "scope": in.Scope, "locations": len(locIDs), "lines": n})
	})
	if err != nil {
		return domain.Count{}, err
	}
	return s.Count(ctx, id)
}

// CountLine records what a counter found: the item, location and lot must
// be in the count's scope, a line is counted once (Recount replaces it),
// and the balance on the books at this moment is kept as expected.
func (s *Service) CountLine(ctx context.Context, countID string, in domain.CountLineInput) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermAdjust); err != nil {
		return domain.Count{}, err
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockCount(ctx, countID)
		if err != nil {
			return err
		}
		if c.Status != domain.CountCounting {
			return apperr.Conflict(domain.KeyCountClosed, "This count is no longer open for counting")
		}
		var p erpkit.Problems
		var it catalog.Item
		var loc domain.InventoryLocation
		if ref := strings.TrimSpace(in.Location); ref == "" {
			p.Add("location", erpkit.KeyRequired, "This field is required")
		} else if loc, err = s.LookupLocation(ctx, ref); apperr.IsKind(err, apperr.KindNotFound) {
			p.Add("location", domain.KeyLocationUnknown, "No location has this code")
		} else if err != nil {
			return err
		} else if !slices.Contains(c.LocationIDs, loc.ID) {
			p.Add("location", domain.KeyOutOfScope, "This count does not cover this location")
		}
		if ref := strings.TrimSpace(in.Item); ref == "" {
			p.Add("item", erpkit.KeyRequired, "This field is required")
		} else if it, err = s.resolveItem(ctx, ref); apperr.IsKind(err, apperr.KindNotFound) {
			p.Add("item", domain.KeyItemUnknown, "No item has this code")
		} else if err != nil {
			return err
		} else if !it.Stocked() {
			p.Add("item", domain.KeyItemNotStocked, "This item is a service and has no stock")
		} else if (c.ItemID != "" && it.ID != c.ItemID) || (c.CategoryID != "" && it.CategoryID != c.CategoryID) {
			p.Add("item", domain.KeyOutOfScope, "This count does not cover this item")
		}
		lotNo := strings.TrimSpace(in.Lot)
		if it.ID != "" {
			tracked := it.Tracking != catalog.TrackingNone
			switch {
			case tracked && lotNo == "":
				p.Add("lot", domain.KeyLotRequired, "Enter the lot or serial number")
			case !tracked && lotNo != "":
				p.Add("lot", domain.KeyLotNotTracked, "This item is not tracked by lot or serial number")
			case lotNo != "":
				p.Code("lot", lotNo, 60)
			}
			switch {
			case in.Quantity.Sign() < 0:
				p.Add("quantity", domain.KeyCountNegative, "A counted quantity cannot be negative")
			case !checkPrecision(in.Quantity, it.UoMPrecision):
				p.Add("quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
					map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
			case it.Tracking == catalog.TrackingSerial && in.Quantity.Units() > 1_000_000:
				p.Add("quantity", domain.KeySerialQuantity, "A serial number is one unit: enter 1")
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		key := erpkit.CodeKey(lotNo)
		// The balance on the books now, under its lock: snapshot plus the moves since.
		var book int64
		lotID := ""
		if lotNo != "" {
			if l, err := s.findLot(ctx, it.ID, key); err == nil {
				lotID, lotNo = l.ID, l.LotNo
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if lotNo == "" || lotID != "" {
			bal, err := s.lockBalances(ctx, []balanceKey{{it.ID, loc.ID, lotID}})
			if err != nil {
				return err
			}
			book = bal[balanceKey{it.ID, loc.ID, lotID}]
		}
		var counted sql.NullInt64
		err = s.DB.QueryRow(ctx, `SELECT counted_qty FROM inv_count_line WHERE count_id = $1 AND item_id = $2 AND location_id = $3 AND lot_key = $4`,
			c.ID, it.ID, loc.ID, key).Scan(&counted)
		now, actor := db.Millis(s.now()), erpkit.Actor(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// Found where the snapshot had nothing.
			_, err = s.DB.Exec(ctx, `INSERT INTO inv_count_line (count_id, item_id, location_id, lot_key, lot_no, snapshot_qty, book_qty,
				counted_qty, counted_by, counted_at, counts) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, 1)`,
				c.ID, it.ID, loc.ID, key, lotNo, book, in.Quantity.Units(), actor, now)
			if db.IsUniqueViolation(err) {
				return apperr.Invalid("quantity", domain.KeyCountCounted, "This line is already counted; choose recount to count it again")
			}
		case err != nil:
			return err
		case counted.Valid && !in.Recount:
			return apperr.Invalid("quantity", domain.KeyCountCounted, "This line is already counted; choose recount to count it again")
		default:
			var n int64
			n, err = s.DB.ExecAffected(ctx, `UPDATE inv_count_line SET book_qty = $1, counted_qty = $2, counted_by = $3, counted_at = $4, counts = counts + 1
				WHERE count_id = $5 AND item_id = $6 AND location_id = $7 AND lot_key = $8 AND (counted_qty IS NULL OR $9 = 1)`,
				book, in.Quantity.Units(), actor, now, c.ID, it.ID, loc.ID, key, boolInt(in.Recount))
			if err == nil && n != 1 {
				return apperr.Invalid("quantity", domain.KeyCountCounted, "This line is already counted; choose recount to count it again")
			}
		}
		if err != nil {
			return fmt.Errorf("inventory: write count line: %w", err)
		}
		return s.record(ctx, "erp.inventory.count.counted", "erp.inventory.count", c.ID, nil,
			map[string]any{"item": it.Code, "location": loc.Code, "lot": lotNo, "quantity": in.Quantity.String(), "expected": money.QuantityFromUnits(book).String(),
				"recount": in.Recount && counted.Valid})
	})
	if err != nil {
		return domain.Count{}, err
	}
	return s.Count(ctx, countID)
}

// PostCount posts a count's variances as one adjustment document (which
// posts stock gains and losses to the ledger). A count with a line above a
// threshold waits for approval unless the user may approve it; approving
// is posting by such a user.
func (s *Service) PostCount(ctx context.Context, countID string) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermAdjust); err != nil {
		if _, err2 := erpkit.Require(ctx, domain.PermCountApprove); err2 != nil {
			return domain.Count{}, err
		}
	}
	approver := authz.FromContext(ctx).Can(domain.PermCountApprove)
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockCount(ctx, countID)
		if err != nil {
			return err
		}
		switch {
		case c.Status == domain.CountAwaitingApproval && !approver:
			return apperr.PermissionDenied(string(domain.PermCountApprove))
		case c.Status != domain.CountCounting && c.Status != domain.CountAwaitingApproval:
			return apperr.Conflict(domain.KeyCountClosed, "This count is no longer open for counting")
		}
		if err := s.fillCount(ctx, &c, true); err != nil {
			return err
		}
		if c.NeedsApproval && !approver {
			if _, err := s.DB.Exec(ctx, `UPDATE inv_count SET status = 'awaiting_approval' WHERE id = $1`, c.ID); err != nil {
				return err
			}
			return s.record(ctx, "erp.inventory.count.submitted", "erp.inventory.count", c.ID,
				map[string]any{"status": c.Status}, map[string]any{"status": domain.CountAwaitingApproval})
		}
		req := domain.PostRequest{Kind: domain.DocAdjustment, Reference: c.Number, Note: c.Note, SourceKind: SourceCount, SourceID: c.ID}
		for i, l := range c.Lines {
			if l.Variance == nil || l.Variance.IsZero() {
				continue
			}
			req.Lines = append(req.Lines, domain.PostLine{Field: fmt.Sprintf("lines[%d]", i), ItemID: l.ItemID, LocationID: l.LocationID,
				LotNo: l.LotNo, Quantity: *l.Variance})
		}
		docID := ""
		if len(req.Lines) > 0 {
			d, err := s.post(ctx, req, nil)
			if err != nil {
				return err
			}
			docID = d.ID
		}
		approvedBy := ""
		if c.NeedsApproval {
			approvedBy = erpkit.Actor(ctx)
		}
		if _, err := s.DB.Exec(ctx, `UPDATE inv_count SET status = 'posted', doc_id = $1, approved_by = $2, posted_at = $3 WHERE id = $4`,
			docID, approvedBy, db.Millis(s.now()), c.ID); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.count.posted", "erp.inventory.count", c.ID,
			map[string]any{"status": c.Status}, map[string]any{"status": domain.CountPosted, "doc_id": docID, "approved_by": approvedBy})
	})
	if err != nil {
		return domain.Count{}, err
	}
	return s.Count(ctx, countID)
}

// RejectCount sends a count awaiting approval back to counting, for recounts.
func (s *Service) RejectCount(ctx context.Context, countID string) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermCountApprove); err != nil {
		return domain.Count{}, err
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockCount(ctx, countID)
		if err != nil {
			return err
		}
		if c.Status != domain.CountAwaitingApproval {
			return apperr.Conflict(domain.KeyNotAwaiting, "This count is not waiting for approval")
		}
		if _, err := s.DB.Exec(ctx, `UPDATE inv_count SET status = 'counting' WHERE id = $1`, c.ID); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.count.rejected", "erp.inventory.count", c.ID,
			map[string]any{"status": c.Status}, map[string]any{"status": domain.CountCounting})
	})
	if err != nil {
		return domain.Count{}, err
	}
	return s.Count(ctx, countID)
}

// CancelCount drops a count that has not been posted.
func (s *Service) CancelCount(ctx context.Context, countID string) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermAdjust); err != nil {
		return domain.Count{}, err
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockCount(ctx, countID)
		if err != nil {
			return err
		}
		if c.Status != domain.CountCounting && c.Status != domain.CountAwaitingApproval {
			return apperr.Conflict(domain.KeyCountClosed, "This count is no longer open for counting")
		}
		if _, err := s.DB.Exec(ctx, `UPDATE inv_count SET status = 'cancelled' WHERE id = $1`, c.ID); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.count.cancelled", "erp.inventory.count", c.ID,
			map[string]any{"status": c.Status}, map[string]any{"status": domain.CountCancelled})
	})
	if err != nil {
		return domain.Count{}, err
	}
	return s.Count(ctx, countID)
}

const countCols = `c.id, c.number, c.warehouse_id, w.code, c.scope, c.item_id, c.category_id, c.status, c.threshold_pct, c.threshold_value,
	c.note, c.doc_id, c.created_by, c.created_at, c.approved_by, c.blind`

func scanCount(sc interface{ Scan(...any) error }) (domain.Count, int64, error) {
	var (
		c     domain.Count
		at    int64
		value money.Amount
		blind int64
	)
	err := sc.Scan(&c.ID, &c.Number, &c.WarehouseID, &c.WarehouseCode, &c.Scope, &c.ItemID, &c.CategoryID, &c.Status, &c.ThresholdPct,
		&value, &c.Note, &c.DocID, &c.CreatedBy, &at, &c.ApprovedBy, &blind)
	c.CreatedAt, c.Blind = db.FromMillis(at), blind != 0
	c.ThresholdValue = &value
	return c, value.Units(), err
}

// lockCount reads a count (and on PostgreSQL locks its row) with its locations.
func (s *Service) lockCount(ctx context.Context, id string) (domain.Count, error) {
	return s.readCount(ctx, id, true)
}

// readCount reads a count with its locations, locking its row when lock is set.
func (s *Service) readCount(ctx context.Context, id string, lock bool) (domain.Count, error) {
	if !db.ValidID(id) {
		return domain.Count{}, apperr.NotFound("stock count", id)
	}
	forUpdate := ""
	if lock && s.DB.Engine == db.Postgres {
		forUpdate = " FOR UPDATE OF c"
	}
	c, _, err := scanCount(s.DB.QueryRow(ctx, `SELECT `+countCols+` FROM inv_count c JOIN inv_warehouse w ON w.id = c.warehouse_id WHERE c.id = $1`+forUpdate, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("stock count", id)
	}
	if err != nil {
		return c, err
	}
	rows, err := s.DB.Query(ctx, `SELECT location_id FROM inv_count_location WHERE count_id = $1 ORDER BY location_id`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	c.LocationIDs = []string{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return c, err
		}
		c.LocationIDs = append(c.LocationIDs, l)
	}
	return c, rows.Err()
}

// Count returns a count with its lines and variances.
func (s *Service) Count(ctx context.Context, id string) (domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.Count{}, err
	}
	c, err := s.readCount(ctx, id, false)
	if err != nil {
		return c, err
	}
	if err = s.fillCount(ctx, &c, canSeeCost(ctx)); err != nil {
		return c, err
	}
	hideBooks(ctx, &c)
	return c, nil
}

// hideBooks leaves the book quantities out of a blind count that is still
// open (counting or awaiting approval) for a user who may not approve
// counts: counters count what they find, not what the books say. Their own
// counted quantities stay.
func hideBooks(ctx context.Context, c *domain.Count) {
	open := c.Status == domain.CountCounting || c.Status == domain.CountAwaitingApproval
	if !c.Blind || !open || authz.FromContext(ctx).Can(domain.PermCountApprove) {
		return
	}
	c.Hidden, c.NeedsApproval, c.VarianceValue = true, false, nil
	for i := range c.Lines {
		l := &c.Lines[i]
		l.Snapshot, l.Expected, l.Variance, l.UnitCost, l.Value, l.OverLimit = nil, nil, nil, nil, nil, false
	}
}

func blindInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// fillCount reads a count's lines and works out their variances, values
// and whether any is above a threshold.
func (s *Service) fillCount(ctx context.Context, c *domain.Count, showCost bool) error {
	rows, err := s.DB.Query(ctx, `SELECT cl.item_id, cl.location_id, l.code, cl.lot_no, cl.snapshot_qty, cl.book_qty, cl.counted_qty, cl.counted_by, cl.counts,
		COALESCE(ic.unit_cost, 0)
		FROM inv_count_line cl JOIN inv_location l ON l.id = cl.location_id LEFT JOIN inv_item_cost ic ON ic.item_id = cl.item_id
		WHERE cl.count_id = $1 ORDER BY l.code_key, cl.item_id, cl.lot_key`, c.ID)
	if err != nil {
		return fmt.Errorf("inventory: read count lines: %w", err)
	}
	defer rows.Close()
	c.Lines = []domain.CountLine{}
	var ids []string
	var total int64
	for rows.Next() {
		var (
			l       domain.CountLine
			snap    money.Quantity
			book    int64
			counted sql.NullInt64
			cost    int64
		)
		if err := rows.Scan(&l.ItemID, &l.LocationID, &l.LocationCode, &l.LotNo, &snap, &book, &counted, &l.CountedBy, &l.Counts, &cost); err != nil {
			return err
		}
		l.Snapshot = &snap
		if counted.Valid {
			c.Counted++
			e, q, v := money.QuantityFromUnits(book), money.QuantityFromUnits(counted.Int64), money.QuantityFromUnits(counted.Int64-book)
			l.Expected, l.Counted, l.Variance = &e, &q, &v
			value := mulDiv(v.Units(), cost, 10_000_000_000)
			total += value
			pct := c.ThresholdPct.Units()
			over := v.Units() != 0 && (book == 0 || mulDiv(abs(v.Units()), 1_000_000, book) > pct)
			if c.ThresholdValue != nil && abs(value) > c.ThresholdValue.Units() {
				over = true
			}
			l.OverLimit = over
			c.NeedsApproval = c.NeedsApproval || over
			if showCost {
				uc, a := money.UnitPriceFromUnits(cost), money.AmountFromUnits(value)
				l.UnitCost, l.Value = &uc, &a
			}
		}
		c.Lines = append(c.Lines, l)
		ids = append(ids, l.ItemID)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return err
	}
	for i := range c.Lines {
		it := items[c.Lines[i].ItemID]
		c.Lines[i].ItemCode, c.Lines[i].ItemName, c.Lines[i].UoM, c.Lines[i].UoMPrecision = it.Code, it.Name, it.UoM, it.UoMPrecision
	}
	if showCost {
		v := money.AmountFromUnits(total)
		c.VarianceValue = &v
	} else {
		c.ThresholdValue = nil
	}
	return nil
}

func abs(x int64) int64 { return max(x, -x) }

// Counts lists the stock counts, newest first.
func (s *Service) Counts(ctx context.Context) ([]domain.Count, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+countCols+` FROM inv_count c JOIN inv_warehouse w ON w.id = c.warehouse_id
		ORDER BY c.created_at DESC, c.id DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("inventory: list counts: %w", err)
	}
	defer rows.Close()
	out := []domain.Count{}
	see := canSeeCost(ctx)
	for rows.Next() {
		c, _, err := scanCount(rows)
		if err != nil {
			return nil, err
		}
		if !see {
			c.ThresholdValue = nil
		}
		c.LocationIDs, c.Lines = []string{}, []domain.CountLine{}
		out = append(out, c)
	}
	return out, rows.Err()
}
