package bus

import (
	"context"
	"errors"
	"sync"
)

// InProcess is the transport of a single process (`loom serve`): Publish
// returns only after every subscribed consumer has durably recorded the
// batch in its own unit database (applied, queued for retry or
// dead-lettered), so the relay marks events published only then, and a
// crash at any point leaves them in the outbox to be published again.
type InProcess struct {
	mu     sync.RWMutex
	subs   []inprocSub
	closed bool
}

type inprocSub struct {
	name    string
	types   map[string]bool
	deliver DeliverFunc
}

// NewInProcess returns an in-process transport.
func NewInProcess() *InProcess { return &InProcess{} }

// Publish delivers events to every consumer of their types, consumers in
// parallel, and returns nil once all of them recorded the batch.
func (p *InProcess) Publish(ctx context.Context, events []Envelope) error {
	p.mu.RLock()
	subs, closed := p.subs, p.closed
	p.mu.RUnlock()
	if closed {
		return ErrStopped
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range subs {
		var batch []Delivery
		for _, ev := range events {
			if s.types[ev.Type] {
				batch = append(batch, Delivery{Event: ev})
			}
		}
		if len(batch) == 0 {
			continue
		}
		wg.Go(func() {
			if err := s.deliver(ctx, batch); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Consume registers a consumer; it receives the batches published from now on.
func (p *InProcess) Consume(consumer string, types []string, deliver DeliverFunc) error {
	s := inprocSub{name: consumer, types: map[string]bool{}, deliver: deliver}
	for _, t := range types {
		s.types[t] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrStopped
	}
	p.subs = append(p.subs[:len(p.subs):len(p.subs)], s)
	return nil
}

// Close makes further publishes fail.
func (p *InProcess) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return nil
}
