package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Group commit on SQLite.
//
// SQLite has one writer, and each durable commit costs an fsync. Rather than
// commit every business transaction on its own, the writer takes the
// transactions waiting for it together: it opens one database transaction,
// runs each business transaction inside its own savepoint (a failing one is
// rolled back to its savepoint and the others go on), and commits once. Each
// caller still sees its own transaction succeed or fail on its own, and its
// after-commit hooks run only once the shared commit is durable. Under load
// this turns many fsyncs into one; alone, a transaction runs as before.

// maxGroup bounds how many business transactions share one commit.
const maxGroup = 64

// errGroupAborted is returned to the transactions of a group whose shared
// transaction failed for a reason not their own; they run again.
var errGroupAborted = errors.New("db: the shared commit failed; the transaction runs again")

type groupJob struct {
	ctx      context.Context
	fn       func(ctx context.Context) error
	st       *txState
	err      error
	panicked any
	done     chan struct{}
}

type committer struct {
	jobs   chan *groupJob
	closed chan struct{}
	once   sync.Once
	stop   sync.Once
}

// runGrouped hands fn to the writer and waits for its outcome.
func (d *DB) runGrouped(ctx context.Context, fn func(ctx context.Context) error) (*txState, error) {
	c := d.group
	c.once.Do(func() { go d.commitLoop() })
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closed:
		return nil, fmt.Errorf("db: unit %s is closed", d.Unit)
	}
	<-j.done
	if j.panicked != nil {
		panic(j.panicked)
	}
	return j.st, j.err
}

func (d *DB) commitLoop() {
	c := d.group
	for {
		var first *groupJob
		select {
		case first = <-c.jobs:
		case <-c.closed:
			return
		}
		batch := []*groupJob{first}
	drain:
		for len(batch) < maxGroup {
			select {
			case j := <-c.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		d.commitBatch(batch)
		for _, j := range batch {
			close(j.done)
		}
	}
}

// commitBatch runs the jobs of one group and commits them together.
func (d *DB) commitBatch(batch []*groupJob) {
	bg := context.Background()
	tx, err := d.w.BeginTx(bg, nil)
	if err != nil {
		for _, j := range batch {
			j.err = fmt.Errorf("db: begin on unit %s: %w", d.Unit, err)
		}
		return
	}
	var committed []*groupJob
	abort := func(cause error) {
		_ = tx.Rollback()
		for _, j := range committed {
			j.st, j.err = nil, fmt.Errorf("%w: %v", errGroupAborted, cause)
		}
		committed = nil
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if _, err := tx.ExecContext(bg, `SAVEPOINT loom_tx`); err != nil {
			abort(err)
			for _, rest := range batch[i:] {
				rest.err = fmt.Errorf("%w: %v", errGroupAborted, err)
			}
			return
		}
		st := &txState{tx: tx}
		err := d.runJob(j, st)
		if err != nil {
			j.err = err
			if _, rerr := tx.ExecContext(bg, `ROLLBACK TO loom_tx`); rerr != nil {
				abort(rerr)
				for _, rest := range batch[i+1:] {
					rest.err = fmt.Errorf("%w: %v", errGroupAborted, rerr)
				}
				return
			}
		}
		if _, err := tx.ExecContext(bg, `RELEASE loom_tx`); err != nil {
			if j.err == nil {
				j.err = err
			}
			abort(err)
			for _, rest := range batch[i+1:] {
				rest.err = fmt.Errorf("%w: %v", errGroupAborted, err)
			}
			return
		}
		if j.err == nil {
			j.st = st
			committed = append(committed, j)
		}
	}
	if len(committed) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, j := range committed {
			j.st, j.err = nil, fmt.Errorf("db: commit on unit %s: %w", d.Unit, err)
		}
	}
}

// runJob runs one business transaction inside the shared one: its function,
// then its before-commit hooks. Its statements run without the caller's
// cancellation, because interrupting a statement would roll back the whole
// shared transaction.
func (d *DB) runJob(j *groupJob, st *txState) (err error) {
	defer func() {
		if p := recover(); p != nil {
			j.panicked = p
			err = fmt.Errorf("db: transaction panicked: %v", p)
		}
	}()
	tctx := context.WithValue(context.WithoutCancel(j.ctx), txKey{d}, st)
	if err := j.fn(tctx); err != nil {
		return err
	}
	for i := 0; i < len(st.before); i++ {
		if err := st.before[i](tctx); err != nil {
			return err
		}
	}
	return nil
}

// closeGroup stops the writer's loop; waiting callers get an error.
func (c *committer) close() {
	c.stop.Do(func() { close(c.closed) })
}
