package ledger

import (
	"context"
	"regexp"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/db"
)

// PeriodSummary is a period with how many entries it holds.
type PeriodSummary struct {
	Period
	Drafts int `json:"drafts"`
	Posted int `json:"posted"`
}

// Periods returns the twelve periods of a fiscal year with their status and
// entry counts; it needs PermEntryRead or PermPeriodManage.
func (s *Service) Periods(ctx context.Context, fiscalYear int) ([]PeriodSummary, error) {
	if _, err := requireAny(ctx, finance.PermEntryRead, finance.PermPeriodManage, finance.PermReportRead); err != nil {
		return nil, err
	}
	c, err := s.company(ctx)
	if err != nil {
		return nil, err
	}
	ps := c.yearPeriods(fiscalYear)
	out := make([]PeriodSummary, len(ps))
	idx := map[string]int{}
	for i, p := range ps {
		out[i] = PeriodSummary{Period: p}
		idx[p.ID] = i
	}
	first, last := ps[0].ID, ps[len(ps)-1].ID
	rows, err := s.db.Query(ctx, `SELECT id, status, changed_at, changed_by FROM fin_period WHERE id >= $1 AND id <= $2`, first, last)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			id, status, by string
			at             int64
		)
		if err := rows.Scan(&id, &status, &at, &by); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Status, out[i].ChangedAt, out[i].ChangedBy = status, db.FromMillis(at), by
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `SELECT period, status, count(*) FROM fin_entry WHERE period >= $1 AND period <= $2 GROUP BY period, status`, first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, status string
			n          int
		)
		if err := rows.Scan(&id, &status, &n); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			if status == "draft" {
				out[i].Drafts += n
			} else {
				out[i].Posted += n
			}
		}
	}
	return out, rows.Err()
}

var periodID = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// periodByID returns the period of an id such as 2026-11.
func (c *Company) periodByID(id string) (Period, bool) {
	if !periodID.MatchString(id) {
		return Period{}, false
	}
	d, err := time.Parse("2006-01", id)
	if err != nil {
		return Period{}, false
	}
	return c.periodOf(d), true
}

// periodsBetween lists the period ids from the one of date from up to, but
// not including, the period before.
func periodsBetween(from string, before string) []string {
	d, err := time.Parse(db.DateLayout, from)
	if err != nil {
		return nil
	}
	var out []string
	for p := d.Format("2006-01"); p < before; {
		out = append(out, p)
		d = d.AddDate(0, 1, 0)
		p = d.Format("2006-01")
	}
	return out
}

// statuses returns the stored status of periods; missing ones are open.
func (s *Service) statuses(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id, status FROM fin_period WHERE id >= $1 AND id <= $2`, ids[0], ids[len(ids)-1])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}

// ClosePeriod closes an open period, so nothing more posts into it; every
// earlier period since the books start must be closed and the period must
// hold no drafts. It needs PermPeriodManage.
func (s *Service) ClosePeriod(ctx context.Context, id string) (*Period, error) {
	if _, err := require(ctx, finance.PermPeriodManage); err != nil {
		return nil, err
	}
	var out *Period
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.company(ctx)
		if err != nil {
			return err
		}
		p, ok := c.periodByID(id)
		if !ok {
			return invalid("id", keyPeriodUnknown)
		}
		earlier := periodsBetween(c.BooksStart, p.ID)
		st, err := s.statuses(ctx, earlier)
		if err != nil {
			return err
		}
		for _, e := range earlier {
			if st[e] == "" || st[e] == PeriodOpen {
				return conflict(keyPeriodEarlier, map[string]any{"Period": e})
			}
		}
		var drafts int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_entry WHERE period = $1 AND status = 'draft'`, p.ID).Scan(&drafts); err != nil {
			return err
		}
		if drafts > 0 {
			return conflict(keyPeriodDrafts, map[string]any{"Count": drafts, "Period": p.ID})
		}
		now := s.now()
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_period (id, fiscal_year, number, start_date, end_date, status, changed_at, changed_by)
			VALUES ($1, $2, $3, $4, $5, 'closed', $6, $7)
			ON CONFLICT (id) DO UPDATE SET status = 'closed', changed_at = excluded.changed_at, changed_by = excluded.changed_by
			WHERE fin_period.status = 'open'`,
			p.ID, p.FiscalYear, p.Number, p.StartDate, p.EndDate, db.Millis(now), actor(ctx))
		if err != nil {
			return err
		}
		if n == 0 {
			return s.periodStateConflict(ctx, p.ID)
		}
		p.Status, p.ChangedAt, p.ChangedBy = PeriodClosed, db.FromMillis(db.Millis(now)), actor(ctx)
		out = &p
		s.db.AfterCommit(ctx, func() { s.knowPeriod(p.ID) })
		return s.record(ctx, "fin.period.closed", kindPeriod, p.ID, map[string]any{"status": PeriodOpen}, map[string]any{"status": PeriodClosed})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReopenPeriod opens a closed period again; no later period may be closed
// and a locked period never reopens. It needs PermPeriodManage.
func (s *Service) ReopenPeriod(ctx context.Context, id string) (*Period, error) {
	return s.movePeriod(ctx, id, PeriodClosed, PeriodOpen, "fin.period.reopened")
}

// LockPeriod locks a closed period for good (after the tax filing, say);
// every earlier period must be locked. It needs PermPeriodManage.
func (s *Service) LockPeriod(ctx context.Context, id string) (*Period, error) {
	return s.movePeriod(ctx, id, PeriodClosed, PeriodLocked, "fin.period.locked")
}

func (s *Service) movePeriod(ctx context.Context, id, from, to, action string) (*Period, error) {
	if _, err := require(ctx, finance.PermPeriodManage); err != nil {
		return nil, err
	}
	var out *Period
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.company(ctx)
		if err != nil {
			return err
		}
		p, ok := c.periodByID(id)
		if !ok {
			return invalid("id", keyPeriodUnknown)
		}
		switch to {
		case PeriodOpen:
			var later bool
			if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_period WHERE id > $1 AND status <> 'open')`, p.ID).Scan(&later); err != nil {
				return err
			}
			if later {
				return conflict(keyPeriodLater, map[string]any{"Period": p.ID})
			}
		case PeriodLocked:
			earlier := periodsBetween(c.BooksStart, p.ID)
			st, err := s.statuses(ctx, earlier)
			if err != nil {
				return err
			}
			for _, e := range earlier {
				if st[e] != PeriodLocked {
					return conflict(keyPeriodNotLocked, map[string]any{"Period": e})
				}
			}
		}
		now := s.now()
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_period SET status = $1, changed_at = $2, changed_by = $3 WHERE id = $4 AND status = $5`,
			to, db.Millis(now), actor(ctx), p.ID, from)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.periodStateConflict(ctx, p.ID)
		}
		p.Status, p.ChangedAt, p.ChangedBy = to, db.FromMillis(db.Millis(now)), actor(ctx)
		out = &p
		return s.record(ctx, action, kindPeriod, p.ID, map[string]any{"status": from}, map[string]any{"status": to})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// periodStateConflict explains why a period did not change: its status.
func (s *Service) periodStateConflict(ctx context.Context, id string) error {
	st := PeriodOpen
	if err := s.db.QueryRow(ctx, `SELECT status FROM fin_period WHERE id = $1`, id).Scan(&st); err != nil && !isNoRows(err) {
		return err
	}
	return conflict(keyPeriodState, map[string]any{"Period": id, "Status": st})
}

// checkPeriod makes sure an entry may post on date: on or after the books
// start (opening balances: before it), in a period that is open. It holds a
// shared lock on the period row until the transaction ends, so the period
// cannot close under the posting. It returns the period id.
func (s *Service) checkPeriod(ctx context.Context, c *Company, date, sourceKind string) (string, error) {
	p, ok := c.PeriodOfDate(date)
	if !ok {
		return "", invalid("date", keyDateInvalid)
	}
	if sourceKind == finance.SourceOpening {
		if date >= c.BooksStart {
			return "", invalidP("date", keyBeforeBooks, map[string]any{"BooksStart": c.BooksStart})
		}
	} else if date < c.BooksStart {
		return "", invalidP("date", keyBeforeBooks, map[string]any{"BooksStart": c.BooksStart})
	}
	if !s.periodKnown(p.ID) {
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_period (id, fiscal_year, number, start_date, end_date, status, changed_at, changed_by)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (id) DO NOTHING`,
			p.ID, p.FiscalYear, p.Number, p.StartDate, p.EndDate, db.Millis(s.now()), actor(ctx)); err != nil {
			return "", err
		}
		s.db.AfterCommit(ctx, func() { s.knowPeriod(p.ID) })
	}
	q := `SELECT status FROM fin_period WHERE id = $1`
	if s.db.Engine == db.Postgres {
		q += ` FOR SHARE`
	}
	var st string
	if err := s.db.QueryRow(ctx, q, p.ID).Scan(&st); err != nil {
		return "", err
	}
	switch st {
	case PeriodClosed:
		if sourceKind == SourceYearClose { // the year-end close posts into the closed last period (yearclose.go)
			return p.ID, nil
		}
		return "", invalidP("date", keyPeriodClosed, map[string]any{"Period": p.ID, "Date": date})
	case PeriodLocked:
		return "", invalidP("date", keyPeriodLocked, map[string]any{"Period": p.ID, "Date": date})
	}
	return p.ID, nil
}

func (s *Service) periodKnown(id string) bool {
	s.periodsMu.Lock()
	defer s.periodsMu.Unlock()
	return s.periods[id]
}

func (s *Service) knowPeriod(id string) {
	s.periodsMu.Lock()
	s.periods[id] = true
	s.periodsMu.Unlock()
}

func (s *Service) forgetPeriods() {
	s.periodsMu.Lock()
	s.periods = map[string]bool{}
	s.periodsMu.Unlock()
}
