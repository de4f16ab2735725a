package auth

import (
	"sync"
	"time"
)

// limiter counts failed logins per key (username and client address) and
// refuses a key that failed max times within window, until the window that
// began with its first failure ends.
type limiter struct {
	max    int
	window time.Duration

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n     int
	first time.Time
}

// limiterCap bounds the keys kept: past it, expired keys are dropped, and if
// none are, the whole table (a flood of distinct names is not a reason to
// grow without bound).
const limiterCap = 100_000

// blocked reports whether key is locked out at now.
func (l *limiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.keys[key]
	if f == nil {
		return false
	}
	if now.Sub(f.first) >= l.window {
		delete(l.keys, key)
		return false
	}
	return f.n >= l.max
}

// fail records a failure of key at now.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]*failures{}
	}
	f := l.keys[key]
	if f == nil || now.Sub(f.first) >= l.window {
		if len(l.keys) >= limiterCap {
			l.prune(now)
		}
		l.keys[key] = &failures{n: 1, first: now}
		return
	}
	f.n++
}

// succeed forgets the failures of key.
func (l *limiter) succeed(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

func (l *limiter) prune(now time.Time) {
	for k, f := range l.keys {
		if now.Sub(f.first) >= l.window {
			delete(l.keys, k)
		}
	}
	if len(l.keys) >= limiterCap {
		clear(l.keys)
	}
}
