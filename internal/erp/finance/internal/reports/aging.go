package reports

import (
	"context"
	"fmt"
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
		// Each item's open amount at the date: what is open now, or with
		// later allocations added back.
		items := `SELECT i.id, i.customer_id, i.kind, i.due_date, i.rate, i.open AS amt
			FROM fin_ar_item i WHERE i.date <= $1 AND i.open <> 0`
		if later {
			items = `SELECT i.id, i.customer_id, i.kind, i.due_date, i.rate,
			i.amount - COALESCE((SELECT sum(a.amount) FROM fin_allocation a WHERE a.target_id = i.id AND a.date <= $1), 0)
			         + COALESCE((SELECT sum(a.amount) FROM fin_allocation a WHERE a.source_id = i.id AND a.date <= $1), 0) AS amt
			FROM fin_ar_item i WHERE i.date <= $1 AND (i.open <> 0
				OR EXISTS (SELECT 1 FROM fin_allocation a WHERE a.target_id = i.id AND a.date > $1)
				OR EXISTS (SELECT 1 FROM fin_allocation a WHERE a.source_id = i.id AND a.date > $1))`
		}
		// The items in the base currency (rate 1, stored as 1000000) are
		// added up in SQL by customer and column, so a hundred thousand
		// open invoices come back as a few rows per customer; items in
		// another currency come one by one, because each is converted and
		// rounded on its own. Column -1 holds credits (anything but an
		// invoice, or a negative invoice), 0 what is not yet due, 1… the
		// overdue buckets, by due date against the date less each
		// bucket's days.
		day, _ := time.Parse(db.DateLayout, date)
		nb := len(AgingBuckets) + 1
		bucket := `CASE WHEN y.kind <> 'invoice' OR y.amt < 0 THEN -1 WHEN y.due_date >= $1 THEN 0`
		for i, limit := range AgingBuckets {
			bucket += fmt.Sprintf(` WHEN y.due_date >= '%s' THEN %d`, day.AddDate(0, 0, -limit).Format(db.DateLayout), i+1)
		}
		bucket += fmt.Sprintf(` ELSE %d END`, nb)
		q := `SELECT g.customer_id, cu.code, cu.name, g.col, g.rate, g.amt FROM (
				SELECT y.customer_id, ` + bucket + ` AS col, y.rate, sum(y.amt) AS amt
				FROM (` + items + `) y WHERE y.amt <> 0 AND y.rate = 1000000 GROUP BY 1, 2, 3
				UNION ALL
				SELECT y.customer_id, ` + bucket + `, y.rate, y.amt
				FROM (` + items + `) y WHERE y.amt <> 0 AND y.rate <> 1000000) g
			JOIN fin_customer cu ON cu.id = g.customer_id`
		args := []any{date}
		if !p.System && p.Scope("fin.customer") != authz.ScopeCompany {
			q += ` WHERE cu.owner_id = $2`
			args = append(args, p.UserID)
		}
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		type acc struct {
			code, name      string
			notDue, credits int64
			overdue         []int64
		}
		by := map[string]*acc{}
		for rows.Next() {
			var (
				id, code, name string
				col            int
				rate           money.Rate
				open           money.Amount
			)
			if err := rows.Scan(&id, &code, &name, &col, &rate, &open); err != nil {
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
			switch {
			case col < 0:
				a.credits += base.Units()
			case col == 0:
				a.notDue += base.Units()
			default:
				a.overdue[col-1] += base.Units()
			}
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
