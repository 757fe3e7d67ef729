// Package ratelimit owns the one request-rate limiter that every call of a
// run waits on — create, get, bind and every retry — so that the whole run,
// not each worker, keeps to the quota. It wraps golang.org/x/time/rate.
package ratelimit

import (
	"context"

	"golang.org/x/time/rate"
)

// Limiter spaces calls to at most qps per second, with bursts of burst.
// It is safe for concurrent use.
type Limiter struct {
	lim *rate.Limiter
}

// New returns a limiter of qps calls per second (0: no limit) with the
// given burst (at least 1).
func New(qps float64, burst int) *Limiter {
	burst = max(burst, 1)
	limit := rate.Limit(qps)
	if qps <= 0 {
		limit = rate.Inf
	}
	return &Limiter{lim: rate.NewLimiter(limit, burst)}
}

// Wait blocks until a call may be sent, or ctx is done. Give it a context
// without a deadline: rate.Limiter fails at once when the deadline is
// nearer than the wait, and a wait must not eat into a call's timeout.
func (l *Limiter) Wait(ctx context.Context) error {
	return l.lim.Wait(ctx)
}
