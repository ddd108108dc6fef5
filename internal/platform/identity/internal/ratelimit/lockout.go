package ratelimit

import (
	"sync"
	"time"
)

// Lockouts counts failures per key in memory and locks a key for a while
// after too many in a row. Identity uses it for logins that do not exist, so
// they lock out exactly as real ones do and reveal nothing.
type Lockouts struct {
	after   int
	lockFor time.Duration
	maxKeys int

	mu   sync.Mutex
	keys map[string]*lockout
}

type lockout struct {
	failed int
	until  time.Time
}

// NewLockouts locks a key for lockFor after `after` failures.
func NewLockouts(after int, lockFor time.Duration) *Lockouts {
	return &Lockouts{after: after, lockFor: lockFor, maxKeys: 10000, keys: map[string]*lockout{}}
}

// Locked reports whether key is locked at now.
func (l *Lockouts) Locked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, ok := l.keys[key]
	return ok && now.Before(k.until)
}

// Fail counts a failure of key at now and reports whether it locked the key.
func (l *Lockouts) Fail(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= l.maxKeys {
			// Forgetting everything only gives guessers a few more tries;
			// the per-address limit still holds them back.
			clear(l.keys)
		}
		k = &lockout{}
		l.keys[key] = k
	}
	k.failed++
	if k.failed >= l.after {
		k.failed, k.until = 0, now.Add(l.lockFor)
		return true
	}
	return false
}
