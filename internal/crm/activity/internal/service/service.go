// Package service implements the activity contract on the CRM database.
package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/notify"
)

// Message keys of this module's errors.
const (
	keyNoSubject    = "crm.activity.error.no_subject"
	keyDueRequired  = "crm.activity.error.due_required"
	keyFuture       = "crm.activity.error.future"
	keyUnknownOwner = "crm.account.error.owner_unknown"
	keyOwnerScope   = "crm.activity.error.owner_scope"
	keyAccount      = "crm.activity.error.account_unknown"
	keyLead         = "crm.activity.error.lead_unknown"
	keyOpportunity  = "crm.activity.error.opportunity_unknown"
	keyContact      = "crm.opportunity.error.contact_other"
	keyDone         = "crm.activity.error.done"
	keyNotTask      = "crm.activity.error.not_task"
)

// Service is activity.Service on the CRM database.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	leads     lead.Service     // nil without the lead module
	pipelines pipeline.Service // nil without the pipeline module
	now       func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, leads lead.Service, pipelines pipeline.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, leads: leads, pipelines: pipelines, now: now}
}

var _ activity.Service = (*Service)(nil)

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

// resolve checks an input and the records it names.
func (s *Service) resolve(ctx context.Context, p *authz.Principal, in *activity.Input) error {
	var probs valid.Problems
	t := string(in.Type)
	probs.Choice("type", &t, true, "call", "visit", "meeting", "note", "task")
	in.Type = activity.Type(t)
	probs.Text("subject", &in.Subject, true, 100)
	probs.Text("notes", &in.Notes, false, 2000)
	probs.Text("place", &in.Place, false, 100)
	probs.ID("account_id", &in.AccountID, false)
	probs.ID("contact_id", &in.ContactID, false)
	probs.ID("lead_id", &in.LeadID, false)
	probs.ID("opportunity_id", &in.OpportunityID, false)
	probs.ID("owner_id", &in.OwnerID, false)
	now := s.now()
	switch {
	case in.Type == activity.TypeTask && in.At.IsZero():
		probs.Add("at", keyDueRequired, "Say when the task is due")
	case in.Type != activity.TypeTask && in.At.IsZero():
		in.At = now
	case in.Type != activity.TypeTask && in.At.After(now.Add(24*time.Hour)):
		probs.Add("at", keyFuture, "A call, visit, meeting or note cannot be in the future; add a task instead")
	}
	if in.AccountID == "" && in.LeadID == "" && in.OpportunityID == "" && !probs.Has("account_id") {
		probs.Add("account_id", keyAccount, "Choose the customer, lead or deal this is about")
	}
	if in.OpportunityID != "" && !probs.Has("opportunity_id") {
		o, err := s.opportunity(ctx, in.OpportunityID)
		if err != nil {
			return err
		}
		if o == nil {
			probs.Add("opportunity_id", keyOpportunity, "No deal you can see has this id")
		} else if in.AccountID == "" {
			in.AccountID = o.AccountID
		}
	}
	if in.AccountID != "" && !probs.Has("account_id") {
		ok, err := s.customers.Visible(ctx, in.AccountID)
		if err != nil {
			return err
		}
		if !ok {
			probs.Add("account_id", keyAccount, "No customer you can see has this id")
		} else if in.ContactID != "" && !probs.Has("contact_id") {
			c, err := s.customers.GetContact(ctx, in.ContactID)
			if apperr.IsKind(err, apperr.KindNotFound) || (err == nil && c.AccountID != in.AccountID) {
				probs.Add("contact_id", keyContact, "This contact is not one of the customer's")
			} else if err != nil {
				return err
			}
		}
	}
	if in.LeadID != "" && !probs.Has("lead_id") {
		if s.leads == nil {
			probs.Add("lead_id", keyLead, "No lead you can see has this id")
		} else if _, err := s.leads.Get(ctx, in.LeadID); apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) {
			probs.Add("lead_id", keyLead, "No lead you can see has this id")
		} else if err != nil {
			return err
		}
	}
	if in.OwnerID == "" {
		in.OwnerID = p.UserID
	}
	if in.OwnerID != p.UserID && !probs.Has("owner_id") {
		if !p.System && access.Scope(p, activity.Kind) == authz.ScopeOwn {
			probs.Add("owner_id", keyOwnerScope, "You may give tasks only to yourself")
		} else if u, err := s.dir.Get(ctx, in.OwnerID); err != nil || !u.Active {
			if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
				return err
			}
			probs.Add("owner_id", keyUnknownOwner, "This user is not known to the CRM yet")
		}
	}
	return probs.Err()
}

func (s *Service) opportunity(ctx context.Context, id string) (*pipeline.Opportunity, error) {
	if s.pipelines == nil {
		return nil, nil
	}
	o, err := s.pipelines.Get(ctx, id)
	if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) {
		return nil, nil
	}
	return o, err
}

// Log records an activity or adds a task.
func (s *Service) Log(ctx context.Context, in activity.Input) (*activity.Activity, error) {
	p, err := require(ctx, activity.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *activity.Activity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.resolve(ctx, p, &in); err != nil {
			return err
		}
		id := db.NewID()
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_activity (id, type, subject, notes, place, account_id, contact_id, lead_id, opportunity_id,
			owner_id, at, done, done_at, reminded, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, 0, $12)`,
			id, string(in.Type), in.Subject, in.Notes, in.Place, in.AccountID, in.ContactID, in.LeadID, in.OpportunityID, in.OwnerID,
			db.Millis(in.At), db.Millis(s.now())); err != nil {
			return fmt.Errorf("activity: log: %w", err)
		}
		if in.Type.Contacting() && in.AccountID != "" && !in.At.After(s.now()) {
			// A call, visit or meeting held keeps the customer from going back to the pool.
			if err := s.customers.Touch(ctx, in.AccountID, customer.TouchContact, in.At); err != nil {
				return err
			}
		}
		var err error
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		if in.Type == activity.TypeTask && in.OwnerID != p.UserID {
			if u, err := s.dir.Get(ctx, in.OwnerID); err == nil && !u.Pending {
				if err := notify.Ask(ctx, s.db, notify.Request{UserID: in.OwnerID, Kind: "crm.task", TitleKey: "crm.activity.notice.assigned",
					Params: map[string]any{"Subject": in.Subject}, Link: "/crm/my-day"}); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.activity.logged", EntityKind: activity.Kind, EntityID: id, After: out})
	})
	return out, err
}

// Complete marks a task done.
func (s *Service) Complete(ctx context.Context, id string) (*activity.Activity, error) {
	p, err := require(ctx, activity.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *activity.Activity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		a, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if a.Type != activity.TypeTask {
			return apperr.Invalid("id", keyNotTask, "Only a task can be done")
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_activity SET done = 1, done_at = $2 WHERE id = $1 AND done = 0`, id, db.Millis(s.now()))
		if err != nil {
			return fmt.Errorf("activity: complete: %w", err)
		}
		if n == 0 {
			return apperr.Precondition(keyDone, "This task is done already")
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.activity.done", EntityKind: activity.Kind, EntityID: id,
			Before: map[string]any{"done": false}, After: map[string]any{"done": true}})
	})
	return out, err
}

// Remind puts due tasks on their owners' bells, once each.
func (s *Service) Remind(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n = 0
		rows, err := s.db.Query(ctx, `SELECT id, subject, owner_id FROM crm_activity WHERE type = 'task' AND done = 0 AND reminded = 0 AND at <= $1
			ORDER BY at LIMIT 500`, db.Millis(now))
		if err != nil {
			return fmt.Errorf("activity: due tasks: %w", err)
		}
		type due struct{ id, subject, owner string }
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.subject, &d.owner); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range ds {
			changed, err := s.db.ExecAffected(ctx, `UPDATE crm_activity SET reminded = 1 WHERE id = $1 AND reminded = 0`, d.id)
			if err != nil {
				return err
			}
			if changed == 0 || !db.ValidID(d.owner) {
				continue
			}
			if u, err := s.dir.Get(ctx, d.owner); err != nil || u.Pending || !u.Active {
				continue
			}
			if err := notify.Ask(ctx, s.db, notify.Request{UserID: d.owner, Kind: "crm.task", TitleKey: "crm.activity.notice.due",
				Params: map[string]any{"Subject": d.subject}, Link: "/crm/my-day"}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Adopt moves the activities of a pending directory user to the real user.
func (s *Service) Adopt(ctx context.Context, pendingID, userID string) error {
	_, err := s.db.Exec(ctx, `UPDATE crm_activity SET owner_id = $2 WHERE owner_id = $1`, pendingID, userID)
	return err
}

// ---- reading ----

const cols = `x.id, x.type, x.subject, x.notes, x.place, x.account_id, COALESCE(a.name, ''), x.contact_id, x.lead_id, x.opportunity_id,
	x.owner_id, x.at, x.done, x.done_at, x.created_at`

const from = ` FROM crm_activity x LEFT JOIN crm_account a ON a.id = x.account_id`

func scan(sc interface{ Scan(...any) error }) (activity.Activity, error) {
	var v activity.Activity
	var t string
	var at, doneAt, created int64
	var done int
	err := sc.Scan(&v.ID, &t, &v.Subject, &v.Notes, &v.Place, &v.AccountID, &v.AccountName, &v.ContactID, &v.LeadID, &v.OpportunityID,
		&v.OwnerID, &at, &done, &doneAt, &created)
	v.Type, v.Done = activity.Type(t), done == 1
	v.At, v.CreatedAt = db.FromMillis(at), db.FromMillis(created)
	if doneAt > 0 {
		v.DoneAt = db.FromMillis(doneAt)
	}
	return v, err
}

func (s *Service) load(ctx context.Context, id string) (*activity.Activity, error) {
	v, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+from+` WHERE x.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("activity", id)
	}
	if err != nil {
		return nil, fmt.Errorf("activity: read: %w", err)
	}
	if err := s.names(ctx, []*activity.Activity{&v}); err != nil {
		return nil, err
	}
	return &v, nil
}

func (s *Service) names(ctx context.Context, vs []*activity.Activity) error {
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.OwnerID)
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, v := range vs {
		v.OwnerName = names[v.OwnerID]
	}
	return nil
}

// filter keeps the activities p sees: by owner in p's activity scope, or
// about a customer p sees (the accounts table belongs to the customer module).
func filter(p *authz.Principal, a *listq.Args) string {
	own := access.Filter(p, activity.Kind, "x.owner_id", a)
	acc := access.Filter(p, customer.Kind, "ca.owner_id", a)
	return "(" + own + " OR (x.account_id <> '' AND x.account_id IN (SELECT ca.id FROM crm_account ca WHERE " + acc + ")))"
}

func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*activity.Activity, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("activity", id)
	}
	var a listq.Args
	cond := filter(p, &a)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_activity x WHERE x.id = `+a.Add(id)+` AND `+cond, a...).Scan(&n); err != nil {
		return nil, fmt.Errorf("activity: check visibility: %w", err)
	}
	if n == 0 {
		return nil, apperr.NotFound("activity", id)
	}
	return s.load(ctx, id)
}

// Get returns an activity the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*activity.Activity, error) {
	p, err := require(ctx, activity.PermRead)
	if err != nil {
		return nil, err
	}
	return s.getVisible(ctx, p, id)
}

// cursor positions a list after an activity: its time and id.
type cursor struct {
	At int64  `json:"at"`
	ID string `json:"id"`
}

// List returns activities the caller may see, newest first (open tasks:
// soonest due first).
func (s *Service) List(ctx context.Context, f activity.Filter) (activity.Page, error) {
	var page activity.Page
	p, err := require(ctx, activity.PermRead)
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	w.And(filter(p, &a))
	for col, v := range map[string]string{"x.account_id": f.AccountID, "x.lead_id": f.LeadID, "x.opportunity_id": f.OpportunityID,
		"x.owner_id": f.OwnerID, "x.type": string(f.Type)} {
		if v != "" {
			w.And(col + ` = ` + a.Add(v))
		}
	}
	asc := f.OpenTasks
	if f.OpenTasks {
		w.And(`x.type = 'task' AND x.done = 0`)
	}
	if !f.From.IsZero() {
		w.And(`x.at >= ` + a.Add(db.Millis(f.From)))
	}
	if !f.To.IsZero() {
		w.And(`x.at < ` + a.Add(db.Millis(f.To)))
	}
	order := ` ORDER BY x.at DESC, x.id DESC`
	if asc {
		order = ` ORDER BY x.at ASC, x.id ASC`
	}
	if f.Cursor != "" {
		var c cursor
		ok, err := decodeCursor(f.Cursor, &c)
		if err != nil || !ok {
			return page, apperr.Invalid("cursor", "api.list.cursor_invalid", "This cursor is not valid for this list")
		}
		op := "<"
		if asc {
			op = ">"
		}
		at, id := a.Add(c.At), a.Add(c.ID)
		w.And(`(x.at ` + op + ` ` + at + ` OR (x.at = ` + at + ` AND x.id ` + op + ` ` + id + `))`)
	}
	limit := listq.Limit(f.Limit)
	rows, err := s.db.Query(ctx, `SELECT `+cols+from+w.SQL()+order+` LIMIT `+a.Add(limit+1), a...)
	if err != nil {
		return page, fmt.Errorf("activity: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, v)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		if page.Next, err = encodeCursor(cursor{At: db.Millis(last.At), ID: last.ID}); err != nil {
			return page, err
		}
	}
	ptrs := make([]*activity.Activity, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	return page, s.names(ctx, ptrs)
}

// MyDay gathers the caller's tasks and today's activities.
func (s *Service) MyDay(ctx context.Context) (activity.Day, error) {
	var d activity.Day
	p, err := require(ctx, activity.PermRead)
	if err != nil {
		return d, err
	}
	now := s.now()
	y, m, day := now.Local().Date()
	start := time.Date(y, m, day, 0, 0, 0, 0, time.Local)
	end := start.AddDate(0, 0, 1)
	tasks, err := s.List(ctx, activity.Filter{OwnerID: p.UserID, OpenTasks: true, To: start.AddDate(0, 0, 8), Limit: 500})
	if err != nil {
		return d, err
	}
	for _, t := range tasks.Items {
		switch {
		case t.At.Before(now):
			d.Overdue = append(d.Overdue, t)
		case t.At.Before(end):
			d.Today = append(d.Today, t)
		default:
			d.Upcoming = append(d.Upcoming, t)
		}
	}
	done, err := s.List(ctx, activity.Filter{OwnerID: p.UserID, From: start, To: end, Limit: 200})
	if err != nil {
		return d, err
	}
	for _, a := range done.Items {
		if a.Type != activity.TypeTask || a.Done {
			d.Done = append(d.Done, a)
		}
	}
	return d, nil
}

// LastContact returns when each account was last called, visited or met.
func (s *Service) LastContact(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var a listq.Args
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.Add(id)
	}
	rows, err := s.db.Query(ctx, `SELECT account_id, MAX(at) FROM crm_activity WHERE type IN ('call', 'visit', 'meeting')
		AND account_id IN (`+strings.Join(ph, ", ")+`) GROUP BY account_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("activity: last contact: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		out[id] = db.FromMillis(at)
	}
	return out, rows.Err()
}
