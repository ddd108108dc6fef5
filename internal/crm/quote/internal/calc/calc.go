// Package calc prices quote lines: the net unit price after a discount,
// the line's net, VAT and gross amounts in either tax mode (half-up to the
// fen, line by line), how far a price is below its reference, and whether
// it is below the floor. It knows no database and no HTTP.
package calc

import (
	"fmt"

	"github.com/govalues/decimal"

	"github.com/loom-erp/loom/internal/platform/money"
)

var one = decimal.MustNew(1, 0)

// Line is what a line's amounts are computed from.
type Line struct {
	Quantity money.Quantity
	// UnitPrice is the price before the discount, with VAT when Inclusive.
	UnitPrice money.UnitPrice
	Discount  money.Rate
	VATRate   money.Rate
	Inclusive bool
}

// Amounts are a line's computed amounts.
type Amounts struct {
	// NetPrice is the unit price after the discount, in the line's tax mode.
	NetPrice money.UnitPrice
	Net      money.Amount
	Tax      money.Amount
	Gross    money.Amount
}

// Compute prices a line the way ERP prices a sales order line, so both
// agree to the fen: the line amount is quantity × unit price, the discount
// is the line amount × the discount rate, each rounded half-up to the fen.
// Tax-exclusive, what is left is the net and the VAT is net × rate;
// tax-inclusive, what is left is the gross and the VAT is gross × rate ÷
// (1 + rate). The net price shown per unit is the unit price less the
// discount, to six decimals.
func Compute(l Line) (Amounts, error) {
	var a Amounts
	if l.Discount.Sign() < 0 || l.Discount.Decimal().Cmp(one) > 0 {
		return a, fmt.Errorf("calc: discount %s is not between 0 and 1", l.Discount)
	}
	keep, err := one.Sub(l.Discount.Decimal())
	if err != nil {
		return a, err
	}
	np, err := l.UnitPrice.Decimal().Mul(keep)
	if err != nil {
		return a, err
	}
	if a.NetPrice, err = money.UnitPriceFromDecimal(np, money.RoundHalfUp); err != nil {
		return a, err
	}
	total, err := l.Quantity.MulUnitPrice(l.UnitPrice, money.RoundHalfUp)
	if err != nil {
		return a, err
	}
	off, err := total.MulRate(l.Discount, money.RoundHalfUp)
	if err != nil {
		return a, err
	}
	amount, err := total.Sub(off)
	if err != nil {
		return a, err
	}
	if !l.Inclusive {
		a.Net = amount
		if a.Tax, err = a.Net.MulRate(l.VATRate, money.RoundHalfUp); err != nil {
			return a, err
		}
		a.Gross, err = a.Net.Add(a.Tax)
		return a, err
	}
	a.Gross = amount
	onePlus, err := one.Add(l.VATRate.Decimal())
	if err != nil {
		return a, err
	}
	t, err := a.Gross.Decimal().Mul(l.VATRate.Decimal())
	if err != nil {
		return a, err
	}
	if t, err = t.Quo(onePlus); err != nil {
		return a, err
	}
	if a.Tax, err = money.AmountFromDecimal(t, money.RoundHalfUp); err != nil {
		return a, err
	}
	a.Net, err = a.Gross.Sub(a.Tax)
	return a, err
}

// WithVAT returns an exclusive price with VAT added (rounded half-up), for
// showing reference and floor prices in a tax-inclusive quote.
func WithVAT(p money.UnitPrice, vat money.Rate) (money.UnitPrice, error) {
	onePlus, err := one.Add(vat.Decimal())
	if err != nil {
		return money.UnitPrice{}, err
	}
	d, err := p.Decimal().Mul(onePlus)
	if err != nil {
		return money.UnitPrice{}, err
	}
	return money.UnitPriceFromDecimal(d, money.RoundHalfUp)
}

// Reduction is how far price is below ref, as a rate (0.15 is 15% off);
// zero when price is not below ref or ref is zero.
func Reduction(price, ref money.UnitPrice) (money.Rate, error) {
	if ref.Sign() <= 0 || price.Cmp(ref) >= 0 {
		return money.Rate{}, nil
	}
	q, err := price.Decimal().Quo(ref.Decimal())
	if err != nil {
		return money.Rate{}, err
	}
	r, err := one.Sub(q)
	if err != nil {
		return money.Rate{}, err
	}
	return money.RateFromDecimal(r, money.RoundHalfUp)
}

// ExclusivePrice returns the unit price before VAT of a line's amounts:
// its net ÷ quantity, to six decimals.
func ExclusivePrice(net money.Amount, qty money.Quantity) (money.UnitPrice, error) {
	return net.DivQuantity(qty, money.RoundHalfUp)
}
