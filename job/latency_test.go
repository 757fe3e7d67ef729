package job

import (
	"math"
	"testing"
	"time"
)

func TestLatencyQuantiles(t *testing.T) {
	var l latency
	if l.Quantile(0.5) != 0 {
		t.Error("quantile of nothing")
	}
	// 1..1000 ms, one each.
	for i := 1; i <= 1000; i++ {
		l.Observe(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct{ q, want float64 }{{0.5, 0.5}, {0.95, 0.95}, {0.99, 0.99}, {1, 1}} {
		got := l.Quantile(tt.q)
		if math.Abs(got-tt.want)/tt.want > 0.05 || got < tt.want {
			t.Errorf("q%.2f = %.4f s, want %.3f s within 5%% above", tt.q, got, tt.want)
		}
	}
	if l.Count() != 1000 {
		t.Errorf("count %d", l.Count())
	}
	var tiny latency
	tiny.Observe(time.Microsecond)
	if got := tiny.Quantile(0.5); got != latencyBase.Seconds() {
		t.Errorf("a call under 100 µs: %v", got)
	}
}
