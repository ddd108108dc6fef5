package ledger

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Rule maps a posting role, for a source kind, item category and warehouse
// ("" matching any), to an account. The most specific matching rule wins:
// a source kind counts more than an item category, which counts more than a
// warehouse.
type Rule struct {
	ID           string       `json:"id"`
	SourceKind   string       `json:"source_kind"`
	Role         finance.Role `json:"role"`
	ItemCategory string       `json:"item_category"`
	Warehouse    string       `json:"warehouse"`
	AccountID    string       `json:"account_id"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// Default reports whether the rule is its role's fallback for everything.
func (r Rule) Default() bool {
	return r.SourceKind == "" && r.ItemCategory == "" && r.Warehouse == ""
}

// RuleInput creates or changes a rule; AccountID may be an id or a code.
type RuleInput struct {
	SourceKind   string
	Role         finance.Role
	ItemCategory string
	Warehouse    string
	AccountID    string
}

// SourceKinds lists the source kinds rules may name, in the order screens show them.
var SourceKinds = []string{
	finance.SourceReceipt, finance.SourceShipment, finance.SourceReturn, finance.SourceAdjustment,
	finance.SourceScrap, finance.SourceRevaluation, finance.SourceSupplierBill, finance.SourceInvoice,
	finance.SourceCreditNote, finance.SourcePaymentIn, finance.SourcePaymentOut, finance.SourceAllocation,
	finance.SourceProductionIn, finance.SourceProductionOut,
}

func (s *Service) queryRules(ctx context.Context) ([]Rule, error) {
	rows, err := s.db.Query(ctx, `SELECT id, source_kind, role, item_category, warehouse, account_id, updated_at
		FROM fin_rule ORDER BY role, source_kind, item_category, warehouse`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var (
			r  Rule
			at int64
		)
		if err := rows.Scan(&r.ID, &r.SourceKind, &r.Role, &r.ItemCategory, &r.Warehouse, &r.AccountID, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt = db.FromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rules returns the posting rules by role; it needs PermAccountRead.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	if _, err := require(ctx, finance.PermAccountRead); err != nil {
		return nil, err
	}
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.rules), nil
}

// resolve returns the account of the most specific rule that matches.
func (c *chart) resolve(sourceKind string, role finance.Role, category, warehouse string) *Account {
	best, score := "", -1
	for _, r := range c.rules {
		if r.Role != role ||
			(r.SourceKind != "" && r.SourceKind != sourceKind) ||
			(r.ItemCategory != "" && r.ItemCategory != category) ||
			(r.Warehouse != "" && r.Warehouse != warehouse) {
			continue
		}
		n := 0
		if r.SourceKind != "" {
			n += 4
		}
		if r.ItemCategory != "" {
			n += 2
		}
		if r.Warehouse != "" {
			n++
		}
		if n > score {
			best, score = r.AccountID, n
		}
	}
	return c.accounts[best]
}

// ResolveRule returns the account the rules choose, for the rules screen's tester.
func (s *Service) ResolveRule(ctx context.Context, sourceKind string, role finance.Role, category, warehouse string) (*Account, error) {
	if _, err := require(ctx, finance.PermAccountRead); err != nil {
		return nil, err
	}
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, err
	}
	a := c.resolve(sourceKind, role, category, warehouse)
	if a == nil {
		return nil, invalidP("role", keyRuleMissing, map[string]any{"Role": string(role)})
	}
	cp := *a
	return &cp, nil
}

func (s *Service) validateRule(c *chart, in *RuleInput) []fieldError {
	in.SourceKind = strings.TrimSpace(in.SourceKind)
	in.ItemCategory = strings.TrimSpace(in.ItemCategory)
	in.Warehouse = strings.TrimSpace(in.Warehouse)
	in.AccountID = strings.TrimSpace(in.AccountID)
	var bad []fieldError
	if in.SourceKind != "" && !slices.Contains(SourceKinds, in.SourceKind) {
		bad = append(bad, fe("source_kind", keySourceUnknown))
	}
	if !slices.Contains(coa.Roles, in.Role) {
		bad = append(bad, fe("role", keyRoleUnknown))
	}
	if utf8.RuneCountInString(in.ItemCategory) > 64 {
		bad = append(bad, fe("item_category", keyTooLong))
	}
	if utf8.RuneCountInString(in.Warehouse) > 64 {
		bad = append(bad, fe("warehouse", keyTooLong))
	}
	a := c.accounts[in.AccountID]
	if a == nil {
		a = c.byCode[in.AccountID]
	}
	switch {
	case in.AccountID == "":
		bad = append(bad, fe("account_id", keyRequired))
	case a == nil:
		bad = append(bad, fe("account_id", keyAccountUnknown))
	case !a.Active:
		bad = append(bad, fe("account_id", keyAccountInactive, map[string]any{"Account": a.Code}))
	case a.HasChildren:
		bad = append(bad, fe("account_id", keyAccountNotLeaf, map[string]any{"Account": a.Code}))
	default:
		in.AccountID = a.ID
	}
	return bad
}

// CreateRule adds a posting rule; it needs PermAccountManage.
func (s *Service) CreateRule(ctx context.Context, in RuleInput) (*Rule, error) {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return nil, err
	}
	var out *Rule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		if err := fieldErrors(s.validateRule(c, &in)); err != nil {
			return err
		}
		for _, r := range c.rules {
			if r.SourceKind == in.SourceKind && r.Role == in.Role && r.ItemCategory == in.ItemCategory && r.Warehouse == in.Warehouse {
				return invalid("role", keyRuleTaken)
			}
		}
		now := s.now()
		r := Rule{ID: db.NewID(), SourceKind: in.SourceKind, Role: in.Role, ItemCategory: in.ItemCategory,
			Warehouse: in.Warehouse, AccountID: in.AccountID, UpdatedAt: db.FromMillis(db.Millis(now))}
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_rule (id, source_kind, role, item_category, warehouse, account_id,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			r.ID, r.SourceKind, string(r.Role), r.ItemCategory, r.Warehouse, r.AccountID, db.Millis(now)); err != nil {
			if db.IsUniqueViolation(err) {
				return invalid("role", keyRuleTaken)
			}
			return err
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		out = &r
		return s.record(ctx, "fin.rule.created", kindRule, r.ID, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetRuleAccount points a rule at another account; it needs PermAccountManage.
func (s *Service) SetRuleAccount(ctx context.Context, id, account string) (*Rule, error) {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return nil, err
	}
	var out *Rule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(c.rules, func(r Rule) bool { return r.ID == id })
		if i < 0 {
			return notFound("rule", id)
		}
		before := c.rules[i]
		in := RuleInput{SourceKind: before.SourceKind, Role: before.Role, ItemCategory: before.ItemCategory,
			Warehouse: before.Warehouse, AccountID: account}
		if err := fieldErrors(s.validateRule(c, &in)); err != nil {
			return err
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, `UPDATE fin_rule SET account_id = $1, updated_at = $2 WHERE id = $3`, in.AccountID, db.Millis(now), id); err != nil {
			return err
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		after := before
		after.AccountID, after.UpdatedAt = in.AccountID, db.FromMillis(db.Millis(now))
		out = &after
		return s.record(ctx, "fin.rule.updated", kindRule, id, before, after)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRule removes a specific rule; a role's default rule stays (change
// its account instead). It needs PermAccountManage.
func (s *Service) DeleteRule(ctx context.Context, id string) error {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(c.rules, func(r Rule) bool { return r.ID == id })
		if i < 0 {
			return notFound("rule", id)
		}
		before := c.rules[i]
		if before.Default() {
			return conflict(keyRuleLastRole)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_rule WHERE id = $1`, id); err != nil {
			return err
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		return s.record(ctx, "fin.rule.deleted", kindRule, id, before, nil)
	})
}
