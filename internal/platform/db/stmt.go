package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds the prepared-statement cache of one pool; Loom's
// queries are constant strings, so the bound only guards against queries
// built from varying input.
const maxCachedStatements = 2000

// stmtCache keeps one prepared statement per query text for a pool. SQLite
// spends much of a short query's time parsing it; database/sql prepares a
// cached statement once per connection and reuses it.
type stmtCache struct {
	pool *sql.DB
	m    sync.Map // query → *sql.Stmt
	n    atomic.Int64
	// wanted holds queries first seen inside a transaction on the single
	// writer connection, where preparing on the pool would wait for the
	// connection the transaction holds; they are prepared after it ends.
	wanted sync.Map
}

// lookup returns the cached statement for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if s, ok := c.m.Load(query); ok {
		return s.(*sql.Stmt)
	}
	return nil
}

// want notes a query to prepare once the writer is free.
func (c *stmtCache) want(query string) {
	if c.n.Load() < maxCachedStatements {
		c.wanted.Store(query, struct{}{})
	}
}

// prepareWanted prepares the queries noted by want; call it outside any
// transaction of the pool.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.wanted.Range(func(k, _ any) bool {
		c.wanted.Delete(k)
		_, _ = c.get(ctx, k.(string))
		return true
	})
}

// get returns the cached statement for query, preparing it if needed; nil
// when the cache is full (the caller then runs the query unprepared).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.m.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	if c.n.Load() >= maxCachedStatements {
		return nil, nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	c.n.Add(1)
	return s, nil
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}
