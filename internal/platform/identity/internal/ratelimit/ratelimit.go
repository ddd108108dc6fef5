// Package ratelimit keeps in-memory token buckets keyed by a string, such as
// the client address of login attempts.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter holds one bucket per key. A bucket holds up to Burst tokens and
// regains one every Every; a key never seen has a full bucket.
type Limiter struct {
	burst float64
	every time.Duration
	// sweepAt is the bucket count above which full buckets are dropped.
	sweepAt int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter of burst tokens per key, regaining one every every.
func New(burst int, every time.Duration) *Limiter {
	return &Limiter{burst: float64(burst), every: every, sweepAt: 10000, buckets: map[string]*bucket{}}
}

// Take takes a token from key's bucket at now and reports whether there was one.
func (l *Limiter) Take(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Give returns a token to key's bucket, for an attempt that turned out fine.
func (l *Limiter) Give(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, now)
	b.tokens = min(l.burst, b.tokens+1)
}

func (l *Limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.sweepAt {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
		return b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(l.burst, b.tokens+float64(d)/float64(l.every))
		b.at = now
	}
	return b
}

// sweep drops buckets that have refilled, since they equal an unseen key.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.every) >= l.burst {
			delete(l.buckets, k)
		}
	}
}
