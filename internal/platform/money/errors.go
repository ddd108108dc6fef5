package money

import (
	"fmt"
	"unicode/utf8"
)

// Kind names what went wrong in a form fit for programs and translation keys.
type Kind string

// Kinds of ParseError and ArithmeticError.
const (
	// KindInvalid means the text is not a plain decimal number.
	KindInvalid Kind = "invalid"
	// KindTooManyDecimals means the text has more decimal places than the type keeps.
	KindTooManyDecimals Kind = "too_many_decimals"
	// KindOutOfRange means the value is too large or too small for the type.
	KindOutOfRange Kind = "out_of_range"
	// KindNotString means a JSON value was a number, boolean, array or object instead of a string.
	KindNotString Kind = "not_string"
	// KindUnsupportedType means a database value was NULL or of a Go type other than int64, []byte or string.
	KindUnsupportedType Kind = "unsupported_type"
	// KindOverflow means an arithmetic result does not fit the type.
	KindOverflow Kind = "overflow"
	// KindDivisionByZero means a divisor was zero.
	KindDivisionByZero Kind = "division_by_zero"
	// KindNegativeWeight means an allocation weight was below zero.
	KindNegativeWeight Kind = "negative_weight"
	// KindZeroWeights means the allocation weights were missing or summed to zero.
	KindZeroWeights Kind = "zero_weights"
	// KindUnknownRounding means a Rounding value was none of the declared constants.
	KindUnknownRounding Kind = "unknown_rounding"
)

// keyOf returns the translation key for k.
func keyOf(k Kind) string { return "money." + string(k) }

// maxInputInError bounds how much of the offending text an error keeps.
const maxInputInError = 64

// ParseError reports text, JSON or a database value that could not be read as a money type.
type ParseError struct {
	Kind  Kind   // what is wrong
	Key   string // translation key: "money." followed by Kind
	Type  string // type being read: "amount", "quantity", "unit_price" or "rate"
	Scale int    // decimal places the type keeps, for messages such as "at most 2 decimal places"
	Input string // offending text, cut to 64 bytes; for KindUnsupportedType the Go type of the value
}

func newParseError(kind Kind, typ string, scale int, input string) *ParseError {
	if len(input) > maxInputInError {
		cut := maxInputInError
		for cut > 0 && !utf8.RuneStart(input[cut]) {
			cut--
		}
		input = input[:cut] + "…"
	}
	return &ParseError{Kind: kind, Key: keyOf(kind), Type: typ, Scale: scale, Input: input}
}

// Error describes the failure in English for logs; user-facing text comes from Key.
func (e *ParseError) Error() string {
	switch e.Kind {
	case KindUnsupportedType:
		return fmt.Sprintf("money: cannot read %s from a %s database value (%s)", e.Type, e.Input, e.Kind)
	case KindTooManyDecimals:
		return fmt.Sprintf("money: cannot read %s from %q: more than %d decimal places (%s)", e.Type, e.Input, e.Scale, e.Kind)
	}
	return fmt.Sprintf("money: cannot read %s from %q (%s)", e.Type, e.Input, e.Kind)
}

// ArithmeticError reports an operation whose result cannot be represented or is undefined.
type ArithmeticError struct {
	Kind Kind   // what is wrong
	Key  string // translation key: "money." followed by Kind
	Op   string // operation, such as "amount.add" or "allocate"
}

func newArithmeticError(kind Kind, op string) *ArithmeticError {
	return &ArithmeticError{Kind: kind, Key: keyOf(kind), Op: op}
}

// Error describes the failure in English for logs; user-facing text comes from Key.
func (e *ArithmeticError) Error() string {
	return fmt.Sprintf("money: %s: %s", e.Op, e.Kind)
}
