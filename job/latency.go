package job

import (
	"math"
	"sync/atomic"
	"time"
)

// latency is a histogram of call durations for quantiles, safe for
// concurrent use: log-spaced buckets 5% wide from 100 µs up, so a quantile
// is right within 5%.
type latency struct {
	buckets [latencyBuckets]atomic.Int64
	count   atomic.Int64
}

const (
	latencyBase    = 100 * time.Microsecond
	latencyGrowth  = 1.05
	latencyBuckets = 400 // up to 100 µs × 1.05^400 ≈ 8 hours
)

var logGrowth = math.Log(latencyGrowth)

// Observe adds one call that took d.
func (l *latency) Observe(d time.Duration) {
	i := 0
	if d > latencyBase {
		i = int(math.Log(float64(d)/float64(latencyBase))/logGrowth) + 1
	}
	l.buckets[min(i, latencyBuckets-1)].Add(1)
	l.count.Add(1)
}

// Count is the number of calls observed.
func (l *latency) Count() int64 { return l.count.Load() }

// Quantile returns the q-quantile (0 < q ≤ 1) in seconds: the upper bound
// of the bucket that holds it. 0 when nothing was observed.
func (l *latency) Quantile(q float64) float64 {
	n := l.count.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i := range l.buckets {
		seen += l.buckets[i].Load()
		if seen >= rank {
			return latencyBase.Seconds() * math.Pow(latencyGrowth, float64(i))
		}
	}
	return latencyBase.Seconds() * math.Pow(latencyGrowth, latencyBuckets-1)
}
