package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// documentKinds are the source kinds a document may post with through the Poster.
var documentKinds = append(slices.Clone(SourceKinds), finance.SourceOpening)

// Post posts a business document inside the caller's transaction (it opens
// one when there is none) and returns the entry's id; a document posts once
// per kind and id, and a repeat returns the entry posted first. It checks
// no permission: the document's own service decided that its user may
// record it. It implements finance.Poster.
func (s *Service) Post(ctx context.Context, p finance.Posting) (string, error) {
	ids, err := s.PostBatch(ctx, []finance.Posting{p})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// PostBatch posts several documents in one transaction (group commit) and
// returns their entries' ids in order.
func (s *Service) PostBatch(ctx context.Context, ps []finance.Posting) ([]string, error) {
	var ids []string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.loadChart(ctx)
		if err != nil {
			return err
		}
		es := make([]*Entry, len(ps))
		for i, p := range ps {
			if es[i], err = s.documentEntry(ctx, c, p); err != nil {
				return err
			}
		}
		ids, err = s.postNew(ctx, c, es)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// documentEntry turns a posting into an entry: the rules choose each line's
// account, lines on the same account and side are added up, and the base
// amounts are set.
func (s *Service) documentEntry(ctx context.Context, c *chart, p finance.Posting) (*Entry, error) {
	base := c.company.BaseCurrency
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if p.Currency == "" {
		p.Currency = base
	}
	var bad []fieldError
	if !slices.Contains(documentKinds, p.SourceKind) {
		bad = append(bad, fe("source_kind", keySourceUnknown))
	}
	if strings.TrimSpace(p.SourceID) == "" {
		bad = append(bad, fe("source_id", keySourceIDEmpty))
	} else if len(p.SourceID) > maxSourceID {
		bad = append(bad, fe("source_id", keyTooLong))
	}
	if utf8.RuneCountInString(p.SourceNumber) > 64 {
		bad = append(bad, fe("source_number", keyTooLong))
	}
	if !validDate(p.Date) {
		bad = append(bad, fe("date", keyDateInvalid))
	}
	if p.PartnerKind != "" && p.PartnerKind != "customer" && p.PartnerKind != "supplier" || len(p.PartnerID) > maxSourceID ||
		(p.PartnerKind == "") != (p.PartnerID == "") {
		bad = append(bad, fe("partner_id", keyPartnerInvalid))
	}
	switch {
	case len(p.Lines) == 0:
		bad = append(bad, fe("lines", keyLinesRequired))
	case len(p.Lines) > MaxLines:
		bad = append(bad, fe("lines", keyLinesTooMany, map[string]any{"Max": MaxLines}))
	}
	rate, problem, err := s.lineRate(ctx, base, p.Currency, p.Rate, p.Date, map[string]money.Rate{})
	if err != nil {
		return nil, err
	}
	if problem != nil {
		bad = append(bad, *problem)
	}
	if err := fieldErrors(bad); err != nil {
		return nil, err
	}
	type key struct {
		account string
		debit   bool
	}
	merged := map[key]int{}
	var lines []Line
	for i, pl := range p.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		if err := fieldErrors(sideErrors(f, pl.Debit, pl.Credit)); err != nil {
			return nil, err
		}
		a := c.resolve(p.SourceKind, pl.Role, pl.ItemCategory, pl.Warehouse)
		if pl.Account != "" {
			if a = c.byCode[pl.Account]; a == nil {
				if a = c.accounts[pl.Account]; a == nil {
					return nil, invalid(f("account"), keyAccountUnknown)
				}
			}
		}
		switch {
		case a == nil:
			return nil, invalidP(f("role"), keyRuleMissing, map[string]any{"Role": string(pl.Role)})
		case !a.Active:
			return nil, invalidP(f("role"), keyAccountInactive, map[string]any{"Account": a.Code})
		case a.HasChildren:
			return nil, invalidP(f("role"), keyAccountNotLeaf, map[string]any{"Account": a.Code})
		case !a.Accepts(p.Currency, base):
			return nil, invalidP(f("role"), keyAccountCurrencyLine, map[string]any{"Account": a.Code, "Currency": p.Currency})
		}
		l := Line{AccountID: a.ID, AccountCode: a.Code, AccountNameZH: a.NameZH, AccountNameEN: a.NameEN,
			Currency: p.Currency, Debit: pl.Debit, Credit: pl.Credit, Rate: rate, Memo: clip(pl.Memo, maxMemo)}
		if a.Control != "" || pl.Role == finance.RoleAR || pl.Role == finance.RoleAP || pl.Role == finance.RoleAdvance {
			if p.PartnerID == "" && a.Control != "" {
				return nil, invalidP("partner_id", keyPartnerInvalid, nil)
			}
			l.PartnerKind, l.PartnerID = p.PartnerKind, p.PartnerID
		}
		k := key{a.ID, pl.Debit.Sign() > 0}
		if j, ok := merged[k]; ok {
			m := &lines[j]
			var err error
			if m.Debit, err = m.Debit.Add(l.Debit); err == nil {
				m.Credit, err = m.Credit.Add(l.Credit)
			}
			if err != nil {
				return nil, invalid("lines", keyOverflow)
			}
			continue
		}
		merged[k] = len(lines)
		l.LineNo = len(lines) + 1
		lines = append(lines, l)
	}
	if err := balance(lines); err != nil {
		return nil, err
	}
	memo := strings.TrimSpace(p.Memo)
	if memo == "" {
		memo = p.SourceNumber
	}
	return &Entry{JournalID: c.defaultJournal.ID, Date: p.Date, SourceKind: p.SourceKind, SourceID: p.SourceID,
		SourceNumber: p.SourceNumber, PartnerKind: p.PartnerKind, PartnerID: p.PartnerID, Memo: clip(memo, maxMemo),
		Lines: lines, DueDate: p.DueDate}, nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// postNew inserts and posts new entries. An entry whose source already
// posted is skipped and the existing entry's id returned in its place.
func (s *Service) postNew(ctx context.Context, c *chart, es []*Entry) ([]string, error) {
	ids := make([]string, len(es))
	now := db.Millis(s.now())
	by := actor(ctx)
	periods := map[string]string{} // date → period, checked once per call
	for _, e := range es {
		period, ok := periods[e.Date+"|"+e.SourceKind]
		if !ok {
			var err error
			if period, err = s.checkPeriod(ctx, &c.company, e.Date, e.SourceKind); err != nil {
				return nil, err
			}
			periods[e.Date+"|"+e.SourceKind] = period
		}
		e.Period = period
		if e.ID == "" {
			e.ID = db.NewID()
		}
		e.Total = totalOf(e.Lines)
		e.CreatedBy = by
	}
	// Claim the sources first: a concurrent posting of the same document
	// waits on the unique index and then finds this one.
	claimed := make([]*Entry, 0, len(es))
	for rest := es; len(rest) > 0; {
		chunk := rest[:chunkLen(len(rest), 32)]
		rest = rest[len(chunk):]
		got, err := s.claim(ctx, chunk, now)
		if err != nil {
			return nil, err
		}
		for _, e := range chunk {
			if got[e.ID] {
				claimed = append(claimed, e)
			}
		}
	}
	for i, e := range es {
		if slices.Contains(claimed, e) {
			ids[i] = e.ID
			continue
		}
		if err := s.db.QueryRow(ctx, `SELECT id FROM fin_entry WHERE source_kind = $1 AND source_id = $2`,
			e.SourceKind, e.SourceID).Scan(&ids[i]); err != nil {
			return nil, err
		}
	}
	if err := s.insertLines(ctx, claimed...); err != nil {
		return nil, err
	}
	if err := s.finish(ctx, c, claimed, now); err != nil {
		return nil, err
	}
	return ids, nil
}

// claim inserts entries in status 'posting' unless their source posted
// already, and returns the ids it inserted. A source named twice in one
// chunk is claimed by its first entry.
func (s *Service) claim(ctx context.Context, es []*Entry, now int64) (map[string]bool, error) {
	const cols = 16
	var q strings.Builder
	q.WriteString(`INSERT INTO fin_entry (id, journal_id, status, date, period, source_kind, source_id, source_number,
		partner_kind, partner_id, memo, attachments, reversal_of, total, created_at, created_by, updated_at, version) VALUES `)
	args := make([]any, 0, cols*len(es))
	seen := map[[2]string]bool{}
	n := 0
	// In source order, so concurrent batches wait on each other instead of deadlocking.
	sorted := slices.Clone(es)
	slices.SortStableFunc(sorted, func(a, b *Entry) int {
		return strings.Compare(a.SourceKind+"\x00"+a.SourceID, b.SourceKind+"\x00"+b.SourceID)
	})
	for _, e := range sorted {
		key := [2]string{e.SourceKind, e.SourceID}
		if seen[key] {
			continue
		}
		seen[key] = true
		if n > 0 {
			q.WriteByte(',')
		}
		b := n * cols
		fmt.Fprintf(&q, "($%d, $%d, 'posting', $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, 1)",
			b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8, b+9, b+10, b+11, b+12, b+13, b+14, b+15, b+16)
		var reversal any
		if e.ReversalOf != "" {
			reversal = e.ReversalOf
		}
		args = append(args, e.ID, e.JournalID, e.Date, e.Period, e.SourceKind, e.SourceID, e.SourceNumber, e.PartnerKind,
			e.PartnerID, e.Memo, e.Attachments, reversal, e.Total, now, e.CreatedBy, now)
		n++
	}
	q.WriteString(` ON CONFLICT (source_kind, source_id) DO NOTHING RETURNING id`)
	rows, err := s.db.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		got[id] = true
	}
	return got, rows.Err()
}

// finish posts entries whose rows are in status 'posting': it adds their
// lines to the balances, takes their voucher numbers, links them into their
// journals' hash chains and records them in the audit log. Rows are locked
// in one order everywhere (balances by key, then number series, then chain
// heads, by journal code), so concurrent postings wait instead of deadlocking.
func (s *Service) finish(ctx context.Context, c *chart, es []*Entry, now int64) error {
	if len(es) == 0 {
		return nil
	}
	if err := s.addBalances(ctx, es); err != nil {
		return err
	}
	order := slices.Clone(es)
	journal := func(e *Entry) *Journal { return c.journals[e.JournalID] }
	slices.SortStableFunc(order, func(a, b *Entry) int {
		if x := strings.Compare(journal(a).Code, journal(b).Code); x != 0 {
			return x
		}
		return strings.Compare(a.Period, b.Period)
	})
	// One block of numbers per journal and period: order keeps each series'
	// entries together.
	for i := 0; i < len(order); {
		j, period := journal(order[i]), order[i].Period
		k := i + 1
		for k < len(order) && order[k].JournalID == j.ID && order[k].Period == period {
			k++
		}
		first, err := s.db.NextNumbers(ctx, "fin.v."+j.Code+"."+period, k-i)
		if err != nil {
			return err
		}
		for n, e := range order[i:k] {
			e.Seq = int(first) + n
			e.Number = VoucherNumber(j.Prefix, e.Period, first+int64(n))
		}
		i = k
	}
	by := actor(ctx)
	headQuery := `SELECT seq, hash FROM fin_chain_head WHERE journal_id = $1`
	if s.db.Engine == db.Postgres {
		headQuery += ` FOR UPDATE`
	}
	for i := 0; i < len(order); {
		j := journal(order[i])
		var (
			seq  int64
			hash string
		)
		if err := s.db.QueryRow(ctx, headQuery, j.ID).Scan(&seq, &hash); err != nil {
			return fmt.Errorf("ledger: chain head of journal %s: %w", j.Code, err)
		}
		start := i
		for ; i < len(order) && order[i].JournalID == j.ID; i++ {
			e := order[i]
			seq++
			e.ChainSeq, e.PrevHash, e.PostedAt, e.PostedBy, e.Status = seq, hash, db.FromMillis(now), by, StatusPosted
			e.Hash = entryHash(e)
			hash = e.Hash
		}
		for rest := order[start:i]; len(rest) > 0; {
			chunk := rest[:chunkLen(len(rest), 32)]
			rest = rest[len(chunk):]
			if err := s.markPosted(ctx, chunk, now, by); err != nil {
				return err
			}
		}
		if _, err := s.db.Exec(ctx, `UPDATE fin_chain_head SET seq = $1, hash = $2 WHERE journal_id = $3`, seq, hash, j.ID); err != nil {
			return err
		}
	}
	// Hooks (payables) record what the entries leave open, in this transaction.
	if err := s.runPosted(ctx, es); err != nil {
		return err
	}
	records := make([]audit.Entry, len(es))
	at := s.now()
	for i, e := range es {
		records[i] = audit.Entry{Action: "fin.entry.posted", EntityKind: kindEntry, EntityID: e.ID, After: auditEntry(e), At: at}
	}
	return audit.RecordAll(ctx, s.db, records)
}

// markPosted stores the posting of entries in status 'posting' (numbers,
// chain links, poster) in one statement.
func (s *Service) markPosted(ctx context.Context, es []*Entry, now int64, by string) error {
	const cols = 8
	var q strings.Builder
	q.WriteString(`UPDATE fin_entry SET status = 'posted', number = v.column2, seq = v.column3, chain_seq = v.column4,
		prev_hash = v.column5, hash = v.column6, posted_at = $1, posted_by = $2, period = v.column7, total = v.column8
		FROM (VALUES `)
	args := make([]any, 0, 2+cols*len(es))
	args = append(args, now, by)
	for i, e := range es {
		if i > 0 {
			q.WriteByte(',')
		}
		b := 2 + i*cols
		fmt.Fprintf(&q, "($%d, $%d, CAST($%d AS INTEGER), CAST($%d AS BIGINT), $%d, $%d, $%d, CAST($%d AS BIGINT))",
			b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8)
		args = append(args, e.ID, e.Number, e.Seq, e.ChainSeq, e.PrevHash, e.Hash, e.Period, e.Total)
	}
	q.WriteString(`) AS v WHERE fin_entry.id = v.column1 AND fin_entry.status = 'posting'`)
	n, err := s.db.ExecAffected(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("ledger: mark entries posted: %w", err)
	}
	if n != int64(len(es)) {
		return fmt.Errorf("ledger: %d of %d entries were not in posting state", int64(len(es))-n, len(es))
	}
	return nil
}

// VoucherNumber formats a voucher number such as 记-2026-11-0001.
func VoucherNumber(prefix, period string, n int64) string {
	return fmt.Sprintf("%s-%s-%04d", prefix, period, n)
}

type balanceKey struct{ account, period, currency string }

type balanceSums struct{ debit, credit, baseDebit, baseCredit int64 }

// addBalances adds the entries' lines to fin_balance, one row per account,
// period and currency, in key order.
func (s *Service) addBalances(ctx context.Context, es []*Entry) error {
	sums := map[balanceKey]*balanceSums{}
	for _, e := range es {
		for _, l := range e.Lines {
			k := balanceKey{l.AccountID, e.Period, l.Currency}
			b := sums[k]
			if b == nil {
				b = &balanceSums{}
				sums[k] = b
			}
			b.debit += l.Debit.Units()
			b.credit += l.Credit.Units()
			b.baseDebit += l.BaseDebit.Units()
			b.baseCredit += l.BaseCredit.Units()
		}
	}
	keys := make([]balanceKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b balanceKey) int {
		if x := strings.Compare(a.account, b.account); x != 0 {
			return x
		}
		if x := strings.Compare(a.period, b.period); x != 0 {
			return x
		}
		return strings.Compare(a.currency, b.currency)
	})
	const cols = 7
	for len(keys) > 0 {
		chunk := keys[:chunkLen(len(keys), 64)]
		keys = keys[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO fin_balance (account_id, period, currency, debit, credit, base_debit, base_credit) VALUES `)
		args := make([]any, 0, cols*len(chunk))
		for i, k := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			writePlaceholders(&q, i*cols, cols)
			b := sums[k]
			args = append(args, k.account, k.period, k.currency, b.debit, b.credit, b.baseDebit, b.baseCredit)
		}
		q.WriteString(` ON CONFLICT (account_id, period, currency) DO UPDATE SET
			debit = fin_balance.debit + excluded.debit, credit = fin_balance.credit + excluded.credit,
			base_debit = fin_balance.base_debit + excluded.base_debit, base_credit = fin_balance.base_credit + excluded.base_credit`)
		if _, err := s.db.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("ledger: update balances: %w", err)
		}
	}
	return nil
}

// PostDraft posts a draft; it needs PermEntryPost. Of several users posting
// the same draft at once, one succeeds and the others get a conflict.
func (s *Service) PostDraft(ctx context.Context, id string) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryPost); err != nil {
		return nil, err
	}
	if !db.ValidID(id) {
		return nil, notFound("entry", id)
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_entry SET status = 'posting' WHERE id = $1 AND status = 'draft'`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			var number string
			err := s.db.QueryRow(ctx, `SELECT COALESCE(number, '') FROM fin_entry WHERE id = $1`, id).Scan(&number)
			if isNoRows(err) {
				return notFound("entry", id)
			}
			if err != nil {
				return err
			}
			return conflict(keyAlreadyPosted, map[string]any{"Number": number})
		}
		c, err := s.loadChart(ctx)
		if err != nil {
			return err
		}
		e, err := s.entry(ctx, id)
		if err != nil {
			return err
		}
		if err := s.recheck(c, e); err != nil {
			return err
		}
		period, err := s.checkPeriod(ctx, &c.company, e.Date, e.SourceKind)
		if err != nil {
			return err
		}
		e.Period = period
		return s.finish(ctx, c, []*Entry{e}, db.Millis(s.now()))
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, id)
}

// recheck makes sure a draft's journal and accounts may still be posted to.
func (s *Service) recheck(c *chart, e *Entry) error {
	var bad []fieldError
	if j := c.journals[e.JournalID]; j == nil || !j.Active {
		bad = append(bad, fe("journal_id", keyJournalInactive))
	}
	for i, l := range e.Lines {
		f := fmt.Sprintf("lines[%d].account", i)
		a := c.accounts[l.AccountID]
		switch {
		case a == nil:
			bad = append(bad, fe(f, keyAccountUnknown))
		case !a.Active:
			bad = append(bad, fe(f, keyAccountInactive, map[string]any{"Account": a.Code}))
		case a.HasChildren:
			bad = append(bad, fe(f, keyAccountNotLeaf, map[string]any{"Account": a.Code}))
		case a.Control != "" && e.SourceKind == finance.SourceManual:
			bad = append(bad, fe(f, keyAccountControl, map[string]any{"Account": a.Code}))
		case !a.Accepts(l.Currency, c.company.BaseCurrency):
			bad = append(bad, fe(fmt.Sprintf("lines[%d].currency", i), keyAccountCurrencyLine, map[string]any{"Account": a.Code, "Currency": l.Currency}))
		}
	}
	return fieldErrors(bad)
}

// CreateAndPost saves a manual entry and posts it at once; it needs
// PermEntryWrite and PermEntryPost.
func (s *Service) CreateAndPost(ctx context.Context, in EntryInput) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryPost); err != nil {
		return nil, err
	}
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		e, err := s.CreateDraft(ctx, in)
		if err != nil {
			return err
		}
		id = e.ID
		_, err = s.PostDraft(ctx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, id)
}

// ReverseEntry posts the reversal of a posted manual entry (or opening
// balances) on date (today when empty); it needs PermEntryReverse. Entries
// of documents are reversed through their documents (a credit note, a
// cancelled receipt). An entry is reversed once.
func (s *Service) ReverseEntry(ctx context.Context, id, date, memo string) (*Entry, error) {
	if _, err := require(ctx, finance.PermEntryReverse); err != nil {
		return nil, err
	}
	var rid string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		orig, err := s.entry(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case orig.Status != StatusPosted:
			return conflict(keyNotPosted)
		case orig.SourceKind == finance.SourceReversal:
			return conflict(keyReverseReverse)
		case !ledgerSources[orig.SourceKind]:
			return conflict(keyReverseSource)
		}
		var created bool
		rid, created, err = s.reverse(ctx, orig, date, memo)
		if err != nil {
			return err
		}
		if !created {
			return conflict(keyAlreadyRevd, map[string]any{"Number": orig.Number})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.entry(ctx, rid)
}

// ReverseSource reverses the entry a document posted (finance.Reverser);
// like Post it checks no permission. A repeat returns the first reversal.
func (s *Service) ReverseSource(ctx context.Context, sourceKind, sourceID, date, memo string) (string, error) {
	var rid string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var id string
		err := s.db.QueryRow(ctx, `SELECT id FROM fin_entry WHERE source_kind = $1 AND source_id = $2 AND status = 'posted'`,
			sourceKind, sourceID).Scan(&id)
		if isNoRows(err) {
			return invalid("source_id", keyNotFoundSource)
		}
		if err != nil {
			return err
		}
		orig, err := s.entry(ctx, id)
		if err != nil {
			return err
		}
		rid, _, err = s.reverse(ctx, orig, date, memo)
		return err
	})
	return rid, err
}

// reverse posts an entry with the lines of orig on the other side.
func (s *Service) reverse(ctx context.Context, orig *Entry, date, memo string) (string, bool, error) {
	c, err := s.loadChart(ctx)
	if err != nil {
		return "", false, err
	}
	date = strings.TrimSpace(date)
	if date == "" {
		date = s.now().In(c.company.Location()).Format(db.DateLayout)
		if date < orig.Date {
			date = orig.Date
		}
	}
	switch {
	case !validDate(date):
		return "", false, invalid("date", keyDateInvalid)
	case date < orig.Date:
		return "", false, invalidP("date", keyReverseDate, map[string]any{"Date": orig.Date})
	}
	memo = strings.TrimSpace(memo)
	if memo == "" {
		memo = i18n.T(ctx, "fin.entry.reversal_memo", map[string]any{"Number": orig.Number})
	}
	if utf8.RuneCountInString(memo) > maxMemo {
		return "", false, invalid("memo", keyTooLong)
	}
	lines := make([]Line, len(orig.Lines))
	for i, l := range orig.Lines {
		l.Debit, l.Credit = l.Credit, l.Debit
		l.BaseDebit, l.BaseCredit = l.BaseCredit, l.BaseDebit
		lines[i] = l
	}
	e := &Entry{ID: db.NewID(), JournalID: orig.JournalID, Date: date, SourceKind: finance.SourceReversal,
		SourceID: orig.ID, SourceNumber: orig.Number, PartnerKind: orig.PartnerKind, PartnerID: orig.PartnerID,
		Memo: memo, ReversalOf: orig.ID, Lines: lines}
	ids, err := s.postNew(ctx, c, []*Entry{e})
	if err != nil {
		return "", false, err
	}
	return ids[0], ids[0] == e.ID, nil
}
