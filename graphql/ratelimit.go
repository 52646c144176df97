package graphql

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimits are the point budgets (GitHub's formula) and the concurrency
// bound per caller. Zero fields take the defaults.
type RateLimits struct {
	AnonymousPoints int           // per IP and window: 1,000
	TokenPoints     int           // per token or signed-in user and window: 5,000
	Window          time.Duration // 1 h
	MutationCost    int           // minimum cost of a mutation: 5
	Concurrent      int           // requests in flight per caller: 10
	// TimeoutPenalty is charged when a request runs out of time (GitHub
	// charges extra for them): 10 points.
	TimeoutPenalty int
}

func (r RateLimits) withDefaults() RateLimits {
	if r.AnonymousPoints <= 0 {
		r.AnonymousPoints = 1000
	}
	if r.TokenPoints <= 0 {
		r.TokenPoints = 5000
	}
	if r.Window <= 0 {
		r.Window = time.Hour
	}
	if r.MutationCost <= 0 {
		r.MutationCost = 5
	}
	if r.Concurrent <= 0 {
		r.Concurrent = 10
	}
	if r.TimeoutPenalty <= 0 {
		r.TimeoutPenalty = 10
	}
	return r
}

// rateState is a caller's budget as the response reports it.
type rateState struct {
	Limit     int
	Cost      int
	Remaining int
	Used      int
	Reset     time.Time
	Resource  string
}

type rateKey struct{}

type bucket struct {
	start    time.Time
	used     int
	inFlight int
}

// limiter keeps fixed-window point budgets and in-flight counts per caller.
type limiter struct {
	cfg  RateLimits
	now  func() time.Time
	mu   sync.Mutex
	byID map[string]*bucket
}

func newLimiter(cfg RateLimits, now func() time.Time) *limiter {
	return &limiter{cfg: cfg.withDefaults(), now: now, byID: map[string]*bucket{}}
}

func (l *limiter) limitFor(signedIn bool) int {
	if signedIn {
		return l.cfg.TokenPoints
	}
	return l.cfg.AnonymousPoints
}

// bucketLocked returns the caller's bucket in the current window.
func (l *limiter) bucketLocked(key string, now time.Time) *bucket {
	b := l.byID[key]
	if b == nil {
		if len(l.byID) > 100_000 {
			l.sweepLocked(now)
		}
		b = &bucket{start: now}
		l.byID[key] = b
	}
	if now.Sub(b.start) >= l.cfg.Window {
		b.start, b.used = now, 0
	}
	return b
}

func (l *limiter) sweepLocked(now time.Time) {
	for k, b := range l.byID {
		if b.inFlight == 0 && now.Sub(b.start) >= l.cfg.Window {
			delete(l.byID, k)
		}
	}
}

// enter counts a request in flight; false when the caller has too many.
func (l *limiter) enter(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(key, l.now())
	if b.inFlight >= l.cfg.Concurrent {
		return false
	}
	b.inFlight++
	return true
}

func (l *limiter) leave(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.byID[key]; b != nil && b.inFlight > 0 {
		b.inFlight--
	}
}

// charge takes cost points; ok is false (and nothing is taken) when the
// budget cannot pay.
func (l *limiter) charge(key, resource string, signedIn bool, cost int) (rateState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.bucketLocked(key, now)
	limit := l.limitFor(signedIn)
	st := rateState{Limit: limit, Cost: cost, Reset: b.start.Add(l.cfg.Window).UTC().Truncate(time.Second), Resource: resource}
	if b.used+cost > limit {
		st.Used, st.Remaining = b.used, max(0, limit-b.used)
		return st, false
	}
	b.used += cost
	st.Used, st.Remaining = b.used, limit-b.used
	return st, true
}

// penalise charges extra points (a request that ran out of time).
func (l *limiter) penalise(key string, points int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.byID[key]; b != nil {
		b.used += points
	}
}

// peek reports the budget without charging.
func (l *limiter) peek(key, resource string, signedIn bool) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(key, l.now())
	limit := l.limitFor(signedIn)
	return rateState{Limit: limit, Used: b.used, Remaining: max(0, limit-b.used), Reset: b.start.Add(l.cfg.Window).UTC().Truncate(time.Second), Resource: resource}
}

func setRateHeaders(h http.Header, st rateState) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(st.Limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(st.Remaining))
	h.Set("X-Ratelimit-Used", strconv.Itoa(st.Used))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(st.Reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", st.Resource)
}
