package payables

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Buckets are the upper bounds, in days past due, of the aging columns; a
// last column takes everything older.
var Buckets = []int{30, 60, 90, 180}

// AgingRow is what the company owed one supplier at a date by how long it
// was overdue, in the base currency; Prepaid is what it had paid the
// supplier in advance (negative), and Total what it owed net of that.
type AgingRow struct {
	SupplierID string         `json:"supplier_id"`
	Name       string         `json:"name"`
	NotDue     money.Amount   `json:"not_due"`
	Overdue    []money.Amount `json:"overdue"`
	Credits    money.Amount   `json:"credits"` // debit notes (negative)
	Prepaid    money.Amount   `json:"prepaid"` // prepayments (negative)
	Total      money.Amount   `json:"total"`
}

// Aging is the payables aging (应付账款账龄) at a date.
type Aging struct {
	Date     string     `json:"date"`
	Currency string     `json:"currency"`
	Buckets  []int      `json:"buckets"`
	Rows     []AgingRow `json:"rows"`
	Total    AgingRow   `json:"total"`
}

// openAt is what was open of each payable at the end of date: its amount
// less the allocations of payments dated on or before it that were not
// reversed by then; a cancelled bill counts until its reversal's date.
const openAt = `SELECT i.id, i.kind, i.supplier_id, i.number, i.currency, i.rate, i.date, i.due_date,
	i.amount - COALESCE((SELECT sum(a.amount) FROM fin_ap_allocation a
		LEFT JOIN fin_ap_payment_reversal r ON r.payment_id = a.payment_id
		WHERE a.item_id = i.id AND a.date <= $1 AND (r.date IS NULL OR r.date > $1)), 0)
	FROM fin_ap_item i LEFT JOIN fin_entry x ON x.id = i.reversed_entry
	WHERE i.date <= $1 AND (i.reversed_entry = '' OR x.date > $1)`

// OpenItem is a payable as it stood at a date.
type OpenItem struct {
	Item
	PastDue int `json:"past_due"` // days past due at the date (0 when not due)
}

// OpenAt lists what was open with suppliers at a date (one supplier when
// given), oldest due first; it needs PermPayableRead.
func (s *Service) OpenAt(ctx context.Context, date, supplierID string) ([]OpenItem, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	if !validDate(date) {
		return nil, invalid("date", keyDateInvalid)
	}
	q := openAt
	args := []any{date}
	if supplierID != "" {
		q += ` AND i.supplier_id = $2`
		args = append(args, supplierID)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	day, _ := time.Parse(db.DateLayout, date)
	var out []OpenItem
	for rows.Next() {
		var it OpenItem
		if err := rows.Scan(&it.ID, &it.Kind, &it.SupplierID, &it.Number, &it.Currency, &it.Rate, &it.Date, &it.DueDate, &it.Open); err != nil {
			return nil, err
		}
		if it.Open.IsZero() {
			continue
		}
		due, _ := time.Parse(db.DateLayout, it.DueDate)
		if past := int(day.Sub(due).Hours() / 24); past > 0 {
			it.PastDue = past
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b OpenItem) int {
		if x := strings.Compare(a.DueDate, b.DueDate); x != 0 {
			return x
		}
		return strings.Compare(a.ID, b.ID)
	})
	n := s.names()
	for i := range out {
		out[i].Supplier = n.of(ctx, out[i].SupplierID)
	}
	return out, nil
}

// Aging returns what the company owed each supplier at a date, by days
// past due, in the base currency (each item at its own rate). It needs
// PermPayableRead.
func (s *Service) Aging(ctx context.Context, date string) (*Aging, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	if !validDate(date) {
		return nil, invalid("date", keyDateInvalid)
	}
	var out *Aging
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		comp, err := s.ledger.Company(systemCtx(ctx))
		if err != nil {
			return err
		}
		items, err := s.OpenAt(ctx, date, "")
		if err != nil {
			return err
		}
		nb := len(Buckets) + 1
		type acc struct {
			notDue, credits, prepaid int64
			overdue                  []int64
		}
		by := map[string]*acc{}
		get := func(id string) *acc {
			a := by[id]
			if a == nil {
				a = &acc{overdue: make([]int64, nb)}
				by[id] = a
			}
			return a
		}
		for _, it := range items {
			base, err := it.Open.MulRate(it.Rate, money.RoundHalfUp)
			if err != nil {
				return err
			}
			a := get(it.SupplierID)
			switch {
			case it.Kind != KindBill:
				a.credits += base.Units()
			case it.PastDue == 0:
				a.notDue += base.Units()
			default:
				b := slices.IndexFunc(Buckets, func(limit int) bool { return it.PastDue <= limit })
				if b < 0 {
					b = nb - 1
				}
				a.overdue[b] += base.Units()
			}
		}
		rows, err := s.db.Query(ctx, `SELECT p.supplier_id, p.rate, p.prepaid FROM fin_ap_payment p
			LEFT JOIN fin_ap_payment_reversal r ON r.payment_id = p.id
			WHERE p.prepaid > 0 AND p.date <= $1 AND (r.date IS NULL OR r.date > $1)`, date)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id      string
				rate    money.Rate
				prepaid money.Amount
			)
			if err := rows.Scan(&id, &rate, &prepaid); err != nil {
				rows.Close()
				return err
			}
			base, err := prepaid.MulRate(rate, money.RoundHalfUp)
			if err != nil {
				rows.Close()
				return err
			}
			get(id).prepaid -= base.Units()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out = &Aging{Date: date, Currency: comp.BaseCurrency, Buckets: Buckets}
		tot := acc{overdue: make([]int64, nb)}
		var totAll int64
		n := s.names()
		for id, a := range by {
			r := AgingRow{SupplierID: id, Name: n.of(ctx, id), NotDue: money.AmountFromUnits(a.notDue),
				Credits: money.AmountFromUnits(a.credits), Prepaid: money.AmountFromUnits(a.prepaid)}
			sum := a.notDue + a.credits + a.prepaid
			for i, v := range a.overdue {
				r.Overdue = append(r.Overdue, money.AmountFromUnits(v))
				sum += v
				tot.overdue[i] += v
			}
			r.Total = money.AmountFromUnits(sum)
			tot.notDue, tot.credits, tot.prepaid, totAll = tot.notDue+a.notDue, tot.credits+a.credits, tot.prepaid+a.prepaid, totAll+sum
			out.Rows = append(out.Rows, r)
		}
		slices.SortFunc(out.Rows, func(a, b AgingRow) int {
			if x := b.Total.Cmp(a.Total); x != 0 {
				return x
			}
			return strings.Compare(a.Name, b.Name)
		})
		out.Total = AgingRow{NotDue: money.AmountFromUnits(tot.notDue), Credits: money.AmountFromUnits(tot.credits),
			Prepaid: money.AmountFromUnits(tot.prepaid), Total: money.AmountFromUnits(totAll)}
		for _, v := range tot.overdue {
			out.Total.Overdue = append(out.Total.Overdue, money.AmountFromUnits(v))
		}
		return nil
	})
	return out, err
}

// BucketLabels names the aging columns in lang.
func BucketLabels(lang string) []string {
	var out []string
	from := 1
	for _, b := range Buckets {
		out = append(out, i18n.TL(lang, "fin.reports.days_range", map[string]any{"From": from, "To": b}))
		from = b + 1
	}
	return append(out, i18n.TL(lang, "fin.reports.days_over", map[string]any{"Days": strconv.Itoa(from - 1)}))
}

// XLSX writes the aging as a workbook in lang, amounts as exact decimals.
func (a *Aging) XLSX(lang string) ([]byte, error) {
	t := func(k string) string { return i18n.TL(lang, k) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := t("fin.ap.aging")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("#,##0.00")})
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
	if err := put(t("fin.ap.aging"), a.Date, a.Currency); err != nil {
		return nil, err
	}
	head := []any{t("fin.ap.supplier"), t("fin.reports.not_due")}
	for _, l := range BucketLabels(lang) {
		head = append(head, l)
	}
	if err := put(append(head, t("fin.ap.debit_notes"), t("fin.ap.prepaid"), t("fin.reports.total"))...); err != nil {
		return nil, err
	}
	line := func(name string, r AgingRow) error {
		vs := []any{name, r.NotDue}
		for _, v := range r.Overdue {
			vs = append(vs, v)
		}
		return put(append(vs, r.Credits, r.Prepaid, r.Total)...)
	}
	for _, r := range a.Rows {
		if err := line(r.Name, r); err != nil {
			return nil, err
		}
	}
	if err := line(t("fin.entry.totals"), a.Total); err != nil {
		return nil, err
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

func ptr[T any](v T) *T { return &v }

// StatementLine is one movement with a supplier.
type StatementLine struct {
	Date     string       `json:"date"`
	Kind     string       `json:"kind"` // bill, debit_note, payment, payment_reversal
	Number   string       `json:"number"`
	DocID    string       `json:"doc_id"`
	Currency string       `json:"currency"`
	Credit   money.Amount `json:"credit"` // what the company came to owe
	Debit    money.Amount `json:"debit"`  // what it paid or was credited
	Balance  money.Amount `json:"balance"`
}

// Statement is a supplier statement (对账单) for a range, in one currency.
type Statement struct {
	SupplierID string          `json:"supplier_id"`
	Supplier   string          `json:"supplier_name"`
	Currency   string          `json:"currency"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Opening    money.Amount    `json:"opening"`
	Lines      []StatementLine `json:"lines"`
	Closing    money.Amount    `json:"closing"`
}

// Statement lists a supplier's bills, debit notes and payments (with their
// reversals) in a currency between two dates with a running balance of
// what was owed (net of prepayments). It needs PermPayableRead.
func (s *Service) Statement(ctx context.Context, supplierID, currency, from, to string) (*Statement, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	var bad []fieldErr
	if supplierID == "" {
		bad = append(bad, fe("supplier_id", keyRequired))
	}
	if !validDate(from) {
		bad = append(bad, fe("from", keyDateInvalid))
	}
	if !validDate(to) || to < from {
		bad = append(bad, fe("to", keyDateInvalid))
	}
	if err := invalidAll(bad); err != nil {
		return nil, err
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if currency == "" {
		comp, err := s.ledger.Company(systemCtx(ctx))
		if err != nil {
			return nil, err
		}
		currency = comp.BaseCurrency
	}
	rows, err := s.db.Query(ctx, `
		SELECT i.date, i.kind, i.number, i.id, i.amount, 0 FROM fin_ap_item i WHERE i.supplier_id = $1 AND i.currency = $2 AND i.date <= $3
		UNION ALL
		SELECT x.date, 'cancelled', i.number, i.id, 0, i.amount FROM fin_ap_item i JOIN fin_entry x ON x.id = i.reversed_entry
			WHERE i.supplier_id = $1 AND i.currency = $2 AND x.date <= $3
		UNION ALL
		SELECT p.date, 'payment', p.number, p.id, 0, p.amount FROM fin_ap_payment p WHERE p.supplier_id = $1 AND p.currency = $2 AND p.date <= $3
		UNION ALL
		SELECT r.date, 'payment_reversal', p.number, p.id, p.amount, 0 FROM fin_ap_payment p JOIN fin_ap_payment_reversal r ON r.payment_id = p.id
			WHERE p.supplier_id = $1 AND p.currency = $2 AND r.date <= $3`, supplierID, currency, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []StatementLine
	for rows.Next() {
		var l StatementLine
		if err := rows.Scan(&l.Date, &l.Kind, &l.Number, &l.DocID, &l.Credit, &l.Debit); err != nil {
			return nil, err
		}
		l.Currency = currency
		if l.Credit.Sign() < 0 { // a debit note
			l.Debit, _ = l.Credit.Neg()
			l.Credit = money.Amount{}
		}
		if l.Debit.Sign() < 0 { // a cancelled debit note
			l.Credit, _ = l.Debit.Neg()
			l.Debit = money.Amount{}
		}
		all = append(all, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b StatementLine) int { return strings.Compare(a.Date, b.Date) })
	st := &Statement{SupplierID: supplierID, Supplier: s.supplierName(ctx, supplierID), Currency: currency, From: from, To: to, Lines: []StatementLine{}}
	var bal int64
	for _, l := range all {
		bal += l.Credit.Units() - l.Debit.Units()
		if l.Date < from {
			st.Opening = money.AmountFromUnits(bal)
			continue
		}
		l.Balance = money.AmountFromUnits(bal)
		st.Lines = append(st.Lines, l)
	}
	st.Closing = money.AmountFromUnits(bal)
	return st, nil
}
