package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"

	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Genesis is the previous hash of the first entry of every journal's chain.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// entryHash is SHA-256 over the previous entry's hash and a canonical
// encoding of the posted entry and its lines: a version tag, then every
// field in a fixed order, each prefixed by its length.
func entryHash(e *Entry) string {
	h := sha256.New()
	put := func(s string) { putString(h, s) }
	num := func(n int64) { put(strconv.FormatInt(n, 10)) }
	put("loom.fin.entry.v1")
	put(e.PrevHash)
	put(e.ID)
	put(e.JournalID)
	num(e.ChainSeq)
	put(e.Number)
	num(int64(e.Seq))
	put(e.Date)
	put(e.Period)
	put(e.SourceKind)
	put(e.SourceID)
	put(e.SourceNumber)
	put(e.PartnerKind)
	put(e.PartnerID)
	put(e.Memo)
	num(int64(e.Attachments))
	put(e.ReversalOf)
	num(e.Total.Units())
	num(db.Millis(e.PostedAt))
	put(e.PostedBy)
	num(int64(len(e.Lines)))
	for _, l := range e.Lines {
		num(int64(l.LineNo))
		put(l.AccountID)
		put(l.Currency)
		num(l.Debit.Units())
		num(l.Credit.Units())
		num(l.Rate.Units())
		num(l.BaseDebit.Units())
		num(l.BaseCredit.Units())
		put(l.PartnerKind)
		put(l.PartnerID)
		put(l.Memo)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func putString(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// ChainProblem is one place where a journal's hash chain is broken.
type ChainProblem struct {
	Journal  string `json:"journal"`
	ChainSeq int64  `json:"chain_seq"`
	EntryID  string `json:"entry_id,omitempty"`
	Number   string `json:"number,omitempty"`
	Detail   string `json:"detail"`
}

// VerifyChains walks every journal's chain in one snapshot and reports each
// entry whose content no longer matches its hash, each broken link, each
// gap in the chain, and a head that is not the last entry.
func (s *Service) VerifyChains(ctx context.Context) ([]ChainProblem, error) {
	var out []ChainProblem
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		js, err := s.queryJournals(ctx)
		if err != nil {
			return err
		}
		for _, j := range js {
			ps, err := s.verifyJournal(ctx, j)
			if err != nil {
				return err
			}
			out = append(out, ps...)
		}
		return nil
	})
	return out, err
}

func (s *Service) verifyJournal(ctx context.Context, j Journal) ([]ChainProblem, error) {
	var out []ChainProblem
	rows, err := s.db.Query(ctx, `SELECT e.id, e.journal_id, COALESCE(e.number, ''), COALESCE(e.seq, 0), e.date, e.period,
		e.source_kind, e.source_id, e.source_number, e.partner_kind, e.partner_id, e.memo, e.attachments,
		COALESCE(e.reversal_of, ''), e.total, COALESCE(e.chain_seq, 0), COALESCE(e.prev_hash, ''), COALESCE(e.hash, ''),
		COALESCE(e.posted_at, 0), COALESCE(e.posted_by, ''),
		l.line_no, l.account_id, l.currency, l.debit, l.credit, l.rate, l.base_debit, l.base_credit,
		l.partner_kind, l.partner_id, l.memo
		FROM fin_entry e LEFT JOIN fin_line l ON l.entry_id = e.id
		WHERE e.journal_id = $1 AND e.status = 'posted'
		ORDER BY e.chain_seq, l.line_no`, j.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	next, prev := int64(1), Genesis
	var cur *Entry
	check := func(e *Entry) {
		switch {
		case e.ChainSeq != next:
			out = append(out, ChainProblem{Journal: j.Code, ChainSeq: e.ChainSeq, EntryID: e.ID, Number: e.Number,
				Detail: fmt.Sprintf("entries %d to %d of the chain are missing", next, e.ChainSeq-1)})
		case e.PrevHash != prev:
			out = append(out, ChainProblem{Journal: j.Code, ChainSeq: e.ChainSeq, EntryID: e.ID, Number: e.Number,
				Detail: "prev_hash is not the hash of the entry before"})
		}
		if entryHash(e) != e.Hash {
			out = append(out, ChainProblem{Journal: j.Code, ChainSeq: e.ChainSeq, EntryID: e.ID, Number: e.Number,
				Detail: "the entry or its lines do not match its hash"})
		}
		next, prev = e.ChainSeq+1, e.Hash
	}
	for rows.Next() {
		var (
			e        Entry
			l        Line
			postedAt int64
			lineNo   *int64
			account  *string
			currency *string
			lp       [5]*int64
			pk, pid  *string
			lmemo    *string
		)
		if err := rows.Scan(&e.ID, &e.JournalID, &e.Number, &e.Seq, &e.Date, &e.Period, &e.SourceKind, &e.SourceID,
			&e.SourceNumber, &e.PartnerKind, &e.PartnerID, &e.Memo, &e.Attachments, &e.ReversalOf, &e.Total,
			&e.ChainSeq, &e.PrevHash, &e.Hash, &postedAt, &e.PostedBy,
			&lineNo, &account, &currency, &lp[0], &lp[1], &lp[2], &lp[3], &lp[4], &pk, &pid, &lmemo); err != nil {
			return nil, err
		}
		e.PostedAt = db.FromMillis(postedAt)
		if cur == nil || cur.ID != e.ID {
			if cur != nil {
				check(cur)
			}
			cur = &e
		}
		if lineNo != nil {
			l.LineNo, l.AccountID, l.Currency = int(*lineNo), *account, *currency
			l.Debit, l.Credit = amountOf(lp[0]), amountOf(lp[1])
			l.BaseDebit, l.BaseCredit = amountOf(lp[3]), amountOf(lp[4])
			if lp[2] != nil {
				l.Rate = rateOf(*lp[2])
			}
			l.PartnerKind, l.PartnerID, l.Memo = *pk, *pid, *lmemo
			cur.Lines = append(cur.Lines, l)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		check(cur)
	}
	var (
		seq  int64
		head string
	)
	if err := s.db.QueryRow(ctx, `SELECT seq, hash FROM fin_chain_head WHERE journal_id = $1`, j.ID).Scan(&seq, &head); err != nil {
		return nil, err
	}
	switch {
	case seq != next-1:
		out = append(out, ChainProblem{Journal: j.Code, ChainSeq: seq,
			Detail: fmt.Sprintf("the head names entry %d but the last entry is %d", seq, next-1)})
	case head != prev:
		out = append(out, ChainProblem{Journal: j.Code, ChainSeq: seq, Detail: "the head's hash is not the hash of the last entry"})
	}
	return out, nil
}

func amountOf(p *int64) money.Amount {
	if p == nil {
		return money.Amount{}
	}
	return money.AmountFromUnits(*p)
}

func rateOf(u int64) money.Rate { return money.RateFromUnits(u) }
