package reports

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// book writes a report as a one-sheet workbook. Amounts are written as the
// exact decimal text of a number cell (no float on the way) with a
// thousands format.
type book struct {
	f     *excelize.File
	sheet string
	row   int
	money int // style of amount cells
	bold  int // style of headings
	err   error
}

func newBook(sheet string) *book {
	f := excelize.NewFile()
	b := &book{f: f, sheet: sheet}
	b.err = f.SetSheetName("Sheet1", sheet)
	fmtMoney := "#,##0.00"
	if b.err == nil {
		b.money, b.err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtMoney})
	}
	if b.err == nil {
		b.bold, b.err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	return b
}

// add writes a row; a money.Amount becomes a number, anything else text.
func (b *book) add(values ...any) {
	b.addStyled(false, values...)
}

// head writes a bold row.
func (b *book) head(values ...any) { b.addStyled(true, values...) }

func (b *book) addStyled(bold bool, values ...any) {
	if b.err != nil {
		return
	}
	b.row++
	for i, v := range values {
		cell, err := excelize.CoordinatesToCellName(i+1, b.row)
		if err != nil {
			b.err = err
			return
		}
		switch v := v.(type) {
		case money.Amount:
			if b.err = b.f.SetCellDefault(b.sheet, cell, v.String()); b.err == nil {
				b.err = b.f.SetCellStyle(b.sheet, cell, cell, b.money)
			}
		case nil:
		default:
			b.err = b.f.SetCellValue(b.sheet, cell, v)
			if b.err == nil && bold {
				b.err = b.f.SetCellStyle(b.sheet, cell, cell, b.bold)
			}
		}
		if b.err != nil {
			return
		}
	}
}

func (b *book) bytes() ([]byte, error) {
	defer b.f.Close()
	if b.err != nil {
		return nil, b.err
	}
	if err := b.f.SetColWidth(b.sheet, "A", "B", 16); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := b.f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// XLSX writes the trial balance as a workbook in lang.
func (tb *TrialBalance) XLSX(lang string) ([]byte, error) {
	t := func(k string, p ...map[string]any) string { return i18n.TL(lang, k, p...) }
	b := newBook(t("fin.reports.trial_balance"))
	b.head(t("fin.reports.trial_balance"), tb.From+" – "+tb.To, tb.Currency)
	b.head(t("fin.account.code"), t("fin.account.name"), t("fin.reports.opening_debit"), t("fin.reports.opening_credit"),
		t("fin.reports.debit"), t("fin.reports.credit"), t("fin.reports.closing_debit"), t("fin.reports.closing_credit"))
	for _, r := range tb.Rows {
		b.add(r.Account.Code, r.Account.Name(lang), r.OpeningDebit, r.OpeningCredit, r.Debit, r.Credit, r.ClosingDebit, r.ClosingCredit)
	}
	r := tb.Total
	b.head("", t("fin.entry.totals"), r.OpeningDebit, r.OpeningCredit, r.Debit, r.Credit, r.ClosingDebit, r.ClosingCredit)
	return b.bytes()
}

// XLSX writes the account's ledger as a workbook in lang.
func (l *AccountLedger) XLSX(lang string) ([]byte, error) {
	t := func(k string, p ...map[string]any) string { return i18n.TL(lang, k, p...) }
	b := newBook(t("fin.reports.ledger"))
	b.head(l.Account.Code+" "+l.Account.Name(lang), l.From+" – "+l.To, l.Currency)
	b.head(t("fin.entry.date"), t("fin.entry.number"), t("fin.entry.memo"), t("fin.line.account"), t("fin.reports.debit"),
		t("fin.reports.credit"), t("fin.reports.balance"))
	b.add(l.From, "", t("fin.reports.opening"), "", nil, nil, l.Opening)
	for _, x := range l.Lines {
		b.add(x.Date, x.Number, x.Memo, x.AccountCode, x.Debit, x.Credit, x.Balance)
	}
	b.add(l.To, "", t("fin.reports.closing"), "", l.Debit, l.Credit, l.Closing)
	return b.bytes()
}

// XLSX writes the income statement as a workbook in lang.
func (s *IncomeStatement) XLSX(lang string) ([]byte, error) {
	t := func(k string, p ...map[string]any) string { return i18n.TL(lang, k, p...) }
	b := newBook(t("fin.reports.income"))
	b.head(t("fin.reports.income"), s.From+" – "+s.To, s.Currency)
	b.head(t("fin.reports.item"), t("fin.reports.this_period"), t("fin.reports.year_to_date"))
	for _, l := range s.Lines {
		b.add(statementLabel(lang, l), l.Amount, l.Previous)
	}
	return b.bytes()
}

// XLSX writes the balance sheet as a workbook in lang.
func (s *BalanceSheet) XLSX(lang string) ([]byte, error) {
	t := func(k string, p ...map[string]any) string { return i18n.TL(lang, k, p...) }
	b := newBook(t("fin.reports.balance_sheet"))
	b.head(t("fin.reports.balance_sheet"), s.Date, s.Currency)
	b.head(t("fin.reports.item"), t("fin.reports.at_date"), t("fin.reports.at_year_start"))
	for _, l := range s.Lines {
		if l.Kind == LineSection {
			b.head(statementLabel(lang, l))
			continue
		}
		b.add(statementLabel(lang, l), l.Amount, l.Previous)
	}
	return b.bytes()
}

// XLSX writes the aging as a workbook in lang.
func (a *Aging) XLSX(lang string) ([]byte, error) {
	t := func(k string, p ...map[string]any) string { return i18n.TL(lang, k, p...) }
	b := newBook(t("fin.reports.aging"))
	b.head(t("fin.reports.aging"), a.Date, a.Currency)
	head := []any{t("fin.customer.code"), t("fin.customer.name"), t("fin.reports.not_due")}
	for _, l := range BucketLabels(lang, a.Buckets) {
		head = append(head, l)
	}
	head = append(head, t("fin.reports.credits"), t("fin.reports.total"))
	b.head(head...)
	row := func(code, name string, r AgingRow) {
		vs := []any{code, name, r.NotDue}
		for _, v := range r.Overdue {
			vs = append(vs, v)
		}
		b.add(append(vs, r.Credits, r.Total)...)
	}
	for _, r := range a.Rows {
		row(r.Code, r.Name, r)
	}
	row("", t("fin.entry.totals"), a.Total)
	return b.bytes()
}

// BucketLabels names the aging columns: 1–30 days, …, over 180 days.
func BucketLabels(lang string, buckets []int) []string {
	var out []string
	from := 1
	for _, b := range buckets {
		out = append(out, i18n.TL(lang, "fin.reports.days_range", map[string]any{"From": from, "To": b}))
		from = b + 1
	}
	return append(out, i18n.TL(lang, "fin.reports.days_over", map[string]any{"Days": strconv.Itoa(from - 1)}))
}

// statementLabel names a statement line in lang, with 减/加 where it counts.
func statementLabel(lang string, l StatementLine) string {
	key := "fin.group." + l.Key
	if l.Kind != LineGroup {
		key = "fin.reports.line." + l.Key
	}
	label := i18n.TL(lang, key)
	if l.Kind == LineGroup && l.Less {
		return fmt.Sprint(i18n.TL(lang, "fin.reports.less"), label)
	}
	return label
}

// StatementLabel is statementLabel for the screens.
func StatementLabel(lang string, l StatementLine) string { return statementLabel(lang, l) }
