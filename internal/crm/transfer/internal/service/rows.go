package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// importer turns rows of one file into creations, remembering what it
// looked up (owners, customers, campaigns) across rows.
type importer struct {
	s       *Service
	kind    transfer.Kind
	sh      *sheet
	col     map[string]int // field → column index
	owners  map[string]ownerHit
	users   []directory.User
	accs    map[string]accHit
	camps   map[string]string // folded code → id
	codes   map[string]int    // folded account code → first row using it
	codeRow map[int]bool
}

type ownerHit struct {
	id  string
	err error
}

type accHit struct {
	id  string
	err error
}

func (s *Service) importer(kind transfer.Kind, sh *sheet, mapping []string) *importer {
	im := &importer{s: s, kind: kind, sh: sh, col: map[string]int{}, owners: map[string]ownerHit{}, accs: map[string]accHit{}}
	for i, f := range mapping {
		if f != "" {
			im.col[f] = i
		}
	}
	if kind == transfer.KindAccounts {
		// Codes used twice in the file: the later rows are bad.
		im.codes, im.codeRow = map[string]int{}, map[int]bool{}
		if i, ok := im.col["code"]; ok {
			for _, r := range sh.rows {
				c := fold(r.cells[i])
				if c == "" {
					continue
				}
				if _, dup := im.codes[c]; dup {
					im.codeRow[r.num] = true
					continue
				}
				im.codes[c] = r.num
			}
		}
	}
	return im
}

// cell is the value of a field in a row, "" when no column fills it.
func (im *importer) cell(r row, field string) string {
	if i, ok := im.col[field]; ok && i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

// problem is a problem of a row with a field.
func (im *importer) problem(r row, field, key, msg string, params map[string]any) transfer.Problem {
	p := transfer.Problem{Row: r.num, Field: field, Key: key, Message: msg, Params: params}
	if i, ok := im.col[field]; ok {
		p.Column = im.sh.headings[i]
	}
	return p
}

var indexSuffix = regexp.MustCompile(`\[\d+\]$`)

// fromErr turns a service's error into the row's problems; internal
// errors are returned as they are.
func (im *importer) fromErr(r row, err error) ([]transfer.Problem, error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.KindInternal {
		return nil, err
	}
	var out []transfer.Problem
	for _, f := range e.Fields {
		field := f.Field
		if _, ok := im.col[field]; !ok {
			field = indexSuffix.ReplaceAllString(field, "")
		}
		out = append(out, im.problem(r, field, f.Key, f.Message, f.Params))
	}
	if len(out) == 0 {
		out = append(out, transfer.Problem{Row: r.num, Key: e.Key, Message: e.Message, Params: e.Params})
	}
	return out, nil
}

// row checks (dry) or writes one row; it returns the row's problems.
func (im *importer) row(ctx context.Context, r row, dry bool) ([]transfer.Problem, error) {
	var probs []transfer.Problem
	var create func(ctx context.Context) error
	switch im.kind {
	case transfer.KindAccounts:
		probs, create = im.account(ctx, r)
	case transfer.KindContacts:
		probs, create = im.contact(ctx, r)
	case transfer.KindLeads:
		probs, create = im.lead(ctx, r)
	}
	if create == nil || (len(probs) > 0 && !dry) {
		return probs, nil
	}
	if len(probs) > 0 {
		// Check the rest of the row too, so every problem is told at once.
		more, err := im.dry(ctx, r, create)
		if err != nil {
			return nil, err
		}
		for _, m := range more {
			if m.Field != "" && !slices.ContainsFunc(probs, func(p transfer.Problem) bool { return p.Field == m.Field }) {
				probs = append(probs, m)
			}
		}
		return probs, nil
	}
	if !dry {
		if err := create(ctx); err != nil {
			return im.fromErr(r, err)
		}
		return nil, nil
	}
	return im.dry(ctx, r, create)
}

// dry creates a row in a transaction it rolls back, for its problems.
func (im *importer) dry(ctx context.Context, r row, create func(context.Context) error) ([]transfer.Problem, error) {
	err := im.s.db.InTx(ctx, func(ctx context.Context) error {
		if err := create(ctx); err != nil {
			return err
		}
		return errDry
	})
	if errors.Is(err, errDry) {
		return nil, nil
	}
	return im.fromErr(r, err)
}

// required reports the required fields left empty.
func (im *importer) required(r row) []transfer.Problem {
	var out []transfer.Problem
	for _, c := range columns[im.kind] {
		if c.Required && im.cell(r, c.Field) == "" {
			out = append(out, im.problem(r, c.Field, keyRequired, "This column must be filled", nil))
		}
	}
	return out
}

// owner finds a user by login or name.
func (im *importer) owner(ctx context.Context, r row, probs *[]transfer.Problem) string {
	v := im.cell(r, "owner_id")
	if v == "" {
		return ""
	}
	hit, ok := im.owners[v]
	if !ok {
		u, err := im.s.dir.ByLogin(ctx, v)
		if apperr.IsKind(err, apperr.KindNotFound) {
			err = nil
			if im.users == nil {
				if im.users, err = im.s.dir.List(ctx, directory.Filter{}); err != nil {
					hit.err = err
				}
			}
			u = nil
			for i := range im.users {
				if im.users[i].Name == v || fold(im.users[i].Login) == fold(v) {
					u = &im.users[i]
					break
				}
			}
		} else if err != nil {
			hit.err = err
		}
		if u != nil && u.Active {
			hit.id = u.ID
		}
		im.owners[v] = hit
	}
	if hit.err != nil {
		*probs = append(*probs, im.problem(r, "owner_id", "crm.import.error.owner", "No user has this login or name", nil))
		return ""
	}
	if hit.id == "" {
		*probs = append(*probs, im.problem(r, "owner_id", "crm.import.error.owner", "No user has this login or name", nil))
	}
	return hit.id
}

// choice matches a value against codes and their labels in either language.
func choice(v string, codes []string, labelKey func(string) string) (string, bool) {
	if v == "" {
		return "", true
	}
	fv := fold(v)
	for _, c := range codes {
		if fold(c) == fv {
			return c, true
		}
		for _, l := range i18n.Langs() {
			if fold(i18n.TL(l, labelKey(c))) == fv {
				return c, true
			}
		}
	}
	return "", false
}

func (im *importer) industry(r row, probs *[]transfer.Problem) string {
	v := im.cell(r, "industry")
	code, ok := choice(v, customer.Industries, func(c string) string { return "crm.industry." + c })
	if !ok {
		*probs = append(*probs, im.problem(r, "industry", "crm.import.error.industry", "There is no such industry", map[string]any{"Value": v}))
	}
	return code
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' })
}

func (im *importer) account(ctx context.Context, r row) ([]transfer.Problem, func(context.Context) error) {
	probs := im.required(r)
	in := customer.AccountInput{Code: im.cell(r, "code"), Name: im.cell(r, "name"), ShortName: im.cell(r, "short_name"),
		Level: customer.Level(strings.ToUpper(im.cell(r, "level"))), TaxID: im.cell(r, "tax_id"),
		Currency: strings.ToUpper(im.cell(r, "currency")), Region: im.cell(r, "region"), Phone: im.cell(r, "phone"),
		Mobile: im.cell(r, "mobile"), Email: im.cell(r, "email"), Website: im.cell(r, "website"), Notes: im.cell(r, "notes"),
		Tags: splitList(im.cell(r, "tags"))}
	in.Industry = im.industry(r, &probs)
	in.OwnerID = im.owner(ctx, r, &probs)
	if im.codeRow[r.num] {
		probs = append(probs, im.problem(r, "code", "crm.import.error.code_twice", "An earlier row has this code",
			map[string]any{"Row": im.codes[fold(in.Code)]}))
	}
	if parent := im.cell(r, "parent_id"); parent != "" {
		id, err := im.findAccount(ctx, parent)
		if err != nil {
			if !apperr.IsKind(err, apperr.KindNotFound) {
				return nil, func(context.Context) error { return err }
			}
			probs = append(probs, im.problem(r, "parent_id", "crm.import.error.account", "No customer you can see has this code or name", nil))
		}
		in.ParentID = id
	}
	addr := customer.Address{Kind: customer.AddressBilling, Province: im.cell(r, "addresses[0].province"), City: im.cell(r, "addresses[0].city"),
		District: im.cell(r, "addresses[0].district"), Street: im.cell(r, "addresses[0].street"), Postcode: im.cell(r, "addresses[0].postcode")}
	if addr != (customer.Address{Kind: customer.AddressBilling}) {
		in.Addresses = []customer.Address{addr}
	}
	return probs, func(ctx context.Context) error {
		_, err := im.s.customers.Create(ctx, in)
		return err
	}
}

// findAccount finds a customer the caller sees by its code or name.
func (im *importer) findAccount(ctx context.Context, v string) (string, error) {
	hit, ok := im.accs[v]
	if !ok {
		acc, err := im.s.customers.Lookup(ctx, v)
		if err == nil {
			hit.id = acc.ID
		}
		hit.err = err
		im.accs[v] = hit
	}
	return hit.id, hit.err
}

var yes = map[string]bool{"是": true, "yes": true, "y": true, "true": true, "1": true, "x": true, "√": true, "主": true}
var no = map[string]bool{"否": true, "no": true, "n": true, "false": true, "0": true, "": true}

func (im *importer) contact(ctx context.Context, r row) ([]transfer.Problem, func(context.Context) error) {
	probs := im.required(r)
	in := customer.ContactInput{Name: im.cell(r, "name"), Title: im.cell(r, "title"), Department: im.cell(r, "department"),
		Mobile: im.cell(r, "mobile"), Phone: im.cell(r, "phone"), Email: im.cell(r, "email"), WeChat: im.cell(r, "wechat"),
		Notes: im.cell(r, "notes")}
	prim := fold(im.cell(r, "primary"))
	switch {
	case yes[prim]:
		in.Primary = true
	case !no[prim]:
		probs = append(probs, im.problem(r, "primary", "crm.import.error.yes_no", "Write yes or no (是 or 否)", nil))
	}
	var accID string
	if v := im.cell(r, "account"); v != "" {
		id, err := im.findAccount(ctx, v)
		if err != nil {
			if !apperr.IsKind(err, apperr.KindNotFound) {
				return nil, func(context.Context) error { return err }
			}
			probs = append(probs, im.problem(r, "account", "crm.import.error.account", "No customer you can see has this code or name", nil))
		}
		accID = id
	}
	if accID == "" {
		return probs, nil
	}
	return probs, func(ctx context.Context) error {
		_, err := im.s.customers.CreateContact(ctx, accID, in)
		return err
	}
}

func (im *importer) lead(ctx context.Context, r row) ([]transfer.Problem, func(context.Context) error) {
	if im.s.leads == nil {
		return []transfer.Problem{{Row: r.num, Key: keyKind, Message: "Leads cannot be imported here"}}, nil
	}
	probs := im.required(r)
	in := lead.Input{Company: im.cell(r, "company"), ContactName: im.cell(r, "contact_name"), Title: im.cell(r, "title"),
		Mobile: im.cell(r, "mobile"), Phone: im.cell(r, "phone"), Email: im.cell(r, "email"), Region: im.cell(r, "region"),
		ProductInterest: im.cell(r, "product_interest"), Currency: strings.ToUpper(im.cell(r, "currency")), Notes: im.cell(r, "notes"),
		Source: "import"}
	in.Industry = im.industry(r, &probs)
	in.OwnerID = im.owner(ctx, r, &probs)
	if v := im.cell(r, "source"); v != "" {
		src, ok := choice(v, lead.Sources, func(c string) string { return "crm.lead_source." + c })
		if !ok {
			probs = append(probs, im.problem(r, "source", "crm.import.error.source", "There is no such source", map[string]any{"Value": v}))
		}
		in.Source = src
	}
	if v := im.cell(r, "budget"); v != "" {
		b, err := money.ParseAmount(strings.NewReplacer(",", "", "，", "", " ", "", "¥", "", "￥", "").Replace(v))
		if err != nil || b.Sign() < 0 {
			probs = append(probs, im.problem(r, "budget", "crm.import.error.amount", "Write an amount such as 150000 or 1500.50", nil))
		}
		in.Budget = b
	}
	if v := im.cell(r, "campaign_id"); v != "" {
		if im.camps == nil {
			cs, err := im.s.leads.Campaigns(ctx)
			if err != nil {
				return nil, func(context.Context) error { return err }
			}
			im.camps = map[string]string{}
			for _, c := range cs {
				im.camps[fold(c.Code)], im.camps[fold(c.Name)] = c.ID, c.ID
			}
		}
		id, ok := im.camps[fold(v)]
		if !ok {
			probs = append(probs, im.problem(r, "campaign_id", "crm.import.error.campaign", "There is no campaign with this code", nil))
		}
		in.CampaignID = id
	}
	return probs, func(ctx context.Context) error {
		_, err := im.s.leads.Create(ctx, in)
		return err
	}
}
