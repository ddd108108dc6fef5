// Package margin is the finance module's gross-margin report: revenue from
// posted invoices (less credit notes) against the cost of goods sold that
// the invoiced shipments posted, by customer, by sales order or by invoice,
// for a date range, in the base currency. Cost and margin are for finance
// roles only (finance.PermMarginRead); sales roles never see them.
package margin

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service computes gross margins from the ERP database.
type Service struct {
	db    *db.DB
	l     *ledger.Service
	costs func() shipmentcosts.Costs // the inventory's cost per item of shipments and returns; nil or returning nil without one
}

// New returns the margin report over a ledger; costs, when given, is where
// the margin by item reads the cost of goods per item of a shipment or return.
func New(l *ledger.Service, costs ...func() shipmentcosts.Costs) *Service {
	s := &Service{db: l.DB(), l: l}
	if len(costs) > 0 {
		s.costs = costs[0]
	}
	return s
}

// Groupings of the report.
const (
	ByCustomer = "customer"
	ByOrder    = "order"
	ByInvoice  = "invoice"
	ByItem     = "item"
)

// Row is one group's revenue, cost of goods sold and margin.
type Row struct {
	Key      string       `json:"key"`   // customer id, sales order id or invoice id
	Label    string       `json:"label"` // its name or number
	Customer string       `json:"customer,omitempty"`
	Invoices int          `json:"invoices"`
	Quantity string       `json:"quantity,omitempty"` // by item: the quantity invoiced less credited
	Revenue  money.Amount `json:"revenue"`
	COGS     money.Amount `json:"cogs"`
	Margin   money.Amount `json:"margin"`
	Percent  string       `json:"margin_percent"` // margin ÷ revenue × 100, two decimals; "" without revenue
}

// Report is the gross margin of a date range.
type Report struct {
	From     string `json:"from"`
	To       string `json:"to"`
	By       string `json:"by"`
	Currency string `json:"currency"`
	Rows     []Row  `json:"rows"`
	Total    Row    `json:"total"`
}

// Options choose the report.
type Options struct {
	From, To   string
	By         string // customer (default), order or invoice
	CustomerID string // only this customer (drill-down)
	SOID       string // only this sales order (drill-down)
}

func validDate(s string) bool {
	_, err := time.Parse(db.DateLayout, s)
	return len(s) == 10 && err == nil
}

func invalid(field, key string) error {
	return apperr.InvalidFields(apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key)})
}

// Margins returns revenue, cost of goods sold and gross margin per group.
// Revenue is each posted invoice's net at its rate, less credit notes; cost
// is what the invoice's shipment posted to expense accounts (cost of goods
// sold) when it shipped. It needs PermMarginRead.
func (s *Service) Margins(ctx context.Context, o Options) (*Report, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(finance.PermMarginRead) {
		return nil, apperr.PermissionDenied(string(finance.PermMarginRead))
	}
	if o.By == "" {
		o.By = ByCustomer
	}
	var bad []apperr.FieldError
	if !validDate(o.From) {
		bad = append(bad, apperr.FieldError{Field: "from", Key: "fin.error.date_invalid", Message: i18n.TL(i18n.EN, "fin.error.date_invalid")})
	}
	if !validDate(o.To) || o.To < o.From {
		bad = append(bad, apperr.FieldError{Field: "to", Key: "fin.error.range_invalid", Message: i18n.TL(i18n.EN, "fin.error.range_invalid")})
	}
	if o.By != ByCustomer && o.By != ByOrder && o.By != ByInvoice && o.By != ByItem {
		bad = append(bad, apperr.FieldError{Field: "by", Key: "fin.margin.error.by", Message: i18n.TL(i18n.EN, "fin.margin.error.by")})
	}
	if err := apperr.InvalidFields(bad...); err != nil {
		return nil, err
	}
	if o.By == ByItem {
		return s.byItem(ctx, o)
	}
	var out *Report
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		comp, err := s.l.Company(authz.WithPrincipal(ctx, authz.System()))
		if err != nil {
			return err
		}
		q := `SELECT i.id, i.number, i.kind, i.customer_id, i.customer_name, i.so_id, i.so_number, i.rate, i.net,
			COALESCE((SELECT sum(l.base_debit) - sum(l.base_credit) FROM fin_shipment sh
				JOIN fin_entry e ON e.source_kind = $3 AND e.source_number = sh.number AND e.status = 'posted'
				JOIN fin_line l ON l.entry_id = e.id JOIN fin_account a ON a.id = l.account_id AND a.type = 'expense'
				WHERE sh.id = i.shipment_id AND i.kind = 'invoice'), 0),
			(SELECT COALESCE(sum(quantity), 0) FROM fin_invoice_line WHERE invoice_id = i.id AND shipment_line > 0),
			(SELECT COALESCE(sum(quantity), 0) FROM fin_shipment_line WHERE shipment_id = i.shipment_id)
			FROM fin_invoice i WHERE i.status = 'posted' AND i.date >= $1 AND i.date <= $2`
		args := []any{o.From, o.To, finance.SourceShipment}
		if o.CustomerID != "" {
			args = append(args, o.CustomerID)
			q += ` AND i.customer_id = $4`
		}
		if o.SOID != "" {
			args = append(args, o.SOID)
			q += ` AND i.so_id = $` + itoa(len(args))
		}
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		type acc struct {
			label, customer string
			n               int
			revenue, cogs   int64
		}
		by := map[string]*acc{}
		var tot acc
		for rows.Next() {
			var (
				id, number, kind, cust, custName, so, soNumber string
				rate                                           money.Rate
				net, cogs                                      money.Amount
			)
			var billed, shipped money.Quantity
			if err := rows.Scan(&id, &number, &kind, &cust, &custName, &so, &soNumber, &rate, &net, &cogs, &billed, &shipped); err != nil {
				return err
			}
			// An invoice billing part of its shipment carries that part of
			// the shipment's cost, by quantity (the margin by item costs
			// each item at its own cost).
			if billed.Sign() > 0 && shipped.Sign() > 0 && billed.Cmp(shipped) < 0 {
				if cogs, err = share(cogs, billed, shipped); err != nil {
					return err
				}
			}
			rev, err := net.MulRate(rate, money.RoundHalfUp)
			if err != nil {
				return err
			}
			if kind == "credit_note" && rev.Sign() > 0 {
				rev, _ = rev.Neg()
			}
			key, label := cust, custName
			switch o.By {
			case ByOrder:
				key, label = so, soNumber
			case ByInvoice:
				key, label = id, number
			}
			a := by[key]
			if a == nil {
				a = &acc{label: label, customer: custName}
				by[key] = a
			}
			a.n++
			a.revenue += rev.Units()
			a.cogs += cogs.Units()
			tot.n++
			tot.revenue += rev.Units()
			tot.cogs += cogs.Units()
		}
		if err := rows.Err(); err != nil {
			return err
		}
		mk := func(key string, a *acc) Row {
			r := Row{Key: key, Label: a.label, Customer: a.customer, Invoices: a.n, Revenue: money.AmountFromUnits(a.revenue),
				COGS: money.AmountFromUnits(a.cogs), Margin: money.AmountFromUnits(a.revenue - a.cogs)}
			r.Percent = percent(r.Margin, r.Revenue)
			return r
		}
		out = &Report{From: o.From, To: o.To, By: o.By, Currency: comp.BaseCurrency, Rows: []Row{}}
		for k, a := range by {
			out.Rows = append(out.Rows, mk(k, a))
		}
		slices.SortFunc(out.Rows, func(a, b Row) int {
			if x := b.Revenue.Cmp(a.Revenue); x != 0 {
				return x
			}
			return strings.Compare(a.Label, b.Label)
		})
		out.Total = mk("", &tot)
		return nil
	})
	return out, err
}

// share is a × part ÷ whole, half-up to the fen.
func share(a money.Amount, part, whole money.Quantity) (money.Amount, error) {
	x, err := a.Decimal().Mul(part.Decimal())
	if err != nil {
		return a, err
	}
	if x, err = x.Quo(whole.Decimal()); err != nil {
		return a, err
	}
	return money.AmountFromDecimal(x, money.RoundHalfUp)
}

// percent is margin ÷ revenue × 100, half-up to two decimals.
func percent(margin, revenue money.Amount) string {
	if revenue.IsZero() {
		return ""
	}
	q, err := margin.Decimal().Quo(revenue.Decimal())
	if err != nil {
		return ""
	}
	h, err := q.Mul(decimal.Hundred)
	if err != nil {
		return ""
	}
	a, err := money.AmountFromDecimal(h, money.RoundHalfUp)
	if err != nil {
		return ""
	}
	return a.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// XLSX writes the report as a workbook in lang, amounts as exact decimals.
func (r *Report) XLSX(lang string) ([]byte, error) {
	t := func(k string) string { return i18n.TL(lang, k) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := t("fin.margin.title")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	fmtMoney := "#,##0.00"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtMoney})
	if err != nil {
		return nil, err
	}
	row := 0
	put := func(values ...any) error {
		row++
		for i, v := range values {
			cell, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if m, ok := v.(money.Amount); ok {
				if err := f.SetCellDefault(sheet, cell, m.String()); err != nil {
					return err
				}
				if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
					return err
				}
				continue
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(t("fin.margin.title"), r.From, r.To, r.Currency); err != nil {
		return nil, err
	}
	head := []any{t("fin.margin.by." + r.By), t("fin.margin.invoices"), t("fin.margin.revenue"), t("fin.margin.cogs"), t("fin.margin.margin"), t("fin.margin.percent")}
	if r.By == ByItem {
		head = append(head, t("fin.margin.quantity"))
	}
	if err := put(head...); err != nil {
		return nil, err
	}
	for _, x := range append(slices.Clone(r.Rows), Row{Label: t("fin.entry.totals"), Invoices: r.Total.Invoices, Revenue: r.Total.Revenue,
		COGS: r.Total.COGS, Margin: r.Total.Margin, Percent: r.Total.Percent}) {
		vals := []any{x.Label, x.Invoices, x.Revenue, x.COGS, x.Margin, x.Percent}
		if r.By == ByItem {
			vals = append(vals, x.Quantity)
		}
		if err := put(vals...); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(sheet, "A", "A", 28); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
