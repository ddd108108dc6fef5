package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/quote/internal/calc"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// draft is a quote's content after it was checked and priced.
type draft struct {
	in      quote.Input
	account *customer.Account
	lines   []quote.Line
	floorOK []bool
	net     money.Amount
	tax     money.Amount
	gross   money.Amount
}

// build checks a quote's input, resolves what it names and prices every
// line; it reports every bad field at once.
func (s *Service) build(ctx context.Context, in quote.Input, create bool) (*draft, error) {
	var p valid.Problems
	p.ID("account_id", &in.AccountID, true)
	p.ID("contact_id", &in.ContactID, false)
	p.ID("opportunity_id", &in.OpportunityID, false)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency != "" {
		p.Choice("currency", &in.Currency, false, customer.Currencies...)
	}
	if in.TaxMode == "" {
		in.TaxMode = quote.TaxExclusive
	}
	tm := string(in.TaxMode)
	p.Choice("tax_mode", &tm, true, string(quote.TaxExclusive), string(quote.TaxInclusive))
	in.TaxMode = quote.TaxMode(tm)
	p.Date("valid_until", &in.ValidUntil, false)
	p.Date("requested_date", &in.RequestedDate, false)
	p.Text("ship_to", &in.ShipTo, false, 300)
	p.Text("payment_terms", &in.PaymentTerms, false, 100)
	p.Text("notes", &in.Notes, false, 2000)
	if len(in.Lines) > maxLines {
		p.Add("lines", keyTooManyLines, "Too many lines")
	}
	for i, l := range in.Lines {
		p.ID(lineField(i, "item_id"), &l.ItemID, true)
		in.Lines[i].ItemID = l.ItemID
		if l.Quantity.Sign() <= 0 {
			p.Add(lineField(i, "quantity"), keyQuantity, "The quantity must be more than zero")
		}
		if l.Discount.Sign() < 0 || l.Discount.Cmp(money.MustRate("1")) > 0 {
			p.Add(lineField(i, "discount"), keyDiscount, "A discount is between 0 and 1")
		}
		if l.UnitPrice != nil {
			p.NotNegative(lineField(i, "unit_price"), l.UnitPrice.Sign())
		}
	}
	d := &draft{in: in}
	if !p.Has("account_id") {
		acc, err := s.customers.Get(ctx, in.AccountID)
		if apperr.IsKind(err, apperr.KindNotFound) {
			p.Add("account_id", keyAccountUnknown, "No customer you can see has this id")
		} else if err != nil {
			return nil, err
		}
		d.account = acc
	}
	if acc := d.account; acc != nil {
		if d.in.Currency == "" {
			d.in.Currency = acc.Currency
		}
		if in.ContactID != "" && !p.Has("contact_id") {
			c, err := s.customers.GetContact(ctx, in.ContactID)
			if apperr.IsKind(err, apperr.KindNotFound) || (err == nil && c.AccountID != acc.ID) {
				p.Add("contact_id", keyContactOther, "This contact is not one of the customer's")
			} else if err != nil {
				return nil, err
			}
		}
		if in.OpportunityID != "" && !p.Has("opportunity_id") && s.pipelines != nil {
			o, err := s.pipelines.Get(ctx, in.OpportunityID)
			if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) || (err == nil && o.AccountID != acc.ID) {
				p.Add("opportunity_id", keyOpportunity, "This opportunity is not one of the customer's")
			} else if err != nil {
				return nil, err
			}
		}
		if d.in.ShipTo == "" {
			if a, ok := acc.Address(customer.AddressShipping); ok {
				d.in.ShipTo = a.OneLine()
			} else if a, ok := acc.Address(customer.AddressBilling); ok {
				d.in.ShipTo = a.OneLine()
			}
		}
	}
	if d.in.Currency == "" {
		d.in.Currency = "CNY"
	}
	if create && d.in.ValidUntil == "" {
		st, err := s.settings(ctx)
		if err != nil {
			return nil, err
		}
		d.in.ValidUntil = s.now().Local().AddDate(0, 0, st.ValidityDays).Format(db.DateLayout)
	}
	if err := s.priceLines(ctx, d, &p); err != nil {
		return nil, err
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

// priceLines looks up each line's item and prices it.
func (s *Service) priceLines(ctx context.Context, d *draft, p *valid.Problems) error {
	var ids []string
	for _, l := range d.in.Lines {
		if db.ValidID(l.ItemID) {
			ids = append(ids, l.ItemID)
		}
	}
	items, err := s.items.ItemsByID(ctx, ids)
	if err != nil {
		return err
	}
	inclusive := d.in.TaxMode == quote.TaxInclusive
	for i, l := range d.in.Lines {
		if p.Has(lineField(i, "item_id")) {
			continue
		}
		it, ok := items[l.ItemID]
		switch {
		case !ok:
			p.Add(lineField(i, "item_id"), keyItemUnknown, "There is no such product")
			continue
		case !it.Usable():
			p.Add(lineField(i, "item_id"), keyItemNotSellable, "This product is not for sale")
			continue
		}
		if d.account == nil || p.Has(lineField(i, "quantity")) || p.Has(lineField(i, "discount")) || p.Has(lineField(i, "unit_price")) {
			continue
		}
		ref, src, err := s.price(ctx, d.account, &it, d.in.Currency, l.Quantity)
		if errors.Is(err, errNoPrice) {
			p.Add(lineField(i, "unit_price"), keyNoPrice, "There is no price of this product in this currency")
			continue
		}
		if err != nil {
			return err
		}
		floor := it.FloorPrice
		if inclusive {
			if ref, err = calc.WithVAT(ref, it.VATRate); err != nil {
				return err
			}
			if floor, err = calc.WithVAT(floor, it.VATRate); err != nil {
				return err
			}
		}
		unit := ref
		if l.UnitPrice != nil {
			unit = *l.UnitPrice
		}
		a, err := calc.Compute(calc.Line{Quantity: l.Quantity, UnitPrice: unit, Discount: l.Discount, VATRate: it.VATRate, Inclusive: inclusive})
		if err != nil {
			p.Add(lineField(i, "quantity"), keyQuantity, "The quantity must be more than zero")
			continue
		}
		red, err := calc.Reduction(a.NetPrice, ref)
		if err != nil {
			return err
		}
		below := floor.Sign() > 0 && a.NetPrice.Cmp(floor) < 0
		if below && !l.FloorApproval {
			p.Add(lineField(i, "unit_price"), keyBelowFloor, "The price is below the floor; ask for approval",
				map[string]any{"Floor": floor.String()})
			continue
		}
		d.lines = append(d.lines, quote.Line{No: len(d.lines) + 1, ItemID: it.ID, Code: it.Code, Name: it.Name, Spec: it.Spec, UoM: it.UoM,
			Quantity: l.Quantity, RefPrice: ref, Source: src, UnitPrice: unit, Discount: l.Discount, NetPrice: a.NetPrice,
			VATRate: it.VATRate, Net: a.Net, Tax: a.Tax, Gross: a.Gross, Reduction: red, BelowFloor: below})
		d.floorOK = append(d.floorOK, l.FloorApproval && below)
		d.net, _ = d.net.Add(a.Net)
		d.tax, _ = d.tax.Add(a.Tax)
		d.gross, _ = d.gross.Add(a.Gross)
	}
	return nil
}

func searchText(number string, acc *customer.Account) string {
	name := ""
	if acc != nil {
		name = acc.Name + " " + acc.Code + " " + textnorm.Initials(acc.Name)
	}
	return textnorm.Fold(number + " " + name)
}

// Create adds a draft quote owned by the caller.
func (s *Service) Create(ctx context.Context, in quote.Input) (*quote.Quote, error) {
	p, err := require(ctx, quote.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *quote.Quote
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		d, err := s.build(ctx, in, true)
		if err != nil {
			return err
		}
		now := s.now()
		number, err := s.db.NextDocNumber(ctx, "QT", now)
		if err != nil {
			return err
		}
		id := db.NewID()
		owner := p.UserID
		if p.System {
			owner = d.account.OwnerID
		}
		if err := s.insert(ctx, id, number, 1, owner, "", d, now); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.quote.created", EntityKind: quote.Kind, EntityID: id, After: out})
	})
	return out, err
}

func (s *Service) insert(ctx context.Context, id, number string, revision int, owner, supersedes string, d *draft, now time.Time) error {
	ms := db.Millis(now)
	if _, err := s.db.Exec(ctx, `INSERT INTO crm_quote (id, number, revision, account_id, contact_id, opportunity_id, owner_id, currency, tax_mode,
		status, valid_until, requested_date, ship_to, payment_terms, notes, net, tax, gross, request_id, supersedes_id, superseded_by,
		decline_reason, search, version, sent_at, accepted_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $12, $13, $14, $15, $16, $17, '', $18, '', '', $19, 1, 0, 0, $20, $20)`,
		id, number, revision, d.in.AccountID, d.in.ContactID, d.in.OpportunityID, owner, d.in.Currency, string(d.in.TaxMode),
		d.in.ValidUntil, d.in.RequestedDate, d.in.ShipTo, d.in.PaymentTerms, d.in.Notes, d.net, d.tax, d.gross, supersedes,
		searchText(number, d.account), ms); err != nil {
		return fmt.Errorf("quote: create: %w", err)
	}
	return s.writeLines(ctx, id, d)
}

func (s *Service) writeLines(ctx context.Context, id string, d *draft) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_quote_line WHERE quote_id = $1`, id); err != nil {
		return fmt.Errorf("quote: clear lines: %w", err)
	}
	for i, l := range d.lines {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_quote_line (quote_id, line_no, item_id, code, name, spec, uom, quantity, ref_price, source,
			unit_price, discount, net_price, vat_rate, net, tax, gross, reduction, below_floor, floor_ok)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			id, l.No, l.ItemID, l.Code, l.Name, l.Spec, l.UoM, l.Quantity, l.RefPrice, string(l.Source), l.UnitPrice, l.Discount,
			l.NetPrice, l.VATRate, l.Net, l.Tax, l.Gross, l.Reduction, boolInt(l.BelowFloor), boolInt(d.floorOK[i])); err != nil {
			return fmt.Errorf("quote: add line: %w", err)
		}
	}
	return nil
}

// Update replaces a draft's content.
func (s *Service) Update(ctx context.Context, id string, in quote.Input) (*quote.Quote, error) {
	p, err := require(ctx, quote.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *quote.Quote
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !before.Editable() {
			return notDraft(before)
		}
		d, err := s.build(ctx, in, false)
		if err != nil {
			return err
		}
		if d.in.ValidUntil == "" {
			d.in.ValidUntil = before.ValidUntil
		}
		q := `UPDATE crm_quote SET account_id = $2, contact_id = $3, opportunity_id = $4, currency = $5, tax_mode = $6, valid_until = $7,
			requested_date = $8, ship_to = $9, payment_terms = $10, notes = $11, net = $12, tax = $13, gross = $14, search = $15,
			version = version + 1, updated_at = $16 WHERE id = $1 AND status = 'draft'`
		args := []any{id, d.in.AccountID, d.in.ContactID, d.in.OpportunityID, d.in.Currency, string(d.in.TaxMode), d.in.ValidUntil,
			d.in.RequestedDate, d.in.ShipTo, d.in.PaymentTerms, d.in.Notes, d.net, d.tax, d.gross, searchText(before.Number, d.account),
			db.Millis(s.now())}
		if in.Version > 0 {
			q += ` AND version = $17`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("quote: update: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if err := s.writeLines(ctx, id, d); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.quote.updated", EntityKind: quote.Kind, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// notDraft is the error for changing a quote that is no longer a draft.
func notDraft(q *quote.Quote) error {
	return apperr.Precondition(keyNotDraft, "Only a draft can be changed; revise the quote instead").
		AddField("status", keyNotDraft, "Only a draft can be changed; revise the quote instead").
		WithParams(map[string]any{"Status": string(q.Status)})
}

// Adopt moves the quotes of a pending directory user to the real user.
func (s *Service) Adopt(ctx context.Context, pendingID, userID string) error {
	for _, q := range []string{
		`UPDATE crm_quote SET owner_id = $2 WHERE owner_id = $1`,
		`UPDATE crm_quote_approval SET requested_by = $2 WHERE requested_by = $1`,
		`UPDATE crm_quote_approval SET decided_by = $2 WHERE decided_by = $1`,
	} {
		if _, err := s.db.Exec(ctx, q, pendingID, userID); err != nil {
			return fmt.Errorf("quote: adopt: %w", err)
		}
	}
	return nil
}

// caller returns the user id acting in ctx.
func caller(ctx context.Context) string {
	if p := authz.FromContext(ctx); p != nil {
		return p.UserID
	}
	return ""
}
