package money

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govalues/decimal"
)

// The helpers in this file work on the scaled int64 count shared by every
// type in the package; the exported types wrap them with their own scale.

// pow10 holds 10^0 … 10^19, every power of ten a uint64 can hold.
var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// magnitude splits x into its sign and absolute value; math.MinInt64 gives 1<<63.
func magnitude(x int64) (neg bool, m uint64) {
	if x < 0 {
		return true, -uint64(x)
	}
	return false, uint64(x)
}

// fromMagnitude is the inverse of magnitude; ok is false when the value does not fit an int64.
func fromMagnitude(neg bool, m uint64) (x int64, ok bool) {
	if neg {
		if m > 1<<63 {
			return 0, false
		}
		return int64(-m), true
	}
	if m > math.MaxInt64 {
		return 0, false
	}
	return int64(m), true
}

func addUnits(op string, a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, newArithmeticError(KindOverflow, op)
	}
	return s, nil
}

func subUnits(op string, a, b int64) (int64, error) {
	d := a - b
	if (b > 0 && d > a) || (b < 0 && d < a) {
		return 0, newArithmeticError(KindOverflow, op)
	}
	return d, nil
}

func negUnits(op string, a int64) (int64, error) {
	if a == math.MinInt64 {
		return 0, newArithmeticError(KindOverflow, op)
	}
	return -a, nil
}

func absUnits(op string, a int64) (int64, error) {
	if a < 0 {
		return negUnits(op, a)
	}
	return a, nil
}

func signUnits(a int64) int { return cmp.Compare(a, 0) }

// wholeUnits returns whole×10^scale.
func wholeUnits(op string, whole int64, scale int) (int64, error) {
	neg, m := magnitude(whole)
	u, kind := mulDivRound(neg, m, pow10[scale], 1, RoundHalfUp)
	if kind != "" {
		return 0, newArithmeticError(kind, op)
	}
	return u, nil
}

// decimalUnits returns d as a count of 10^-scale units, rounded with mode.
func decimalUnits(op string, d decimal.Decimal, scale int, mode Rounding) (int64, error) {
	var u int64
	var kind Kind
	if s := d.Scale(); s <= scale {
		u, kind = mulDivRound(d.IsNeg(), d.Coef(), pow10[scale-s], 1, mode)
	} else {
		u, kind = mulDivRound(d.IsNeg(), d.Coef(), 1, pow10[s-scale], mode)
	}
	if kind != "" {
		return 0, newArithmeticError(kind, op)
	}
	return u, nil
}

// unitsDecimal returns u×10^-scale as a decimal.Decimal; every int64 fits its 19-digit coefficient.
func unitsDecimal(u int64, scale int) decimal.Decimal {
	return decimal.MustNew(u, scale)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseUnits reads a plain decimal into a count of 10^-scale units.
// Syntax is checked first, then decimal places, then range, so each input
// has exactly one Kind. Zeros past the scale are accepted because they are exact.
func parseUnits(s, typ string, scale int) (int64, error) {
	fail := func(k Kind) (int64, error) { return 0, newParseError(k, typ, scale, s) }

	i := 0
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	if intPart == "" {
		return fail(KindInvalid)
	}
	fracPart := ""
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracPart = s[fracStart:i]
		if fracPart == "" {
			return fail(KindInvalid)
		}
	}
	if i != len(s) {
		return fail(KindInvalid)
	}
	if len(fracPart) > scale {
		if strings.TrimRight(fracPart[scale:], "0") != "" {
			return fail(KindTooManyDecimals)
		}
		fracPart = fracPart[:scale]
	}

	var m uint64
	const limit = 1 << 63 // magnitude of math.MinInt64
	push := func(d uint64) bool {
		if m > (limit-d)/10 {
			return false
		}
		m = m*10 + d
		return true
	}
	for _, part := range [...]string{intPart, fracPart} {
		for j := 0; j < len(part); j++ {
			if !push(uint64(part[j] - '0')) {
				return fail(KindOutOfRange)
			}
		}
	}
	for range scale - len(fracPart) {
		if !push(0) {
			return fail(KindOutOfRange)
		}
	}
	u, ok := fromMagnitude(neg, m)
	if !ok {
		return fail(KindOutOfRange)
	}
	return u, nil
}

// formatUnits writes u×10^-scale as a plain decimal. With trim, zeros at the
// end of the fraction are dropped, and the point too when nothing is left.
func formatUnits(u int64, scale int, trim bool) string {
	neg, m := magnitude(u)
	digits := strconv.FormatUint(m, 10)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale+1-len(digits)) + digits
	}
	intPart, fracPart := digits[:len(digits)-scale], digits[len(digits)-scale:]
	if trim {
		fracPart = strings.TrimRight(fracPart, "0")
	}
	var b strings.Builder
	b.Grow(len(digits) + 2)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if fracPart != "" {
		b.WriteByte('.')
		b.WriteString(fracPart)
	}
	return b.String()
}

// marshalJSONUnits returns the JSON string form of formatUnits.
func marshalJSONUnits(u int64, scale int, trim bool) []byte {
	s := formatUnits(u, scale, trim)
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// unmarshalJSONUnits reads a JSON string holding a plain decimal. JSON null
// gives isNull, so the caller can leave its value untouched as encoding/json
// expects. JSON numbers are refused: a number token invites a float somewhere
// on the way, and Loom's API promises strings.
func unmarshalJSONUnits(data []byte, typ string, scale int) (u int64, isNull bool, err error) {
	if string(data) == "null" {
		return 0, true, nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return 0, false, newParseError(KindNotString, typ, scale, string(data))
	}
	// A backslash escape or any other byte outside the grammar fails in parseUnits.
	u, err = parseUnits(string(data[1:len(data)-1]), typ, scale)
	return u, false, err
}

// scanUnits reads a database value holding a scaled count: an int64, or the
// decimal text of an integer as PostgreSQL returns for SUM over BIGINT.
// Floats are refused because they may already have lost digits.
func scanUnits(src any, typ string, scale int) (int64, error) {
	switch v := src.(type) {
	case int64:
		return v, nil
	case []byte:
		return parseIntegerText(string(v), typ, scale)
	case string:
		return parseIntegerText(v, typ, scale)
	case nil:
		return 0, newParseError(KindUnsupportedType, typ, scale, "NULL")
	default:
		return 0, newParseError(KindUnsupportedType, typ, scale, fmt.Sprintf("%T", src))
	}
}

// parseIntegerText reads "-?[0-9]+" as an int64. A decimal point is refused:
// text such as "12.30" comes from a NUMERIC column, not from a scaled count.
func parseIntegerText(s, typ string, scale int) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, newParseError(KindInvalid, typ, scale, s)
	}
	u, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, newParseError(KindOutOfRange, typ, scale, s)
	}
	return u, nil
}
