package job

import (
	"sync"
	"sync/atomic"
	"time"

	"openbind/report"
	"openbind/wechat"
)

// stats is what the workers measure of their calls.
type stats struct {
	lat     latency
	calls   atomic.Int64
	retries atomic.Int64
	ok      atomic.Int64 // calls answered ok; the others are in outcomes

	mu       sync.Mutex
	outcomes map[string]int
}

func (s *stats) observe(d time.Duration, err error, retry bool) {
	s.lat.Observe(d)
	s.calls.Add(1)
	if retry {
		s.retries.Add(1)
	}
	if err == nil {
		s.ok.Add(1)
		return
	}
	o := callOutcome(err)
	s.mu.Lock()
	s.outcomes[o]++
	s.mu.Unlock()
}

// run is the part of the summary the run measured.
func (s *stats) run(sent int, elapsed time.Duration, stopped error) *report.Run {
	r := &report.Run{
		Sent: sent, Calls: int(s.calls.Load()), Retries: int(s.retries.Load()), Elapsed: elapsed,
		Latency: [3]float64{s.lat.Quantile(0.5), s.lat.Quantile(0.95), s.lat.Quantile(0.99)},
	}
	s.mu.Lock()
	r.Outcomes = make(map[string]int, len(s.outcomes))
	for k, v := range s.outcomes {
		r.Outcomes[k] = v
	}
	s.mu.Unlock()
	if ok := s.ok.Load(); ok > 0 {
		r.Outcomes[callOutcome(nil)] = int(ok)
	}
	if stopped != nil {
		r.Stopped, r.Stop = stopped.Error(), stopped
	}
	return r
}

// failoverCounter is the part of an API that counts failovers to the next
// base URL; *wechat.Client has it.
type failoverCounter interface {
	Failovers() wechat.Failovers
}

// noteFailovers puts into r how often api failed over, if it counts them.
func noteFailovers(api API, r *report.Run) {
	fc, ok := api.(failoverCounter)
	if !ok {
		return
	}
	f := fc.Failovers()
	r.Failovers = report.Failovers{Count: f.Count, First: f.First, Last: f.Last, From: f.From, To: f.To}
}
