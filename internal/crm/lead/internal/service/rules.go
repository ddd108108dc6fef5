package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// matches it, taking its members in turn; "" when no rule matches.
func (s *Service) route(ctx context.Context, in *lead.Input) (string, error) {
	rules, err := s.rules(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range rules {
		if !r.Active || len(r.Members) == 0 || !matches(r, in) {
			continue
		}
		if r.Kind == lead.RuleWorkload {
			member, err := s.leastBusy(ctx, r)
			if err != nil || member != "" {
				return member, err
			}
			continue
		}
		// Take the next turn atomically: concurrent captures get different members.
		for range len(r.Members) {
			var turn int
			if err := s.db.QueryRow(ctx, `UPDATE crm_lead_rule SET next_turn = next_turn + 1 WHERE id = $1 RETURNING next_turn - 1`, r.ID).Scan(&turn); err != nil {
				return "", fmt.Errorf("lead: take turn of rule %s: %w", r.Name, err)
			}
			member := r.Members[turn%len(r.Members)]
			if u, err := s.dir.Get(ctx, member); err == nil && u.Active {
				return member, nil
			}
		}
	}
	return "", nil
}

// leastBusy picks the active member of a workload rule with the fewest open
// leads; among those with as few, the next in turn. "" when no member is
// active.
func (s *Service) leastBusy(ctx context.Context, r lead.Rule) (string, error) {
	// Taking the turn first also serialises concurrent captures on the rule
	// (the row stays locked until the lead is written).
	var turn int
	if err := s.db.QueryRow(ctx, `UPDATE crm_lead_rule SET next_turn = next_turn + 1 WHERE id = $1 RETURNING next_turn - 1`, r.ID).Scan(&turn); err != nil {
		return "", fmt.Errorf("lead: take turn of rule %s: %w", r.Name, err)
	}
	var a listq.Args
	ph := make([]string, len(r.Members))
	for i, m := range r.Members {
		ph[i] = a.Add(m)
	}
	rows, err := s.db.Query(ctx, `SELECT owner_id, COUNT(*) FROM crm_lead WHERE status IN ('new', 'contacted', 'qualified')
		AND owner_id IN (`+strings.Join(ph, ", ")+`) GROUP BY owner_id`, a...)
	if err != nil {
		return "", fmt.Errorf("lead: count open leads: %w", err)
	}
	open := map[string]int{}
	for rows.Next() {
		var owner string
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			rows.Close()
			return "", err
		}
		open[owner] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	best, bestN := "", 0
	for i := range len(r.Members) {
		m := r.Members[(turn+i)%len(r.Members)]
		if best != "" && open[m] >= bestN {
			continue
		}
		if u, err := s.dir.Get(ctx, m); err != nil || !u.Active {
			if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
				return "", err
			}
			continue
		}
		best, bestN = m, open[m]
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
