// Package money holds Loom's exact number types: Amount for money, and
// Quantity, UnitPrice and Rate for the numbers that multiply into money.
//
// Each value is a signed 64-bit count of its smallest unit at a fixed scale:
// an Amount counts hundredths of the currency unit (fen, cents), and a
// Quantity, UnitPrice or Rate counts millionths. Loom stores that count as is,
// in an INTEGER (SQLite) or BIGINT (PostgreSQL) column, because SQLite turns a
// decimal written into a NUMERIC or DECIMAL column into an 8-byte float (REAL),
// which loses digits past about 15 significant ones, and its SUM over TEXT
// returns a float as well. SUM over a scaled INTEGER column is exact on both
// engines, and SQLite reports an error rather than losing digits when such a
// SUM overflows.
//
// No float is used anywhere. Every operation that could leave the int64 range
// returns an error instead of wrapping around. Every operation whose exact
// result has more decimals than its type keeps takes a Rounding, so the
// rounding rule is visible at the call site; Chinese VAT and invoices use
// RoundHalfUp (四舍五入). Intermediate products are computed exactly in 128
// bits before rounding.
//
// Text is a plain decimal: an optional leading "-", digits, and optionally a
// "." followed by digits, such as "-12.5" or "0.001". Exponents, "+", spaces,
// thousands separators, NaN and Inf are refused, and so is a nonzero digit
// past the type's scale, because reading it would silently round; zeros past
// the scale are accepted since they change nothing. Output is canonical: an
// Amount always shows two decimals ("12.30"), while a Quantity, UnitPrice or
// Rate drops trailing fractional zeros and a bare point ("2.5", "3"). JSON
// carries exactly that text as a string and refuses JSON numbers;
// database/sql carries the scaled count as an int64.
package money
