package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const routingCols = `id, item_id, version, status, effective_from, effective_to, note, created_by, released_by, created_at, updated_at`

func scanRouting(sc interface{ Scan(...any) error }) (domain.EngRouting, error) {
	var (
		r            domain.EngRouting
		created, upd int64
	)
	err := sc.Scan(&r.ID, &r.ItemID, &r.Version, &r.Status, &r.EffectiveFrom, &r.EffectiveTo, &r.Note, &r.CreatedBy, &r.ReleasedBy, &created, &upd)
	r.CreatedAt, r.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	r.Operations = []domain.EngOperation{}
	return r, err
}

// Routings lists routings, without their operations, of one item or all.
func (s *Service) Routings(ctx context.Context, itemID string) ([]domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+routingCols+` FROM eng_routing WHERE ($1 = '' OR item_id = $1) ORDER BY item_id, effective_from`, itemID)
	if err != nil {
		return nil, fmt.Errorf("engineering: list routings: %w", err)
	}
	defer rows.Close()
	out := []domain.EngRouting{}
	var ids []string
	for rows.Next() {
		r, err := scanRouting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		ids = append(ids, r.ItemID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c, err := s.catalog()
	if err != nil {
		return nil, err
	}
	items, err := c.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ItemCode, out[i].ItemName = items[out[i].ItemID].Code, items[out[i].ItemID].Name
	}
	return out, nil
}

// Routing returns one routing with its operations.
func (s *Service) Routing(ctx context.Context, id string) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.EngRouting{}, err
	}
	return s.routing(ctx, id)
}

func (s *Service) routing(ctx context.Context, id string) (domain.EngRouting, error) {
	r, err := scanRouting(s.DB.QueryRow(ctx, `SELECT `+routingCols+` FROM eng_routing WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFound("routing", id)
	}
	if err != nil {
		return r, err
	}
	rows, err := s.DB.Query(ctx, `SELECT o.seq, o.work_center_id, w.code, w.name, o.description, o.setup_minutes, o.run_minutes,
		o.queue_minutes, o.move_minutes FROM eng_routing_op o JOIN eng_work_center w ON w.id = o.work_center_id
		WHERE o.routing_id = $1 ORDER BY o.seq`, id)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var op domain.EngOperation
		if err := rows.Scan(&op.Seq, &op.WorkCenterID, &op.WorkCenterCode, &op.WorkCenterName, &op.Description,
			&op.SetupMinutes, &op.RunMinutes, &op.QueueMinutes, &op.MoveMinutes); err != nil {
			rows.Close()
			return r, err
		}
		r.Operations = append(r.Operations, op)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	c, err := s.catalog()
	if err != nil {
		return r, err
	}
	if it, err := c.LookupItem(ctx, r.ItemID); err == nil {
		r.ItemCode, r.ItemName = it.Code, it.Name
	}
	return r, nil
}

// EffectiveRouting returns the released routing of an item effective on
// date; apperr NotFound when none is.
func (s *Service) EffectiveRouting(ctx context.Context, itemID, date string) (domain.EngRouting, error) {
	var id string
	err := s.DB.QueryRow(ctx, `SELECT id FROM eng_routing WHERE item_id = $1 AND status = 'released'
		AND effective_from <= $2 AND (effective_to = '' OR effective_to >= $2) ORDER BY effective_from DESC LIMIT 1`,
		itemID, date).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.EngRouting{}, apperr.NotFound("routing", itemID+" "+date)
	}
	if err != nil {
		return domain.EngRouting{}, err
	}
	return s.routing(ctx, id)
}

// checkRouting checks a normalized routing input and finds its work centers.
func (s *Service) checkRouting(ctx context.Context, item catalog.Item, in domain.EngRoutingInput) ([]domain.EngOperation, error) {
	p := in.Validate()
	if item.Kind != catalog.KindFinished && item.Kind != catalog.KindSemiFinished {
		p.Add("item", domain.KeyParentKind, "Only finished and semi-finished items have a routing")
	}
	ops := make([]domain.EngOperation, 0, len(in.Operations))
	for i, o := range in.Operations {
		if o.WorkCenter == "" {
			continue
		}
		wc, ok, err := s.workCenterByRef(ctx, o.WorkCenter)
		if err != nil {
			return nil, err
		}
		if !ok {
			p.Add(domain.OpField(i)+".work_center", domain.KeyWorkCenter, "No work center has the code {{.Value}}",
				map[string]any{"Value": o.WorkCenter})
			continue
		}
		ops = append(ops, domain.EngOperation{Seq: o.Seq, WorkCenterID: wc.ID, WorkCenterCode: wc.Code, WorkCenterName: wc.Name,
			Description: o.Description, SetupMinutes: o.SetupMinutes, RunMinutes: o.RunMinutes, QueueMinutes: o.QueueMinutes,
			MoveMinutes: o.MoveMinutes})
	}
	return ops, p.Err()
}

// CreateRouting adds a draft routing.
func (s *Service) CreateRouting(ctx context.Context, in domain.EngRoutingInput) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngRouting{}, err
	}
	in.Normalize()
	var out domain.EngRouting
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		item, ok, err := s.LookupItem(ctx, in.Item)
		if err != nil {
			return err
		}
		if !ok {
			p := in.Validate()
			if in.Item == "" {
				p.Add("item", erpkit.KeyRequired, "This field is required")
			} else {
				p.Add("item", domain.KeyItemUnknown, "No item has the code {{.Value}}", map[string]any{"Value": in.Item})
			}
			return p.Err()
		}
		ops, err := s.checkRouting(ctx, item, in)
		if err != nil {
			return err
		}
		id := db.NewID()
		if taken, err := s.versionTaken(ctx, "eng_routing", item.ID, in.Version, id); err != nil {
			return err
		} else if taken {
			return apperr.Invalid("version", domain.KeyVersionTaken, "The item has a version with this name already")
		}
		now := db.Millis(s.now())
		if _, err := s.DB.Exec(ctx, `INSERT INTO eng_routing (id, item_id, version, version_key, status, effective_from, effective_to,
			note, created_by, released_by, released_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, '', 0, $9, $9)`,
			id, item.ID, in.Version, erpkit.CodeKey(in.Version), in.EffectiveFrom, in.EffectiveTo, in.Note, erpkit.Actor(ctx), now); err != nil {
			return fmt.Errorf("engineering: create routing: %w", err)
		}
		if err := s.insertOps(ctx, id, ops); err != nil {
			return err
		}
		if out, err = s.routing(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.engineering.routing.created", kindRouting, id, nil, out)
	})
	return out, err
}

func (s *Service) insertOps(ctx context.Context, routingID string, ops []domain.EngOperation) error {
	for _, o := range ops {
		if _, err := s.DB.Exec(ctx, `INSERT INTO eng_routing_op (id, routing_id, seq, work_center_id, description, setup_minutes,
			run_minutes, queue_minutes, move_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			db.NewID(), routingID, o.Seq, o.WorkCenterID, o.Description, o.SetupMinutes, o.RunMinutes, o.QueueMinutes, o.MoveMinutes); err != nil {
			return fmt.Errorf("engineering: routing operation: %w", err)
		}
	}
	return nil
}

// UpdateRouting changes a draft routing; its item does not change.
func (s *Service) UpdateRouting(ctx context.Context, id string, in domain.EngRoutingInput) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngRouting{}, err
	}
	in.Normalize()
	var out domain.EngRouting
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.routing(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != domain.StatusDraft {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft changes; copy it to a new version to change it")
		}
		c, err := s.catalog()
		if err != nil {
			return err
		}
		item, err := c.LookupItem(ctx, before.ItemID)
		if err != nil {
			return err
		}
		ops, err := s.checkRouting(ctx, item, in)
		if err != nil {
			return err
		}
		if taken, err := s.versionTaken(ctx, "eng_routing", item.ID, in.Version, id); err != nil {
			return err
		} else if taken {
			return apperr.Invalid("version", domain.KeyVersionTaken, "The item has a version with this name already")
		}
		if _, err := s.DB.Exec(ctx, `UPDATE eng_routing SET version = $2, version_key = $3, effective_from = $4, effective_to = $5,
			note = $6, updated_at = $7 WHERE id = $1 AND status = 'draft'`,
			id, in.Version, erpkit.CodeKey(in.Version), in.EffectiveFrom, in.EffectiveTo, in.Note, db.Millis(s.now())); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM eng_routing_op WHERE routing_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertOps(ctx, id, ops); err != nil {
			return err
		}
		if out, err = s.routing(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.engineering.routing.updated", kindRouting, id, before, out)
	})
	return out, err
}

// ReleaseRouting releases a draft routing and sends erp.routing.released.
func (s *Service) ReleaseRouting(ctx context.Context, id string) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngRouting{}, err
	}
	var out domain.EngRouting
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.routing(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != domain.StatusDraft {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft is released")
		}
		if err := s.checkOverlap(ctx, "eng_routing", header{ID: id, ItemID: before.ItemID, From: before.EffectiveFrom, To: before.EffectiveTo}); err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE eng_routing SET status = 'released', released_by = $2, released_at = $3, updated_at = $3
			WHERE id = $1 AND status = 'draft'`, id, erpkit.Actor(ctx), db.Millis(s.now()))
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft is released")
		}
		if out, err = s.routing(ctx, id); err != nil {
			return err
		}
		if err := s.record(ctx, "erp.engineering.routing.released", kindRouting, id, before, out); err != nil {
			return err
		}
		_, err = outbox.Emit(ctx, s.DB, domain.EventRoutingReleased, 1, id, out.Released())
		return err
	})
	return out, err
}

// ObsoleteRouting takes a released routing out of use.
func (s *Service) ObsoleteRouting(ctx context.Context, id string) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngRouting{}, err
	}
	var out domain.EngRouting
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.routing(ctx, id)
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE eng_routing SET status = 'obsolete', updated_at = $2 WHERE id = $1 AND status = 'released'`,
			id, db.Millis(s.now()))
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyNotReleased, "Only a released version becomes obsolete")
		}
		if out, err = s.routing(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.engineering.routing.obsoleted", kindRouting, id, before, out)
	})
	return out, err
}

// CopyRouting starts a new draft version from a routing.
func (s *Service) CopyRouting(ctx context.Context, id, version, effectiveFrom string) (domain.EngRouting, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngRouting{}, err
	}
	src, err := s.routing(ctx, id)
	if err != nil {
		return src, err
	}
	if effectiveFrom == "" {
		effectiveFrom = s.Today()
	}
	in := domain.EngRoutingInput{Item: src.ItemID, Version: version, EffectiveFrom: effectiveFrom, Note: src.Note}
	for _, o := range src.Operations {
		in.Operations = append(in.Operations, domain.EngOperationInput{Seq: o.Seq, WorkCenter: o.WorkCenterID, Description: o.Description,
			SetupMinutes: o.SetupMinutes, RunMinutes: o.RunMinutes, QueueMinutes: o.QueueMinutes, MoveMinutes: o.MoveMinutes})
	}
	return s.CreateRouting(ctx, in)
}
