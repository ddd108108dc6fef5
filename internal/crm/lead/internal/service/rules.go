package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
)

const (
	keyNoMembers     = "crm.lead.error.no_members"
	keyMemberUnknown = "crm.lead.error.member_unknown"
)

// route picks the owner of a new lead from the first active rule that
// matches it, taking its members in turn; nil when no rule matches. The
// owner comes back as the directory read it, so that the caller need not
// read it again.
func (s *Service) route(ctx context.Context, in *lead.Input) (*directory.User, error) {
	rules, err := s.routeRules(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if !r.Active || len(r.Members) == 0 || !matches(r, in) {
			continue
		}
		if r.Kind == lead.RuleWorkload {
			member, err := s.leastBusy(ctx, r)
			if err != nil || member != nil {
				return member, err
			}
			continue
		}
		// Take the next turn atomically: concurrent captures get different members.
		for range len(r.Members) {
			var turn int
			err := s.db.QueryRow(ctx, `UPDATE crm_lead_rule SET next_turn = next_turn + 1 WHERE id = $1 RETURNING next_turn - 1`, r.ID).Scan(&turn)
			if isNoRows(err) {
				break // deleted since the rules were read
			}
			if err != nil {
				return nil, fmt.Errorf("lead: take turn of rule %s: %w", r.Name, err)
			}
			member := r.Members[turn%len(r.Members)]
			if u, err := s.dir.Get(ctx, member); err == nil && u.Active {
				return u, nil
			}
		}
	}
	return nil, nil
}

// leastBusy picks the active member of a workload rule with the fewest open
// leads; among those with as few, the next in turn. nil when no member is
// active.
func (s *Service) leastBusy(ctx context.Context, r lead.Rule) (*directory.User, error) {
	// Taking the turn first also serialises concurrent captures on the rule
	// (the row stays locked until the lead is written).
	var turn int
	err := s.db.QueryRow(ctx, `UPDATE crm_lead_rule SET next_turn = next_turn + 1 WHERE id = $1 RETURNING next_turn - 1`, r.ID).Scan(&turn)
	if isNoRows(err) {
		return nil, nil // deleted since the rules were read
	}
	if err != nil {
		return nil, fmt.Errorf("lead: take turn of rule %s: %w", r.Name, err)
	}
	var a listq.Args
	ph := make([]string, len(r.Members))
	for i, m := range r.Members {
		ph[i] = a.Add(m)
	}
	rows, err := s.db.Query(ctx, `SELECT owner_id, COUNT(*) FROM crm_lead WHERE status IN ('new', 'contacted', 'qualified')
		AND owner_id IN (`+strings.Join(ph, ", ")+`) GROUP BY owner_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("lead: count open leads: %w", err)
	}
	open := map[string]int{}
	for rows.Next() {
		var owner string
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			rows.Close()
			return nil, err
		}
		open[owner] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var best *directory.User
	bestN := 0
	for i := range len(r.Members) {
		m := r.Members[(turn+i)%len(r.Members)]
		if best != nil && open[m] >= bestN {
			continue
		}
		u, err := s.dir.Get(ctx, m)
		if err != nil || !u.Active {
			if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
				return nil, err
			}
			continue
		}
		best, bestN = u, open[m]
	}
	return best, nil
}

// matches reports whether rule r takes a lead; a match lists values
// separated by commas, any of which may fit.
func matches(r lead.Rule, in *lead.Input) bool {
	if r.Kind == lead.RuleAny || r.Kind == lead.RuleWorkload {
		return true
	}
	var field string
	switch r.Kind {
	case lead.RuleRegion:
		field = textnorm.Fold(in.Region)
	case lead.RuleIndustry:
		field = in.Industry
	case lead.RuleProduct:
		field = textnorm.Fold(in.ProductInterest)
	}
	if field == "" {
		return false
	}
	for m := range strings.SplitSeq(r.Match, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if r.Kind == lead.RuleIndustry && field == m || r.Kind != lead.RuleIndustry && strings.Contains(field, m) {
			return true
		}
	}
	return false
}

// rulesTTL bounds how long a capture may go by rules another process has
// changed since; changes made through this process are seen at once.
const rulesTTL = 2 * time.Second

// ruleCache keeps the assignment rules between captures, so that a capture
// does not read and sort them again: they change seldom, and a capture only
// takes the turn of the rule it picks (next_turn is never cached).
type ruleCache struct {
	mu    sync.Mutex
	gen   uint64 // moved on by every change, so that a read begun before it is not kept
	rules []lead.Rule
	until time.Time
}

// routeRules returns the rules for routing a capture: the cached ones while
// they are fresh, else read again. A read made inside a write transaction is
// not kept, because it may see rule changes of that transaction that will
// not commit; Create reads them before its transaction to fill the cache.
func (s *Service) routeRules(ctx context.Context) ([]lead.Rule, error) {
	c := &s.ruleCache
	c.mu.Lock()
	if c.rules != nil && time.Now().Before(c.until) {
		rs := c.rules
		c.mu.Unlock()
		return rs, nil
	}
	gen := c.gen
	c.mu.Unlock()
	rs, err := s.rules(ctx)
	if err != nil || s.db.InTxNow(ctx) {
		return rs, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.rules, c.until = rs, time.Now().Add(rulesTTL)
	}
	c.mu.Unlock()
	return rs, nil
}

// rulesChanged drops the cached rules now and again when the transaction in
// ctx commits.
func (s *Service) rulesChanged(ctx context.Context) {
	forget := func() {
		c := &s.ruleCache
		c.mu.Lock()
		c.gen++
		c.rules = nil
		c.mu.Unlock()
	}
	forget()
	s.db.AfterCommit(ctx, forget)
}

func (s *Service) rules(ctx context.Context) ([]lead.Rule, error) {
	rows, err := s.db.Query(ctx, `SELECT id, seq, name, kind, match_text, members, active FROM crm_lead_rule ORDER BY seq, name, id`)
	if err != nil {
		return nil, fmt.Errorf("lead: read rules: %w", err)
	}
	defer rows.Close()
	out := []lead.Rule{}
	for rows.Next() {
		var r lead.Rule
		var kind, members string
		var active int
		if err := rows.Scan(&r.ID, &r.Seq, &r.Name, &kind, &r.Match, &members, &active); err != nil {
			return nil, err
		}
		r.Kind, r.Members, r.Active = lead.RuleKind(kind), strings.Fields(members), active == 1
		if r.Members == nil {
			r.Members = []string{}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rules returns the assignment rules in the order they are tried.
func (s *Service) Rules(ctx context.Context) ([]lead.Rule, error) {
	if _, err := require(ctx, lead.PermManage); err != nil {
		return nil, err
	}
	return s.rules(ctx)
}

// SaveRule creates a rule (empty id) or replaces one.
func (s *Service) SaveRule(ctx context.Context, r lead.Rule) (*lead.Rule, error) {
	if _, err := require(ctx, lead.PermManage); err != nil {
		return nil, err
	}
	var p valid.Problems
	p.Text("name", &r.Name, true, 60)
	k := string(r.Kind)
	p.Choice("kind", &k, true, string(lead.RuleAny), string(lead.RuleRegion), string(lead.RuleIndustry), string(lead.RuleProduct), string(lead.RuleWorkload))
	r.Kind = lead.RuleKind(k)
	needsMatch := r.Kind == lead.RuleRegion || r.Kind == lead.RuleIndustry || r.Kind == lead.RuleProduct
	p.Text("match", &r.Match, needsMatch, 200)
	if r.Kind == lead.RuleAny || r.Kind == lead.RuleWorkload {
		r.Match = ""
	}
	if r.Kind != lead.RuleIndustry {
		r.Match = textnorm.Fold(r.Match)
	}
	var members []string
	for _, m := range r.Members {
		m = strings.TrimSpace(m)
		if m != "" && !slices.Contains(members, m) {
			members = append(members, m)
		}
	}
	r.Members = members
	if len(members) == 0 {
		p.Add("members", keyNoMembers, "Choose at least one member")
	}
	for _, m := range members {
		if !db.ValidID(m) {
			p.Add("members", keyMemberUnknown, "This user is not known to the CRM")
			break
		}
		if u, err := s.dir.Get(ctx, m); err != nil || !u.Active {
			if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
				return nil, err
			}
			p.Add("members", keyMemberUnknown, "This user is not known to the CRM")
			break
		}
	}
	if r.ID != "" && !db.ValidID(r.ID) {
		return nil, apperr.NotFound("rule", r.ID)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		s.rulesChanged(ctx)
		now := db.Millis(s.now())
		active := 0
		if r.Active {
			active = 1
		}
		if r.ID == "" {
			r.ID = db.NewID()
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_lead_rule (id, seq, name, kind, match_text, members, next_turn, active, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)`, r.ID, r.Seq, r.Name, string(r.Kind), r.Match, strings.Join(members, " "), active, now); err != nil {
				return fmt.Errorf("lead: create rule: %w", err)
			}
			return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead_rule.created", EntityKind: "crm.lead_rule", EntityID: r.ID, After: r})
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_lead_rule SET seq = $2, name = $3, kind = $4, match_text = $5, members = $6, active = $7, updated_at = $8
			WHERE id = $1`, r.ID, r.Seq, r.Name, string(r.Kind), r.Match, strings.Join(members, " "), active, now)
		if err != nil {
			return fmt.Errorf("lead: update rule: %w", err)
		}
		if n == 0 {
			return apperr.NotFound("rule", r.ID)
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead_rule.updated", EntityKind: "crm.lead_rule", EntityID: r.ID, After: r})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, id string) error {
	if _, err := require(ctx, lead.PermManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		s.rulesChanged(ctx)
		n, err := s.db.ExecAffected(ctx, `DELETE FROM crm_lead_rule WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("lead: delete rule: %w", err)
		}
		if n == 0 {
			return apperr.NotFound("rule", id)
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead_rule.deleted", EntityKind: "crm.lead_rule", EntityID: id})
	})
}
