package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

func checkContact(in *customer.ContactInput) error {
	var p valid.Problems
	p.Text("name", &in.Name, true, 60)
	p.Text("title", &in.Title, false, 60)
	p.Text("department", &in.Department, false, 60)
	p.Phone("mobile", &in.Mobile, false)
	p.Phone("phone", &in.Phone, false)
	p.Email("email", &in.Email, false)
	p.Text("wechat", &in.WeChat, false, 60)
	p.Text("notes", &in.Notes, false, 2000)
	return p.Err()
}

func contactSearch(in *customer.ContactInput) string {
	return textnorm.Fold(strings.Join([]string{in.Name, textnorm.Initials(in.Name), textnorm.Phone(in.Mobile), textnorm.Email(in.Email)}, " "))
}

// CreateContact adds a contact to an account the caller may see and change.
func (s *Service) CreateContact(ctx context.Context, accountID string, in customer.ContactInput) (*customer.Contact, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	if err := checkContact(&in); err != nil {
		return nil, err
	}
	var out *customer.Contact
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		acc, err := s.getVisible(ctx, p, accountID)
		if err != nil {
			return err
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_contact WHERE account_id = $1`, accountID).Scan(&n); err != nil {
			return fmt.Errorf("customer: count contacts: %w", err)
		}
		primary := in.Primary || n == 0
		if primary {
			if err := s.clearPrimary(ctx, accountID); err != nil {
				return err
			}
		}
		id := db.NewID()
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_contact (id, account_id, name, title, department, mobile, phone, email, wechat,
			is_primary, notes, search, mobile_key, email_key, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15)`,
			id, accountID, in.Name, in.Title, in.Department, in.Mobile, in.Phone, in.Email, in.WeChat, boolInt(primary), in.Notes,
			contactSearch(&in), textnorm.Phone(in.Mobile), textnorm.Email(in.Email), now); err != nil {
			return fmt.Errorf("customer: create contact: %w", err)
		}
		c, err := s.loadContact(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.contact.created", EntityKind: "crm.contact", EntityID: id, After: c}); err != nil {
			return err
		}
		out = c
		return s.emit(ctx, acc)
	})
	if err != nil {
		return nil, err
	}
	maskContact(p, out)
	return out, nil
}

func (s *Service) clearPrimary(ctx context.Context, accountID string) error {
	if _, err := s.db.Exec(ctx, `UPDATE crm_contact SET is_primary = 0 WHERE account_id = $1 AND is_primary = 1`, accountID); err != nil {
		return fmt.Errorf("customer: clear primary contact: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UpdateContact replaces a contact's fields.
func (s *Service) UpdateContact(ctx context.Context, id string, in customer.ContactInput) (*customer.Contact, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *customer.Contact
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.contactVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !access.SeesContact(p, customer.ContactKind, before.OwnerID) {
			in.Mobile, in.Email = before.Mobile, before.Email
		}
		if err := checkContact(&in); err != nil {
			return err
		}
		if in.Primary && !before.Primary {
			if err := s.clearPrimary(ctx, before.AccountID); err != nil {
				return err
			}
		}
		q := `UPDATE crm_contact SET name = $2, title = $3, department = $4, mobile = $5, phone = $6, email = $7, wechat = $8,
			is_primary = $9, notes = $10, search = $11, mobile_key = $12, email_key = $13, version = version + 1, updated_at = $14 WHERE id = $1`
		args := []any{id, in.Name, in.Title, in.Department, in.Mobile, in.Phone, in.Email, in.WeChat, boolInt(in.Primary),
			in.Notes, contactSearch(&in), textnorm.Phone(in.Mobile), textnorm.Email(in.Email), db.Millis(s.now())}
		if in.Version > 0 {
			q += ` AND version = $15`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("customer: update contact: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		after, err := s.loadContact(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.contact.updated", EntityKind: "crm.contact", EntityID: id, Before: before, After: after}); err != nil {
			return err
		}
		acc, err := s.load(ctx, before.AccountID)
		if err != nil {
			return err
		}
		out = after
		return s.emit(ctx, acc)
	})
	if err != nil {
		return nil, err
	}
	maskContact(p, out)
	return out, nil
}

// DeleteContact removes a contact.
func (s *Service) DeleteContact(ctx context.Context, id string) error {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.contactVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM crm_contact WHERE id = $1`, id); err != nil {
			return fmt.Errorf("customer: delete contact: %w", err)
		}
		if before.Primary {
			if _, err := s.db.Exec(ctx, `UPDATE crm_contact SET is_primary = 1 WHERE id = (
				SELECT id FROM crm_contact WHERE account_id = $1 ORDER BY created_at, id LIMIT 1)`, before.AccountID); err != nil {
				return fmt.Errorf("customer: new primary contact: %w", err)
			}
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.contact.deleted", EntityKind: "crm.contact", EntityID: id, Before: before}); err != nil {
			return err
		}
		acc, err := s.load(ctx, before.AccountID)
		if err != nil {
			return err
		}
		return s.emit(ctx, acc)
	})
}

const contactCols = `c.id, c.account_id, a.name, c.name, c.title, c.department, c.mobile, c.phone, c.email, c.wechat,
	c.is_primary, c.notes, a.owner_id, c.version, c.created_at, c.updated_at`

func scanContact(sc interface{ Scan(...any) error }) (customer.Contact, error) {
	var c customer.Contact
	var primary int
	var created, updated int64
	err := sc.Scan(&c.ID, &c.AccountID, &c.AccountName, &c.Name, &c.Title, &c.Department, &c.Mobile, &c.Phone, &c.Email, &c.WeChat,
		&primary, &c.Notes, &c.OwnerID, &c.Version, &created, &updated)
	c.Primary = primary == 1
	c.CreatedAt, c.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return c, err
}

func (s *Service) loadContact(ctx context.Context, id string) (*customer.Contact, error) {
	c, err := scanContact(s.db.QueryRow(ctx, `SELECT `+contactCols+` FROM crm_contact c JOIN crm_account a ON a.id = c.account_id WHERE c.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("contact", id)
	}
	if err != nil {
		return nil, fmt.Errorf("customer: read contact: %w", err)
	}
	return &c, nil
}

func (s *Service) contactVisible(ctx context.Context, p *authz.Principal, id string) (*customer.Contact, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("contact", id)
	}
	c, err := s.loadContact(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.visible(ctx, p, c.AccountID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("contact", id)
	}
	return c, nil
}

// GetContact returns a contact of an account the caller may see.
func (s *Service) GetContact(ctx context.Context, id string) (*customer.Contact, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return nil, err
	}
	c, err := s.contactVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	maskContact(p, c)
	return c, nil
}

// ListContacts returns contacts by name.
func (s *Service) ListContacts(ctx context.Context, f customer.ContactFilter) (customer.ContactPage, error) {
	var page customer.ContactPage
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(contactSort, "", map[string]listq.Col{"name": {SQL: "c.name"}}, "c.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	if f.AccountID != "" {
		// The contacts of a pool account show (masked) on its page.
		w.And(`(` + access.Filter(p, customer.Kind, "a.owner_id", &a) + ` OR a.owner_id = '')`)
		w.And(`c.account_id = ` + a.Add(f.AccountID))
	} else {
		w.And(access.Filter(p, customer.Kind, "a.owner_id", &a))
	}
	if q := textnorm.Search(f.Query); q != "" {
		pat := a.Add(listq.Like(q))
		w.And(`(c.search LIKE ` + pat + ` ESCAPE '\' OR a.search LIKE ` + pat + ` ESCAPE '\')`)
	}
	from := ` FROM crm_contact c JOIN crm_account a ON a.id = c.account_id`
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*)`+from+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("customer: count contacts: %w", err)
		}
	}
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	limit := listq.Limit(f.Limit)
	q := `SELECT ` + contactCols + from + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("customer: list contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return page, err
		}
		maskContact(p, &c)
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		if page.Next, err = srt.Cursor([]any{last.Name}, last.ID); err != nil {
			return page, err
		}
	}
	return page, nil
}

func maskContact(p *authz.Principal, c *customer.Contact) {
	if c == nil || access.SeesContact(p, customer.ContactKind, c.OwnerID) {
		return
	}
	c.Mobile, c.Email = access.MaskPhone(c.Mobile), access.MaskEmail(c.Email)
	c.Masked = true
}
