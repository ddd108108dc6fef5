package receivables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Invoice kinds and statuses.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
	StatusDraft    = "draft"
	StatusPosted   = "posted"
)

// MaxInvoiceLines bounds the lines of an invoice.
const MaxInvoiceLines = 300

// VATRates are the VAT rates an invoice line may carry: the general 13%,
// 9% and 6%, the simplified 5%, 3% and 1%, and 0% (exports, exempt).
var VATRates = []money.Rate{money.MustRate("0.13"), money.MustRate("0.09"), money.MustRate("0.06"),
	money.MustRate("0.05"), money.MustRate("0.03"), money.MustRate("0.01"), money.MustRate("0")}

// Invoice is a customer invoice or a credit note.
type Invoice struct {
	ID            string        `json:"id"`
	Kind          string        `json:"kind"`
	Status        string        `json:"status"`
	Number        string        `json:"number,omitempty"`
	CustomerID    string        `json:"customer_id"`
	CustomerName  string        `json:"customer_name"`
	CustomerTaxID string        `json:"customer_tax_id"`
	Date          string        `json:"date"`
	DueDate       string        `json:"due_date"`
	Currency      string        `json:"currency"`
	Rate          money.Rate    `json:"rate"`
	Net           money.Amount  `json:"net"`
	Tax           money.Amount  `json:"tax"`
	Gross         money.Amount  `json:"gross"`
	Open          money.Amount  `json:"open"` // what is still owed; negative for a credit note's unused part
	SOID          string        `json:"so_id,omitempty"`
	SONumber      string        `json:"so_number,omitempty"`
	ShipmentID    string        `json:"shipment_id,omitempty"`
	ContractID    string        `json:"contract_id,omitempty"`
	CreditOf      string        `json:"credit_of,omitempty"`
	Memo          string        `json:"memo"`
	EntryID       string        `json:"entry_id,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	CreatedBy     string        `json:"created_by"`
	UpdatedAt     time.Time     `json:"updated_at"`
	Version       int64         `json:"version"`
	PostedAt      time.Time     `json:"posted_at,omitzero"`
	PostedBy      string        `json:"posted_by,omitempty"`
	Lines         []InvoiceLine `json:"lines,omitempty"`
	// For one invoice's page: its allocations, fapiao and credit notes.
	Allocations []Allocation `json:"allocations,omitempty"`
	Fapiao      []Fapiao     `json:"fapiao,omitempty"`
	CreditNotes []Invoice    `json:"credit_notes,omitempty"`
}

// Overdue reports whether a posted invoice is unpaid past its due date on today.
func (i *Invoice) Overdue(today string) bool {
	return i.Kind == KindInvoice && i.Status == StatusPosted && i.Open.Sign() > 0 && i.DueDate < today
}

// InvoiceLine is one line of an invoice: quantity × unit price (before
// VAT) is the net, half-up to the fen; the VAT is the net × rate, half-up.
type InvoiceLine struct {
	LineNo      int             `json:"line_no"`
	ItemID      string          `json:"item_id,omitempty"`
	ItemCode    string          `json:"item_code,omitempty"`
	CategoryID  string          `json:"category_id,omitempty"`
	Description string          `json:"description"`
	Spec        string          `json:"spec,omitempty"`
	UoM         string          `json:"uom,omitempty"`
	TaxCode     string          `json:"tax_code,omitempty"`
	Quantity    money.Quantity  `json:"quantity"`
	UnitPrice   money.UnitPrice `json:"unit_price"`
	VATRate     money.Rate      `json:"vat_rate"`
	Net         money.Amount    `json:"net"`
	Tax         money.Amount    `json:"tax"`
	Gross       money.Amount    `json:"gross"`
	// ShipmentLine is the line of the invoice's shipment this line bills
	// (0: none); SOLine the sales order line whose price it takes (0: none).
	ShipmentLine int `json:"shipment_line,omitempty"`
	SOLine       int `json:"so_line,omitempty"`
}

// InvoiceInput writes a draft invoice.
type InvoiceInput struct {
	CustomerID string
	Date       string
	DueDate    string     // "" takes the customer's payment terms
	Currency   string     // "" takes the customer's currency
	Rate       money.Rate // zero takes the rate for the date
	SOID       string
	SONumber   string
	ShipmentID string
	ContractID string
	Memo       string
	Lines      []InvoiceLineInput
	Version    int64 // for updates
}

// InvoiceLineInput is one line of a draft invoice. With an item code the
// description, specification, unit and VAT rate default to the item's.
type InvoiceLineInput struct {
	ItemCode    string
	Description string
	Spec        string
	UoM         string
	TaxCode     string
	Quantity    money.Quantity
	UnitPrice   money.UnitPrice
	VATRate     *money.Rate // nil takes the item's rate, or 13%
	// ShipmentLine bills part of the invoice's shipment's line of that
	// number; SOLine is the sales order line it is priced from (both 0: a
	// line billing no shipment line).
	ShipmentLine int
	SOLine       int
}

// CreditNoteInput writes a draft credit note for a posted invoice; without
// lines it credits the whole invoice.
type CreditNoteInput struct {
	CreditOf string
	Date     string
	Memo     string
	Lines    []InvoiceLineInput
}

const invoiceColumns = `i.id, i.kind, i.status, COALESCE(i.number, ''), i.customer_id, i.customer_name, i.customer_tax_id,
	i.date, i.due_date, i.currency, i.rate, i.net, i.tax, i.gross, COALESCE(a.open, 0), i.so_id, i.so_number, i.shipment_id,
	i.contract_id, COALESCE(i.credit_of, ''), i.memo, COALESCE(i.entry_id, ''), i.created_at, i.created_by, i.updated_at,
	i.version, COALESCE(i.posted_at, 0), COALESCE(i.posted_by, '')`

const invoiceFrom = ` FROM fin_invoice i JOIN fin_customer c ON c.id = i.customer_id LEFT JOIN fin_ar_item a ON a.id = i.id`

func scanInvoice(r interface{ Scan(...any) error }) (*Invoice, error) {
	var (
		i                          Invoice
		created, updated, postedAt int64
	)
	if err := r.Scan(&i.ID, &i.Kind, &i.Status, &i.Number, &i.CustomerID, &i.CustomerName, &i.CustomerTaxID, &i.Date,
		&i.DueDate, &i.Currency, &i.Rate, &i.Net, &i.Tax, &i.Gross, &i.Open, &i.SOID, &i.SONumber, &i.ShipmentID,
		&i.ContractID, &i.CreditOf, &i.Memo, &i.EntryID, &created, &i.CreatedBy, &updated, &i.Version, &postedAt, &i.PostedBy); err != nil {
		return nil, err
	}
	i.CreatedAt, i.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	if postedAt != 0 {
		i.PostedAt = db.FromMillis(postedAt)
	}
	if i.Status == StatusDraft {
		i.Open = money.Amount{}
	}
	return &i, nil
}

// Invoice returns an invoice with its lines, allocations, fapiao and credit
// notes; it needs PermInvoiceRead, and a sales role sees only invoices of
// its own customers.
func (s *Service) Invoice(ctx context.Context, id string) (*Invoice, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return nil, err
	}
	inv, owner, err := s.invoice(ctx, id)
	if err != nil {
		return nil, err
	}
	if !customerScope(p).sees(owner) {
		return nil, notFound("invoice", id)
	}
	if inv.Allocations, err = s.allocationsOf(ctx, id); err != nil {
		return nil, err
	}
	if inv.Fapiao, err = s.fapiaoOf(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+invoiceColumns+invoiceFrom+` WHERE i.credit_of = $1 ORDER BY i.date, i.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		cn, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		inv.CreditNotes = append(inv.CreditNotes, *cn)
	}
	return inv, rows.Err()
}

// invoice reads an invoice and its lines, with its customer's owner.
func (s *Service) invoice(ctx context.Context, id string) (*Invoice, string, error) {
	if !db.ValidID(id) {
		return nil, "", notFound("invoice", id)
	}
	var owner string
	row := s.db.QueryRow(ctx, `SELECT `+invoiceColumns+`, c.owner_id`+invoiceFrom+` WHERE i.id = $1`, id)
	inv, err := scanInvoice(scanWith(row, &owner))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", notFound("invoice", id)
	}
	if err != nil {
		return nil, "", err
	}
	if inv.Lines, err = s.invoiceLines(ctx, id); err != nil {
		return nil, "", err
	}
	return inv, owner, nil
}

// scanWith appends extra destinations to a row's Scan.
type extraScan struct {
	r     interface{ Scan(...any) error }
	extra []any
}

func (x extraScan) Scan(dest ...any) error { return x.r.Scan(append(dest, x.extra...)...) }

func scanWith(r interface{ Scan(...any) error }, extra ...any) extraScan { return extraScan{r, extra} }

func (s *Service) invoiceLines(ctx context.Context, id string) ([]InvoiceLine, error) {
	rows, err := s.db.Query(ctx, `SELECT line_no, item_id, item_code, category_id, description, spec, uom, tax_code, quantity,
		unit_price, vat_rate, net, tax, gross, shipment_line, so_line FROM fin_invoice_line WHERE invoice_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InvoiceLine
	for rows.Next() {
		var l InvoiceLine
		if err := rows.Scan(&l.LineNo, &l.ItemID, &l.ItemCode, &l.CategoryID, &l.Description, &l.Spec, &l.UoM, &l.TaxCode,
			&l.Quantity, &l.UnitPrice, &l.VATRate, &l.Net, &l.Tax, &l.Gross, &l.ShipmentLine, &l.SOLine); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// InvoiceFilter selects invoices; empty fields match everything.
type InvoiceFilter struct {
	Query      string // part of the number or the customer's name
	CustomerID string
	Kind       string
	Status     string
	ContractID string
	From, To   string
	OpenOnly   bool // posted invoices with something still owed
	Limit      int
	Cursor     string
}

// InvoicePage is a page of invoices, newest first.
type InvoicePage struct {
	Invoices []Invoice `json:"invoices"`
	Next     string    `json:"next,omitempty"`
}

type invoiceCursor struct {
	Date string `json:"d"`
	ID   string `json:"i"`
}

var invoiceOrder = api.Order{{Field: "date", Desc: true}, {Field: "id", Desc: true}}

// Invoices lists invoices and credit notes without their lines, newest
// first; it needs PermInvoiceRead, scoped to a sales role's customers.
func (s *Service) Invoices(ctx context.Context, f InvoiceFilter) (*InvoicePage, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	cond, args := customerScope(p).where("c.owner_id", 1)
	q := `SELECT ` + invoiceColumns + invoiceFrom + ` WHERE ` + cond
	add := func(c string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			c = strings.Replace(c, "?", "$"+itoa(len(args)), 1)
		}
		q += " AND " + c
	}
	if f.CustomerID != "" {
		add("i.customer_id = ?", f.CustomerID)
	}
	if f.Kind != "" {
		add("i.kind = ?", f.Kind)
	}
	if f.Status != "" {
		add("i.status = ?", f.Status)
	}
	if f.ContractID != "" {
		add("i.contract_id = ?", f.ContractID)
	}
	if f.From != "" {
		add("i.date >= ?", f.From)
	}
	if f.To != "" {
		add("i.date <= ?", f.To)
	}
	if f.OpenOnly {
		add("a.open <> 0")
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		like := "%" + strings.ToLower(escapeLike(qs)) + "%"
		add(`(lower(COALESCE(i.number, '')) LIKE ? ESCAPE '\' OR lower(i.customer_name) LIKE ? ESCAPE '\' OR lower(i.so_number) LIKE ? ESCAPE '\')`, like, like, like)
	}
	var cur invoiceCursor
	ok, err := api.DecodeCursor(f.Cursor, invoiceOrder, &cur)
	if err != nil {
		return nil, err
	}
	if ok {
		add("(i.date < ? OR (i.date = ? AND i.id < ?))", cur.Date, cur.Date, cur.ID)
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY i.date DESC, i.id DESC LIMIT $` + itoa(len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &InvoicePage{Invoices: []Invoice{}}
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out.Invoices = append(out.Invoices, *inv)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Invoices) > f.Limit {
		out.Invoices = out.Invoices[:f.Limit]
		last := out.Invoices[f.Limit-1]
		if out.Next, err = api.EncodeCursor(invoiceOrder, invoiceCursor{last.Date, last.ID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateInvoice saves a draft invoice; it needs PermInvoiceWrite.
func (s *Service) CreateInvoice(ctx context.Context, in InvoiceInput) (*Invoice, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.draftInvoice(ctx, in, nil)
		if err != nil {
			return err
		}
		inv.ID = db.NewID()
		if err := s.insertInvoice(ctx, inv); err != nil {
			return err
		}
		id = inv.ID
		return s.record(ctx, "fin.invoice.draft_created", kindInvoice, inv.ID, nil, inv)
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, id)
}

// UpdateInvoice replaces a draft invoice; it needs PermInvoiceWrite.
func (s *Service) UpdateInvoice(ctx context.Context, id string, in InvoiceInput) (*Invoice, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, _, err := s.invoice(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != StatusDraft {
			return conflict(keyInvoicePosted, map[string]any{"Number": before.Number})
		}
		if before.Version != in.Version {
			return conflict(keyStale)
		}
		var base *Invoice
		if before.Kind == KindCreditNote {
			if base, _, err = s.invoice(ctx, before.CreditOf); err != nil {
				return err
			}
			in.CustomerID, in.Currency, in.Rate = base.CustomerID, base.Currency, base.Rate
		}
		inv, err := s.draftInvoice(ctx, in, base)
		if err != nil {
			return err
		}
		inv.ID, inv.Kind, inv.CreditOf = id, before.Kind, before.CreditOf
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_invoice SET customer_id = $1, customer_name = $2, customer_tax_id = $3,
			date = $4, due_date = $5, currency = $6, rate = $7, net = $8, tax = $9, gross = $10, so_id = $11, so_number = $12,
			shipment_id = $13, contract_id = $14, memo = $15, updated_at = $16, version = version + 1
			WHERE id = $17 AND status = 'draft' AND version = $18`,
			inv.CustomerID, inv.CustomerName, inv.CustomerTaxID, inv.Date, inv.DueDate, inv.Currency, inv.Rate, inv.Net, inv.Tax,
			inv.Gross, inv.SOID, inv.SONumber, inv.ShipmentID, inv.ContractID, inv.Memo, db.Millis(s.now()), id, in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyStale)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_invoice_line WHERE invoice_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertLines(ctx, inv); err != nil {
			return err
		}
		return s.record(ctx, "fin.invoice.draft_updated", kindInvoice, id, before, inv)
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, id)
}

// DeleteInvoice removes a draft invoice or credit note; it needs PermInvoiceWrite.
func (s *Service) DeleteInvoice(ctx context.Context, id string, version int64) error {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, _, err := s.invoice(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != StatusDraft {
			return conflict(keyInvoicePosted, map[string]any{"Number": before.Number})
		}
		if before.Version != version {
			return conflict(keyStale)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_invoice_line WHERE invoice_id = $1`, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_invoice WHERE id = $1 AND status = 'draft'`, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_return_credit WHERE credit_note_id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, "fin.invoice.draft_deleted", kindInvoice, id, before, nil)
	})
}

// CreateCreditNote saves a draft credit note for a posted invoice; it needs
// PermInvoiceWrite. It may not credit more than is left of the invoice
// after its posted credit notes.
func (s *Service) CreateCreditNote(ctx context.Context, in CreditNoteInput) (*Invoice, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		base, _, err := s.invoice(ctx, in.CreditOf)
		if isNotFound(err) {
			return invalid("credit_of", keyInvoiceUnknown)
		}
		if err != nil {
			return err
		}
		switch {
		case base.Kind != KindInvoice:
			return invalid("credit_of", keyCreditOfCredit)
		case base.Status != StatusPosted:
			return invalid("credit_of", keyInvoiceNotPosted)
		}
		lines := in.Lines
		if len(lines) == 0 {
			for _, l := range base.Lines {
				r := l.VATRate
				lines = append(lines, InvoiceLineInput{ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec, UoM: l.UoM,
					TaxCode: l.TaxCode, Quantity: l.Quantity, UnitPrice: l.UnitPrice, VATRate: &r})
			}
		}
		inv, err := s.draftInvoice(ctx, InvoiceInput{CustomerID: base.CustomerID, Date: in.Date, DueDate: in.Date, Currency: base.Currency,
			Rate: base.Rate, SOID: base.SOID, SONumber: base.SONumber, ContractID: base.ContractID, Memo: in.Memo, Lines: lines}, base)
		if err != nil {
			return err
		}
		inv.ID, inv.Kind, inv.CreditOf = db.NewID(), KindCreditNote, base.ID
		if err := s.insertInvoice(ctx, inv); err != nil {
			return err
		}
		id = inv.ID
		return s.record(ctx, "fin.invoice.draft_created", kindInvoice, inv.ID, nil, inv)
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, id)
}

// draftInvoice checks an invoice's input and computes its lines and totals.
// base is the invoice a credit note credits, or nil.
func (s *Service) draftInvoice(ctx context.Context, in InvoiceInput, base *Invoice) (*Invoice, error) {
	in.Date = strings.TrimSpace(in.Date)
	in.DueDate = strings.TrimSpace(in.DueDate)
	in.Memo = strings.TrimSpace(in.Memo)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if err := s.adopt(ctx, in.CustomerID); err != nil {
		return nil, err
	}
	var bad []fieldError
	c, err := s.customer(ctx, in.CustomerID)
	switch {
	case in.CustomerID == "":
		bad = append(bad, fe("customer_id", keyRequired))
	case isNotFound(err):
		bad = append(bad, fe("customer_id", keyCustomerUnknown))
	case err != nil:
		return nil, err
	case c.Status != "active" && base == nil:
		bad = append(bad, fe("customer_id", keyCustomerInactive))
	}
	if !validDate(in.Date) {
		bad = append(bad, fe("date", keyDateInvalid))
	}
	if in.DueDate != "" && !validDate(in.DueDate) {
		bad = append(bad, fe("due_date", keyDateInvalid))
	} else if in.DueDate != "" && in.DueDate < in.Date {
		bad = append(bad, fe("due_date", keyDueBeforeDate))
	}
	if utf8.RuneCountInString(in.Memo) > 200 {
		bad = append(bad, fe("memo", keyTooLong))
	}
	for _, f := range []struct{ name, v string }{{"so_number", in.SONumber}, {"so_id", in.SOID}, {"shipment_id", in.ShipmentID}, {"contract_id", in.ContractID}} {
		if len(f.v) > 64 {
			bad = append(bad, fe(f.name, keyTooLong))
		}
	}
	inv := &Invoice{Kind: KindInvoice, Status: StatusDraft, CustomerID: in.CustomerID, Date: in.Date, DueDate: in.DueDate,
		Currency: in.Currency, Rate: in.Rate, SOID: in.SOID, SONumber: strings.TrimSpace(in.SONumber), ShipmentID: in.ShipmentID,
		ContractID: in.ContractID, Memo: in.Memo}
	if c != nil {
		inv.CustomerName, inv.CustomerTaxID = c.Name, c.TaxID
		if inv.Currency == "" {
			inv.Currency = c.Currency
		}
		if inv.DueDate == "" && validDate(in.Date) {
			inv.DueDate = addDays(in.Date, c.PaymentDays)
		}
	}
	if inv.Currency != "" {
		known, err := s.currencyKnown(ctx, inv.Currency)
		if err != nil {
			return nil, err
		}
		if !known {
			bad = append(bad, fe("currency", keyCurrencyUnknown))
		} else if inv.Rate.IsZero() && validDate(in.Date) {
			r, ok, err := s.ledger.RateFor(ctx, inv.Currency, in.Date)
			if err != nil {
				return nil, err
			}
			if !ok {
				bad = append(bad, fe("currency", "fin.error.rate_missing", map[string]any{"Currency": inv.Currency, "Date": in.Date}))
			}
			inv.Rate = r
		}
	}
	if base == nil && c != nil {
		bad1, err := s.checkShipment(ctx, in.ShipmentID, in.CustomerID)
		if err != nil {
			return nil, err
		}
		if bad1 != nil {
			bad = append(bad, *bad1)
		}
	}
	lines, lineBad := s.invoiceLinesOf(ctx, in.Lines)
	bad = append(bad, lineBad...)
	if base != nil {
		for i := range lines { // a credit note bills no shipment
			lines[i].ShipmentLine = 0
		}
	} else if len(lineBad) == 0 {
		more, err := s.checkShipmentLines(ctx, in.ShipmentID, lines)
		if err != nil {
			return nil, err
		}
		bad = append(bad, more...)
	}
	if err := fieldErrorsOf(bad); err != nil {
		return nil, err
	}
	inv.Lines = lines
	for _, l := range lines {
		var e1, e2, e3 error
		inv.Net, e1 = inv.Net.Add(l.Net)
		inv.Tax, e2 = inv.Tax.Add(l.Tax)
		inv.Gross, e3 = inv.Gross.Add(l.Gross)
		if e1 != nil || e2 != nil || e3 != nil {
			return nil, invalid("lines", keyOverflow)
		}
	}
	if inv.Gross.Sign() <= 0 {
		return nil, invalid("lines", keyTotalZero)
	}
	if base != nil {
		if inv.Date < base.Date {
			return nil, invalid("date", keyCreditBefore, map[string]any{"Date": base.Date})
		}
		credited, err := s.credited(ctx, base.ID)
		if err != nil {
			return nil, err
		}
		left, _ := base.Gross.Sub(credited)
		if inv.Gross.Cmp(left) > 0 {
			return nil, invalid("lines", keyCreditTooMuch, map[string]any{"Left": left.String(), "Gross": inv.Gross.String()})
		}
	}
	return inv, nil
}

// credited returns what posted credit notes took off an invoice.
func (s *Service) credited(ctx context.Context, id string) (money.Amount, error) {
	var sum money.Amount
	err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(gross), 0) FROM fin_invoice WHERE credit_of = $1 AND status = 'posted'`, id).Scan(&sum)
	return sum, err
}

// invoiceLinesOf checks lines and computes each one's net, VAT and gross.
func (s *Service) invoiceLinesOf(ctx context.Context, in []InvoiceLineInput) ([]InvoiceLine, []fieldError) {
	var bad []fieldError
	switch {
	case len(in) == 0:
		return nil, []fieldError{fe("lines", keyLinesRequired)}
	case len(in) > MaxInvoiceLines:
		return nil, []fieldError{fe("lines", keyLinesTooMany, map[string]any{"Max": MaxInvoiceLines})}
	}
	items := s.items()
	out := make([]InvoiceLine, 0, len(in))
	for i, li := range in {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		l := InvoiceLine{LineNo: i + 1, ItemCode: strings.TrimSpace(li.ItemCode), Description: strings.TrimSpace(li.Description),
			Spec: strings.TrimSpace(li.Spec), UoM: strings.TrimSpace(li.UoM), TaxCode: strings.TrimSpace(li.TaxCode),
			Quantity: li.Quantity, UnitPrice: li.UnitPrice, VATRate: money.MustRate("0.13"), ShipmentLine: li.ShipmentLine, SOLine: li.SOLine}
		if l.ItemCode != "" {
			var found bool
			if items != nil {
				it, err := items.LookupItemByCode(ctx, l.ItemCode)
				if err == nil {
					found = true
					l.ItemID, l.ItemCode, l.CategoryID = it.ID, it.Code, it.CategoryID
					if l.Description == "" {
						l.Description = it.Name
					}
					if l.Spec == "" {
						l.Spec = it.Spec
					}
					if l.UoM == "" {
						l.UoM = it.UoM
					}
					l.VATRate = it.VATRate
				}
			}
			if !found {
				bad = append(bad, fe(f("item_code"), keyItemUnknown))
			}
		}
		if li.VATRate != nil {
			l.VATRate = *li.VATRate
		}
		switch {
		case l.Description == "":
			bad = append(bad, fe(f("description"), keyDescription))
		case utf8.RuneCountInString(l.Description) > 100:
			bad = append(bad, fe(f("description"), keyTooLong))
		}
		if utf8.RuneCountInString(l.Spec) > 100 {
			bad = append(bad, fe(f("spec"), keyTooLong))
		}
		if utf8.RuneCountInString(l.UoM) > 20 {
			bad = append(bad, fe(f("uom"), keyTooLong))
		}
		if len(l.TaxCode) > 19 {
			bad = append(bad, fe(f("tax_code"), keyTooLong))
		}
		if l.Quantity.Sign() <= 0 {
			bad = append(bad, fe(f("quantity"), keyQuantityInvalid))
		}
		if li.ShipmentLine < 0 || li.ShipmentLine > 100000 {
			bad = append(bad, fe(f("shipment_line"), keyShipmentLine, map[string]any{"Line": li.ShipmentLine}))
		}
		if li.SOLine < 0 || li.SOLine > 100000 {
			bad = append(bad, fe(f("so_line"), keyOrderLine, map[string]any{"Line": li.SOLine}))
		}
		if l.UnitPrice.Sign() < 0 {
			bad = append(bad, fe(f("unit_price"), keyPriceInvalid))
		}
		if !validVAT(l.VATRate) {
			bad = append(bad, fe(f("vat_rate"), keyVATInvalid))
		}
		var err error
		if l.Net, err = l.Quantity.MulUnitPrice(l.UnitPrice, money.RoundHalfUp); err == nil {
			if l.Tax, err = l.Net.MulRate(l.VATRate, money.RoundHalfUp); err == nil {
				l.Gross, err = l.Net.Add(l.Tax)
			}
		}
		if err != nil {
			bad = append(bad, fe(f("quantity"), keyOverflow))
		}
		out = append(out, l)
	}
	return out, bad
}

func validVAT(r money.Rate) bool {
	for _, v := range VATRates {
		if r.Cmp(v) == 0 {
			return true
		}
	}
	return false
}

func (s *Service) insertInvoice(ctx context.Context, inv *Invoice) error {
	now := db.Millis(s.now())
	inv.CreatedBy = actor(ctx)
	var creditOf any
	if inv.CreditOf != "" {
		creditOf = inv.CreditOf
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO fin_invoice (id, kind, status, customer_id, customer_name, customer_tax_id, date,
		due_date, currency, rate, net, tax, gross, so_id, so_number, shipment_id, contract_id, credit_of, memo, created_at,
		created_by, updated_at, version) VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
		$17, $18, $19, $20, $19, 1)`,
		inv.ID, inv.Kind, inv.CustomerID, inv.CustomerName, inv.CustomerTaxID, inv.Date, inv.DueDate, inv.Currency, inv.Rate,
		inv.Net, inv.Tax, inv.Gross, inv.SOID, inv.SONumber, inv.ShipmentID, inv.ContractID, creditOf, inv.Memo, now, inv.CreatedBy); err != nil {
		return err
	}
	return s.insertLines(ctx, inv)
}

func (s *Service) insertLines(ctx context.Context, inv *Invoice) error {
	for _, l := range inv.Lines {
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_invoice_line (invoice_id, line_no, item_id, item_code, category_id,
			description, spec, uom, tax_code, quantity, unit_price, vat_rate, net, tax, gross, shipment_line, so_line)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			inv.ID, l.LineNo, l.ItemID, l.ItemCode, l.CategoryID, l.Description, l.Spec, l.UoM, l.TaxCode, l.Quantity,
			l.UnitPrice, l.VATRate, l.Net, l.Tax, l.Gross, l.ShipmentLine, l.SOLine); err != nil {
			return err
		}
	}
	return nil
}

// PostInvoice posts a draft invoice or credit note: it takes the next
// number (INV-2026-000001, CN-2026-000001), posts receivables, revenue and
// output VAT to the ledger, opens the amount owed, applies a credit note to
// its invoice, sends erp.invoice.posted and updates the customer's credit.
// It needs PermInvoicePost; of several users posting the same draft at
// once, one succeeds and the others get a conflict.
func (s *Service) PostInvoice(ctx context.Context, id string) (*Invoice, error) {
	if _, err := require(ctx, finance.PermInvoicePost); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		// Claim the draft: a concurrent posting waits here, then finds it posted.
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_invoice SET version = version + 1 WHERE id = $1 AND status = 'draft'`, id)
		if err != nil {
			return err
		}
		inv, _, err := s.invoice(ctx, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyInvoicePosted, map[string]any{"Number": inv.Number})
		}
		c, err := s.lockCustomer(ctx, inv.CustomerID)
		if err != nil {
			return err
		}
		if c.Status != "active" && inv.Kind == KindInvoice {
			return invalid("customer_id", keyCustomerInactive)
		}
		var base *Invoice
		if inv.Kind == KindCreditNote {
			if base, _, err = s.invoice(ctx, inv.CreditOf); err != nil {
				return err
			}
			credited, err := s.credited(ctx, base.ID)
			if err != nil {
				return err
			}
			left, _ := base.Gross.Sub(credited)
			if inv.Gross.Cmp(left) > 0 {
				return invalid("lines", keyCreditTooMuch, map[string]any{"Left": left.String(), "Gross": inv.Gross.String()})
			}
		}
		if err := s.billShipment(ctx, inv); err != nil {
			return err
		}
		prefix, src := "INV", srcInvoice
		if inv.Kind == KindCreditNote {
			prefix, src = "CN", srcCreditNote
		}
		d, _ := time.Parse(db.DateLayout, inv.Date)
		if inv.Number, err = s.db.NextDocNumber(ctx, prefix, d); err != nil {
			return err
		}
		entryID, err := s.ledger.Post(ctx, s.invoicePosting(inv, src))
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, `UPDATE fin_invoice SET status = 'posted', number = $1, entry_id = $2, posted_at = $3,
			posted_by = $4, updated_at = $3 WHERE id = $5 AND status = 'draft'`, inv.Number, entryID, db.Millis(now), actor(ctx), id); err != nil {
			return err
		}
		amount := inv.Gross
		if inv.Kind == KindCreditNote {
			amount, _ = inv.Gross.Neg()
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_ar_item (id, kind, customer_id, number, currency, rate, date, due_date,
			amount, open, contract_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
			id, inv.Kind, inv.CustomerID, inv.Number, inv.Currency, inv.Rate, inv.Date, inv.DueDate, amount, inv.ContractID); err != nil {
			return err
		}
		if base != nil {
			// The credit note settles what is still open of its invoice.
			var open money.Amount
			if err := s.db.QueryRow(ctx, `SELECT open FROM fin_ar_item WHERE id = $1`, base.ID).Scan(&open); err != nil {
				return err
			}
			if take := minAmount(open, inv.Gross); take.Sign() > 0 {
				if _, err := s.allocate(ctx, id, base.ID, take, inv.Date, ""); err != nil {
					return err
				}
			}
		}
		inv.Status, inv.EntryID, inv.PostedAt, inv.PostedBy = StatusPosted, entryID, now, actor(ctx)
		if err := s.record(ctx, "fin.invoice.posted", kindInvoice, id, nil, inv); err != nil {
			return err
		}
		ev := finance.InvoicePosted{InvoiceID: id, Number: inv.Number, Kind: inv.Kind, CustomerID: inv.CustomerID, SOID: inv.SOID,
			SONumber: inv.SONumber, ContractID: inv.ContractID, CreditOf: inv.CreditOf, Date: inv.Date, DueDate: inv.DueDate,
			Currency: inv.Currency, Net: inv.Net, Tax: inv.Tax, Gross: inv.Gross}
		if inv.Kind == KindCreditNote {
			ev.Net, _ = inv.Net.Neg()
			ev.Tax, _ = inv.Tax.Neg()
			ev.Gross, _ = inv.Gross.Neg()
		}
		if _, err := outbox.Emit(ctx, s.db, finance.EventInvoicePosted, 1, id, ev); err != nil {
			return err
		}
		return s.refreshCredit(ctx, inv.CustomerID)
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, id)
}

// invoicePosting is the ledger posting of an invoice (or, sides swapped, a
// credit note): receivables against revenue per item category and output VAT.
func (s *Service) invoicePosting(inv *Invoice, src string) finance.Posting {
	credit := inv.Kind == KindInvoice
	side := func(role finance.Role, category string, a money.Amount, debit bool) finance.PostingLine {
		l := finance.PostingLine{Role: role, ItemCategory: category}
		if debit {
			l.Debit = a
		} else {
			l.Credit = a
		}
		return l
	}
	lines := []finance.PostingLine{side(finance.RoleAR, "", inv.Gross, credit)}
	for _, l := range inv.Lines {
		if l.Net.Sign() > 0 {
			lines = append(lines, side(finance.RoleRevenue, l.CategoryID, l.Net, !credit))
		}
	}
	if inv.Tax.Sign() > 0 {
		lines = append(lines, side(finance.RoleOutputVAT, "", inv.Tax, !credit))
	}
	memo := inv.CustomerName
	if inv.Memo != "" {
		memo = inv.Memo
	}
	return finance.Posting{SourceKind: src, SourceID: inv.ID, SourceNumber: inv.Number, Date: inv.Date, Currency: inv.Currency,
		Rate: inv.Rate, PartnerKind: "customer", PartnerID: inv.CustomerID, Memo: memo, Lines: lines}
}

func minAmount(a, b money.Amount) money.Amount {
	if a.Cmp(b) < 0 {
		return a
	}
	return b
}
