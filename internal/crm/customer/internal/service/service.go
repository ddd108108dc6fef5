// Package service implements the customer contract on the CRM database:
// validation, permissions and data scopes, masking, audit records and the
// crm.account.upserted event, each change in one transaction.
package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Limits of an account's fields.
const (
	maxTags      = 10
	maxTagLen    = 20
	maxAddresses = 10
)

// Message keys of this module's errors.
const (
	keyCodeTaken        = "crm.account.error.code_taken"
	keyCodeInvalid      = "crm.account.error.code_invalid"
	keyTaxIDInvalid     = "crm.account.error.tax_id_invalid"
	keyParentUnknown    = "crm.account.error.parent_unknown"
	keyParentLoop       = "crm.account.error.parent_loop"
	keyOwnerUnknown     = "crm.account.error.owner_unknown"
	keyOwnerForbidden   = "crm.account.error.owner_forbidden"
	keyTooManyTags      = "crm.account.error.too_many_tags"
	keyTagTooLong       = "crm.account.error.tag_too_long"
	keyTooManyAddresses = "crm.account.error.too_many_addresses"
	keyPostcode         = "crm.account.error.postcode_invalid"
)

var (
	codePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)
	taxIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{15,20}$`)
	postcode     = regexp.MustCompile(`^[0-9]{6}$`)
)

// Service is customer.Service on the CRM database.
type Service struct {
	db  *db.DB
	dir directory.Service
	now func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, now: now}
}

var _ customer.Service = (*Service)(nil)

// require returns the caller when they hold perm.
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

// checkAccount normalises in and reports every bad field.
func checkAccount(in *customer.AccountInput, create bool) valid.Problems {
	var p valid.Problems
	p.Text("code", &in.Code, false, 20)
	if in.Code != "" && !p.Has("code") && !codePattern.MatchString(in.Code) {
		p.Add("code", keyCodeInvalid, "Use letters, digits, - and _ only")
	}
	p.Text("name", &in.Name, true, 100)
	p.Text("short_name", &in.ShortName, false, 40)
	if in.Level == "" {
		in.Level = customer.LevelC
	}
	lv := string(in.Level)
	p.Choice("level", &lv, true, "A", "B", "C")
	in.Level = customer.Level(lv)
	p.Choice("industry", &in.Industry, false, customer.Industries...)
	p.Text("tax_id", &in.TaxID, false, 20)
	if in.TaxID != "" && !p.Has("tax_id") && !taxIDPattern.MatchString(in.TaxID) {
		p.Add("tax_id", keyTaxIDInvalid, "A tax ID has 15 to 20 letters and digits")
	}
	in.TaxID = strings.ToUpper(in.TaxID)
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	p.Choice("currency", &in.Currency, true, customer.Currencies...)
	if in.Status == "" {
		in.Status = customer.StatusActive
	}
	st := string(in.Status)
	p.Choice("status", &st, true, string(customer.StatusActive), string(customer.StatusInactive))
	in.Status = customer.Status(st)
	p.ID("parent_id", &in.ParentID, false)
	if create {
		p.ID("owner_id", &in.OwnerID, false)
	}
	p.Phone("phone", &in.Phone, false)
	p.Phone("mobile", &in.Mobile, false)
	p.Email("email", &in.Email, false)
	p.Text("website", &in.Website, false, 200)
	p.Text("region", &in.Region, false, 40)
	p.Text("notes", &in.Notes, false, 2000)
	in.Tags = cleanTags(&p, in.Tags)
	in.Addresses = cleanAddresses(&p, in.Addresses)
	return p
}

func cleanTags(p *valid.Problems, tags []string) []string {
	out := []string{}
	for _, t := range tags {
		t = textnorm.Fold(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLen {
			p.Add("tags", keyTagTooLong, "A tag is too long", map[string]any{"Max": maxTagLen})
			continue
		}
		out = append(out, t)
	}
	if len(out) > maxTags && !p.Has("tags") {
		p.Add("tags", keyTooManyTags, "Too many tags", map[string]any{"Max": maxTags})
	}
	slices.Sort(out)
	return out
}

// cleanAddresses checks addresses in their input positions and drops the
// empty ones.
func cleanAddresses(p *valid.Problems, in []customer.Address) []customer.Address {
	if len(in) > maxAddresses {
		p.Add("addresses", keyTooManyAddresses, "Too many addresses", map[string]any{"Max": maxAddresses})
		return nil
	}
	out := []customer.Address{}
	for i, a := range in {
		f := func(name string) string { return fmt.Sprintf("addresses[%d].%s", i, name) }
		k := string(a.Kind)
		p.Choice(f("kind"), &k, true, string(customer.AddressBilling), string(customer.AddressShipping), string(customer.AddressOffice))
		a.Kind = customer.AddressKind(k)
		p.Text(f("province"), &a.Province, false, 40)
		p.Text(f("city"), &a.City, false, 40)
		p.Text(f("district"), &a.District, false, 40)
		p.Text(f("street"), &a.Street, false, 200)
		p.Text(f("postcode"), &a.Postcode, false, 10)
		if a.Postcode != "" && !p.Has(f("postcode")) && !postcode.MatchString(a.Postcode) {
			p.Add(f("postcode"), keyPostcode, "A postcode has six digits")
		}
		p.Text(f("recipient"), &a.Recipient, false, 60)
		p.Phone(f("phone"), &a.Phone, false)
		if a.Province+a.City+a.District+a.Street+a.Postcode+a.Recipient+a.Phone == "" {
			continue
		}
		if a.Street == "" && a.City == "" {
			p.Add(f("street"), valid.KeyRequired, "This field is required")
		}
		out = append(out, a)
	}
	return out
}

// SortKey orders accounts by name as Chinese readers expect: by the pinyin
// initials, then by the name itself.
func SortKey(name string) string { return textnorm.Initials(name) + " " + textnorm.Fold(name) }

// searchText is what the search column holds for an account.
func searchText(in *customer.AccountInput) string {
	parts := []string{in.Code, in.Name, in.ShortName, textnorm.Initials(in.Name), textnorm.Initials(in.ShortName),
		textnorm.Phone(in.Mobile), textnorm.Email(in.Email)}
	return textnorm.Fold(strings.Join(parts, " "))
}

// Create adds an account owned by the caller, or by in.OwnerID with PermAssign.
func (s *Service) Create(ctx context.Context, in customer.AccountInput) (*customer.Account, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	probs := checkAccount(&in, true)
	owner := in.OwnerID
	if owner == "" && !p.System {
		owner = p.UserID
	}
	if owner != "" && owner != p.UserID && !p.Can(customer.PermAssign) && !probs.Has("owner_id") {
		return nil, apperr.New(apperr.KindForbidden, keyOwnerForbidden, "You may not give customers to other users").
			AddField("owner_id", keyOwnerForbidden, "You may not give customers to other users")
	}
	if owner != "" && owner != p.UserID && !probs.Has("owner_id") {
		if _, err := s.dir.Get(ctx, owner); apperr.IsKind(err, apperr.KindNotFound) {
			probs.Add("owner_id", keyOwnerUnknown, "This user is not known to the CRM yet")
		} else if err != nil {
			return nil, err
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var out *customer.Account
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkParent(ctx, p, "", in.ParentID); err != nil {
			return err
		}
		code, err := s.code(ctx, in.Code)
		if err != nil {
			return err
		}
		in.Code = code
		id := db.NewID()
		now := db.Millis(s.now())
		_, err = s.db.Exec(ctx, `INSERT INTO crm_account (id, code, name, short_name, level, industry, tax_id, currency, status,
			parent_id, owner_id, phone, mobile, email, website, region, notes, search, sort_key, name_key, mobile_key, email_key,
			owned_at, last_contact_at, last_won_at, pool_warned_at, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			CASE WHEN $11 = '' THEN 0 ELSE CAST($23 AS BIGINT) END, 0, 0, 0, 1, $23, $23)`,
			id, in.Code, in.Name, in.ShortName, string(in.Level), in.Industry, in.TaxID, in.Currency, string(in.Status),
			nullable(in.ParentID), owner, in.Phone, in.Mobile, in.Email, in.Website, in.Region, in.Notes,
			searchText(&in), SortKey(in.Name), textnorm.CompanyKey(in.Name), textnorm.Phone(in.Mobile), textnorm.Email(in.Email), now)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", keyCodeTaken, "Another customer already has this code")
		}
		if err != nil {
			return fmt.Errorf("customer: create account: %w", err)
		}
		if err := s.writeChildren(ctx, id, &in); err != nil {
			return err
		}
		acc, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.account.created", EntityKind: customer.Kind, EntityID: id, After: acc}); err != nil {
			return err
		}
		if err := s.emit(ctx, acc); err != nil {
			return err
		}
		out = acc
		return nil
	})
	if err != nil {
		return nil, err
	}
	mask(p, out)
	return out, nil
}

// code returns the code to use: the given one when free, or the next number.
func (s *Service) code(ctx context.Context, code string) (string, error) {
	if code != "" {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_account WHERE code = $1`, code).Scan(&n); err != nil {
			return "", fmt.Errorf("customer: check code: %w", err)
		}
		if n > 0 {
			return "", apperr.Invalid("code", keyCodeTaken, "Another customer already has this code")
		}
		return code, nil
	}
	for {
		n, err := s.db.NextNumber(ctx, "crm.account.code")
		if err != nil {
			return "", err
		}
		c := fmt.Sprintf("C%06d", n)
		var taken int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_account WHERE code = $1`, c).Scan(&taken); err != nil {
			return "", fmt.Errorf("customer: check code: %w", err)
		}
		if taken == 0 {
			return c, nil
		}
	}
}

// checkParent refuses a parent the caller cannot see, and one that would
// make a loop above the account id.
func (s *Service) checkParent(ctx context.Context, p *authz.Principal, id, parentID string) error {
	if parentID == "" {
		return nil
	}
	if parentID == id {
		return apperr.Invalid("parent_id", keyParentLoop, "A company cannot be its own parent")
	}
	ok, err := s.visible(ctx, p, parentID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("parent_id", keyParentUnknown, "No customer you can see has this id")
	}
	cur := parentID
	for range 100 {
		var up *string
		if err := s.db.QueryRow(ctx, `SELECT parent_id FROM crm_account WHERE id = $1`, cur).Scan(&up); err != nil {
			return fmt.Errorf("customer: parent chain: %w", err)
		}
		if up == nil {
			return nil
		}
		if *up == id {
			return apperr.Invalid("parent_id", keyParentLoop, "A company cannot be its own parent")
		}
		cur = *up
	}
	return apperr.Invalid("parent_id", keyParentLoop, "A company cannot be its own parent")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeChildren replaces an account's tags and addresses.
func (s *Service) writeChildren(ctx context.Context, id string, in *customer.AccountInput) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_account_tag WHERE account_id = $1`, id); err != nil {
		return fmt.Errorf("customer: clear tags: %w", err)
	}
	for _, t := range in.Tags {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_account_tag (account_id, tag) VALUES ($1, $2)`, id, t); err != nil {
			return fmt.Errorf("customer: add tag: %w", err)
		}
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_account_address WHERE account_id = $1`, id); err != nil {
		return fmt.Errorf("customer: clear addresses: %w", err)
	}
	for i, a := range in.Addresses {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_account_address (account_id, seq, kind, province, city, district, street, postcode, recipient, phone)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, i+1, string(a.Kind), a.Province, a.City, a.District, a.Street, a.Postcode, a.Recipient, a.Phone); err != nil {
			return fmt.Errorf("customer: add address: %w", err)
		}
	}
	return nil
}

// Update replaces an account's fields.
func (s *Service) Update(ctx context.Context, id string, in customer.AccountInput) (*customer.Account, error) {
	p, err := require(ctx, customer.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *customer.Account
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		// A caller who sees them masked cannot change the contact details:
		// what they were shown is not what is stored.
		if !access.SeesContact(p, customer.Kind, before.OwnerID) {
			in.Mobile, in.Email = before.Mobile, before.Email
		}
		if err := checkAccount(&in, false).Err(); err != nil {
			return err
		}
		if in.Code == "" {
			in.Code = before.Code
		} else if in.Code != before.Code {
			if _, err := s.code(ctx, in.Code); err != nil {
				return err
			}
		}
		if err := s.checkParent(ctx, p, id, in.ParentID); err != nil {
			return err
		}
		q := `UPDATE crm_account SET code = $2, name = $3, short_name = $4, level = $5, industry = $6, tax_id = $7, currency = $8,
			status = $9, parent_id = $10, phone = $11, mobile = $12, email = $13, website = $14, region = $15, notes = $16,
			search = $17, name_key = $18, mobile_key = $19, email_key = $20, sort_key = $22, version = version + 1, updated_at = $21
			WHERE id = $1`
		args := []any{id, in.Code, in.Name, in.ShortName, string(in.Level), in.Industry, in.TaxID, in.Currency, string(in.Status),
			nullable(in.ParentID), in.Phone, in.Mobile, in.Email, in.Website, in.Region, in.Notes,
			searchText(&in), textnorm.CompanyKey(in.Name), textnorm.Phone(in.Mobile), textnorm.Email(in.Email), db.Millis(s.now()), SortKey(in.Name)}
		if in.Version > 0 {
			q += ` AND version = $23`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", keyCodeTaken, "Another customer already has this code")
		}
		if err != nil {
			return fmt.Errorf("customer: update account: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if err := s.writeChildren(ctx, id, &in); err != nil {
			return err
		}
		after, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.account.updated", EntityKind: customer.Kind, EntityID: id, Before: before, After: after}); err != nil {
			return err
		}
		out = after
		return s.emit(ctx, after)
	})
	if err != nil {
		return nil, err
	}
	mask(p, out)
	return out, nil
}

// Assign gives an account to another owner.
func (s *Service) Assign(ctx context.Context, id, ownerID string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermAssign)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	probs.ID("owner_id", &ownerID, true)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	u, err := s.dir.Get(ctx, ownerID)
	if apperr.IsKind(err, apperr.KindNotFound) || (err == nil && !u.Active) {
		return nil, apperr.Invalid("owner_id", keyOwnerUnknown, "This user is not known to the CRM yet")
	}
	if err != nil {
		return nil, err
	}
	var out *customer.Account
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if before.OwnerID == ownerID {
			out = before
			return nil
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_account SET owner_id = $2, owned_at = $3, pool_warned_at = 0, version = version + 1, updated_at = $3 WHERE id = $1`,
			id, ownerID, db.Millis(s.now())); err != nil {
			return fmt.Errorf("customer: assign account: %w", err)
		}
		after, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.account.assigned", EntityKind: customer.Kind, EntityID: id,
			Before: map[string]string{"owner_id": before.OwnerID}, After: map[string]string{"owner_id": ownerID}}); err != nil {
			return err
		}
		out = after
		return s.emit(ctx, after)
	})
	if err != nil {
		return nil, err
	}
	mask(p, out)
	return out, nil
}

// Adopt moves the accounts of a pending directory user to the real user,
// announcing each; the directory calls it inside its transaction.
func (s *Service) Adopt(ctx context.Context, pendingID, userID string) error {
	rows, err := s.db.Query(ctx, `SELECT id FROM crm_account WHERE owner_id = $1`, pendingID)
	if err != nil {
		return fmt.Errorf("customer: adopt: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, `UPDATE crm_account SET owner_id = $2 WHERE owner_id = $1`, pendingID, userID); err != nil {
		return fmt.Errorf("customer: adopt: %w", err)
	}
	if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.account.owner_adopted", EntityKind: customer.Kind, EntityID: userID,
		Before: map[string]any{"owner_id": pendingID}, After: map[string]any{"owner_id": userID, "accounts": len(ids)}}); err != nil {
		return err
	}
	for _, id := range ids {
		acc, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := s.emit(ctx, acc); err != nil {
			return err
		}
	}
	return nil
}

// emit writes crm.account.upserted for acc (read unmasked).
func (s *Service) emit(ctx context.Context, acc *customer.Account) error {
	d := customer.UpsertedData{ID: acc.ID, Code: acc.Code, Name: acc.Name, ShortName: acc.ShortName, Level: acc.Level,
		Industry: acc.Industry, TaxID: acc.TaxID, Currency: acc.Currency, OwnerID: acc.OwnerID, OwnerName: acc.OwnerName,
		ParentID: acc.ParentID, Status: acc.Status, ContactName: acc.Name, ContactPhone: firstOf(acc.Mobile, acc.Phone), ContactEmail: acc.Email}
	if a, ok := acc.Address(customer.AddressBilling); ok {
		d.BillingAddress = a.OneLine()
	}
	if a, ok := acc.Address(customer.AddressShipping); ok {
		d.ShippingAddress = a.OneLine()
	} else if d.BillingAddress != "" {
		d.ShippingAddress = d.BillingAddress
	}
	var name, mobile, phone, email string
	err := s.db.QueryRow(ctx, `SELECT name, mobile, phone, email FROM crm_contact WHERE account_id = $1
		ORDER BY is_primary DESC, created_at, id LIMIT 1`, acc.ID).Scan(&name, &mobile, &phone, &email)
	if err == nil {
		d.ContactName, d.ContactPhone, d.ContactEmail = name, firstOf(mobile, phone), email
	} else if !isNoRows(err) {
		return fmt.Errorf("customer: primary contact: %w", err)
	}
	_, err = outbox.Emit(ctx, s.db, customer.EventUpserted, 1, acc.ID, d)
	return err
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// mask hides the contact details of acc from a caller who may not see them.
func mask(p *authz.Principal, acc *customer.Account) {
	if acc == nil || access.SeesContact(p, customer.Kind, acc.OwnerID) {
		return
	}
	acc.Mobile, acc.Email = access.MaskPhone(acc.Mobile), access.MaskEmail(acc.Email)
	acc.Masked = true
}
