package money_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

type line struct {
	Amount money.Amount     `json:"amount"`
	Qty    money.Quantity   `json:"qty"`
	Price  money.UnitPrice  `json:"price"`
	Rate   money.Rate       `json:"rate"`
	Tax    *money.Amount    `json:"tax,omitempty"`
	Parts  []money.Quantity `json:"parts,omitempty"`
}

func TestJSONRoundTrip(t *testing.T) {
	in := line{
		Amount: money.MustAmount("12.3"),
		Qty:    money.MustQuantity("2.5"),
		Price:  money.MustUnitPrice("4.92"),
		Rate:   money.MustRate("0.13"),
		Parts:  quantities("1", "-0.000001"),
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"amount":"12.30","qty":"2.5","price":"4.92","rate":"0.13","parts":["1","-0.000001"]}`
	if string(data) != want {
		t.Errorf("json = %s, want %s", data, want)
	}
	var out line
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Amount != in.Amount || out.Qty != in.Qty || out.Price != in.Price || out.Rate != in.Rate || len(out.Parts) != 2 || out.Parts[1] != in.Parts[1] {
		t.Errorf("round trip gave %+v, want %+v", out, in)
	}
}

func TestJSONNullLeavesValue(t *testing.T) {
	out := line{Amount: money.MustAmount("5"), Qty: money.MustQuantity("1"), Price: money.MustUnitPrice("2"), Rate: money.MustRate("0.5")}
	before := out
	if err := json.Unmarshal([]byte(`{"amount":null,"qty":null,"price":null,"rate":null,"tax":null}`), &out); err != nil {
		t.Fatal(err)
	}
	if out.Amount != before.Amount || out.Qty != before.Qty || out.Price != before.Price || out.Rate != before.Rate || out.Tax != nil {
		t.Errorf("null changed the values: %+v", out)
	}
}

func TestJSONRefusesBadInput(t *testing.T) {
	cases := []struct {
		json string
		kind money.Kind
	}{
		{`12.3`, money.KindNotString},
		{`0`, money.KindNotString},
		{`1e2`, money.KindNotString},
		{`true`, money.KindNotString},
		{`{}`, money.KindNotString},
		{`[]`, money.KindNotString},
		{`""`, money.KindInvalid},
		{`" 1"`, money.KindInvalid},
		{`"1e2"`, money.KindInvalid},
		{`"1,000.00"`, money.KindInvalid},
		{`"\u0031"`, money.KindInvalid},
		{`"NaN"`, money.KindInvalid},
		{`"1.234"`, money.KindTooManyDecimals},
		{`"92233720368547758.08"`, money.KindOutOfRange},
	}
	for _, c := range cases {
		a := money.MustAmount("7")
		err := json.Unmarshal([]byte(c.json), &a)
		if kindOf(t, err) != c.kind {
			t.Errorf("Amount from JSON %s: %v, want %s", c.json, err, c.kind)
		}
		if a != money.MustAmount("7") {
			t.Errorf("Amount from JSON %s changed the value to %s", c.json, a)
		}
	}
	var q money.Quantity
	if err := json.Unmarshal([]byte(`{"qty":2.5}`), &struct {
		Qty *money.Quantity `json:"qty"`
	}{&q}); kindOf(t, err) != money.KindNotString {
		t.Errorf("Quantity from JSON number: %v", err)
	}
	var p money.UnitPrice
	if err := json.Unmarshal([]byte(`"0.0000001"`), &p); kindOf(t, err) != money.KindTooManyDecimals {
		t.Errorf("UnitPrice with seven decimals: %v", err)
	}
	var r money.Rate
	if err := json.Unmarshal([]byte(`13`), &r); kindOf(t, err) != money.KindNotString {
		t.Errorf("Rate from JSON number: %v", err)
	}
}

// scanner is what every type in the package offers to database/sql.
type scanner interface {
	sql.Scanner
	driver.Valuer
}

func TestValueAndScan(t *testing.T) {
	newValues := map[string]func() scanner{
		"amount":     func() scanner { v := money.MustAmount("-12.34"); return &v },
		"quantity":   func() scanner { v := money.MustQuantity("-12.34"); return &v },
		"unit_price": func() scanner { v := money.MustUnitPrice("-12.34"); return &v },
		"rate":       func() scanner { v := money.MustRate("-12.34"); return &v },
	}
	for name, newValue := range newValues {
		v := newValue()
		stored, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		units, ok := stored.(int64)
		if !ok {
			t.Fatalf("%s Value() = %T, want int64", name, stored)
		}
		if want := map[string]int64{"amount": -1234, "quantity": -12_340_000, "unit_price": -12_340_000, "rate": -12_340_000}[name]; units != want {
			t.Errorf("%s Value() = %d, want %d", name, units, want)
		}

		good := []struct {
			src  any
			want int64
		}{
			{int64(0), 0},
			{int64(math.MinInt64), math.MinInt64},
			{int64(42), 42},
			{[]byte("-9223372036854775808"), math.MinInt64},
			{"9223372036854775807", math.MaxInt64},
			{"007", 7},
		}
		for _, g := range good {
			v := newValue()
			if err := v.Scan(g.src); err != nil {
				t.Errorf("%s Scan(%#v): %v", name, g.src, err)
				continue
			}
			got, _ := v.Value()
			if got != g.want {
				t.Errorf("%s Scan(%#v) = %v, want %d", name, g.src, got, g.want)
			}
		}

		bad := []struct {
			src  any
			kind money.Kind
		}{
			{float64(12), money.KindUnsupportedType},
			{float64(0.1), money.KindUnsupportedType},
			{float32(1), money.KindUnsupportedType},
			{nil, money.KindUnsupportedType},
			{int32(5), money.KindUnsupportedType},
			{true, money.KindUnsupportedType},
			{"12.30", money.KindInvalid},
			{[]byte("1e3"), money.KindInvalid},
			{"", money.KindInvalid},
			{"-", money.KindInvalid},
			{" 1", money.KindInvalid},
			{"+1", money.KindInvalid},
			{"9223372036854775808", money.KindOutOfRange},
			{[]byte("-9223372036854775809"), money.KindOutOfRange},
		}
		for _, b := range bad {
			v := newValue()
			err := v.Scan(b.src)
			if kindOf(t, err) != b.kind {
				t.Errorf("%s Scan(%#v) = %v, want %s", name, b.src, err, b.kind)
			}
			if got, _ := v.Value(); got != units {
				t.Errorf("%s Scan(%#v) changed the value to %v", name, b.src, got)
			}
		}
	}

	var a money.Amount
	err := a.Scan(1.5)
	var pe *money.ParseError
	if !errors.As(err, &pe) || pe.Input != "float64" || pe.Type != "amount" {
		t.Fatalf("Scan(1.5) = %#v", err)
	}
	if msg := err.Error(); msg != "money: cannot read amount from a float64 database value (unsupported_type)" {
		t.Errorf("Error() = %q", msg)
	}
}
