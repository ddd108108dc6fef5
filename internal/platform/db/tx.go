package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// ErrNoTx is returned by operations that must run inside InTx.
var ErrNoTx = errors.New("db: this operation must run inside a transaction")

type txKey struct{ d *DB }

type txState struct {
	tx       *sql.Tx
	readOnly bool
	before   []func(ctx context.Context) error
	after    []func()
}

// MaxAttempts bounds how often InTx runs a transaction that failed with a
// retryable error (SQLite busy, PostgreSQL serialization failure or deadlock).
const MaxAttempts = 8

// InTx runs fn in a write transaction carried by the context it passes to fn.
// A nested call on the same DB joins the outer transaction. When the outermost
// transaction fails with a retryable error, the whole of fn runs again (up to
// MaxAttempts), so fn must not keep state across attempts except through the
// database. Functions registered with AfterCommit run once the commit succeeded.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{d}).(*txState); ok {
		return fn(ctx)
	}
	var err error
	if d.ws != nil {
		defer d.ws.prepareWanted(context.WithoutCancel(ctx))
	}
	for attempt := 1; ; attempt++ {
		var st *txState
		if d.group != nil {
			st, err = d.runGrouped(ctx, fn)
		} else {
			st, err = d.runOnce(ctx, fn)
		}
		if err == nil {
			for _, f := range st.after {
				f()
			}
			return nil
		}
		if attempt >= MaxAttempts || !IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		// Back off with jitter: 1ms, 2ms, 4ms … capped at 50ms.
		wait := time.Duration(1<<min(attempt-1, 6)) * time.Millisecond
		wait = min(wait, 50*time.Millisecond)
		wait += time.Duration(rand.Int64N(int64(wait)))
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (d *DB) runOnce(ctx context.Context, fn func(ctx context.Context) error) (st *txState, err error) {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("db: begin on unit %s: %w", d.Unit, err)
	}
	st = &txState{tx: tx}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	tctx := context.WithValue(ctx, txKey{d}, st)
	if err := fn(tctx); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	// Hooks may register further hooks; run until none are left.
	for i := 0; i < len(st.before); i++ {
		if err := st.before[i](tctx); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("db: commit on unit %s: %w", d.Unit, err)
	}
	return st, nil
}

// InReadTx runs fn in a read-only snapshot: every query fn makes through the
// context sees the same committed state. Inside a write transaction it joins it.
func (d *DB) InReadTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{d}).(*txState); ok {
		return fn(ctx)
	}
	tx, err := d.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: d.Engine == Postgres, Isolation: readIsolation(d.Engine)})
	if err != nil {
		return fmt.Errorf("db: begin read on unit %s: %w", d.Unit, err)
	}
	defer tx.Rollback()
	if d.rs != nil {
		defer d.rs.prepareWanted(context.WithoutCancel(ctx))
	}
	return fn(context.WithValue(ctx, txKey{d}, &txState{tx: tx, readOnly: true}))
}

func readIsolation(e Engine) sql.IsolationLevel {
	if e == Postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// InTxNow reports whether ctx carries a write transaction of d.
func (d *DB) InTxNow(ctx context.Context) bool {
	st, ok := ctx.Value(txKey{d}).(*txState)
	return ok && !st.readOnly
}

// AfterCommit registers f to run after the transaction in ctx commits; it is
// dropped when the transaction rolls back. Outside a transaction f runs at once.
func (d *DB) AfterCommit(ctx context.Context, f func()) {
	if st, ok := ctx.Value(txKey{d}).(*txState); ok && !st.readOnly {
		st.after = append(st.after, f)
		return
	}
	f()
}

// BeforeCommit registers f to run inside the transaction in ctx, after the
// transaction's own work and just before it commits; an error from f rolls the
// transaction back. Writers that must serialise on a shared row (such as the
// audit hash chain) use it to hold that lock as briefly as possible.
func (d *DB) BeforeCommit(ctx context.Context, f func(ctx context.Context) error) error {
	st, ok := ctx.Value(txKey{d}).(*txState)
	if !ok || st.readOnly {
		return ErrNoTx
	}
	st.before = append(st.before, f)
	return nil
}

// Exec runs a statement in the context's transaction, or on the writer.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = d.Rebind(query)
	if st, ok := ctx.Value(txKey{d}).(*txState); ok {
		if stmt := d.inTxStmt(st, query); stmt != nil {
			return st.tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		}
		return st.tx.ExecContext(ctx, query, args...)
	}
	if stmt := d.cached(ctx, d.ws, query); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return d.w.ExecContext(ctx, query, args...)
}

// ExecAffected runs a statement and returns the number of rows it changed.
// Conditional updates use it to learn whether their condition held.
func (d *DB) ExecAffected(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := d.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query in the context's transaction, or on the read pool.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = d.Rebind(query)
	if st, ok := ctx.Value(txKey{d}).(*txState); ok {
		if stmt := d.inTxStmt(st, query); stmt != nil {
			return st.tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		}
		return st.tx.QueryContext(ctx, query, args...)
	}
	if stmt := d.cached(ctx, d.rs, query); stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return d.r.QueryContext(ctx, query, args...)
}

// QueryRow runs a query expected to return at most one row.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = d.Rebind(query)
	if st, ok := ctx.Value(txKey{d}).(*txState); ok {
		if stmt := d.inTxStmt(st, query); stmt != nil {
			return st.tx.StmtContext(ctx, stmt).QueryRowContext(ctx, args...)
		}
		return st.tx.QueryRowContext(ctx, query, args...)
	}
	if stmt := d.cached(ctx, d.rs, query); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return d.r.QueryRowContext(ctx, query, args...)
}

// QueryRowWriter runs a query on the writer outside any transaction; use it
// for a read that must see the latest commit of this process on SQLite.
func (d *DB) QueryRowWriter(ctx context.Context, query string, args ...any) *sql.Row {
	query = d.Rebind(query)
	if st, ok := ctx.Value(txKey{d}).(*txState); ok {
		return st.tx.QueryRowContext(ctx, query, args...)
	}
	return d.w.QueryRowContext(ctx, query, args...)
}

// inTxStmt returns the prepared statement for a query inside a transaction
// if the cache of its pool has one, and otherwise notes it for later: a
// transaction holds its connection, and on the single SQLite writer
// preparing through the pool would wait for that very connection.
func (d *DB) inTxStmt(st *txState, query string) *sql.Stmt {
	c := d.ws
	if st.readOnly {
		c = d.rs
	}
	if c == nil {
		return nil
	}
	if stmt := c.lookup(query); stmt != nil {
		return stmt
	}
	c.want(query)
	return nil
}

// cached returns the prepared statement for query from c, or nil when there
// is no cache (PostgreSQL) or the statement cannot be prepared (the caller
// then runs the query directly and reports its error).
func (d *DB) cached(ctx context.Context, c *stmtCache, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	stmt, err := c.get(ctx, query)
	if err != nil {
		return nil
	}
	return stmt
}
