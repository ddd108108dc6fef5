package money_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// TestStoreAndSum stores every type through the real drivers and checks that
// values come back unchanged and that SUM over the scaled counts is exact,
// including past the 2^53 where a float would drop digits.
func TestStoreAndSum(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		ctx := context.Background()
		d := loomtest.Open(t, cfg, "erp")
		ddl := `CREATE TABLE money_line (
			id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, qty INTEGER NOT NULL,
			price INTEGER NOT NULL, rate INTEGER NOT NULL, tax INTEGER) STRICT`
		if d.Engine == db.Postgres {
			ddl = `CREATE TABLE money_line (
				id BIGINT PRIMARY KEY, amount BIGINT NOT NULL, qty BIGINT NOT NULL,
				price BIGINT NOT NULL, rate BIGINT NOT NULL, tax BIGINT)`
		}
		if _, err := d.Writer().ExecContext(ctx, ddl); err != nil {
			t.Fatal(err)
		}

		lines := []struct {
			amount money.Amount
			qty    money.Quantity
			price  money.UnitPrice
			rate   money.Rate
		}{
			{money.MustAmount("70000000000000000.01"), money.MustQuantity("9223372036854.775807"), money.MustUnitPrice("0.000001"), money.MustRate("0.13")},
			{money.MustAmount("12345678901234.56"), money.MustQuantity("-9223372036854.775808"), money.MustUnitPrice("3.1416"), money.MustRate("0.09")},
			{money.MustAmount("-0.03"), money.MustQuantity("2.5"), money.MustUnitPrice("-12"), money.MustRate("0")},
		}
		want := money.Amount{}
		for range 10 {
			lines = append(lines, lines[len(lines)-1])
			lines[len(lines)-1].amount = money.MustAmount("0.10")
		}
		insert := d.Rebind(`INSERT INTO money_line (id, amount, qty, price, rate) VALUES ($1, $2, $3, $4, $5)`)
		for i, l := range lines {
			if _, err := d.Writer().ExecContext(ctx, insert, i, l.amount, l.qty, l.price, l.rate); err != nil {
				t.Fatal(err)
			}
			var err error
			if want, err = want.Add(l.amount); err != nil {
				t.Fatal(err)
			}
		}

		rows, err := d.Reader().QueryContext(ctx, `SELECT amount, qty, price, rate, tax FROM money_line ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; rows.Next(); i++ {
			var (
				a   money.Amount
				q   money.Quantity
				p   money.UnitPrice
				r   money.Rate
				tax sql.Null[money.Amount]
			)
			if err := rows.Scan(&a, &q, &p, &r, &tax); err != nil {
				t.Fatal(err)
			}
			l := lines[i]
			if a != l.amount || q != l.qty || p != l.price || r != l.rate || tax.Valid {
				t.Errorf("row %d came back as %s %s %s %s %v", i, a, q, p, r, tax)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()

		// SQLite returns SUM over INTEGER as an int64; PostgreSQL returns
		// SUM over BIGINT as NUMERIC, which the pgx driver hands over as text.
		var sum money.Amount
		if err := d.Reader().QueryRowContext(ctx, `SELECT SUM(amount) FROM money_line`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if sum != want {
			t.Errorf("SUM(amount) = %s, want %s", sum, want)
		}

		// A NULL needs sql.Null, and a float is refused rather than rounded.
		var a money.Amount
		err = d.Reader().QueryRowContext(ctx, `SELECT tax FROM money_line WHERE id = 0`).Scan(&a)
		if kindOf(t, err) != money.KindUnsupportedType {
			t.Errorf("NULL scanned into an Amount: %s, %v", a, err)
		}
		err = d.Reader().QueryRowContext(ctx, `SELECT CAST(amount AS REAL) FROM money_line WHERE id = 2`).Scan(&a)
		if kindOf(t, err) != money.KindUnsupportedType {
			t.Errorf("REAL scanned into an Amount: %s, %v", a, err)
		}
	})
}
