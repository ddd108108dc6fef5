// Package service keeps return authorisations and the CRM's copy of ERP's
// shipments, and applies ERP's answers to them.
package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/notify"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Message keys of return errors.
const (
	keyShipmentUnknown = "crm.return.error.shipment_unknown"
	keyNoLines         = "crm.return.error.no_lines"
	keyItemNotShipped  = "crm.return.error.item_not_shipped"
	keyItemTwice       = "crm.return.error.item_twice"
	keyQuantity        = "crm.return.error.quantity"
	keyTooMany         = "crm.return.error.too_many"
	keyStatus          = "crm.return.error.status"
	maxLines           = 100
)

// Service keeps return authorisations.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	items     catalog.Service // nil without the catalog module
	now       func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, items catalog.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, items: items, now: now}
}

var _ returns.Service = (*Service)(nil)

func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// ---- shipments ----

// loadShipment reads a shipment with what may still be returned of its
// items, leaving out the return authorisation skip (when not empty).
func (s *Service) loadShipment(ctx context.Context, id, skip string) (*returns.Shipment, error) {
	var sh returns.Shipment
	var at int64
	err := s.db.QueryRow(ctx, `SELECT id, number, so_id, so_number, quote_id, account_id, carrier, tracking_no, shipped_at
		FROM crm_rma_shipment WHERE id = $1`, id).Scan(&sh.ID, &sh.Number, &sh.SOID, &sh.SONumber, &sh.QuoteID, &sh.AccountID,
		&sh.Carrier, &sh.TrackingNo, &at)
	if isNoRows(err) {
		return nil, apperr.NotFound("shipment", id)
	}
	if err != nil {
		return nil, fmt.Errorf("returns: read shipment: %w", err)
	}
	sh.ShippedAt = db.FromMillis(at)
	if err := s.shipmentItems(ctx, []*returns.Shipment{&sh}, skip); err != nil {
		return nil, err
	}
	return &sh, nil
}

// shipmentItems fills the items of shipments with what other return
// authorisations (not cancelled or rejected) already cover.
func (s *Service) shipmentItems(ctx context.Context, shs []*returns.Shipment, skip string) error {
	if len(shs) == 0 {
		return nil
	}
	var a listq.Args
	ph := make([]string, len(shs))
	byID := map[string]*returns.Shipment{}
	for i, sh := range shs {
		ph[i] = a.Add(sh.ID)
		byID[sh.ID] = sh
		sh.Items = []returns.ShipmentItem{}
	}
	skipArg := a.Add(skip)
	rows, err := s.db.Query(ctx, `SELECT si.shipment_id, si.item_id, si.quantity, COALESCE((SELECT SUM(l.quantity) FROM crm_rma_line l
			JOIN crm_rma r ON r.id = l.rma_id WHERE r.shipment_id = si.shipment_id AND l.item_id = si.item_id
			AND r.status IN ('draft', 'authorized', 'received') AND r.id <> `+skipArg+`), 0)
		FROM crm_rma_shipment_item si WHERE si.shipment_id IN (`+strings.Join(ph, ", ")+`) ORDER BY si.shipment_id, si.item_id`, a...)
	if err != nil {
		return fmt.Errorf("returns: read shipment items: %w", err)
	}
	var ids []string
	for rows.Next() {
		var shID string
		var it returns.ShipmentItem
		if err := rows.Scan(&shID, &it.ItemID, &it.Shipped, &it.Authorized); err != nil {
			rows.Close()
			return err
		}
		it.Returnable, _ = it.Shipped.Sub(it.Authorized)
		if it.Returnable.Sign() < 0 {
			it.Returnable = money.Quantity{}
		}
		byID[shID].Items = append(byID[shID].Items, it)
		ids = append(ids, it.ItemID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	names, err := s.itemNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, sh := range shs {
		for i := range sh.Items {
			it := &sh.Items[i]
			if n, ok := names[it.ItemID]; ok {
				it.ItemCode, it.ItemName = n.Code, n.Name
			}
		}
	}
	return nil
}

func (s *Service) itemNames(ctx context.Context, ids []string) (map[string]catalog.Item, error) {
	if s.items == nil || len(ids) == 0 {
		return map[string]catalog.Item{}, nil
	}
	return s.items.ItemsByID(ctx, ids)
}

// visibleAccount reports NotFound unless the caller sees the customer.
func (s *Service) visibleAccount(ctx context.Context, accountID, kind, id string) error {
	ok, err := s.customers.Visible(ctx, accountID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound(kind, id)
	}
	return nil
}

// Shipment returns one shipment of a customer the caller sees.
func (s *Service) Shipment(ctx context.Context, id string) (*returns.Shipment, error) {
	if _, err := require(ctx, returns.PermRead); err != nil {
		return nil, err
	}
	if !db.ValidID(id) {
		return nil, apperr.NotFound("shipment", id)
	}
	sh, err := s.loadShipment(ctx, id, "")
	if err != nil {
		return nil, err
	}
	if err := s.visibleAccount(ctx, sh.AccountID, "shipment", id); err != nil {
		return nil, err
	}
	return sh, nil
}

// Shipments returns a customer's shipments, newest first (at most 100).
func (s *Service) Shipments(ctx context.Context, accountID string) ([]returns.Shipment, error) {
	if _, err := require(ctx, returns.PermRead); err != nil {
		return nil, err
	}
	if !db.ValidID(accountID) {
		return nil, apperr.NotFound("account", accountID)
	}
	if err := s.visibleAccount(ctx, accountID, "account", accountID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, number, so_id, so_number, quote_id, account_id, carrier, tracking_no, shipped_at
		FROM crm_rma_shipment WHERE account_id = $1 ORDER BY shipped_at DESC, id LIMIT 100`, accountID)
	if err != nil {
		return nil, fmt.Errorf("returns: list shipments: %w", err)
	}
	out := []returns.Shipment{}
	for rows.Next() {
		var sh returns.Shipment
		var at int64
		if err := rows.Scan(&sh.ID, &sh.Number, &sh.SOID, &sh.SONumber, &sh.QuoteID, &sh.AccountID, &sh.Carrier, &sh.TrackingNo, &at); err != nil {
			rows.Close()
			return nil, err
		}
		sh.ShippedAt = db.FromMillis(at)
		out = append(out, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*returns.Shipment, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, s.shipmentItems(ctx, ptrs, "")
}

// ---- writes ----

// check normalises an input against its shipment and reports every bad
// field; skip names the authorisation being checked again, if any.
func (s *Service) check(ctx context.Context, in *returns.Input, skip string) (*returns.Shipment, error) {
	var probs valid.Problems
	probs.ID("shipment_id", &in.ShipmentID, true)
	probs.Text("notes", &in.Notes, false, 2000)
	var sh *returns.Shipment
	if !probs.Has("shipment_id") {
		var err error
		sh, err = s.loadShipment(ctx, in.ShipmentID, skip)
		if apperr.IsKind(err, apperr.KindNotFound) {
			probs.Add("shipment_id", keyShipmentUnknown, "No shipment of a customer you can see has this id")
		} else if err != nil {
			return nil, err
		} else if ok, err := s.customers.Visible(ctx, sh.AccountID); err != nil {
			return nil, err
		} else if !ok {
			probs.Add("shipment_id", keyShipmentUnknown, "No shipment of a customer you can see has this id")
			sh = nil
		}
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		probs.Add("lines", keyNoLines, "Return at least one item")
	}
	seen := map[string]bool{}
	for i := range in.Lines {
		l := &in.Lines[i]
		f := fmt.Sprintf("lines[%d].", i)
		probs.ID(f+"item_id", &l.ItemID, true)
		probs.Text(f+"reason", &l.Reason, true, 200)
		if l.Quantity.Sign() <= 0 {
			probs.Add(f+"quantity", keyQuantity, "The quantity must be more than zero")
		}
		if probs.Has(f+"item_id") || sh == nil {
			continue
		}
		if seen[l.ItemID] {
			probs.Add(f+"item_id", keyItemTwice, "This item is already on another line")
			continue
		}
		seen[l.ItemID] = true
		var item *returns.ShipmentItem
		for j := range sh.Items {
			if sh.Items[j].ItemID == l.ItemID {
				item = &sh.Items[j]
			}
		}
		switch {
		case item == nil:
			probs.Add(f+"item_id", keyItemNotShipped, "This item is not on the shipment")
		case l.Quantity.Sign() > 0 && l.Quantity.Cmp(item.Returnable) > 0:
			probs.Add(f+"quantity", keyTooMany, "At most {{.Max}} of {{.Item}} can still be returned (shipped {{.Shipped}})",
				map[string]any{"Max": item.Returnable.String(), "Item": firstNonEmpty(item.ItemCode, item.ItemID), "Shipped": item.Shipped.String()})
		}
	}
	return sh, probs.Err()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lockShipment serialises the authorisations of one shipment, so two of
// them never cover the same goods twice.
func (s *Service) lockShipment(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `UPDATE crm_rma_shipment SET version = version + 1 WHERE id = $1`, id)
	return err
}

// Create makes a draft return authorisation.
func (s *Service) Create(ctx context.Context, in returns.Input) (*returns.RMA, error) {
	p, err := require(ctx, returns.PermWrite)
	if err != nil {
		return nil, err
	}
	if _, err := s.check(ctx, &in, ""); err != nil {
		return nil, err
	}
	var out *returns.RMA
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockShipment(ctx, in.ShipmentID); err != nil {
			return err
		}
		sh, err := s.check(ctx, &in, "") // again, under the lock
		if err != nil {
			return err
		}
		now := s.now()
		number, err := s.db.NextDocNumber(ctx, "RMA", now)
		if err != nil {
			return err
		}
		id, ms := db.NewID(), db.Millis(now)
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_rma (id, number, account_id, shipment_id, status, notes, created_by, authorized_by,
			authorized_at, return_number, erp_reason, received_at, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'draft', $5, $6, '', 0, '', '', 0, 1, $7, $7)`,
			id, number, sh.AccountID, sh.ID, in.Notes, p.UserID, ms); err != nil {
			return fmt.Errorf("returns: create: %w", err)
		}
		for i, l := range in.Lines {
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_rma_line (rma_id, line_no, item_id, quantity, reason, received)
				VALUES ($1, $2, $3, $4, $5, 0)`, id, i+1, l.ItemID, l.Quantity, l.Reason); err != nil {
				return fmt.Errorf("returns: add line: %w", err)
			}
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.return.created", EntityKind: returns.Kind, EntityID: id, After: out})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Authorize authorises a draft and sends it to ERP.
func (s *Service) Authorize(ctx context.Context, id string) (*returns.RMA, error) {
	p, err := require(ctx, returns.PermApprove)
	if err != nil {
		return nil, err
	}
	var out *returns.RMA
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		r, err := s.getVisible(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != returns.StatusDraft {
			return apperr.Precondition(keyStatus, "Only a draft return can be authorised or cancelled")
		}
		if err := s.lockShipment(ctx, r.ShipmentID); err != nil {
			return err
		}
		// What other returns took meanwhile still leaves room for this one.
		in := returns.Input{ShipmentID: r.ShipmentID, Notes: r.Notes}
		for _, l := range r.Lines {
			in.Lines = append(in.Lines, returns.LineInput{ItemID: l.ItemID, Quantity: l.Quantity, Reason: l.Reason})
		}
		if _, err := s.check(ctx, &in, r.ID); err != nil {
			return err
		}
		ms := db.Millis(s.now())
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_rma SET status = 'authorized', authorized_by = $2, authorized_at = $3, version = version + 1,
			updated_at = $3 WHERE id = $1 AND status = 'draft'`, id, p.UserID, ms)
		if err != nil {
			return fmt.Errorf("returns: authorise: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.return.authorized", EntityKind: returns.Kind, EntityID: id,
			Before: map[string]any{"status": r.Status}, After: map[string]any{"status": out.Status}}); err != nil {
			return err
		}
		d := returns.AuthorizedData{RMAID: out.ID, Number: out.Number, CustomerID: out.AccountID, ShipmentID: out.ShipmentID,
			Lines: []returns.AuthorizedLine{}}
		for _, l := range out.Lines {
			d.Lines = append(d.Lines, returns.AuthorizedLine{ItemID: l.ItemID, Quantity: l.Quantity, Reason: l.Reason})
		}
		_, err = outbox.Emit(ctx, s.db, returns.EventAuthorized, 1, out.ID, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Cancel withdraws a draft.
func (s *Service) Cancel(ctx context.Context, id string) (*returns.RMA, error) {
	if _, err := require(ctx, returns.PermWrite); err != nil {
		return nil, err
	}
	var out *returns.RMA
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		r, err := s.getVisible(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != returns.StatusDraft {
			return apperr.Precondition(keyStatus, "Only a draft return can be authorised or cancelled")
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_rma SET status = 'cancelled', version = version + 1, updated_at = $2 WHERE id = $1`,
			id, db.Millis(s.now())); err != nil {
			return fmt.Errorf("returns: cancel: %w", err)
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.return.cancelled", EntityKind: returns.Kind, EntityID: id,
			Before: map[string]any{"status": r.Status}, After: map[string]any{"status": out.Status}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- reads ----

const rmaCols = `r.id, r.number, r.account_id, a.name, r.shipment_id, sh.number, sh.so_id, sh.so_number, sh.quote_id, r.status, r.notes,
	r.created_by, r.authorized_by, r.authorized_at, r.return_number, r.erp_reason, r.received_at, r.version, r.created_at, r.updated_at,
	r.erp_return_id`

const rmaFrom = ` FROM crm_rma r JOIN crm_account a ON a.id = r.account_id JOIN crm_rma_shipment sh ON sh.id = r.shipment_id`

func scanRMA(sc interface{ Scan(...any) error }) (returns.RMA, error) {
	var r returns.RMA
	var status string
	var authAt, recvAt, created, updated int64
	var erpID string
	err := sc.Scan(&r.ID, &r.Number, &r.AccountID, &r.AccountName, &r.ShipmentID, &r.ShipmentNumber, &r.SOID, &r.SONumber, &r.QuoteID,
		&status, &r.Notes, &r.CreatedBy, &r.AuthorizedBy, &authAt, &r.ReturnNumber, &r.ERPReason, &recvAt, &r.Version, &created, &updated, &erpID)
	r.FromERP = erpID != ""
	r.Status = returns.Status(status)
	if authAt > 0 {
		r.AuthorizedAt = db.FromMillis(authAt)
	}
	if recvAt > 0 {
		r.ReceivedAt = db.FromMillis(recvAt)
	}
	r.CreatedAt, r.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	r.Lines = []returns.Line{}
	return r, err
}

// load reads an authorisation with its lines, whoever may see it.
func (s *Service) load(ctx context.Context, id string) (*returns.RMA, error) {
	r, err := scanRMA(s.db.QueryRow(ctx, `SELECT `+rmaCols+rmaFrom+` WHERE r.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("return", id)
	}
	if err != nil {
		return nil, fmt.Errorf("returns: read: %w", err)
	}
	rs := []returns.RMA{r}
	if err := s.fill(ctx, rs); err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// fill reads the lines, item names and people of listed authorisations.
func (s *Service) fill(ctx context.Context, rs []returns.RMA) error {
	if len(rs) == 0 {
		return nil
	}
	var a listq.Args
	ph := make([]string, len(rs))
	byID := map[string]*returns.RMA{}
	var people []string
	for i := range rs {
		ph[i] = a.Add(rs[i].ID)
		byID[rs[i].ID] = &rs[i]
		people = append(people, rs[i].CreatedBy, rs[i].AuthorizedBy)
	}
	rows, err := s.db.Query(ctx, `SELECT rma_id, line_no, item_id, quantity, reason, received FROM crm_rma_line
		WHERE rma_id IN (`+strings.Join(ph, ", ")+`) ORDER BY rma_id, line_no`, a...)
	if err != nil {
		return fmt.Errorf("returns: read lines: %w", err)
	}
	var items []string
	for rows.Next() {
		var id string
		var l returns.Line
		if err := rows.Scan(&id, &l.LineNo, &l.ItemID, &l.Quantity, &l.Reason, &l.Received); err != nil {
			rows.Close()
			return err
		}
		byID[id].Lines = append(byID[id].Lines, l)
		items = append(items, l.ItemID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	names, err := s.itemNames(ctx, items)
	if err != nil {
		return err
	}
	who, err := s.dir.Names(ctx, people)
	if err != nil {
		return err
	}
	for i := range rs {
		r := &rs[i]
		r.CreatedByName, r.AuthorizedName = who[r.CreatedBy], who[r.AuthorizedBy]
		for j := range r.Lines {
			if n, ok := names[r.Lines[j].ItemID]; ok {
				r.Lines[j].ItemCode, r.Lines[j].ItemName = n.Code, n.Name
			}
		}
	}
	return nil
}

// getVisible reads an authorisation of a customer the caller sees.
func (s *Service) getVisible(ctx context.Context, id string) (*returns.RMA, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("return", id)
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.visibleAccount(ctx, r.AccountID, "return", id); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns an authorisation of a customer the caller sees.
func (s *Service) Get(ctx context.Context, id string) (*returns.RMA, error) {
	if _, err := require(ctx, returns.PermRead); err != nil {
		return nil, err
	}
	return s.getVisible(ctx, id)
}

var rmaSort = api.SortSpec{Fields: []string{"created_at"}, Default: "-created_at"}

// List returns a page of the authorisations of customers the caller sees.
func (s *Service) List(ctx context.Context, f returns.Filter) (returns.Page, error) {
	var page returns.Page
	p, err := require(ctx, returns.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(rmaSort, "", map[string]listq.Col{"created_at": {SQL: "r.created_at", Type: listq.Int}}, "r.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	w.And(access.Filter(p, customer.Kind, "a.owner_id", &a))
	if f.Status != "" {
		w.And(`r.status = ` + a.Add(string(f.Status)))
	}
	if f.AccountID != "" {
		w.And(`r.account_id = ` + a.Add(f.AccountID))
	}
	if f.ShipmentID != "" {
		w.And(`r.shipment_id = ` + a.Add(f.ShipmentID))
	}
	if f.SOID != "" {
		w.And(`sh.so_id = ` + a.Add(f.SOID))
	}
	if f.QuoteID != "" {
		w.And(`sh.quote_id = ` + a.Add(f.QuoteID))
	}
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*)`+rmaFrom+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("returns: count: %w", err)
		}
	}
	limit := listq.Limit(f.Limit)
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	q := `SELECT ` + rmaCols + rmaFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("returns: list: %w", err)
	}
	for rows.Next() {
		r, err := scanRMA(rows)
		if err != nil {
			rows.Close()
			return page, err
		}
		page.Items = append(page.Items, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		if page.Next, err = srt.Cursor([]any{db.Millis(last.CreatedAt)}, last.ID); err != nil {
			return page, err
		}
	}
	return page, s.fill(ctx, page.Items)
}

// ---- ERP's events ----

// Events are the event types the module consumes.
func Events() []string { return []string{returns.EventShipped, returns.EventReceived} }

// Apply applies one of ERP's events inside the consumer's transaction.
func (s *Service) Apply(ctx context.Context, ev bus.Envelope) error {
	switch ev.Type {
	case returns.EventShipped:
		return s.shipped(ctx, ev)
	case returns.EventReceived:
		return s.received(ctx, ev)
	}
	return nil
}

func instant(v string, ev bus.Envelope) int64 {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return db.Millis(t)
	}
	return db.Millis(ev.OccurredAt)
}

func (s *Service) shipped(ctx context.Context, ev bus.Envelope) error {
	var d returns.ShippedData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return fmt.Errorf("returns: decode %s: %w", ev.Type, err)
	}
	if d.ShipmentID == "" {
		return nil
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO crm_rma_shipment (id, number, so_id, so_number, quote_id, account_id, carrier, tracking_no, shipped_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) ON CONFLICT (id) DO NOTHING`,
		d.ShipmentID, d.Number, d.SOID, d.SONumber, d.QuoteID, d.CustomerID, d.Carrier, d.TrackingNo, instant(d.ShippedAt, ev)); err != nil {
		return fmt.Errorf("returns: keep shipment: %w", err)
	}
	// A shipment lists an item once per lot or line: keep the sum per item.
	sums := map[string]money.Quantity{}
	var order []string
	for _, l := range d.Lines {
		if l.ItemID == "" || l.Quantity.Sign() <= 0 {
			continue
		}
		if _, ok := sums[l.ItemID]; !ok {
			order = append(order, l.ItemID)
		}
		sums[l.ItemID], _ = sums[l.ItemID].Add(l.Quantity)
	}
	for _, id := range order {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_rma_shipment_item (shipment_id, item_id, quantity) VALUES ($1, $2, $3)
			ON CONFLICT (shipment_id, item_id) DO NOTHING`, d.ShipmentID, id, sums[id]); err != nil {
			return fmt.Errorf("returns: keep shipment item: %w", err)
		}
	}
	return nil
}

func (s *Service) received(ctx context.Context, ev bus.Envelope) error {
	var d returns.ReceivedData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return fmt.Errorf("returns: decode %s: %w", ev.Type, err)
	}
	if d.RMAID == "" || !db.ValidID(d.RMAID) {
		return s.erpReturn(ctx, d, ev)
	}
	status := returns.StatusReceived
	if d.Status == string(returns.StatusRejected) {
		status = returns.StatusRejected
	}
	at := instant(d.ReceivedAt, ev)
	n, err := s.db.ExecAffected(ctx, `UPDATE crm_rma SET status = $2, erp_reason = $3, return_number = $4, received_at = $5, version = version + 1,
		updated_at = $6 WHERE id = $1 AND status IN ('authorized', 'received', 'rejected')`,
		d.RMAID, string(status), d.Reason, d.Number, at, db.Millis(s.now()))
	if err != nil {
		return fmt.Errorf("returns: apply receipt: %w", err)
	}
	if n == 0 || status != returns.StatusReceived {
		return nil
	}
	for _, l := range d.Lines {
		if _, err := s.db.Exec(ctx, `UPDATE crm_rma_line SET received = received + $3 WHERE rma_id = $1 AND line_no = (
			SELECT MIN(line_no) FROM crm_rma_line WHERE rma_id = $1 AND item_id = $2)`, d.RMAID, l.ItemID, l.Quantity); err != nil {
			return fmt.Errorf("returns: apply received line: %w", err)
		}
	}
	return s.tellOwner(ctx, d.RMAID, d.Number)
}

// erpReturn keeps a return entered in ERP without an authorisation, to show
// read-only among the customer's and the order's returns: its id is ERP's,
// its lines what ERP received of each item; its owner hears when it comes
// in received. A customer or shipment the CRM does not know is left out.
func (s *Service) erpReturn(ctx context.Context, d returns.ReceivedData, ev bus.Envelope) error {
	if !db.ValidID(d.ReturnID) || d.Number == "" {
		return nil
	}
	status := returns.StatusAuthorized // expected in ERP, not all in yet
	switch d.Status {
	case string(returns.StatusReceived):
		status = returns.StatusReceived
	case string(returns.StatusRejected), string(returns.StatusCancelled):
		status = returns.Status(d.Status)
	}
	at, now := instant(d.ReceivedAt, ev), db.Millis(s.now())
	var before string
	if err := s.db.QueryRow(ctx, `SELECT status FROM crm_rma WHERE id = $1`, d.ReturnID).Scan(&before); err != nil && !isNoRows(err) {
		return fmt.Errorf("returns: read ERP return: %w", err)
	}
	n, err := s.db.ExecAffected(ctx, `INSERT INTO crm_rma (id, number, account_id, shipment_id, status, notes, created_by, authorized_by,
		authorized_at, return_number, erp_reason, received_at, version, created_at, updated_at, erp_return_id)
		SELECT $1, $2, a.id, sh.id, $5, '', '', '', 0, $2, $6, $7, 1, $8, $8, $1 FROM crm_account a JOIN crm_rma_shipment sh ON sh.id = $4
		WHERE a.id = $3 AND sh.account_id = a.id
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, erp_reason = excluded.erp_reason, received_at = excluded.received_at,
		version = crm_rma.version + 1, updated_at = excluded.updated_at WHERE crm_rma.erp_return_id = excluded.erp_return_id`,
		d.ReturnID, d.Number, d.CustomerID, d.ShipmentID, string(status), d.Reason, at, now)
	if err != nil {
		return fmt.Errorf("returns: keep ERP return: %w", err)
	}
	if n == 0 {
		return nil
	}
	// The event carries everything received of the return so far.
	for _, l := range d.Lines {
		if l.ItemID == "" || l.Quantity.Sign() <= 0 {
			continue
		}
		m, err := s.db.ExecAffected(ctx, `UPDATE crm_rma_line SET quantity = $3, received = $3 WHERE rma_id = $1 AND item_id = $2`,
			d.ReturnID, l.ItemID, l.Quantity)
		if err != nil {
			return fmt.Errorf("returns: keep ERP return line: %w", err)
		}
		if m > 0 {
			continue
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_rma_line (rma_id, line_no, item_id, quantity, reason, received)
			VALUES ($1, (SELECT COALESCE(MAX(line_no), 0) + 1 FROM crm_rma_line WHERE rma_id = $1), $2, $3, '', $3)`,
			d.ReturnID, l.ItemID, l.Quantity); err != nil {
			return fmt.Errorf("returns: keep ERP return line: %w", err)
		}
	}
	if status != returns.StatusReceived || before == string(returns.StatusReceived) {
		return nil
	}
	return s.tellOwner(ctx, d.ReturnID, d.Number)
}

// tellOwner puts a notice in the bell of the owner of a return's customer:
// ERP received goods of it.
func (s *Service) tellOwner(ctx context.Context, id, number string) error {
	var owner, name string
	err := s.db.QueryRow(ctx, `SELECT a.owner_id, a.name FROM crm_rma r JOIN crm_account a ON a.id = r.account_id WHERE r.id = $1`, id).Scan(&owner, &name)
	if isNoRows(err) || (err == nil && !db.ValidID(owner)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("returns: read the customer's owner: %w", err)
	}
	return notify.Ask(ctx, s.db, notify.Request{UserID: owner, Kind: "crm.return", TitleKey: "crm.return.notice.received",
		Params: map[string]any{"Number": number, "Account": name}, Link: "/crm/returns/" + id})
}
