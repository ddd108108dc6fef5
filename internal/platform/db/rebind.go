package db

import (
	"strconv"
	"strings"
	"sync"
)

var rebindCache sync.Map // string → string

// Rebind rewrites PostgreSQL placeholders ($1) to SQLite's numbered form (?1)
// outside string literals, quoted identifiers and comments. On PostgreSQL it
// returns the query unchanged.
func (d *DB) Rebind(query string) string {
	if d.Engine != SQLite {
		return query
	}
	return RebindSQLite(query)
}

// RebindSQLite rewrites $N placeholders to ?N; results are cached. When the
// placeholders are $1, $2, … $n, each once and in that order (as in a
// multi-row insert), they become plain ? instead, which SQLite numbers the
// same way: the driver then binds them by position rather than looking up
// each ?N by name, a cost that grows with the square of their count.
func RebindSQLite(query string) string {
	if v, ok := rebindCache.Load(query); ok {
		return v.(string)
	}
	if !strings.Contains(query, "$") {
		return query
	}
	var b, plain strings.Builder
	b.Grow(len(query))
	plain.Grow(len(query))
	inOrder, next := true, 1
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(query) {
				j = len(query) - 1
			}
			b.WriteString(query[i : j+1])
			plain.WriteString(query[i : j+1])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i - 1
			}
			b.WriteString(query[i : i+j+1])
			plain.WriteString(query[i : i+j+1])
			i += j
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(query[i+1 : j]); err != nil || n != next {
				inOrder = false
			}
			next++
			b.WriteByte('?')
			b.WriteString(query[i+1 : j])
			plain.WriteByte('?')
			i = j - 1
		default:
			b.WriteByte(c)
			plain.WriteByte(c)
		}
	}
	out := b.String()
	if inOrder {
		out = plain.String()
	}
	rebindCache.Store(query, out)
	return out
}
