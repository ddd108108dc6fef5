// Package service implements the pipeline contract on the CRM database.
package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Message keys of this module's errors.
const (
	keyStagesShape   = "crm.pipeline.error.stages_shape"
	keyProbability   = "crm.pipeline.error.probability"
	keyStageInUse    = "crm.pipeline.error.stage_in_use"
	keyStageUnknown  = "crm.opportunity.error.stage_unknown"
	keyPipeUnknown   = "crm.opportunity.error.pipeline_unknown"
	keyAccountUnknow = "crm.opportunity.error.account_unknown"
	keyContactOther  = "crm.opportunity.error.contact_other"
	keyItemUnknown   = "crm.opportunity.error.item_unknown"
	keyQuantity      = "crm.opportunity.error.quantity"
	keyClosed        = "crm.opportunity.error.closed"
	keyNotClosed     = "crm.opportunity.error.not_closed"
	keyReason        = "crm.opportunity.error.reason_required"
	keyOwnerUnknown  = "crm.account.error.owner_unknown"
	keyOwnerForbid   = "crm.opportunity.error.owner_forbidden"
	maxStages        = 20
)

// Service is pipeline.Service on the CRM database.
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

var _ pipeline.Service = (*Service)(nil)

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

// pipelines reads pipelines with their active stages; with id, only that one.
func (s *Service) pipelines(ctx context.Context, id string) ([]pipeline.Pipeline, error) {
	q := `SELECT id, name, name_en, is_default, version FROM crm_pipeline`
	var args []any
	if id != "" {
		q += ` WHERE id = $1`
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY is_default DESC, name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read pipelines: %w", err)
	}
	var out []pipeline.Pipeline
	idx := map[string]int{}
	for rows.Next() {
		var p pipeline.Pipeline
		var def int
		if err := rows.Scan(&p.ID, &p.Name, &p.NameEN, &def, &p.Version); err != nil {
			rows.Close()
			return nil, err
		}
		p.Default = def == 1
		idx[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q = `SELECT id, pipeline_id, seq, name, name_en, kind, probability FROM crm_stage WHERE active = 1`
	if id != "" {
		q += ` AND pipeline_id = $1`
	}
	rows, err = s.db.Query(ctx, q+` ORDER BY pipeline_id, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read stages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st pipeline.Stage
		var pid, kind string
		if err := rows.Scan(&st.ID, &pid, &st.Seq, &st.Name, &st.NameEN, &kind, &st.Probability); err != nil {
			return nil, err
		}
		st.Kind = pipeline.StageKind(kind)
		if i, ok := idx[pid]; ok {
			out[i].Stages = append(out[i].Stages, st)
		}
	}
	return out, rows.Err()
}

// Pipelines returns every pipeline, the default first.
func (s *Service) Pipelines(ctx context.Context) ([]pipeline.Pipeline, error) {
	if _, err := require(ctx, pipeline.PermRead); err != nil {
		return nil, err
	}
	return s.pipelines(ctx, "")
}

// Pipeline returns one pipeline.
func (s *Service) Pipeline(ctx context.Context, id string) (*pipeline.Pipeline, error) {
	if _, err := require(ctx, pipeline.PermRead); err != nil {
		return nil, err
	}
	return s.pipeline(ctx, id)
}

func (s *Service) pipeline(ctx context.Context, id string) (*pipeline.Pipeline, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("pipeline", id)
	}
	ps, err := s.pipelines(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, apperr.NotFound("pipeline", id)
	}
	return &ps[0], nil
}

// DefaultPipeline returns the pipeline new deals go into.
func (s *Service) DefaultPipeline(ctx context.Context) (*pipeline.Pipeline, error) {
	if _, err := require(ctx, pipeline.PermRead); err != nil {
		return nil, err
	}
	return s.defaultPipeline(ctx)
}

func (s *Service) defaultPipeline(ctx context.Context) (*pipeline.Pipeline, error) {
	ps, err := s.pipelines(ctx, "")
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, apperr.NotFound("pipeline", "default")
	}
	return &ps[0], nil
}

// checkPipeline validates a pipeline's input.
func checkPipeline(in *pipeline.PipelineInput) error {
	var p valid.Problems
	p.Text("name", &in.Name, true, 60)
	p.Text("name_en", &in.NameEN, false, 60)
	if len(in.Stages) > maxStages {
		p.Add("stages", keyStagesShape, "A pipeline needs open stages, one won and one lost stage")
		return p.Err()
	}
	var open, won, lost int
	one := money.MustRate("1")
	for i := range in.Stages {
		st := &in.Stages[i]
		f := func(n string) string { return fmt.Sprintf("stages[%d].%s", i, n) }
		p.Text(f("name"), &st.Name, true, 40)
		p.Text(f("name_en"), &st.NameEN, false, 40)
		switch st.Kind {
		case pipeline.StageOpen:
			open++
		case pipeline.StageWon:
			won++
			st.Probability = one
		case pipeline.StageLost:
			lost++
			st.Probability = money.Rate{}
		default:
			p.Add(f("kind"), valid.KeyChoice, "Choose one of the offered values")
		}
		if st.Probability.Sign() < 0 || st.Probability.Cmp(one) > 0 {
			p.Add(f("probability"), keyProbability, "A probability is between 0 and 1")
		}
		if st.ID != "" && !db.ValidID(st.ID) {
			p.Add(f("id"), valid.KeyID, "This is not a valid id")
		}
	}
	if open == 0 || won != 1 || lost != 1 {
		p.Add("stages", keyStagesShape, "A pipeline needs open stages, one won and one lost stage")
	}
	return p.Err()
}

// CreatePipeline adds a pipeline.
func (s *Service) CreatePipeline(ctx context.Context, in pipeline.PipelineInput) (*pipeline.Pipeline, error) {
	if _, err := require(ctx, pipeline.PermManage); err != nil {
		return nil, err
	}
	if err := checkPipeline(&in); err != nil {
		return nil, err
	}
	id := db.NewID()
	var out *pipeline.Pipeline
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		if in.Default {
			if _, err := s.db.Exec(ctx, `UPDATE crm_pipeline SET is_default = 0 WHERE is_default = 1`); err != nil {
				return err
			}
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_pipeline (id, name, name_en, is_default, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 1, $5, $5)`, id, in.Name, in.NameEN, boolInt(in.Default), now); err != nil {
			return fmt.Errorf("pipeline: create: %w", err)
		}
		if err := s.writeStages(ctx, id, in.Stages, nil); err != nil {
			return err
		}
		var err error
		if out, err = s.pipeline(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.pipeline.created", EntityKind: "crm.pipeline", EntityID: id, After: out})
	})
	return out, err
}

// UpdatePipeline replaces a pipeline's names and stages.
func (s *Service) UpdatePipeline(ctx context.Context, id string, in pipeline.PipelineInput) (*pipeline.Pipeline, error) {
	if _, err := require(ctx, pipeline.PermManage); err != nil {
		return nil, err
	}
	if err := checkPipeline(&in); err != nil {
		return nil, err
	}
	var out *pipeline.Pipeline
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.pipeline(ctx, id)
		if err != nil {
			return err
		}
		if in.Version > 0 && in.Version != before.Version {
			return valid.Changed()
		}
		if in.Default && !before.Default {
			if _, err := s.db.Exec(ctx, `UPDATE crm_pipeline SET is_default = 0 WHERE is_default = 1`); err != nil {
				return err
			}
		}
		isDefault := in.Default || before.Default // the default pipeline stays one until another takes over
		if _, err := s.db.Exec(ctx, `UPDATE crm_pipeline SET name = $2, name_en = $3, is_default = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
			id, in.Name, in.NameEN, boolInt(isDefault), db.Millis(s.now())); err != nil {
			return fmt.Errorf("pipeline: update: %w", err)
		}
		if err := s.writeStages(ctx, id, in.Stages, before.Stages); err != nil {
			return err
		}
		if out, err = s.pipeline(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.pipeline.updated", EntityKind: "crm.pipeline", EntityID: id, Before: before, After: out})
	})
	return out, err
}

// writeStages saves stages in the order given; stages of before that are
// left out are retired, which a stage with open deals refuses.
func (s *Service) writeStages(ctx context.Context, pipelineID string, stages, before []pipeline.Stage) error {
	var kept []string
	for i, st := range stages {
		seq := i + 1
		if st.ID != "" && slices.ContainsFunc(before, func(b pipeline.Stage) bool { return b.ID == st.ID }) {
			if _, err := s.db.Exec(ctx, `UPDATE crm_stage SET seq = $2, name = $3, name_en = $4, kind = $5, probability = $6 WHERE id = $1`,
				st.ID, seq, st.Name, st.NameEN, string(st.Kind), st.Probability); err != nil {
				return fmt.Errorf("pipeline: update stage: %w", err)
			}
			kept = append(kept, st.ID)
			continue
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_stage (id, pipeline_id, seq, name, name_en, kind, probability, active)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`, db.NewID(), pipelineID, seq, st.Name, st.NameEN, string(st.Kind), st.Probability); err != nil {
			return fmt.Errorf("pipeline: add stage: %w", err)
		}
	}
	for i, b := range before {
		if slices.Contains(kept, b.ID) {
			continue
		}
		var open int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_opportunity WHERE stage_id = $1 AND status = 'open'`, b.ID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return apperr.Invalid("stages", keyStageInUse, "A stage with open deals cannot be removed").
				WithParams(map[string]any{"Stage": b.Name, "Count": open, "Index": i})
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_stage SET active = 0, seq = 1000 + seq WHERE id = $1`, b.ID); err != nil {
			return fmt.Errorf("pipeline: retire stage: %w", err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
