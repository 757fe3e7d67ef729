package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"openbind/wechat/wechattest"
)

// measureRate: --qps 2000 against answers that take 1 s, with the default
// workers (2,501: 2,500 calls in flight and the burst): the rate kept, the
// connections opened, and the memory of the process.
func measureRate(b *bench) error {
	const qps = 2000
	seconds := 20
	if b.quick {
		seconds = 8
	}
	n := qps * seconds
	workers := qps*5/4 + 1 // job.DefaultWorkers(2000, 1)
	input, _, err := b.writeInput("rate.csv", n)
	if err != nil {
		return err
	}
	out := b.path("rate-results.csv")
	p, conns, err := b.against(false, input, n, workers, []string{"--latency", "1s"}, "--output", out, "--qps", fmt.Sprint(qps))
	if err != nil {
		return err
	}
	at, err := finishedAt(out)
	if err != nil {
		return err
	}
	mean := meanRate(at)
	fmt.Printf("rate: --qps %d, answers in 1 s, default workers (%d), %d rows: mean %.1f calls/s from first to last answer, %.1f s, peak RSS %s\n",
		qps, workers, n, mean, p.wall.Seconds(), mb(p.maxRSS))
	b.check(mean >= 0.99*qps, "rate kept %.2f%% of --qps %d  (bound >= 99%%)", 100*mean/qps, qps)
	b.check(conns <= workers+4, "connections %d  (bound <= %d workers + 4)", conns, workers)
	b.check(p.maxRSS <= 150e6, "peak RSS %s with 2,500 calls in flight  (bound <= 150 MB)", mb(p.maxRSS))
	return nil
}

// finishedAt reads the finished_at of every row of a results file, sorted.
func finishedAt(path string) ([]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return nil, err
	}
	var at []time.Time
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339, rec[len(rec)-1])
		if err != nil {
			return nil, err
		}
		at = append(at, t)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at, nil
}

// meanRate is the events per second from the first to the last.
func meanRate(at []time.Time) float64 {
	if len(at) < 2 {
		return 0
	}
	return float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
}

// measureWindow is the rate that is never exceeded: --qps 300 --burst 1
// against answers in 1-5 ms, each call's arrival recorded by an
// in-process stand-in: no 1 s window holds more than 300.
func measureWindow(b *bench) error {
	const qps, seconds = 300, 20
	n := qps * seconds
	if b.quick {
		n = qps * 8
	}
	input, _, err := b.writeInput("window.csv", n)
	if err != nil {
		return err
	}
	srv := wechattest.New()
	srv.SetLearn(true)
	srv.SetRecord(true)
	srv.SetLatency(time.Millisecond, 5*time.Millisecond)
	srv = srv.Start()
	defer srv.Close()
	p, err := b.openbind("run", "--input", input, "--output", b.path("window-results.csv"), "--qps", fmt.Sprint(qps), "--burst", "1", "--base-url", srv.URL)
	if err != nil {
		return err
	}
	if p.code != 0 {
		return fmt.Errorf("exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	var at []time.Time
	for _, c := range srv.Calls() {
		at = append(at, c.Start)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most := maxInWindow(at, time.Second)
	fmt.Printf("window: --qps %d --burst 1, answers in 1-5 ms, %d calls: mean %.1f/s = %.2f%% of %d\n", qps, len(at), meanRate(at), 100*meanRate(at)/qps, qps)
	b.check(most <= qps, "at most %d calls in any 1 s window  (bound <= %d)", most, qps)
	return nil
}

// maxInWindow is the most arrivals in any window of length d.
func maxInWindow(at []time.Time, d time.Duration) int {
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
