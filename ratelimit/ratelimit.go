// Package ratelimit owns the one request-rate limiter that every call of a
// run waits on — create, get, bind and every retry — so that the whole run,
// not each worker, keeps to the quota. It wraps golang.org/x/time/rate.
//
// On WeChat's minute quota (errcode 45011) SlowDown pauses every caller at
// once until the quota's minute turns, then lets calls through at half the
// rate they went at, recovering step by step to the configured rate, never
// above it — as rclone's pacer and GNU parallel's --delay auto do.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Recovery after a slow-down: the rate grows by RecoveryFactor every
// RecoveryStep until it is back at its ceiling.
const (
	RecoveryStep   = 10 * time.Second
	RecoveryFactor = 1.25
	// MinRate is the lowest rate a slow-down goes to, calls per second.
	MinRate = 0.5
	// observeWindow is how far back the observed rate looks.
	observeWindow = 10 * time.Second
)

// Limiter spaces calls to at most qps per second, with bursts of burst.
// It is safe for concurrent use.
type Limiter struct {
	lim   *rate.Limiter
	max   float64 // configured qps; 0: no limit
	burst int

	// now and pauseFor are fixed by New; tests replace them.
	now      func() time.Time
	pauseFor func(now time.Time) time.Duration

	mu       sync.Mutex
	cur      float64   // the rate now; 0: no limit
	ceiling  float64   // what recovery grows back to; 0: no limit
	paused   time.Time // no call before this
	nextStep time.Time // when the rate grows next
	slowed   int       // slow-downs so far
	grants   ring      // calls let through, for the observed rate
}

// New returns a limiter of qps calls per second (0: no limit) with the
// given burst (at least 1). A slow-down pauses until the next minute of
// the clock, when WeChat's minute quota turns; see SetPause.
func New(qps float64, burst int) *Limiter {
	burst = max(burst, 1)
	l := &Limiter{max: max(qps, 0), burst: burst, now: time.Now, pauseFor: untilNextMinute}
	l.cur, l.ceiling = l.max, l.max
	l.lim = rate.NewLimiter(limitOf(l.cur), burst)
	return l
}

// SetPause makes a slow-down pause for d instead of until the next minute
// (d <= 0 restores that).
func (l *Limiter) SetPause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d <= 0 {
		l.pauseFor = untilNextMinute
		return
	}
	l.pauseFor = func(time.Time) time.Duration { return d }
}

func untilNextMinute(now time.Time) time.Duration {
	return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
}

// Margin is the share of a rate the limiter keeps below it: calls leave
// evenly spaced, but reach WeChat with a few milliseconds of jitter, and a
// late call followed by punctual ones would put one call too many into a
// second. 0.5% under the rate absorbs 5 ms of jitter at 300 qps.
const Margin = 0.005

func limitOf(qps float64) rate.Limit {
	if qps <= 0 {
		return rate.Inf
	}
	return rate.Limit(qps * (1 - Margin))
}

// Wait blocks until a call may be sent, or ctx is done. Give it a context
// without a deadline: rate.Limiter fails at once when the deadline is
// nearer than the wait, and a wait must not eat into a call's timeout.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.now()
		if now.Before(l.paused) {
			d := l.paused.Sub(now)
			l.mu.Unlock()
			if err := sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		l.recoverLocked(now)
		l.mu.Unlock()
		if err := l.lim.Wait(ctx); err != nil {
			return err
		}
		l.mu.Lock()
		now = l.now()
		if now.Before(l.paused) { // a slow-down came while this waited
			l.mu.Unlock()
			continue
		}
		l.grants.add(now)
		l.mu.Unlock()
		return nil
	}
}

// SlowDown is the answer to a 45011: pause every caller until the quota
// turns, then go on at half the rate calls went at (with no limit: half the
// rate observed), growing back step by step to the configured rate — or,
// with no limit, to the rate observed. A 45011 that arrives during the
// pause it caused (other calls of the same burst) changes nothing; SlowDown
// reports whether this one slowed the rate, and then until when every
// caller is paused and the rate (per second) it goes on at.
func (l *Limiter) SlowDown() (until time.Time, rate float64, slowed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.paused) {
		return time.Time{}, 0, false
	}
	// The rate calls went at: the limit, or less when fewer calls came.
	going := l.grants.rate(now)
	if l.cur > 0 && (going == 0 || l.cur < going) {
		going = l.cur
	}
	if going <= 0 {
		going = 2 * MinRate
	}
	if l.max == 0 && (l.ceiling == 0 || going < l.ceiling) {
		l.ceiling = going // no limit given: the quota is about here
	}
	l.cur = max(going/2, MinRate)
	l.lim.SetLimitAt(now, limitOf(l.cur))
	l.lim.SetBurstAt(now, 1)
	l.paused = now.Add(l.pauseFor(now))
	l.nextStep = l.paused.Add(RecoveryStep)
	l.slowed++
	return l.paused, l.cur, true
}

// recoverLocked grows a slowed rate by a step when one is due.
func (l *Limiter) recoverLocked(now time.Time) {
	if l.cur == 0 || (l.ceiling > 0 && l.cur >= l.ceiling) || now.Before(l.nextStep) {
		return
	}
	l.cur *= RecoveryFactor
	if l.ceiling > 0 && l.cur >= l.ceiling {
		l.cur = l.ceiling
		l.lim.SetBurstAt(now, l.burst)
	}
	l.lim.SetLimitAt(now, limitOf(l.cur))
	l.nextStep = now.Add(RecoveryStep)
}

// rate is the rate calls may go at now, per second; 0 means no limit.
func (l *Limiter) rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recoverLocked(l.now())
	return l.cur
}

// pausedUntil is when the current pause ends (zero or past: none).
func (l *Limiter) pausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused
}

// slowDowns is the number of slow-downs so far.
func (l *Limiter) slowDowns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slowed
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ring counts calls per second over the last observeWindow.
type ring struct {
	start time.Time // first call
	secs  [10]int64 // calls in each second, by unix second mod 10
	last  int64     // unix second of the newest count
}

func (r *ring) add(now time.Time) {
	if r.start.IsZero() {
		r.start = now
	}
	s := now.Unix()
	r.advance(s)
	r.secs[s%int64(len(r.secs))]++
}

func (r *ring) advance(s int64) {
	if s-r.last >= int64(len(r.secs)) {
		r.secs = [10]int64{}
	} else {
		for t := r.last + 1; t <= s; t++ {
			r.secs[t%int64(len(r.secs))] = 0
		}
	}
	if s > r.last {
		r.last = s
	}
}

// rate is the calls per second over the window (or since the first call).
func (r *ring) rate(now time.Time) float64 {
	if r.start.IsZero() {
		return 0
	}
	r.advance(now.Unix())
	var n int64
	for _, c := range r.secs {
		n += c
	}
	span := min(now.Sub(r.start), observeWindow)
	if span < 100*time.Millisecond {
		span = 100 * time.Millisecond
	}
	return float64(n) / span.Seconds()
}
