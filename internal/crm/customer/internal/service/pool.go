package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/notify"
)

const (
	keyClaimed     = "crm.pool.error.claimed"
	keyLimit       = "crm.pool.error.limit"
	keyNotOwner    = "crm.pool.error.not_owner"
	keyInPool      = "crm.pool.error.in_pool"
	keyDays        = "crm.pool.error.days"
	keyPoolSetting = "crm.pool.error.setting"
	day            = 24 * time.Hour
)

// Claim takes an account out of the pool for the caller.
func (s *Service) Claim(ctx context.Context, id string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *customer.Account
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if !db.ValidID(id) {
			return apperr.NotFound("account", id)
		}
		ps, err := s.poolSettings(ctx)
		if err != nil {
			return err
		}
		var owned int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_account WHERE owner_id = $1`, p.UserID).Scan(&owned); err != nil {
			return err
		}
		if ps.MaxOwned > 0 && owned >= ps.MaxOwned {
			return apperr.Precondition(keyLimit, "You own as many customers as you may; release one first").
				WithParams(map[string]any{"Max": ps.MaxOwned})
		}
		now := db.Millis(s.now())
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_account SET owner_id = $2, owned_at = $3, pool_warned_at = 0, version = version + 1,
			updated_at = $3 WHERE id = $1 AND owner_id = ''`, id, p.UserID, now)
		if err != nil {
			return fmt.Errorf("customer: claim: %w", err)
		}
		if n == 0 {
			if _, err := s.getReadable(ctx, p, id); err != nil {
				return err
			}
			return apperr.Conflict(keyClaimed, "Someone else owns this customer already")
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.account.claimed", EntityKind: customer.Kind, EntityID: id,
			Before: map[string]string{"owner_id": ""}, After: map[string]string{"owner_id": p.UserID}}); err != nil {
			return err
		}
		return s.emit(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	mask(p, out)
	return out, nil
}

// Release puts an account back into the pool.
func (s *Service) Release(ctx context.Context, id string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *customer.Account
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getReadable(ctx, p, id)
		if err != nil {
			return err
		}
		if before.InPool() {
			return apperr.Precondition(keyInPool, "This customer is in the pool already")
		}
		if !access.Owns(p, before.OwnerID) && !p.Can(customer.PermAssign) {
			return apperr.New(apperr.KindForbidden, keyNotOwner, "Only the owner may release a customer")
		}
		if ok, err := s.toPool(ctx, before, "crm.account.released"); err != nil || !ok {
			if err == nil {
				err = apperr.Conflict(keyClaimed, "Someone else owns this customer already")
			}
			return err
		}
		out, err = s.load(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	mask(p, out)
	return out, nil
}

// toPool takes an account from its owner and records why; it reports
// false, changing nothing, when the account changed owner meanwhile.
func (s *Service) toPool(ctx context.Context, before *customer.Account, action string) (bool, error) {
	n, err := s.db.ExecAffected(ctx, `UPDATE crm_account SET owner_id = '', owned_at = 0, pool_warned_at = 0, version = version + 1,
		updated_at = $2 WHERE id = $1 AND owner_id = $3`, before.ID, db.Millis(s.now()), before.OwnerID)
	if err != nil {
		return false, fmt.Errorf("customer: to the pool: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	if err := audit.Record(ctx, s.db, audit.Entry{Action: action, EntityKind: customer.Kind, EntityID: before.ID,
		Before: map[string]string{"owner_id": before.OwnerID}, After: map[string]string{"owner_id": ""}}); err != nil {
		return false, err
	}
	after, err := s.load(ctx, before.ID)
	if err != nil {
		return false, err
	}
	return true, s.emit(ctx, after)
}

// Touch records a contact with, or a deal won from, an account.
func (s *Service) Touch(ctx context.Context, id string, kind customer.TouchKind, at time.Time) error {
	col := "last_contact_at"
	if kind == customer.TouchDeal {
		col = "last_won_at"
	}
	_, err := s.db.Exec(ctx, `UPDATE crm_account SET `+col+` = $2, pool_warned_at = 0 WHERE id = $1 AND `+col+` < $2`, id, db.Millis(at))
	return err
}

func (s *Service) poolSettings(ctx context.Context) (customer.PoolSettings, error) {
	ps := customer.PoolSettings{Rules: map[customer.Level]customer.PoolRule{}}
	rows, err := s.db.Query(ctx, `SELECT level, follow_up_days, deal_days, warn_days, max_owned, enabled FROM crm_pool_rule`)
	if err != nil {
		return ps, fmt.Errorf("customer: pool rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var level string
		var r customer.PoolRule
		var warn, maxOwned, enabled int
		if err := rows.Scan(&level, &r.FollowUpDays, &r.DealDays, &warn, &maxOwned, &enabled); err != nil {
			return ps, err
		}
		if level == "*" {
			ps.WarnDays, ps.MaxOwned, ps.Enabled = warn, maxOwned, enabled == 1
			continue
		}
		ps.Rules[customer.Level(level)] = r
	}
	return ps, rows.Err()
}

// PoolSettings returns the pool's rules.
func (s *Service) PoolSettings(ctx context.Context) (customer.PoolSettings, error) {
	if _, err := require(ctx, customer.PermRead); err != nil {
		return customer.PoolSettings{}, err
	}
	return s.poolSettings(ctx)
}

// SavePoolSettings replaces the pool's rules.
func (s *Service) SavePoolSettings(ctx context.Context, ps customer.PoolSettings) (customer.PoolSettings, error) {
	if _, err := require(ctx, customer.PermPool); err != nil {
		return ps, err
	}
	var p valid.Problems
	for _, l := range customer.Levels {
		r := ps.Rules[l]
		if r.FollowUpDays < 0 || r.FollowUpDays > 3650 {
			p.Add("rules."+string(l)+".follow_up_days", keyDays, "Between 0 and 3650 days")
		}
		if r.DealDays < 0 || r.DealDays > 3650 {
			p.Add("rules."+string(l)+".deal_days", keyDays, "Between 0 and 3650 days")
		}
	}
	if ps.WarnDays < 0 || ps.WarnDays > 3650 {
		p.Add("warn_days", keyDays, "Between 0 and 3650 days")
	}
	if ps.MaxOwned < 0 || ps.MaxOwned > 100000 {
		p.Add("max_owned", keyPoolSetting, "Between 0 (no limit) and 100000")
	}
	if err := p.Err(); err != nil {
		return ps, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.poolSettings(ctx)
		if err != nil {
			return err
		}
		for _, l := range customer.Levels {
			r := ps.Rules[l]
			if _, err := s.db.Exec(ctx, `UPDATE crm_pool_rule SET follow_up_days = $2, deal_days = $3 WHERE level = $1`, string(l), r.FollowUpDays, r.DealDays); err != nil {
				return err
			}
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_pool_rule SET warn_days = $1, max_owned = $2, enabled = $3 WHERE level = '*'`,
			ps.WarnDays, ps.MaxOwned, boolInt(ps.Enabled)); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.pool.settings_saved", EntityKind: "crm.pool", EntityID: "rules", Before: before, After: ps})
	})
	return ps, err
}

// SweepPool returns idle accounts to the pool and warns their owners.
func (s *Service) SweepPool(ctx context.Context, now time.Time) (returned, warned int, err error) {
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		returned, warned = 0, 0
		ps, err := s.poolSettings(ctx)
		if err != nil || !ps.Enabled {
			return err
		}
		rows, err := s.db.Query(ctx, `SELECT id, name, owner_id, level, owned_at, last_contact_at, last_won_at, pool_warned_at
			FROM crm_account WHERE owner_id <> '' AND status = 'active'`)
		if err != nil {
			return fmt.Errorf("customer: sweep pool: %w", err)
		}
		type idle struct {
			id, name, owner string
			due             time.Time
			warnedAt        int64
		}
		var ids []idle
		for rows.Next() {
			var a idle
			var level string
			var owned, contact, won int64
			if err := rows.Scan(&a.id, &a.name, &a.owner, &level, &owned, &contact, &won, &a.warnedAt); err != nil {
				rows.Close()
				return err
			}
			if a.due = dueBack(ps.Rules[customer.Level(level)], owned, contact, won); !a.due.IsZero() && !now.Before(a.due.Add(-time.Duration(ps.WarnDays)*day)) {
				ids = append(ids, a)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range ids {
			if !now.Before(a.due) {
				before, err := s.load(ctx, a.id)
				if err != nil {
					return err
				}
				if before.OwnerID != a.owner {
					continue
				}
				if ok, err := s.toPool(ctx, before, "crm.account.returned_to_pool"); err != nil || !ok {
					if err != nil {
						return err
					}
					continue
				}
				if err := s.tell(ctx, a.owner, "crm.pool.notice.returned", a.name, a.id, a.due); err != nil {
					return err
				}
				returned++
				continue
			}
			if a.warnedAt > 0 {
				continue
			}
			n, err := s.db.ExecAffected(ctx, `UPDATE crm_account SET pool_warned_at = $2 WHERE id = $1 AND owner_id = $3 AND pool_warned_at = 0`,
				a.id, db.Millis(now), a.owner)
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			if err := s.tell(ctx, a.owner, "crm.pool.notice.warning", a.name, a.id, a.due); err != nil {
				return err
			}
			warned++
		}
		return nil
	})
	return returned, warned, err
}

// dueBack is when an account goes back under a rule: the first of its last
// follow-up (or since it was owned) plus the follow-up days, and its last
// won deal (or since it was owned) plus the deal days; zero when the rule
// never returns it.
func dueBack(r customer.PoolRule, owned, contact, won int64) time.Time {
	var due time.Time
	at := func(ms ...int64) time.Time { return db.FromMillis(max(ms[0], ms[1])) }
	if r.FollowUpDays > 0 {
		due = at(owned, contact).Add(time.Duration(r.FollowUpDays) * day)
	}
	if r.DealDays > 0 {
		if d := at(owned, won).Add(time.Duration(r.DealDays) * day); due.IsZero() || d.Before(due) {
			due = d
		}
	}
	return due
}

// tell puts a pool notice on an owner's bell.
func (s *Service) tell(ctx context.Context, owner, key, name, id string, due time.Time) error {
	u, err := s.dir.Get(ctx, owner)
	if err != nil || u.Pending || !db.ValidID(owner) {
		return nil
	}
	return notify.Ask(ctx, s.db, notify.Request{UserID: owner, Kind: "crm.pool", TitleKey: key,
		Params: map[string]any{"Name": name, "Date": due.Local().Format(db.DateLayout)}, Link: "/crm/accounts/" + id})
}

// Returning lists the caller's own customers that go back to the pool
// before a time unless followed up, soonest first.
func (s *Service) Returning(ctx context.Context, before time.Time) ([]customer.Account, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil || p.UserID == "" {
		return nil, err
	}
	ps, err := s.poolSettings(ctx)
	if err != nil || !ps.Enabled {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+accountCols+accountFrom+` WHERE a.owner_id = $1 AND a.status = 'active'`, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("customer: returning: %w", err)
	}
	defer rows.Close()
	var out []customer.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		a.ReturnsAt = dueBack(ps.Rules[a.Level], toMillis(a.OwnedAt), toMillis(a.LastContactAt), toMillis(a.LastWonAt))
		if !a.ReturnsAt.IsZero() && a.ReturnsAt.Before(before) {
			out = append(out, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b customer.Account) int { return a.ReturnsAt.Compare(b.ReturnsAt) })
	return out, nil
}
