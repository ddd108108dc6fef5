package ledger

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
)

// Entry statuses.
const (
	StatusDraft   = "draft"
	StatusPosted  = "posted"
	statusPosting = "posting" // only inside the transaction that posts
)

// Limits of an entry.
const (
	MaxLines    = 500
	maxMemo     = 200
	maxSourceID = 100
)

// Entry is a journal entry (记账凭证): a draft, or posted for good.
type Entry struct {
	ID           string       `json:"id"`
	JournalID    string       `json:"journal_id"`
	Status       string       `json:"status"`
	Number       string       `json:"number,omitempty"`
	Seq          int          `json:"seq,omitempty"`
	Date         string       `json:"date"`
	Period       string       `json:"period"`
	SourceKind   string       `json:"source_kind"`
	SourceID     string       `json:"source_id"`
	SourceNumber string       `json:"source_number,omitempty"`
	PartnerKind  string       `json:"partner_kind,omitempty"`
	PartnerID    string       `json:"partner_id,omitempty"`
	Memo         string       `json:"memo"`
	Attachments  int          `json:"attachments"`
	ReversalOf   string       `json:"reversal_of,omitempty"`
	ReversedBy   string       `json:"reversed_by,omitempty"`
	Total        money.Amount `json:"total"` // base-currency debits
	ChainSeq     int64        `json:"chain_seq,omitempty"`
	PrevHash     string       `json:"prev_hash,omitempty"`
	Hash         string       `json:"hash,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	CreatedBy    string       `json:"created_by"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Version      int64        `json:"version"`
	PostedAt     time.Time    `json:"posted_at,omitzero"`
	PostedBy     string       `json:"posted_by,omitempty"`
	Lines        []Line       `json:"lines,omitempty"`
	// DueDate is the due date a document's posting gave (finance.Posting),
	// for the hooks that open payables; it is not stored.
	DueDate string `json:"-"`
}

// Line is one debit or credit of an entry.
type Line struct {
	LineNo        int          `json:"line_no"`
	AccountID     string       `json:"account_id"`
	AccountCode   string       `json:"account_code"`
	AccountNameZH string       `json:"account_name_zh"`
	AccountNameEN string       `json:"account_name_en"`
	Currency      string       `json:"currency"`
	Debit         money.Amount `json:"debit"`
	Credit        money.Amount `json:"credit"`
	Rate          money.Rate   `json:"rate"`
	BaseDebit     money.Amount `json:"base_debit"`
	BaseCredit    money.Amount `json:"base_credit"`
	PartnerKind   string       `json:"partner_kind,omitempty"`
	PartnerID     string       `json:"partner_id,omitempty"`
	Memo          string       `json:"memo,omitempty"`
}

// EntryInput writes a draft entry.
type EntryInput struct {
	JournalID   string // "" for the default journal
	Date        string
	Memo        string
	Attachments int // 附单据数: how many source papers the voucher has
	Lines       []LineInput
	// Version is the Version read before an update.
	Version int64
}

// LineInput is one line of a draft entry.
type LineInput struct {
	Account     string // id or code
	Currency    string // "" for the base currency
	Debit       money.Amount
	Credit      money.Amount
	Rate        money.Rate // zero takes the rate for the entry's date
	Memo        string
	PartnerKind string
	PartnerID   string
}

// EntryFilter selects entries; empty fields match everything.
type EntryFilter struct {
	From, To   string // dates, inclusive
	Period     string
	JournalID  string
	Status     string
	SourceKind string
	AccountID  string
	Query      string // part of the number, memo or source number
	Limit      int    // 0 means 50, at most 500
	Cursor     string // from the previous page's Next
}

// EntryPage is a page of entries, newest first.
type EntryPage struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next,omitempty"`
}

const entryColumns = `e.id, e.journal_id, e.status, COALESCE(e.number, ''), COALESCE(e.seq, 0), e.date, e.period,
	e.source_kind, e.source_id, e.source_number, e.partner_kind, e.partner_id, e.memo, e.attachments,
	COALESCE(e.reversal_of, ''), e.total, COALESCE(e.chain_seq, 0), COALESCE(e.prev_hash, ''), COALESCE(e.hash, ''),
	e.created_at, e.created_by, e.updated_at, e.version, COALESCE(e.posted_at, 0), COALESCE(e.posted_by, ''),
	COALESCE((SELECT r.id FROM fin_entry r WHERE r.reversal_of = e.id AND r.status = 'posted'), '')`

type scanner interface{ Scan(...any) error }

func scanEntry(r scanner) (Entry, error) {
	var (
		e                          Entry
		created, updated, postedAt int64
	)
	err := r.Scan(&e.ID, &e.JournalID, &e.Status, &e.Number, &e.Seq, &e.Date, &e.Period, &e.SourceKind, &e.SourceID,
		&e.SourceNumber, &e.PartnerKind, &e.PartnerID, &e.Memo, &e.Attachments, &e.ReversalOf, &e.Total,
		&e.ChainSeq, &e.PrevHash, &e.Hash, &created, &e.CreatedBy, &updated, &e.Version, &postedAt, &e.PostedBy, &e.ReversedBy)
	if err != nil {
		return e, err
	}
	e.CreatedAt, e.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	if postedAt != 0 {
		e.PostedAt = db.FromMillis(postedAt)
	}
	return e, nil
}

// Entry returns an entry with its lines; it needs PermEntryRead.
func (s *Service) Entry(ctx context.Context, id string) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryRead); err != nil {
		return nil, err
	}
	return s.entry(ctx, id)
}

func (s *Service) entry(ctx context.Context, id string) (*Entry, error) {
	if !db.ValidID(id) {
		return nil, notFound("entry", id)
	}
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, err
	}
	e, err := scanEntry(s.db.QueryRow(ctx, `SELECT `+entryColumns+` FROM fin_entry e WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("entry", id)
	}
	if err != nil {
		return nil, err
	}
	if e.Lines, err = s.lines(ctx, c, id); err != nil {
		return nil, err
	}
	return &e, nil
}

// EntryBySource returns the entry a document posted, if any; it needs PermEntryRead.
func (s *Service) EntryBySource(ctx context.Context, kind, id string) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryRead); err != nil {
		return nil, err
	}
	var eid string
	err := s.db.QueryRow(ctx, `SELECT id FROM fin_entry WHERE source_kind = $1 AND source_id = $2`, kind, id).Scan(&eid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("entry", kind+"/"+id)
	}
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, eid)
}

func (s *Service) lines(ctx context.Context, c *chart, entryID string) ([]Line, error) {
	rows, err := s.db.Query(ctx, `SELECT line_no, account_id, currency, debit, credit, rate, base_debit, base_credit,
		partner_kind, partner_id, memo FROM fin_line WHERE entry_id = $1 ORDER BY line_no`, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.LineNo, &l.AccountID, &l.Currency, &l.Debit, &l.Credit, &l.Rate, &l.BaseDebit,
			&l.BaseCredit, &l.PartnerKind, &l.PartnerID, &l.Memo); err != nil {
			return nil, err
		}
		if a := c.accounts[l.AccountID]; a != nil {
			l.AccountCode, l.AccountNameZH, l.AccountNameEN = a.Code, a.NameZH, a.NameEN
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// entryCursor is the position of the last entry of a page.
type entryCursor struct {
	Date string `json:"d"`
	ID   string `json:"i"`
}

var entryOrder = api.Order{{Field: "date", Desc: true}, {Field: "id", Desc: true}}

// Entries returns a page of entries, newest first, without their lines; it
// needs PermEntryRead.
func (s *Service) Entries(ctx context.Context, f EntryFilter) (*EntryPage, error) {
	if _, err := require(ctx, finance.PermEntryRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q := `SELECT ` + entryColumns + ` FROM fin_entry e WHERE e.status <> 'posting'`
	var args []any
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+itoa(len(args)), 1)
		}
		q += " AND " + cond
	}
	if f.From != "" {
		add("e.date >= ?", f.From)
	}
	if f.To != "" {
		add("e.date <= ?", f.To)
	}
	if f.Period != "" {
		add("e.period = ?", f.Period)
	}
	if f.JournalID != "" {
		add("e.journal_id = ?", f.JournalID)
	}
	if f.Status != "" {
		add("e.status = ?", f.Status)
	}
	if f.SourceKind != "" {
		add("e.source_kind = ?", f.SourceKind)
	}
	if f.AccountID != "" {
		add("EXISTS (SELECT 1 FROM fin_line l WHERE l.entry_id = e.id AND l.account_id = ?)", f.AccountID)
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		like := "%" + strings.ToLower(escapeLike(qs)) + "%"
		add(`(lower(COALESCE(e.number, '')) LIKE ? ESCAPE '\' OR lower(e.memo) LIKE ? ESCAPE '\' OR lower(e.source_number) LIKE ? ESCAPE '\')`, like, like, like)
	}
	var cur entryCursor
	ok, err := api.DecodeCursor(f.Cursor, entryOrder, &cur)
	if err != nil {
		return nil, err
	}
	if ok {
		add("(e.date < ? OR (e.date = ? AND e.id < ?))", cur.Date, cur.Date, cur.ID)
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY e.date DESC, e.id DESC LIMIT $` + itoa(len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &EntryPage{Entries: []Entry{}}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Entries) > f.Limit {
		out.Entries = out.Entries[:f.Limit]
		last := out.Entries[f.Limit-1]
		if out.Next, err = api.EncodeCursor(entryOrder, entryCursor{Date: last.Date, ID: last.ID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateDraft saves a new draft entry; it needs PermEntryWrite. A draft is
// checked as fully as a posting (accounts, balance, period, rates), so
// posting it later fails only when something changed in between.
func (s *Service) CreateDraft(ctx context.Context, in EntryInput) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryWrite); err != nil {
		return nil, err
	}
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.loadChart(ctx)
		if err != nil {
			return err
		}
		e, err := s.manualEntry(ctx, c, in)
		if err != nil {
			return err
		}
		e.ID = db.NewID()
		e.SourceKind, e.SourceID = finance.SourceManual, e.ID
		now := db.Millis(s.now())
		if err := s.insertEntry(ctx, e, StatusDraft, now); err != nil {
			return err
		}
		if err := s.insertLines(ctx, e); err != nil {
			return err
		}
		id = e.ID
		return s.record(ctx, "fin.entry.draft_created", kindEntry, e.ID, nil, auditEntry(e))
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, id)
}

// UpdateDraft replaces a draft's header and lines; it needs PermEntryWrite.
func (s *Service) UpdateDraft(ctx context.Context, id string, in EntryInput) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryWrite); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.entry(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != StatusDraft {
			return conflict(keyNotDraft, map[string]any{"Number": before.Number})
		}
		if before.Version != in.Version {
			return conflict(keyStale)
		}
		c, err := s.loadChart(ctx)
		if err != nil {
			return err
		}
		e, err := s.manualEntry(ctx, c, in)
		if err != nil {
			return err
		}
		e.ID = id
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_entry SET journal_id = $1, date = $2, period = $3, memo = $4,
			attachments = $5, total = $6, updated_at = $7, version = version + 1
			WHERE id = $8 AND status = 'draft' AND version = $9`,
			e.JournalID, e.Date, e.Period, e.Memo, e.Attachments, e.Total, db.Millis(s.now()), id, in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyStale)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_line WHERE entry_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertLines(ctx, e); err != nil {
			return err
		}
		return s.record(ctx, "fin.entry.draft_updated", kindEntry, id, auditEntry(before), auditEntry(e))
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, id)
}

// DeleteDraft removes a draft; it needs PermEntryWrite. Posted entries are
// never removed.
func (s *Service) DeleteDraft(ctx context.Context, id string, version int64) error {
	if _, err := require(ctx, finance.PermEntryWrite); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.entry(ctx, id)
		if err != nil {
			return err
		}
		if before.Status != StatusDraft {
			return conflict(keyNotDraft, map[string]any{"Number": before.Number})
		}
		if before.Version != version {
			return conflict(keyStale)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_line WHERE entry_id = $1`, id); err != nil {
			return err
		}
		n, err := s.db.ExecAffected(ctx, `DELETE FROM fin_entry WHERE id = $1 AND status = 'draft' AND version = $2`, id, version)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyStale)
		}
		return s.record(ctx, "fin.entry.draft_deleted", kindEntry, id, auditEntry(before), nil)
	})
}

// manualEntry checks a draft's input and turns it into an entry with its
// base amounts; manual lines may not touch control accounts.
func (s *Service) manualEntry(ctx context.Context, c *chart, in EntryInput) (*Entry, error) {
	in.Date = strings.TrimSpace(in.Date)
	in.Memo = strings.TrimSpace(in.Memo)
	var bad []fieldError
	j := c.defaultJournal
	if in.JournalID != "" {
		j = c.journals[in.JournalID]
		if j == nil {
			for _, x := range c.journals {
				if x.Code == strings.ToUpper(in.JournalID) {
					j = x
				}
			}
		}
	}
	switch {
	case j == nil:
		bad = append(bad, fe("journal_id", keyJournalUnknown))
	case !j.Active:
		bad = append(bad, fe("journal_id", keyJournalInactive))
	}
	if !validDate(in.Date) {
		bad = append(bad, fe("date", keyDateInvalid))
	}
	if utf8.RuneCountInString(in.Memo) > maxMemo {
		bad = append(bad, fe("memo", keyTooLong))
	}
	if in.Attachments < 0 || in.Attachments > 999 {
		bad = append(bad, fe("attachments", keyAttachments))
	}
	e := &Entry{Date: in.Date, Memo: in.Memo, Attachments: in.Attachments}
	if j != nil {
		e.JournalID = j.ID
	}
	lines, lineBad := s.manualLines(ctx, c, in)
	bad = append(bad, lineBad...)
	if err := fieldErrors(bad); err != nil {
		return nil, err
	}
	e.Lines = lines
	if err := balance(e.Lines); err != nil {
		return nil, err
	}
	e.Total = totalOf(e.Lines)
	period, err := s.checkPeriod(ctx, &c.company, e.Date, finance.SourceManual)
	if err != nil {
		return nil, err
	}
	e.Period = period
	return e, nil
}

func (s *Service) manualLines(ctx context.Context, c *chart, in EntryInput) ([]Line, []fieldError) {
	var bad []fieldError
	if len(in.Lines) < 2 {
		return nil, append(bad, fe("lines", keyLinesRequired))
	}
	if len(in.Lines) > MaxLines {
		return nil, append(bad, fe("lines", keyLinesTooMany, map[string]any{"Max": MaxLines}))
	}
	base := c.company.BaseCurrency
	rates := map[string]money.Rate{}
	out := make([]Line, 0, len(in.Lines))
	for i, li := range in.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		li.Account = strings.TrimSpace(li.Account)
		li.Currency = strings.ToUpper(strings.TrimSpace(li.Currency))
		li.Memo = strings.TrimSpace(li.Memo)
		if li.Currency == "" {
			li.Currency = base
		}
		l := Line{LineNo: i + 1, Currency: li.Currency, Debit: li.Debit, Credit: li.Credit, Memo: li.Memo,
			PartnerKind: strings.TrimSpace(li.PartnerKind), PartnerID: strings.TrimSpace(li.PartnerID)}
		a := c.accounts[li.Account]
		if a == nil {
			a = c.byCode[li.Account]
		}
		switch {
		case li.Account == "":
			bad = append(bad, fe(f("account"), keyRequired))
		case a == nil:
			bad = append(bad, fe(f("account"), keyAccountUnknown))
		case !a.Active:
			bad = append(bad, fe(f("account"), keyAccountInactive, map[string]any{"Account": a.Code}))
		case a.HasChildren:
			bad = append(bad, fe(f("account"), keyAccountNotLeaf, map[string]any{"Account": a.Code}))
		case a.Control != "":
			bad = append(bad, fe(f("account"), keyAccountControl, map[string]any{"Account": a.Code}))
		case !a.Accepts(li.Currency, base):
			bad = append(bad, fe(f("currency"), keyAccountCurrencyLine, map[string]any{"Account": a.Code, "Currency": li.Currency}))
		default:
			l.AccountID, l.AccountCode, l.AccountNameZH, l.AccountNameEN = a.ID, a.Code, a.NameZH, a.NameEN
		}
		bad = append(bad, sideErrors(f, li.Debit, li.Credit)...)
		if utf8.RuneCountInString(li.Memo) > maxMemo {
			bad = append(bad, fe(f("memo"), keyTooLong))
		}
		if (l.PartnerKind != "" && l.PartnerKind != "customer" && l.PartnerKind != "supplier") ||
			(l.PartnerKind == "") != (l.PartnerID == "") || len(l.PartnerID) > maxSourceID {
			bad = append(bad, fe(f("partner_id"), keyPartnerInvalid))
		}
		rate, problem, err := s.lineRate(ctx, base, li.Currency, li.Rate, in.Date, rates)
		switch {
		case err != nil:
			return nil, append(bad, fe(f("currency"), keyCurrencyUnknown))
		case problem != nil:
			problem.Field = f(problem.Field)
			bad = append(bad, *problem)
		default:
			l.Rate = rate
		}
		out = append(out, l)
	}
	return out, bad
}

// lineRate returns the rate of a line: the one given, or the rate of the
// currency for the date; every line of a currency in an entry has one rate.
func (s *Service) lineRate(ctx context.Context, base, currency string, given money.Rate, date string, seen map[string]money.Rate) (money.Rate, *fieldError, error) {
	if currency == base {
		if !given.IsZero() && given.Cmp(one) != 0 {
			p := fe("rate", keyRateBase)
			return money.Rate{}, &p, nil
		}
		return one, nil, nil
	}
	if prev, ok := seen[currency]; ok {
		if !given.IsZero() && given.Cmp(prev) != 0 {
			p := fe("rate", keyRateMismatch, map[string]any{"Currency": currency})
			return money.Rate{}, &p, nil
		}
		return prev, nil, nil
	}
	known, err := s.currencyKnown(ctx, currency)
	if err != nil {
		return money.Rate{}, nil, err
	}
	if !known {
		p := fe("currency", keyCurrencyUnknown)
		return money.Rate{}, &p, nil
	}
	if given.Sign() < 0 {
		p := fe("rate", keyRateInvalid)
		return money.Rate{}, &p, nil
	}
	rate := given
	if rate.IsZero() {
		if !validDate(date) {
			p := fe("currency", keyRateMissing, map[string]any{"Currency": currency, "Date": date})
			return money.Rate{}, &p, nil
		}
		r, ok, err := s.rateFor(ctx, base, currency, date)
		if err != nil {
			return money.Rate{}, nil, err
		}
		if !ok {
			p := fe("currency", keyRateMissing, map[string]any{"Currency": currency, "Date": date})
			return money.Rate{}, &p, nil
		}
		rate = r
	}
	seen[currency] = rate
	return rate, nil, nil
}

// sideErrors checks that exactly one of debit and credit is above zero.
func sideErrors(f func(string) string, debit, credit money.Amount) []fieldError {
	switch {
	case debit.Sign() < 0:
		return []fieldError{fe(f("debit"), keyLineNegative)}
	case credit.Sign() < 0:
		return []fieldError{fe(f("credit"), keyLineNegative)}
	case !debit.IsZero() && !credit.IsZero():
		return []fieldError{fe(f("credit"), keyLineOneSide)}
	case debit.IsZero() && credit.IsZero():
		return []fieldError{fe(f("debit"), keyLineZero)}
	}
	return nil
}

// balance checks that the lines balance in every currency and sets their
// base amounts: the rate times the amount, with the rounding spread so the
// base amounts balance too.
func balance(lines []Line) error {
	type sums struct {
		debit, credit money.Amount
		rate          money.Rate
		debits        []int
		credits       []int
	}
	by := map[string]*sums{}
	var order []string
	overflow := invalid("lines", keyOverflow)
	for i := range lines {
		l := &lines[i]
		s := by[l.Currency]
		if s == nil {
			s = &sums{rate: l.Rate}
			by[l.Currency] = s
			order = append(order, l.Currency)
		}
		var err error
		if l.Debit.Sign() > 0 {
			if s.debit, err = s.debit.Add(l.Debit); err != nil {
				return overflow
			}
			s.debits = append(s.debits, i)
		} else {
			if s.credit, err = s.credit.Add(l.Credit); err != nil {
				return overflow
			}
			s.credits = append(s.credits, i)
		}
	}
	for _, cur := range order {
		s := by[cur]
		if s.debit.Cmp(s.credit) != 0 {
			return invalidP("lines", keyUnbalanced, map[string]any{"Currency": cur, "Debit": s.debit.String(), "Credit": s.credit.String()})
		}
		if s.rate.Cmp(one) == 0 {
			for _, i := range append(s.debits, s.credits...) {
				lines[i].BaseDebit, lines[i].BaseCredit = lines[i].Debit, lines[i].Credit
			}
			continue
		}
		total, err := s.debit.MulRate(s.rate, money.RoundHalfUp)
		if err != nil {
			return overflow
		}
		for _, side := range [][]int{s.debits, s.credits} {
			weights := make([]money.Amount, len(side))
			for k, i := range side {
				weights[k] = lines[i].Debit
				if lines[i].Credit.Sign() > 0 {
					weights[k] = lines[i].Credit
				}
			}
			parts, err := money.Allocate(total, weights)
			if err != nil {
				return overflow
			}
			for k, i := range side {
				if lines[i].Debit.Sign() > 0 {
					lines[i].BaseDebit, lines[i].BaseCredit = parts[k], money.Amount{}
				} else {
					lines[i].BaseDebit, lines[i].BaseCredit = money.Amount{}, parts[k]
				}
			}
		}
	}
	return nil
}

// totalOf returns the base-currency debits of lines.
func totalOf(lines []Line) money.Amount {
	var t money.Amount
	for _, l := range lines {
		t, _ = t.Add(l.BaseDebit) // balance checked the sums fit
	}
	return t
}

func (s *Service) insertEntry(ctx context.Context, e *Entry, status string, now int64) error {
	e.Total = totalOf(e.Lines)
	var reversal any
	if e.ReversalOf != "" {
		reversal = e.ReversalOf
	}
	e.CreatedBy = actor(ctx)
	_, err := s.db.Exec(ctx, `INSERT INTO fin_entry (id, journal_id, status, date, period, source_kind, source_id,
		source_number, partner_kind, partner_id, memo, attachments, reversal_of, total, created_at, created_by,
		updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, 1)`,
		e.ID, e.JournalID, status, e.Date, e.Period, e.SourceKind, e.SourceID, e.SourceNumber, e.PartnerKind,
		e.PartnerID, e.Memo, e.Attachments, reversal, e.Total, now, e.CreatedBy)
	return err
}

// insertLines writes the lines of entries, up to 64 per statement.
func (s *Service) insertLines(ctx context.Context, es ...*Entry) error {
	const cols = 13
	type row struct {
		e *Entry
		l *Line
	}
	var rows []row
	for _, e := range es {
		for i := range e.Lines {
			rows = append(rows, row{e, &e.Lines[i]})
		}
	}
	for len(rows) > 0 {
		chunk := rows[:chunkLen(len(rows), 64)]
		rows = rows[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO fin_line (entry_id, line_no, account_id, currency, debit, credit, rate, base_debit,
			base_credit, partner_kind, partner_id, memo, date) VALUES `)
		args := make([]any, 0, cols*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			writePlaceholders(&q, i*cols, cols)
			l := r.l
			args = append(args, r.e.ID, l.LineNo, l.AccountID, l.Currency, l.Debit, l.Credit, l.Rate, l.BaseDebit,
				l.BaseCredit, l.PartnerKind, l.PartnerID, l.Memo, r.e.Date)
		}
		if _, err := s.db.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("ledger: insert lines: %w", err)
		}
	}
	return nil
}

// writePlaceholders writes "($from+1, …, $from+n)".
func writePlaceholders(q *strings.Builder, from, n int) {
	q.WriteByte('(')
	for c := range n {
		if c > 0 {
			q.WriteByte(',')
		}
		q.WriteString("$" + itoa(from+c+1))
	}
	q.WriteByte(')')
}

// chunkLen returns the largest power of two no greater than n or limit, so
// batch statements come in a few shapes only (prepared statements are cached).
func chunkLen(n, limit int) int {
	c := 1
	for c*2 <= min(n, limit) {
		c *= 2
	}
	return c
}

// auditEntry is what the audit log keeps of an entry.
func auditEntry(e *Entry) map[string]any {
	lines := make([]map[string]any, len(e.Lines))
	for i, l := range e.Lines {
		lines[i] = map[string]any{"account": l.AccountCode, "currency": l.Currency, "debit": l.Debit, "credit": l.Credit, "rate": l.Rate}
	}
	return map[string]any{"number": e.Number, "journal_id": e.JournalID, "date": e.Date, "memo": e.Memo,
		"source_kind": e.SourceKind, "source_id": e.SourceID, "total": e.Total, "lines": lines}
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
