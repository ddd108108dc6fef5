package money

import "math/bits"

// Rounding chooses how a result with more decimals than its type keeps is brought to that scale.
type Rounding int

const (
	// RoundHalfUp rounds to the nearest unit and a tie away from zero (四舍五入), as Chinese VAT and invoices require.
	RoundHalfUp Rounding = iota + 1
	// RoundHalfEven rounds to the nearest unit and a tie to the even neighbour (banker's rounding).
	RoundHalfEven
)

// valid reports whether r is one of the declared constants.
func (r Rounding) valid() bool {
	return r == RoundHalfUp || r == RoundHalfEven
}

// mulDivRound returns ±round(a×b÷c) in mode, negative when neg is true.
// The product is exact in 128 bits, so only the final result has to fit an
// int64; any other outcome is KindOverflow. c must not be zero.
func mulDivRound(neg bool, a, b, c uint64, mode Rounding) (int64, Kind) {
	if !mode.valid() {
		return 0, KindUnknownRounding
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, KindOverflow
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 && roundsAway(q, r, c, mode) {
		q++
		if q == 0 {
			return 0, KindOverflow
		}
	}
	u, ok := fromMagnitude(neg, q)
	if !ok {
		return 0, KindOverflow
	}
	return u, ""
}

// roundsAway reports whether the quotient q with remainder r (0 < r < c)
// must move one unit away from zero.
func roundsAway(q, r, c uint64, mode Rounding) bool {
	rest := c - r // distance from the exact result up to q+1, in units of 1/c
	if mode == RoundHalfEven {
		return r > rest || (r == rest && q&1 == 1)
	}
	return r >= rest
}
