package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// AgingBuckets are the upper bounds, in days past due, of the aging
// columns; a last column takes everything older.
var AgingBuckets = []int{30, 60, 90, 180}

// AgingRow is one customer's open receivables by how long they are overdue,
// in the base currency; Credits are unapplied payments and credit notes
// (negative), and Total is what the customer owes net of them.
type AgingRow struct {
	CustomerID string         `json:"customer_id"`
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	NotDue     money.Amount   `json:"not_due"`
	Overdue    []money.Amount `json:"overdue"` // one per bucket, then older
	Credits    money.Amount   `json:"credits"`
	Total      money.Amount   `json:"total"`
}

// Aging is the receivables aging (账龄分析) at a date.
type Aging struct {
	Date     string     `json:"date"`
	Currency string     `json:"currency"`
	Buckets  []int      `json:"buckets"`
	Rows     []AgingRow `json:"rows"`
	Total    AgingRow   `json:"total"`
}

// Aging returns what each customer owed at a date, by days past due. Open
// amounts are as of that date: allocations made later do not count. It
// needs PermReportRead and, for sales roles, shows only their customers.
func (s *Service) Aging(ctx context.Context, date string) (*Aging, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(finance.PermReportRead) {
		return nil, apperr.PermissionDenied(string(finance.PermReportRead))
	}
	if !validDate(date) {
		return nil, invalid("date", "fin.error.date_invalid")
	}
	var out *Aging
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, _, err := s.context(ctx)
		if err != nil {
			return err
		}
		// With no allocation dated after the day, what is open now is what
		// was open then; otherwise later allocations are added back.
		var later bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_allocation WHERE date > $1)`, date).Scan(&later); err != nil {
			return err
		}
		q := `SELECT i.customer_id, cu.code, cu.name, i.kind, i.due_date, i.rate, i.open
			FROM fin_ar_item i JOIN fin_customer cu ON cu.id = i.customer_id
			WHERE i.date <= $1 AND i.open <> 0`
		if later {
			q = `SELECT i.customer_id, cu.code, cu.name, i.kind, i.due_date, i.rate,
			i.amount - COALESCE((SELECT sum(a.amount) FROM fin_allocation a WHERE a.target_id = i.id AND a.date <= $1), 0)
			         + COALESCE((SELECT sum(a.amount) FROM fin_allocation a WHERE a.source_id = i.id AND a.date <= $1), 0)
			FROM fin_ar_item i JOIN fin_customer cu ON cu.id = i.customer_id
			WHERE i.date <= $1 AND (i.open <> 0
				OR EXISTS (SELECT 1 FROM fin_allocation a WHERE a.target_id = i.id AND a.date > $1)
				OR EXISTS (SELECT 1 FROM fin_allocation a WHERE a.source_id = i.id AND a.date > $1))`
		}
		args := []any{date}
		if !p.System && p.Scope("fin.customer") != authz.ScopeCompany {
			q += ` AND cu.owner_id = $2`
			args = append(args, p.UserID)
		}
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		day, _ := time.Parse(db.DateLayout, date)
		nb := len(AgingBuckets) + 1
		type acc struct {
			code, name      string
			notDue, credits int64
			overdue         []int64
		}
		by := map[string]*acc{}
		for rows.Next() {
			var (
				id, code, name, kind, due string
				rate                      money.Rate
				open                      money.Amount
			)
			if err := rows.Scan(&id, &code, &name, &kind, &due, &rate, &open); err != nil {
				return err
			}
			if open.IsZero() {
				continue
			}
			base, err := open.MulRate(rate, money.RoundHalfUp)
			if err != nil {
				return err
			}
			a := by[id]
			if a == nil {
				a = &acc{code: code, name: name, overdue: make([]int64, nb)}
				by[id] = a
			}
			if kind != "invoice" || base.Sign() < 0 {
				a.credits += base.Units()
				continue
			}
			dueDay, _ := time.Parse(db.DateLayout, due)
			past := int(day.Sub(dueDay).Hours() / 24)
			if past <= 0 {
				a.notDue += base.Units()
				continue
			}
			b := slices.IndexFunc(AgingBuckets, func(limit int) bool { return past <= limit })
			if b < 0 {
				b = nb - 1
			}
			a.overdue[b] += base.Units()
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = &Aging{Date: date, Currency: c.BaseCurrency, Buckets: AgingBuckets}
		total := AgingRow{Overdue: make([]money.Amount, nb)}
		tot := make([]int64, nb)
		var totNotDue, totCredits, totAll int64
		for id, a := range by {
			r := AgingRow{CustomerID: id, Code: a.code, Name: a.name, NotDue: money.AmountFromUnits(a.notDue), Credits: money.AmountFromUnits(a.credits)}
			sum := a.notDue + a.credits
			for i, v := range a.overdue {
				r.Overdue = append(r.Overdue, money.AmountFromUnits(v))
				sum += v
				tot[i] += v
			}
			r.Total = money.AmountFromUnits(sum)
			totNotDue, totCredits, totAll = totNotDue+a.notDue, totCredits+a.credits, totAll+sum
			out.Rows = append(out.Rows, r)
		}
		slices.SortFunc(out.Rows, func(a, b AgingRow) int {
			if x := b.Total.Cmp(a.Total); x != 0 {
				return x
			}
			return strings.Compare(a.Name, b.Name)
		})
		for i, v := range tot {
			total.Overdue[i] = money.AmountFromUnits(v)
		}
		total.NotDue, total.Credits, total.Total = money.AmountFromUnits(totNotDue), money.AmountFromUnits(totCredits), money.AmountFromUnits(totAll)
		out.Total = total
		return nil
	})
	return out, err
}
