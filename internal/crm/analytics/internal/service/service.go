// Package service computes the CRM's sales analytics and weighted forecast
// with plain SQL over the pipeline's tables (read only) and the caller's
// data scope of deals.
package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/loom-erp/loom/internal/crm/analytics"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const keyPeriod = "crm.analytics.error.period"

// Service computes the analytics.
type Service struct {
	db    *db.DB
	dir   directory.Service
	deals pipeline.Service
	now   func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, deals pipeline.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, deals: deals, now: now}
}

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

// ratio is a/b as a rate, 0 when b is 0.
func ratio(a, b int) money.Rate {
	if b == 0 {
		return money.Rate{}
	}
	q, err := decimal.MustNew(int64(a), 0).QuoExact(decimal.MustNew(int64(b), 0), 6)
	if err != nil {
		return money.Rate{}
	}
	r, _ := money.RateFromDecimal(q, money.RoundHalfUp)
	return r
}

func weigh(a money.Amount, p money.Rate) money.Amount {
	w, _ := a.MulRate(p, money.RoundHalfUp)
	return w
}

func weighQty(q money.Quantity, p money.Rate) money.Quantity {
	d, err := q.Decimal().Mul(p.Decimal())
	if err != nil {
		return money.Quantity{}
	}
	w, _ := money.QuantityFromDecimal(d, money.RoundHalfUp)
	return w
}

func (s *Service) day(t time.Time) string { return t.Local().Format(db.DateLayout) }

// period checks and fills a filter.
func (s *Service) period(f *analytics.Filter) error {
	var probs valid.Problems
	now := s.now().Local()
	if f.From == "" {
		f.From = fmt.Sprintf("%04d-01-01", now.Year())
	}
	if f.To == "" {
		f.To = s.day(now)
	}
	probs.Date("from", &f.From, true)
	probs.Date("to", &f.To, true)
	if !probs.Has("from") && !probs.Has("to") && f.To < f.From {
		probs.Add("to", keyPeriod, "The period ends before it starts")
	}
	f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	if f.Currency == "" {
		f.Currency = "CNY"
	}
	probs.Choice("currency", &f.Currency, true, customer.Currencies...)
	probs.ID("pipeline_id", &f.PipelineID, false)
	return probs.Err()
}

// millis of the start of a day and of the day after another.
func (s *Service) bounds(from, to string) (int64, int64) {
	a, _ := time.ParseInLocation(db.DateLayout, from, time.Local)
	b, _ := time.ParseInLocation(db.DateLayout, to, time.Local)
	return db.Millis(a), db.Millis(b.AddDate(0, 0, 1))
}

// Report computes the analytics of the deals the caller may see.
func (s *Service) Report(ctx context.Context, f analytics.Filter) (*analytics.Report, error) {
	p, err := require(ctx, analytics.PermRead)
	if err != nil {
		return nil, err
	}
	if err := s.period(&f); err != nil {
		return nil, err
	}
	var pipe *pipeline.Pipeline
	if f.PipelineID == "" {
		pipe, err = s.deals.DefaultPipeline(ctx)
	} else {
		pipe, err = s.deals.Pipeline(ctx, f.PipelineID)
		if apperr.IsKind(err, apperr.KindNotFound) {
			return nil, apperr.Invalid("pipeline_id", "crm.analytics.error.pipeline", "There is no such pipeline")
		}
	}
	if err != nil {
		return nil, err
	}
	r := &analytics.Report{From: f.From, To: f.To, Currency: f.Currency, PipelineID: pipe.ID}
	from, to := s.bounds(f.From, f.To)
	if err := s.funnel(ctx, p, pipe, from, to, r); err != nil {
		return nil, err
	}
	if err := s.closed(ctx, p, from, to, r); err != nil {
		return nil, err
	}
	if err := s.byOwner(ctx, p, f.Currency, r); err != nil {
		return nil, err
	}
	now := s.now().Local()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local)
	quarter := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.Local)
	r.MonthStart, r.QuarterStart = s.day(month), s.day(quarter)
	if r.Month, err = s.leaders(ctx, p, f.Currency, db.Millis(month)); err != nil {
		return nil, err
	}
	if r.Quarter, err = s.leaders(ctx, p, f.Currency, db.Millis(quarter)); err != nil {
		return nil, err
	}
	return r, nil
}

// funnel counts how far the deals created in the period got: the highest
// open stage each entered (by its history or where it is), all of them for
// a won deal.
func (s *Service) funnel(ctx context.Context, p *authz.Principal, pipe *pipeline.Pipeline, from, to int64, r *analytics.Report) error {
	var open []pipeline.Stage
	seqOf := map[string]int{}
	for _, st := range pipe.Stages {
		if st.Kind == pipeline.StageOpen {
			open = append(open, st)
		}
		seqOf[st.ID] = st.Seq
	}
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT o.status, o.stage_id, COALESCE((SELECT MAX(st.seq) FROM crm_opportunity_history h
			JOIN crm_stage st ON st.id = h.to_stage WHERE h.opportunity_id = o.id AND st.kind = 'open'), 0)
		FROM crm_opportunity o WHERE o.pipeline_id = `+a.Add(pipe.ID)+` AND o.created_at >= `+a.Add(from)+` AND o.created_at < `+a.Add(to)+
		` AND `+cond, a...)
	if err != nil {
		return fmt.Errorf("analytics: funnel: %w", err)
	}
	defer rows.Close()
	reached := make([]int, len(open))
	for rows.Next() {
		var status, stage string
		var maxSeq int
		if err := rows.Scan(&status, &stage, &maxSeq); err != nil {
			return err
		}
		r.Created++
		if status == string(pipeline.StatusWon) {
			r.Won++
			maxSeq = 1 << 30
		} else if sq, ok := seqOf[stage]; ok && sq > maxSeq && status == string(pipeline.StatusOpen) {
			maxSeq = sq
		}
		for i, st := range open {
			if st.Seq <= maxSeq {
				reached[i]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, st := range open {
		next := r.Won
		if i+1 < len(open) {
			next = reached[i+1]
		}
		r.Funnel = append(r.Funnel, analytics.FunnelStage{StageID: st.ID, Name: st.Name, NameEN: st.NameEN, Reached: reached[i],
			Conversion: ratio(next, reached[i])})
	}
	return nil
}

// closed computes the win rate and the average sales cycle of the deals
// closed in the period.
func (s *Service) closed(ctx context.Context, p *authz.Principal, from, to int64, r *analytics.Report) error {
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT o.status, o.created_at, o.closed_at FROM crm_opportunity o
		WHERE o.status IN ('won', 'lost') AND o.closed_at >= `+a.Add(from)+` AND o.closed_at < `+a.Add(to)+` AND `+cond, a...)
	if err != nil {
		return fmt.Errorf("analytics: closed deals: %w", err)
	}
	defer rows.Close()
	var cycle time.Duration
	for rows.Next() {
		var status string
		var created, closed int64
		if err := rows.Scan(&status, &created, &closed); err != nil {
			return err
		}
		r.Closed++
		if status == string(pipeline.StatusWon) {
			r.ClosedWon++
			cycle += time.Duration(closed-created) * time.Millisecond
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.WinRate = ratio(r.ClosedWon, r.Closed)
	if r.ClosedWon > 0 {
		r.AvgCycleDays = int((cycle/time.Duration(r.ClosedWon) + 12*time.Hour) / (24 * time.Hour))
	}
	return nil
}

// byOwner sums the open deals per owner, weighted by their probabilities.
func (s *Service) byOwner(ctx context.Context, p *authz.Principal, currency string, r *analytics.Report) error {
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT o.owner_id, o.amount, o.probability FROM crm_opportunity o
		WHERE o.status = 'open' AND o.currency = `+a.Add(currency)+` AND `+cond, a...)
	if err != nil {
		return fmt.Errorf("analytics: pipeline by owner: %w", err)
	}
	defer rows.Close()
	by := map[string]*analytics.OwnerPipeline{}
	for rows.Next() {
		var owner string
		var amount money.Amount
		var prob money.Rate
		if err := rows.Scan(&owner, &amount, &prob); err != nil {
			return err
		}
		o := by[owner]
		if o == nil {
			o = &analytics.OwnerPipeline{OwnerID: owner}
			by[owner] = o
		}
		o.Deals++
		o.Amount, _ = o.Amount.Add(amount)
		o.Weighted, _ = o.Weighted.Add(weigh(amount, prob))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range by {
		r.ByOwner = append(r.ByOwner, *o)
	}
	slices.SortFunc(r.ByOwner, func(a, b analytics.OwnerPipeline) int {
		if c := b.Weighted.Cmp(a.Weighted); c != 0 {
			return c
		}
		return strings.Compare(a.OwnerID, b.OwnerID)
	})
	ids := make([]string, len(r.ByOwner))
	for i, o := range r.ByOwner {
		ids[i] = o.OwnerID
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for i := range r.ByOwner {
		r.ByOwner[i].Name = names[r.ByOwner[i].OwnerID]
	}
	return nil
}

// leaders ranks the owners by the amount of deals won since a time.
func (s *Service) leaders(ctx context.Context, p *authz.Principal, currency string, since int64) ([]analytics.Leader, error) {
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT o.owner_id, COUNT(*), CAST(COALESCE(SUM(o.amount), 0) AS BIGINT) FROM crm_opportunity o
		WHERE o.status = 'won' AND o.currency = `+a.Add(currency)+` AND o.closed_at >= `+a.Add(since)+` AND `+cond+
		` GROUP BY o.owner_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("analytics: leaders: %w", err)
	}
	defer rows.Close()
	var out []analytics.Leader
	var ids []string
	for rows.Next() {
		var l analytics.Leader
		if err := rows.Scan(&l.OwnerID, &l.Won, &l.Amount); err != nil {
			return nil, err
		}
		out = append(out, l)
		ids = append(ids, l.OwnerID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b analytics.Leader) int {
		if c := b.Amount.Cmp(a.Amount); c != 0 {
			return c
		}
		return strings.Compare(a.OwnerID, b.OwnerID)
	})
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Name = names[out[i].OwnerID]
	}
	return out, nil
}

// Forecast weighs the open deals the caller may see.
func (s *Service) Forecast(ctx context.Context, currency string) (*analytics.Forecast, error) {
	p, err := require(ctx, analytics.PermRead)
	if err != nil {
		return nil, err
	}
	return s.forecast(ctx, p, currency)
}

// forecast weighs the open deals p may see in a currency, by month of their
// close date (this month for those already past it) and product.
func (s *Service) forecast(ctx context.Context, p *authz.Principal, currency string) (*analytics.Forecast, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if currency == "" {
		currency = "CNY"
	}
	var probs valid.Problems
	probs.Choice("currency", &currency, true, customer.Currencies...)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	thisMonth := s.now().Local().Format("2006-01")
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT o.close_date, o.probability, o.amount, COALESCE(l.item_id, ''), COALESCE(l.code, ''),
			COALESCE(l.name, ''), COALESCE(l.quantity, 0), COALESCE(l.amount, 0)
		FROM crm_opportunity o LEFT JOIN crm_opportunity_line l ON l.opportunity_id = o.id
		WHERE o.status = 'open' AND o.currency = `+a.Add(currency)+` AND `+cond, a...)
	if err != nil {
		return nil, fmt.Errorf("analytics: forecast: %w", err)
	}
	defer rows.Close()
	type key struct{ month, item string }
	by := map[key]*analytics.ForecastLine{}
	for rows.Next() {
		var closeDate, item, code, name string
		var prob money.Rate
		var dealAmount, lineAmount money.Amount
		var qty money.Quantity
		if err := rows.Scan(&closeDate, &prob, &dealAmount, &item, &code, &name, &qty, &lineAmount); err != nil {
			return nil, err
		}
		month := thisMonth
		if len(closeDate) >= 7 && closeDate[:7] > thisMonth {
			month = closeDate[:7]
		}
		amount := lineAmount
		if item == "" {
			amount = dealAmount
		}
		k := key{month, item}
		l := by[k]
		if l == nil {
			l = &analytics.ForecastLine{Month: month, ItemID: item, Code: code, Name: name}
			by[k] = l
		}
		l.Quantity, _ = l.Quantity.Add(weighQty(qty, prob))
		l.WeightedAmount, _ = l.WeightedAmount.Add(weigh(amount, prob))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	f := &analytics.Forecast{Currency: currency, Lines: []analytics.ForecastLine{}}
	for _, l := range by {
		f.Lines = append(f.Lines, *l)
	}
	slices.SortFunc(f.Lines, func(a, b analytics.ForecastLine) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		if a.ItemID == "" || b.ItemID == "" {
			return strings.Compare(b.ItemID, a.ItemID)
		}
		return strings.Compare(a.Code, b.Code)
	})
	return f, nil
}

// Publish weighs every open deal of the company and sends the forecast.
func (s *Service) Publish(ctx context.Context, currency string) (*analytics.Forecast, error) {
	p, err := require(ctx, analytics.PermPublish)
	if err != nil {
		return nil, err
	}
	f, err := s.forecast(ctx, authz.System(), currency)
	if err != nil {
		return nil, err
	}
	f.ID, f.PublishedAt, f.PublishedBy = db.NewID(), s.now().UTC().Truncate(time.Millisecond), p.UserID
	lines, err := json.Marshal(f.Lines)
	if err != nil {
		return nil, err
	}
	d := analytics.PublishedData{ForecastID: f.ID, PublishedAt: f.PublishedAt, Currency: f.Currency, Lines: []analytics.PublishedLine{}}
	for _, l := range f.Lines {
		if l.ItemID != "" {
			d.Lines = append(d.Lines, analytics.PublishedLine{Month: l.Month, ItemID: l.ItemID, Quantity: l.Quantity, WeightedAmount: l.WeightedAmount})
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_forecast (id, published_at, user_id, currency, lines) VALUES ($1, $2, $3, $4, $5)`,
			f.ID, db.Millis(f.PublishedAt), p.UserID, f.Currency, string(lines)); err != nil {
			return fmt.Errorf("analytics: keep forecast: %w", err)
		}
		if _, err := outbox.Emit(ctx, s.db, analytics.EventForecastPublished, 1, f.ID, d); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.forecast.published", EntityKind: "crm.forecast", EntityID: f.ID,
			After: map[string]any{"currency": f.Currency, "lines": len(d.Lines)}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Published returns the latest published forecast.
func (s *Service) Published(ctx context.Context) (*analytics.Forecast, error) {
	if _, err := require(ctx, analytics.PermRead); err != nil {
		return nil, err
	}
	f := &analytics.Forecast{}
	var at int64
	var lines string
	err := s.db.QueryRow(ctx, `SELECT id, published_at, user_id, currency, lines FROM crm_forecast ORDER BY published_at DESC, id DESC LIMIT 1`).
		Scan(&f.ID, &at, &f.PublishedBy, &f.Currency, &lines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("analytics: published forecast: %w", err)
	}
	f.PublishedAt = db.FromMillis(at)
	if err := json.Unmarshal([]byte(lines), &f.Lines); err != nil {
		return nil, err
	}
	names, err := s.dir.Names(ctx, []string{f.PublishedBy})
	if err != nil {
		return nil, err
	}
	f.PublishedBy = names[f.PublishedBy]
	return f, nil
}
