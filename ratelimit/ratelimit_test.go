package ratelimit

import (
	"context"
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
			min := time.Duration(float64(tt.calls-tt.burst) / tt.qps * float64(time.Second))
			if got := time.Since(start); got < min-time.Millisecond {
				t.Errorf("%d calls in %s at %v qps, burst %d: faster than %s", tt.calls, got, tt.qps, tt.burst, min)
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
