package ratelimit

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

func TestUnlimited(t *testing.T) {
	l := New(0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 100000; i++ {
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
	}
}

// The limit is shared: waits from many goroutines together keep to it.
// (Only the lower bound on time is checked: a limiter cannot be early.)
func TestSharedLimit(t *testing.T) {
	tests := []struct {
		qps   float64
		burst int
		calls int
	}{
		{100, 1, 21},
		{50, 5, 15},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			l := New(tt.qps, tt.burst)
			start := time.Now()
			var wg sync.WaitGroup
			for range tt.calls {
				wg.Go(func() {
					if err := l.Wait(context.Background()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			least := time.Duration(float64(tt.calls-tt.burst) / (tt.qps * (1 - Margin)) * float64(time.Second))
			if got := time.Since(start); got < least-time.Millisecond {
				t.Errorf("%d calls in %s at %v qps, burst %d: faster than %s", tt.calls, got, tt.qps, tt.burst, least)
			}
		})
	}
}

func TestWaitStopsWithContext(t *testing.T) {
	l := New(0.001, 1)
	_ = l.Wait(context.Background()) // takes the one token
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := l.Wait(ctx); err == nil {
		t.Error("Wait returned nil after its context was cancelled")
	}
}

// clock is a hand-moved clock for the slow-down state machine.
type clock struct{ t time.Time }

func (c *clock) now() time.Time               { return c.t }
func (c *clock) add(d time.Duration)          { c.t = c.t.Add(d) }
func near(a, b float64) bool                  { return math.Abs(a-b) < 1e-6 }
func withClock(l *Limiter, c *clock) *Limiter { l.now = c.now; return l }

func TestSlowDownAndRecovery(t *testing.T) {
	start := time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		qps      float64
		observed int // calls let through in the 5 s before the 45011
		want     []float64
	}{
		// With a limit: half of it, then ×1.25 every step, capped at it.
		{"limited", 10, 50, []float64{5, 6.25, 7.8125, 9.765625, 10, 10}},
		// Calls went slower than the limit: half of what they went at.
		{"limited, latency-bound", 100, 100, []float64{10, 12.5, 15.625, 19.53125, 24.4140625, 30.517578125}},
		// No limit: from the observed rate, back up to it and no further.
		{"unlimited", 0, 500, []float64{50, 62.5, 78.125, 97.65625, 100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{start}
			l := withClock(New(tt.qps, 1), c)
			for i := range tt.observed {
				c.t = start.Add(time.Duration(i) * 5 * time.Second / time.Duration(tt.observed))
				l.mu.Lock()
				l.grants.add(c.t)
				l.mu.Unlock()
			}
			c.t = start.Add(5 * time.Second)
			l.SlowDown()
			// Paused until the next minute of the clock.
			if got, want := l.pausedUntil(), time.Date(2026, 11, 27, 3, 5, 0, 0, time.UTC); !got.Equal(want) {
				t.Errorf("paused until %v, want %v", got, want)
			}
			c.t = l.pausedUntil()
			for i, want := range tt.want {
				if got := l.rate(); !near(got, want) {
					t.Errorf("step %d: rate %v, want %v", i, got, want)
				}
				if tt.qps > 0 && l.rate() > tt.qps {
					t.Errorf("step %d: rate %v above --qps %v", i, l.rate(), tt.qps)
				}
				c.add(RecoveryStep)
			}
		})
	}
}

func TestSlowDownOncePerPause(t *testing.T) {
	c := &clock{time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)}
	l := withClock(New(8, 1), c)
	l.SlowDown()
	c.add(time.Second)
	l.SlowDown() // other calls of the same burst
	if l.rate() != 4 || l.slowDowns() != 1 {
		t.Errorf("rate %v after %d slow-downs, want 4 after 1", l.rate(), l.slowDowns())
	}
	c.t = l.pausedUntil().Add(time.Second)
	l.SlowDown() // a new 45011 after the pause halves again
	if l.rate() != 2 || l.slowDowns() != 2 {
		t.Errorf("rate %v after %d slow-downs, want 2 after 2", l.rate(), l.slowDowns())
	}
	for range 100 {
		c.t = l.pausedUntil().Add(time.Second)
		l.SlowDown()
	}
	if l.rate() != MinRate {
		t.Errorf("rate %v, want the floor %v", l.rate(), MinRate)
	}
}

// Every caller waits out a pause.
func TestPauseHoldsEveryone(t *testing.T) {
	l := New(0, 1)
	l.SetPause(150 * time.Millisecond)
	for range 20 {
		_ = l.Wait(context.Background())
	}
	l.SlowDown()
	until := l.pausedUntil()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var early int
	for range 8 {
		wg.Go(func() {
			if err := l.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			if time.Now().Before(until) {
				early++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if early > 0 {
		t.Errorf("%d callers went through during the pause", early)
	}
}
