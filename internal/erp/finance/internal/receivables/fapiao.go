package receivables

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Fapiao types: fully digital (数电票) special and ordinary, and the paper
// (or older electronic) special and ordinary VAT fapiao.
const (
	FapiaoESpecial  = "e_special"
	FapiaoEOrdinary = "e_ordinary"
	FapiaoSpecial   = "special"
	FapiaoOrdinary  = "ordinary"
)

// FapiaoTypes lists the types in the order screens offer them.
var FapiaoTypes = []string{FapiaoESpecial, FapiaoEOrdinary, FapiaoSpecial, FapiaoOrdinary}

// Fapiao statuses.
const (
	FapiaoIssued      = "issued"
	FapiaoRedReversed = "red_reversed"
)

// Fapiao is a fapiao the tax platform issued for an invoice, as recorded in
// Loom: Loom does not issue fapiao, it keeps track of them. A red-letter
// fapiao (红字发票) has negative amounts and names the fapiao it reverses.
type Fapiao struct {
	ID        string       `json:"id"`
	InvoiceID string       `json:"invoice_id"`
	Type      string       `json:"type"`
	Code      string       `json:"code,omitempty"`
	Number    string       `json:"number"`
	Date      string       `json:"date"`
	Net       money.Amount `json:"net"`
	Tax       money.Amount `json:"tax"`
	Status    string       `json:"status"`
	RedOf     string       `json:"red_of,omitempty"`
	Memo      string       `json:"memo,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	CreatedBy string       `json:"created_by"`
}

// FapiaoInput records a fapiao; zero amounts take what the invoice still
// lacks a fapiao for.
type FapiaoInput struct {
	Type   string
	Code   string
	Number string
	Date   string
	Net    money.Amount
	Tax    money.Amount
	Memo   string
}

var (
	digits8  = regexp.MustCompile(`^[0-9]{8}$`)
	digits20 = regexp.MustCompile(`^[0-9]{20}$`)
	code1012 = regexp.MustCompile(`^([0-9]{10}|[0-9]{12})$`)
)

// checkFapiao checks a fapiao's number and code against its type.
func checkFapiao(in *FapiaoInput) []fieldError {
	in.Type = strings.TrimSpace(in.Type)
	in.Code = strings.TrimSpace(in.Code)
	in.Number = strings.TrimSpace(in.Number)
	in.Date = strings.TrimSpace(in.Date)
	in.Memo = strings.TrimSpace(in.Memo)
	var bad []fieldError
	switch in.Type {
	case FapiaoESpecial, FapiaoEOrdinary:
		if !digits20.MatchString(in.Number) {
			bad = append(bad, fe("number", keyFapiaoNumber))
		}
		if in.Code != "" {
			bad = append(bad, fe("code", keyFapiaoCode))
		}
	case FapiaoSpecial, FapiaoOrdinary:
		if !digits8.MatchString(in.Number) {
			bad = append(bad, fe("number", keyFapiaoNumber))
		}
		if !code1012.MatchString(in.Code) {
			bad = append(bad, fe("code", keyFapiaoCode))
		}
	default:
		bad = append(bad, fe("type", keyFapiaoType))
	}
	if !validDate(in.Date) {
		bad = append(bad, fe("date", keyDateInvalid))
	}
	if utf8.RuneCountInString(in.Memo) > 200 {
		bad = append(bad, fe("memo", keyTooLong))
	}
	return bad
}

// RecordFapiao records a fapiao issued for a posted invoice; the fapiao of
// an invoice may not add up to more than its net and VAT. It needs
// PermInvoiceWrite.
func (s *Service) RecordFapiao(ctx context.Context, invoiceID string, in FapiaoInput) (*Fapiao, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	var out *Fapiao
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.recordFapiao(ctx, invoiceID, in, "")
		return err
	})
	return out, err
}

func (s *Service) recordFapiao(ctx context.Context, invoiceID string, in FapiaoInput, field string) (*Fapiao, error) {
	at := func(f string) string {
		if field == "" {
			return f
		}
		return field + "." + f
	}
	bad := checkFapiao(&in)
	for i := range bad {
		bad[i].Field = at(bad[i].Field)
	}
	inv, _, err := s.invoice(ctx, invoiceID)
	switch {
	case isNotFound(err):
		return nil, fieldErrorsOf(append(bad, fe(at("invoice_id"), keyInvoiceUnknown)))
	case err != nil:
		return nil, err
	case inv.Status != StatusPosted:
		bad = append(bad, fe(at("invoice_id"), keyInvoiceNotPosted))
	case inv.Kind != KindInvoice:
		bad = append(bad, fe(at("invoice_id"), keyFapiaoCreditNote))
	}
	if err := fieldErrorsOf(bad); err != nil {
		return nil, err
	}
	var net, tax money.Amount
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(net), 0), COALESCE(sum(tax), 0) FROM fin_fapiao WHERE invoice_id = $1`, invoiceID).
		Scan(&net, &tax); err != nil {
		return nil, err
	}
	leftNet, _ := inv.Net.Sub(net)
	leftTax, _ := inv.Tax.Sub(tax)
	if in.Net.IsZero() && in.Tax.IsZero() {
		in.Net, in.Tax = leftNet, leftTax
	}
	if in.Net.Sign() <= 0 || in.Net.Cmp(leftNet) > 0 || in.Tax.Sign() < 0 || in.Tax.Cmp(leftTax) > 0 {
		return nil, invalid(at("net"), keyFapiaoTooMuch, map[string]any{"Net": leftNet.String(), "Tax": leftTax.String()})
	}
	f := &Fapiao{ID: db.NewID(), InvoiceID: invoiceID, Type: in.Type, Code: in.Code, Number: in.Number, Date: in.Date,
		Net: in.Net, Tax: in.Tax, Status: FapiaoIssued, Memo: in.Memo, CreatedBy: actor(ctx)}
	if err := s.insertFapiao(ctx, f, at("number")); err != nil {
		return nil, err
	}
	return f, s.record(ctx, "fin.fapiao.recorded", kindFapiao, f.ID, nil, f)
}

func (s *Service) insertFapiao(ctx context.Context, f *Fapiao, numberField string) error {
	var taken bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_fapiao WHERE code = $1 AND number = $2)`, f.Code, f.Number).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return invalid(numberField, keyFapiaoTaken)
	}
	now := s.now()
	f.CreatedAt = db.FromMillis(db.Millis(now))
	var redOf any
	if f.RedOf != "" {
		redOf = f.RedOf
	}
	_, err := s.db.Exec(ctx, `INSERT INTO fin_fapiao (id, invoice_id, type, code, number, date, net, tax, status, red_of, memo,
		created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12)`,
		f.ID, f.InvoiceID, f.Type, f.Code, f.Number, f.Date, f.Net, f.Tax, f.Status, redOf, f.Memo, db.Millis(now), f.CreatedBy)
	if db.IsUniqueViolation(err) {
		return invalid(numberField, keyFapiaoTaken)
	}
	return err
}

// RedLetter records the red-letter fapiao (红字发票) that reverses an issued
// fapiao in full, with its own number; the original becomes red_reversed.
// It needs PermInvoiceWrite.
func (s *Service) RedLetter(ctx context.Context, fapiaoID string, in FapiaoInput) (*Fapiao, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return nil, err
	}
	var out *Fapiao
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		orig, err := s.fapiao(ctx, fapiaoID)
		if err != nil {
			return err
		}
		if in.Type == "" {
			in.Type = orig.Type
		}
		if err := fieldErrorsOf(checkFapiao(&in)); err != nil {
			return err
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_fapiao SET status = 'red_reversed', updated_at = $1 WHERE id = $2 AND status = 'issued' AND net > 0`,
			db.Millis(s.now()), fapiaoID)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyFapiaoNotIssued, map[string]any{"Number": orig.Number})
		}
		net, _ := orig.Net.Neg()
		tax, _ := orig.Tax.Neg()
		out = &Fapiao{ID: db.NewID(), InvoiceID: orig.InvoiceID, Type: in.Type, Code: in.Code, Number: in.Number, Date: in.Date,
			Net: net, Tax: tax, Status: FapiaoIssued, RedOf: orig.ID, Memo: in.Memo, CreatedBy: actor(ctx)}
		if err := s.insertFapiao(ctx, out, "number"); err != nil {
			return err
		}
		return s.record(ctx, "fin.fapiao.red_letter", kindFapiao, out.ID, orig, out)
	})
	return out, err
}

const fapiaoColumns = `id, invoice_id, type, code, number, date, net, tax, status, COALESCE(red_of, ''), memo, created_at, created_by`

func scanFapiao(r interface{ Scan(...any) error }) (*Fapiao, error) {
	var (
		f       Fapiao
		created int64
	)
	if err := r.Scan(&f.ID, &f.InvoiceID, &f.Type, &f.Code, &f.Number, &f.Date, &f.Net, &f.Tax, &f.Status, &f.RedOf, &f.Memo,
		&created, &f.CreatedBy); err != nil {
		return nil, err
	}
	f.CreatedAt = db.FromMillis(created)
	return &f, nil
}

func (s *Service) fapiao(ctx context.Context, id string) (*Fapiao, error) {
	f, err := scanFapiao(s.db.QueryRow(ctx, `SELECT `+fapiaoColumns+` FROM fin_fapiao WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("fapiao", id)
	}
	return f, err
}

func (s *Service) fapiaoOf(ctx context.Context, invoiceID string) ([]Fapiao, error) {
	rows, err := s.db.Query(ctx, `SELECT `+fapiaoColumns+` FROM fin_fapiao WHERE invoice_id = $1 ORDER BY created_at, id`, invoiceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Fapiao
	for rows.Next() {
		f, err := scanFapiao(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// Headers of the fapiao import sheet, in Chinese or English.
var importHeaders = map[string][]string{
	"invoice_number": {"单据编号", "发票流水号", "invoice_number", "invoice"},
	"type":           {"发票类型", "type"},
	"code":           {"发票代码", "code"},
	"number":         {"发票号码", "number"},
	"date":           {"开票日期", "date"},
	"net":            {"金额", "net"},
	"tax":            {"税额", "tax"},
}

// fapiaoTypeNames reads the type column in either language.
var fapiaoTypeNames = map[string]string{
	"数电专票": FapiaoESpecial, "数电票（增值税专用发票）": FapiaoESpecial, "e_special": FapiaoESpecial,
	"数电普票": FapiaoEOrdinary, "数电票（普通发票）": FapiaoEOrdinary, "e_ordinary": FapiaoEOrdinary,
	"增值税专用发票": FapiaoSpecial, "专票": FapiaoSpecial, "special": FapiaoSpecial,
	"增值税普通发票": FapiaoOrdinary, "普票": FapiaoOrdinary, "ordinary": FapiaoOrdinary,
}

// ImportFapiao records the fapiao listed in an Excel sheet (one row per
// fapiao: the Loom invoice number, type, code, number, date, net and tax).
// Every bad row is reported, named rows[n] by its row in the sheet, and
// nothing is imported unless every row is good. It needs PermInvoiceWrite.
func (s *Service) ImportFapiao(ctx context.Context, r io.Reader) (int, error) {
	if _, err := require(ctx, finance.PermInvoiceWrite); err != nil {
		return 0, err
	}
	f, err := excelize.OpenReader(r)
	if err != nil {
		return 0, invalid("file", keyImportFile)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return 0, invalid("file", keyImportFile)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil || len(rows) < 2 {
		return 0, invalid("file", keyImportFile)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		for name, aliases := range importHeaders {
			for _, a := range aliases {
				if strings.EqualFold(h, a) {
					col[name] = i
				}
			}
		}
	}
	for name := range importHeaders {
		if _, ok := col[name]; !ok && name != "code" {
			return 0, invalid("file", keyImportHeader, map[string]any{"Column": importHeaders[name][0]})
		}
	}
	cell := func(row []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	n := 0
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		n = 0
		var bad []fieldError
		for ri, row := range rows[1:] {
			if strings.Join(row, "") == "" {
				continue
			}
			field := fmt.Sprintf("rows[%d]", ri+2)
			in := FapiaoInput{Type: fapiaoTypeNames[cell(row, "type")], Code: cell(row, "code"), Number: cell(row, "number"),
				Date: excelDate(cell(row, "date"))}
			var perr error
			if in.Net, perr = money.ParseAmount(cleanAmount(cell(row, "net"))); perr != nil {
				bad = append(bad, fe(field+".net", keyAmountBad))
				continue
			}
			if in.Tax, perr = money.ParseAmount(cleanAmount(cell(row, "tax"))); perr != nil {
				bad = append(bad, fe(field+".tax", keyAmountBad))
				continue
			}
			var invoiceID string
			err := s.db.QueryRow(ctx, `SELECT id FROM fin_invoice WHERE number = $1`, cell(row, "invoice_number")).Scan(&invoiceID)
			if errors.Is(err, sql.ErrNoRows) {
				bad = append(bad, fe(field+".invoice_number", keyInvoiceUnknown))
				continue
			}
			if err != nil {
				return err
			}
			if _, err := s.recordFapiao(ctx, invoiceID, in, field); err != nil {
				if e, ok := asInvalid(err); ok {
					bad = append(bad, e...)
					continue
				}
				return err
			}
			n++
		}
		return fieldErrorsOf(bad)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// excelDate reads a date cell written as text or as an Excel date.
func excelDate(s string) string {
	for _, layout := range []string{db.DateLayout, "2006/01/02", "2006/1/2", "01-02-06", "2006年1月2日"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.Format(db.DateLayout)
		}
	}
	return s
}

func cleanAmount(s string) string {
	return strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", " ", "").Replace(s)
}

// ExportFilter selects the invoices of a tax-platform export.
type ExportFilter struct {
	From, To      string
	WithoutFapiao bool // only invoices with no fapiao recorded yet
}

// ExportTaxPlatform writes posted invoices as a workbook in the shape of the
// tax platform's bulk-issue import (批量开票): a sheet of invoices
// (发票基本信息) and a sheet of their lines (发票明细信息), joined by the
// invoice number as the 发票流水号. Amounts are written as exact decimals.
// It needs PermInvoiceRead.
func (s *Service) ExportTaxPlatform(ctx context.Context, f ExportFilter) ([]byte, error) {
	p, err := require(ctx, finance.PermInvoiceRead)
	if err != nil {
		return nil, err
	}
	cond, args := customerScope(p).where("c.owner_id", 1)
	q := `SELECT i.id, i.number, i.customer_name, i.customer_tax_id, c.billing_address, c.contact_phone, c.bank_account,
		i.memo, i.net, i.tax, i.gross FROM fin_invoice i JOIN fin_customer c ON c.id = i.customer_id
		WHERE i.status = 'posted' AND i.kind = 'invoice' AND ` + cond
	if f.From != "" {
		args = append(args, f.From)
		q += ` AND i.date >= $` + itoa(len(args))
	}
	if f.To != "" {
		args = append(args, f.To)
		q += ` AND i.date <= $` + itoa(len(args))
	}
	if f.WithoutFapiao {
		q += ` AND NOT EXISTS (SELECT 1 FROM fin_fapiao x WHERE x.invoice_id = i.id)`
	}
	q += ` ORDER BY i.number`
	type head struct {
		id, number, name, taxID, address, phone, bank, memo string
		net, tax, gross                                     money.Amount
	}
	var heads []head
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.id, &h.number, &h.name, &h.taxID, &h.address, &h.phone, &h.bank, &h.memo, &h.net, &h.tax, &h.gross); err != nil {
			rows.Close()
			return nil, err
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	x := excelize.NewFile()
	defer x.Close()
	basic, detail := "发票基本信息", "发票明细信息"
	if err := x.SetSheetName("Sheet1", basic); err != nil {
		return nil, err
	}
	if _, err := x.NewSheet(detail); err != nil {
		return nil, err
	}
	put := func(sheet string, row int, values ...any) error {
		for i, v := range values {
			cell, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			switch v := v.(type) {
			case money.Amount, money.Quantity, money.UnitPrice:
				err = x.SetCellDefault(sheet, cell, fmt.Sprint(v))
			default:
				err = x.SetCellValue(sheet, cell, v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(basic, 1, "发票流水号", "发票类型", "是否含税", "购买方名称", "购买方纳税人识别号", "购买方地址", "购买方电话",
		"购买方开户银行及账号", "备注", "合计金额", "合计税额", "价税合计"); err != nil {
		return nil, err
	}
	if err := put(detail, 1, "发票流水号", "项目名称", "商品和服务税收分类编码", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"); err != nil {
		return nil, err
	}
	drow := 2
	for i, h := range heads {
		kind := "普通发票"
		if h.taxID != "" {
			kind = "增值税专用发票"
		}
		if err := put(basic, i+2, h.number, kind, "否", h.name, h.taxID, h.address, h.phone, h.bank, h.memo, h.net, h.tax, h.gross); err != nil {
			return nil, err
		}
		lines, err := s.invoiceLines(ctx, h.id)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if err := put(detail, drow, h.number, l.Description, l.TaxCode, l.Spec, l.UoM, l.Quantity, l.UnitPrice, l.Net,
				percent(l.VATRate), l.Tax); err != nil {
				return nil, err
			}
			drow++
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// percent writes a VAT rate as the platform shows it: 13%.
func percent(r money.Rate) string {
	p, err := r.Decimal().Mul(decimalHundred)
	if err != nil {
		return r.String()
	}
	return p.Trim(0).String() + "%"
}

var decimalHundred = decimal.MustNew(100, 0)
