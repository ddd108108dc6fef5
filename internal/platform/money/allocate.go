package money

import (
	"math/big"
	"slices"
)

// Weight is a type whose values can weigh the parts of an allocation.
type Weight interface {
	Amount | Quantity
	Units() int64
}

// Allocate splits total into one part per weight, in proportion to the weights, so the parts sum exactly to total.
//
// Each part is first its proportional share rounded toward zero; the
// hundredths left over then go one each to the parts with the largest
// remainders, the earlier part winning a tie (largest-remainder method).
// So every part lies within one hundredth of its exact share, a zero weight
// gets a zero part, and the result depends only on the inputs. A negative
// total is split as its absolute value and each part negated. Weights must
// not be negative and must not all be zero.
func Allocate[W Weight](total Amount, weights []W) ([]Amount, error) {
	const op = "allocate"
	sum := new(big.Int)
	w := make([]*big.Int, len(weights))
	for i, weight := range weights {
		u := weight.Units()
		if u < 0 {
			return nil, newArithmeticError(KindNegativeWeight, op)
		}
		w[i] = big.NewInt(u)
		sum.Add(sum, w[i])
	}
	if sum.Sign() == 0 {
		return nil, newArithmeticError(KindZeroWeights, op)
	}

	neg, mag := magnitude(total.units)
	t := new(big.Int).SetUint64(mag)
	shares := make([]uint64, len(weights))
	remainders := make([]*big.Int, len(weights))
	var given uint64
	for i := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(t, w[i]), sum, new(big.Int))
		shares[i] = q.Uint64() // at most mag, because w[i] ≤ sum
		remainders[i] = r
		given += shares[i]
	}

	// Fewer hundredths are left than there are parts with a nonzero remainder,
	// because the remainders add up to exactly left×sum and each is below sum.
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return remainders[b].Cmp(remainders[a]) })
	for _, i := range order[:mag-given] {
		shares[i]++
	}

	parts := make([]Amount, len(weights))
	for i, s := range shares {
		u, _ := fromMagnitude(neg, s) // s ≤ mag, and mag came from an int64 of the same sign
		parts[i] = Amount{u}
	}
	return parts, nil
}
