package bank

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Fields of a statement line that a column of the file maps to. Money in
// and out come either as two columns (in, out) or as one signed amount.
const (
	FieldDate           = "date"
	FieldSummary        = "summary"
	FieldCounterparty   = "counterparty"
	FieldCounterAccount = "counter_account"
	FieldIn             = "in"
	FieldOut            = "out"
	FieldAmount         = "amount"
	FieldBalance        = "balance"
	FieldSerial         = "serial"
)

// Fields lists the fields in the order the mapping step shows them.
var Fields = []string{FieldDate, FieldSummary, FieldCounterparty, FieldCounterAccount, FieldIn, FieldOut, FieldAmount, FieldBalance, FieldSerial}

// knownHeaders are the column headers of common Chinese bank exports for
// each field, tried in order when no mapping is given.
var knownHeaders = map[string][]string{
	FieldDate:           {"交易日期", "记账日期", "日期", "交易时间", "date"},
	FieldSummary:        {"摘要", "用途", "附言", "交易摘要", "summary"},
	FieldCounterparty:   {"对方户名", "对方账户名称", "对方单位", "对方名称", "counterparty"},
	FieldCounterAccount: {"对方账号", "对方账户", "counter_account"},
	FieldIn:             {"收入", "收入金额", "借方发生额", "in"},
	FieldOut:            {"支出", "支出金额", "贷方发生额", "out"},
	FieldAmount:         {"交易金额", "发生额", "金额", "amount"},
	FieldBalance:        {"余额", "账户余额", "balance"},
	FieldSerial:         {"流水号", "交易流水号", "凭证号", "serial"},
}

// TemplateHeaders are the columns of the downloadable statement template.
var TemplateHeaders = []string{"交易日期", "摘要", "对方户名", "对方账号", "收入", "支出", "余额", "流水号"}

// maxRows bounds one statement file.
const maxRows = 20000

// ImportInput is a statement file for a bank account and how its columns
// map to the fields of a line.
type ImportInput struct {
	BankAccountID string
	Data          []byte
	// Mapping maps a field to the header of its column in the file; fields
	// not named are found by the common headers.
	Mapping map[string]string
}

// StatementRow is one line of a statement file as read.
type StatementRow struct {
	Row            int           `json:"row"` // the file's row number, 1-based
	Date           string        `json:"date"`
	Summary        string        `json:"summary"`
	Counterparty   string        `json:"counterparty"`
	CounterAccount string        `json:"counter_account"`
	Amount         money.Amount  `json:"amount"` // in positive, out negative
	Balance        *money.Amount `json:"balance,omitempty"`
	Serial         string        `json:"serial"`
	Duplicate      string        `json:"duplicate,omitempty"` // "serial" or "same" when skipped
}

// StatementRowError is a bad cell of a statement file.
type StatementRowError struct {
	Row     int            `json:"row"`
	Column  string         `json:"column"`
	Field   string         `json:"field"`
	Key     string         `json:"key"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

// StatementPreview is what an import would do: the rows read, the bad cells and
// the duplicates it would skip.
type StatementPreview struct {
	Headers    []string            `json:"headers"`
	Mapping    map[string]string   `json:"mapping"`
	Rows       []StatementRow      `json:"rows"`
	Errors     []StatementRowError `json:"errors"`
	New        int                 `json:"new"`
	Duplicates int                 `json:"duplicates"`
}

// StatementImport is a statement import that was written.
type StatementImport struct {
	ImportID   string         `json:"import_id"`
	Imported   int            `json:"imported"`
	Duplicates []StatementRow `json:"duplicates"`
}

// Template returns the statement template as CSV (UTF-8 with a byte-order
// mark, so spreadsheet programs read the Chinese headers) or as a workbook.
func Template(format string) ([]byte, error) {
	if format == "xlsx" {
		x := excelize.NewFile()
		defer x.Close()
		sheet := x.GetSheetName(0)
		for i, h := range TemplateHeaders {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			if err := x.SetCellStr(sheet, cell, h); err != nil {
				return nil, err
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write(TemplateHeaders); err != nil {
		return nil, err
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// readTable reads the cells of a workbook's first sheet or of a CSV file
// (UTF-8, or GB18030 as many banks write it).
func readTable(data []byte) ([][]string, error) {
	if bytes.HasPrefix(data, []byte("PK")) {
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		defer x.Close()
		return x.GetRows(x.GetSheetName(0))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, err
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

func normHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	for _, cut := range []string{"(元)", "（元）", "(人民币)", "（人民币）"} {
		s = strings.TrimSuffix(s, cut)
	}
	return strings.ToLower(s)
}

// mapColumns finds the header row among the first rows and each field's
// column; a mapping names a header per field.
func mapColumns(table [][]string, mapping map[string]string) (header int, cols map[string]int, headers []string, err []apperr.FieldError) {
	for field := range mapping {
		if !slices.Contains(Fields, field) {
			err = append(err, fe("mapping."+field, keyColumnMissing, map[string]any{"Column": field}))
		}
	}
	if len(err) > 0 {
		return 0, nil, nil, err
	}
	find := func(row []string, field string) int {
		want := knownHeaders[field]
		if h, ok := mapping[field]; ok && strings.TrimSpace(h) != "" {
			want = []string{h}
		}
		for _, w := range want {
			for i, c := range row {
				if normHeader(c) == normHeader(w) {
					return i
				}
			}
		}
		return -1
	}
	for h := 0; h < len(table) && h < 30; h++ {
		if find(table[h], FieldDate) < 0 {
			continue
		}
		cols = map[string]int{}
		for _, f := range Fields {
			if i := find(table[h], f); i >= 0 {
				cols[f] = i
			}
		}
		// A signed amount column is used only without in/out columns.
		if _, in := cols[FieldIn]; in {
			delete(cols, FieldAmount)
		}
		for f, name := range mapping {
			if _, ok := cols[f]; !ok && strings.TrimSpace(name) != "" {
				err = append(err, fe("mapping."+f, keyColumnMissing, map[string]any{"Column": name}))
			}
		}
		_, in := cols[FieldIn]
		_, out := cols[FieldOut]
		_, amt := cols[FieldAmount]
		if !(in && out) && !amt {
			err = append(err, fe("mapping.in", keyColumnMissing, map[string]any{"Column": "收入/支出"}))
		}
		for _, c := range table[h] {
			headers = append(headers, strings.TrimSpace(c))
		}
		return h, cols, headers, err
	}
	return 0, nil, nil, []apperr.FieldError{fe("mapping.date", keyColumnMissing, map[string]any{"Column": "交易日期"})}
}

// parseDate reads the date layouts of bank exports and Excel serial dates.
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{db.DateLayout, "2006/01/02", "2006/1/2", "20060102", "2006-1-2", "2006.01.02", "2006年1月2日",
		"2006-01-02 15:04:05", "2006/01/02 15:04:05", "2006/1/2 15:04", "20060102 15:04:05", "01-02-06"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.Format(db.DateLayout), true
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n > 20000 && n < 80000 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(db.DateLayout), true
	}
	return "", false
}

// parseMoney reads an amount as banks print it; "" is zero.
func parseMoney(s string) (money.Amount, bool) {
	s = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", " ", "", "+", "", "元", "").Replace(strings.TrimSpace(s))
	if s == "" || s == "-" || s == "--" {
		return money.Amount{}, true
	}
	a, err := money.ParseAmount(s)
	return a, err == nil
}

// read parses the file into rows and bad cells, without the database.
func read(in ImportInput) (*StatementPreview, []apperr.FieldError) {
	if len(in.Data) == 0 {
		return nil, []apperr.FieldError{fe("file", keyFile)}
	}
	table, err := readTable(in.Data)
	if err != nil {
		return nil, []apperr.FieldError{fe("file", keyFile)}
	}
	header, cols, headers, bad := mapColumns(table, in.Mapping)
	if len(bad) > 0 {
		return nil, bad
	}
	p := &StatementPreview{Headers: headers, Mapping: map[string]string{}, Rows: []StatementRow{}, Errors: []StatementRowError{}}
	for f, i := range cols {
		p.Mapping[f] = headers[i]
	}
	cell := func(rec []string, f string) string {
		i, ok := cols[f]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	rowErr := func(row int, f, key string, params map[string]any) {
		p.Errors = append(p.Errors, StatementRowError{Row: row, Column: p.Mapping[f], Field: f, Key: key,
			Message: i18n.TL(i18n.EN, key, params), Params: params})
	}
	for i := header + 1; i < len(table); i++ {
		rec, n := table[i], i+1
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		// Totals rows (合计) and footers carry no date; a row with a date is a line.
		date := cell(rec, FieldDate)
		if strings.HasPrefix(date, "合计") || strings.HasPrefix(date, "总计") || strings.HasPrefix(strings.ToLower(date), "total") {
			continue
		}
		if len(p.Rows) >= maxRows {
			return nil, []apperr.FieldError{fe("file", keyTooManyRows, map[string]any{"Max": maxRows})}
		}
		r := StatementRow{Row: n, Summary: cell(rec, FieldSummary), Counterparty: cell(rec, FieldCounterparty),
			CounterAccount: cell(rec, FieldCounterAccount), Serial: cell(rec, FieldSerial)}
		ok := true
		if d, good := parseDate(date); good {
			r.Date = d
		} else {
			rowErr(n, FieldDate, keyDateInvalid, map[string]any{"Value": date})
			ok = false
		}
		if _, two := cols[FieldIn]; two {
			inA, g1 := parseMoney(cell(rec, FieldIn))
			outA, g2 := parseMoney(cell(rec, FieldOut))
			switch {
			case !g1 || inA.Sign() < 0:
				rowErr(n, FieldIn, keyAmountInvalid, map[string]any{"Value": cell(rec, FieldIn)})
				ok = false
			case !g2 || outA.Sign() < 0:
				rowErr(n, FieldOut, keyAmountInvalid, map[string]any{"Value": cell(rec, FieldOut)})
				ok = false
			case inA.Sign() > 0 && outA.Sign() > 0, inA.IsZero() && outA.IsZero():
				rowErr(n, FieldIn, keyAmountBoth, nil)
				ok = false
			case inA.Sign() > 0:
				r.Amount = inA
			default:
				r.Amount, _ = outA.Neg()
			}
		} else {
			a, good := parseMoney(cell(rec, FieldAmount))
			if !good || a.IsZero() {
				rowErr(n, FieldAmount, keyAmountInvalid, map[string]any{"Value": cell(rec, FieldAmount)})
				ok = false
			}
			r.Amount = a
		}
		if _, has := cols[FieldBalance]; has && cell(rec, FieldBalance) != "" {
			b, good := parseMoney(cell(rec, FieldBalance))
			if !good {
				rowErr(n, FieldBalance, keyAmountInvalid, map[string]any{"Value": cell(rec, FieldBalance)})
				ok = false
			} else {
				r.Balance = &b
			}
		}
		for f, v := range map[string]string{FieldSummary: r.Summary, FieldCounterparty: r.Counterparty, FieldCounterAccount: r.CounterAccount, FieldSerial: r.Serial} {
			if utf8.RuneCountInString(v) > 200 {
				rowErr(n, f, keyTooLong, nil)
				ok = false
			}
		}
		if ok {
			p.Rows = append(p.Rows, r)
		}
	}
	if len(p.Rows) == 0 && len(p.Errors) == 0 {
		return nil, []apperr.FieldError{fe("file", keyNoRows)}
	}
	// Statements listed newest first are read oldest first.
	if len(p.Rows) > 1 && p.Rows[0].Date > p.Rows[len(p.Rows)-1].Date {
		slices.Reverse(p.Rows)
	}
	return p, nil
}

func dupKey(date string, amount money.Amount, counterparty string) string {
	return date + "|" + amount.String() + "|" + normalize(counterparty)
}

// PreviewImport reads a statement file and reports, without writing, the
// rows it holds, every bad cell (row, column, reason) and the duplicates an
// import would skip. It needs PermBankReconcile.
func (s *Service) PreviewImport(ctx context.Context, in ImportInput) (*StatementPreview, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	var p *StatementPreview
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		var err error
		p, err = s.preview(ctx, in)
		return err
	})
	return p, err
}

func (s *Service) preview(ctx context.Context, in ImportInput) (*StatementPreview, error) {
	acct, err := s.account(ctx, in.BankAccountID)
	if isNotFound(err) || (err == nil && !acct.Active) {
		return nil, invalid("bank_account_id", keyBankUnknown)
	}
	if err != nil {
		return nil, err
	}
	p, bad := read(in)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad...)
	}
	// What the account already holds: serials, date/amount/counterparty
	// keys and the last balance, to skip duplicates and check continuity.
	serials, keys := map[string]bool{}, map[string]bool{}
	rows, err := s.db.Query(ctx, `SELECT date, amount, counterparty, serial FROM fin_bank_line WHERE bank_account_id = $1`, acct.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			date, cp, serial string
			amount           money.Amount
		)
		if err := rows.Scan(&date, &amount, &cp, &serial); err != nil {
			rows.Close()
			return nil, err
		}
		if serial != "" {
			serials[serial] = true
		}
		keys[dupKey(date, amount, cp)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var (
		lastDate    string
		lastBalance sql.Null[money.Amount]
	)
	err = s.db.QueryRow(ctx, `SELECT date, balance FROM fin_bank_line WHERE bank_account_id = $1 ORDER BY seq DESC LIMIT 1`, acct.ID).
		Scan(&lastDate, &lastBalance)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	seenSerial, seenKey := map[string]bool{}, map[string]bool{}
	var prev *money.Amount
	if lastBalance.Valid && len(p.Rows) > 0 && p.Rows[0].Date >= lastDate {
		b := lastBalance.V
		prev = &b
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		k := dupKey(r.Date, r.Amount, r.Counterparty)
		switch {
		case r.Serial != "" && (serials[r.Serial] || seenSerial[r.Serial]):
			r.Duplicate = "serial"
		case r.Serial == "" && (keys[k] || seenKey[k]):
			r.Duplicate = "same"
		case r.Serial != "" && keys[k] && !seenKey[k]:
			// The same line imported before from an export without serials.
			r.Duplicate = "same"
		}
		if r.Serial != "" {
			seenSerial[r.Serial] = true
		}
		seenKey[k] = true
		if r.Duplicate != "" {
			p.Duplicates++
			prev = r.Balance
			continue
		}
		p.New++
		if r.Balance != nil {
			if prev != nil {
				want, err := prev.Add(r.Amount)
				if err == nil && want.Cmp(*r.Balance) != 0 {
					params := map[string]any{"Expected": want.String(), "Balance": r.Balance.String()}
					p.Errors = append(p.Errors, StatementRowError{Row: r.Row, Column: p.Mapping[FieldBalance], Field: FieldBalance,
						Key: keyBalanceBreak, Message: i18n.TL(i18n.EN, keyBalanceBreak, params), Params: params})
				}
			}
			prev = r.Balance
		} else {
			prev = nil
		}
	}
	slices.SortFunc(p.Errors, func(a, b StatementRowError) int { return a.Row - b.Row })
	return p, nil
}

// Import writes a statement file's new lines and skips its duplicates;
// nothing is written when any row is bad (the error names each bad cell as
// rows[<row>].<field>). It needs PermBankReconcile.
func (s *Service) Import(ctx context.Context, in ImportInput) (*StatementImport, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	res := &StatementImport{Duplicates: []StatementRow{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		// Imports into one account queue on its row.
		if _, err := s.db.Exec(ctx, `UPDATE fin_bank_account SET version = version WHERE id = $1`, in.BankAccountID); err != nil {
			return err
		}
		p, err := s.preview(ctx, in)
		if err != nil {
			return err
		}
		if len(p.Errors) > 0 {
			var bad []apperr.FieldError
			for _, e := range p.Errors {
				bad = append(bad, apperr.FieldError{Field: fmt.Sprintf("rows[%d].%s", e.Row, e.Field), Key: e.Key,
					Message: fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message), Params: e.Params})
			}
			return apperr.InvalidFields(bad...)
		}
		var seq int64
		if err := s.db.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM fin_bank_line WHERE bank_account_id = $1`, in.BankAccountID).Scan(&seq); err != nil {
			return err
		}
		res.ImportID = db.NewID()
		now := db.Millis(s.now())
		for _, r := range p.Rows {
			if r.Duplicate != "" {
				res.Duplicates = append(res.Duplicates, r)
				continue
			}
			seq++
			var balance any
			if r.Balance != nil {
				balance = *r.Balance
			}
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_bank_line (id, bank_account_id, import_id, seq, date, summary, counterparty,
				counter_account, amount, balance, serial, status, payment_id, entry_id, matched_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'unmatched', '', '', '', $12)`,
				db.NewID(), in.BankAccountID, res.ImportID, seq, r.Date, r.Summary, r.Counterparty, r.CounterAccount, r.Amount,
				balance, r.Serial, now); err != nil {
				return err
			}
			res.Imported++
		}
		return s.record(ctx, "fin.bank_statement.imported", kindImport, res.ImportID, nil, map[string]any{
			"bank_account_id": in.BankAccountID, "imported": res.Imported, "duplicates": len(res.Duplicates), "mapping": p.Mapping})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
