package erpkit

import (
	"strconv"
	"strings"
)

// Column is one column of a Values table: its name and SQL type (TEXT or
// BIGINT), which both engines understand in CAST.
type Column struct {
	Name, Type string
}

// Values renders rows as a common table expression "name(cols) AS (VALUES …)"
// whose placeholders start at $start, and returns its arguments. Set-based
// statements join it: WITH <Values> UPDATE t SET … FROM name WHERE …. Every
// value is cast, because PostgreSQL cannot infer the type of a parameter in
// VALUES and SQLite names VALUES columns column1, column2, ….
func Values(name string, cols []Column, rows [][]any, start int) (string, []any) {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name)
	}
	b.WriteString(") AS (VALUES ")
	args := make([]any, 0, len(rows)*len(cols))
	n := start
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, c := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("CAST($")
			b.WriteString(strconv.Itoa(n))
			b.WriteString(" AS ")
			b.WriteString(c.Type)
			b.WriteByte(')')
			n++
		}
		b.WriteByte(')')
		args = append(args, r...)
	}
	b.WriteByte(')')
	return b.String(), args
}

// ChunkSize is how many rows one set-based statement carries.
const ChunkSize = 400

// Chunks calls fn with consecutive parts of rows of at most ChunkSize rows,
// stopping at the first error.
func Chunks[T any](rows []T, fn func(part []T) error) error {
	for len(rows) > 0 {
		n := min(len(rows), ChunkSize)
		if err := fn(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Placeholders returns "$start, $start+1, …" for n arguments.
func Placeholders(start, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(start + i))
	}
	return b.String()
}

// Cols describes columns as "name TYPE" strings, such as "item_id TEXT".
func Cols(specs ...string) []Column {
	out := make([]Column, len(specs))
	for i, s := range specs {
		name, typ, _ := strings.Cut(s, " ")
		out[i] = Column{Name: name, Type: typ}
	}
	return out
}

// EscapeLike escapes the wildcards of a LIKE pattern; use it with ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
