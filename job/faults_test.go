package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"openbind/ratelimit"
	"openbind/report"
	"openbind/wechat/wechattest"
)

// plainInput is an input of n plain accounts; scenario(i) gives row i's
// scenario cell.
func plainInput(n int, scenario func(i int) string) string {
	var b strings.Builder
	b.WriteString("appid,access_token,scenario\n")
	for i := range n {
		s := ""
		if scenario != nil {
			s = scenario(i)
		}
		fmt.Fprintf(&b, "wx%016x,TOKEN-%d,%s\n", 0x100+i, i, s)
	}
	return b.String()
}

// rateIn is the arrival rate (calls per second) the stand-in saw in [from, to).
func rateIn(calls []wechattest.Call, from, to time.Time) float64 {
	n := 0
	for _, c := range calls {
		if !c.Start.Before(from) && c.Start.Before(to) {
			n++
		}
	}
	return float64(n) / to.Sub(from).Seconds()
}

// slowDowns records what each slow-down of its limiter said.
type slowDowns struct {
	*ratelimit.Limiter
	mu   sync.Mutex
	seen []struct {
		until time.Time
		rate  float64
	}
}

func (l *slowDowns) SlowDown() (time.Time, float64, bool) {
	until, rate, slowed := l.Limiter.SlowDown()
	if slowed {
		l.mu.Lock()
		l.seen = append(l.seen, struct {
			until time.Time
			rate  float64
		}{until, rate})
		l.mu.Unlock()
	}
	return until, rate, slowed
}

// A 45011 slows every worker, not the one that saw it: after the pause the
// whole run's rate is about half what it was.
func TestMinuteQuotaSlowsEveryone(t *testing.T) {
	const trigger = 400
	w := newWorld(t, plainInput(1400, func(i int) string {
		if i == trigger {
			return "faults=45011"
		}
		return ""
	}))
	w.srv.SetLatency(time.Millisecond, 2*time.Millisecond)
	cfg := w.config()
	cfg.Workers = 8
	lim := &slowDowns{Limiter: ratelimit.New(0, 1)}
	// The pause is long beside the grace below for the calls granted before
	// it that reach the stand-in late on a loaded machine.
	const pause, grace = 500 * time.Millisecond, 100 * time.Millisecond
	lim.SetPause(pause)
	cfg.Limiter = lim
	var logs syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	w.run(t, cfg)
	// The operator is told until when every call waits and how fast the
	// run goes on.
	if out := logs.String(); !strings.Contains(out, "minute quota reached") || !strings.Contains(out, " until=") || !strings.Contains(out, " calls_per_second=") {
		t.Errorf("the 45011 warning says no pause or rate:\n%s", out)
	}

	calls := w.srv.Calls()
	var quota wechattest.Call
	for _, c := range calls {
		if c.Fault == wechattest.MinuteQuota {
			quota = c
		}
	}
	if quota.At.IsZero() || len(lim.seen) != 1 {
		t.Fatalf("no 45011 seen, or %d slow-downs", len(lim.seen))
	}
	first := calls[0].Start
	pauseEnd := lim.seen[0].until
	before := rateIn(calls, first, quota.Start)
	during := rateIn(calls, quota.At.Add(grace), pauseEnd)
	after := rateIn(calls, pauseEnd, pauseEnd.Add(300*time.Millisecond))
	t.Logf("calls per second: %.0f before the 45011, %.0f during the pause, %.0f after", before, during, after)
	if during != 0 {
		t.Errorf("%.0f calls per second went out during the pause", during)
	}
	if after > 0.75*before || after == 0 {
		t.Errorf("the rate after the pause is %.0f/s, not well below %.0f/s before it", after, before)
	}
	if got := lim.seen[0].rate; got <= 0 || got > 0.6*before {
		t.Errorf("limiter rate %.0f after the slow-down; observed %.0f before", got, before)
	}
	// Every row still ends right.
	for _, r := range w.results(t) {
		if r.Status != report.Created || r.OpenAppID != w.srv.BoundTo(r.AppID) {
			t.Fatalf("record %+v", r)
		}
	}
}

func TestStaleTokenStreak(t *testing.T) {
	tests := []struct {
		name     string
		scenario func(i int) string
		stopped  bool
		failed   int
	}{
		{"20 in a row stop the run", func(i int) string { return "expired" }, true, 20},
		{"mixed codes count", func(i int) string { return []string{"expired", "unknown-token", "code=40014"}[i%3] }, true, 20},
		{"a good row resets the streak", func(i int) string {
			if i == 15 {
				return ""
			}
			return "expired"
		}, false, 29},
		{"other failures reset it too", func(i int) string {
			if i%10 == 9 {
				return "code=89001"
			}
			return "expired"
		}, false, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, plainInput(30, tt.scenario))
			cfg := w.config()
			cfg.Workers = 1
			res := w.run(t, cfg)
			if (res.Stopped != nil) != tt.stopped {
				t.Fatalf("stopped: %v", res.Stopped)
			}
			if tt.stopped && !strings.Contains(res.Stopped.Error(), "20 rows in a row failed with an invalid or expired access_token") {
				t.Errorf("message: %v", res.Stopped)
			}
			// The one worker may have sent the next rows while the 20th
			// was being recorded: the one it held and the one waiting in
			// the channel of its outcomes.
			failed := res.Summary.Counts[report.Failed]
			if failed < tt.failed || (tt.stopped && failed > tt.failed+2) || (!tt.stopped && failed != tt.failed) {
				t.Errorf("%d failed, want %d", failed, tt.failed)
			}
			if tt.stopped && res.Summary.Counts[report.Pending] != 30-failed {
				t.Errorf("%d pending, want %d", res.Summary.Counts[report.Pending], 30-failed)
			}
		})
	}
}

// panicAPI panics on its third call.
type panicAPI struct {
	API
	n chan struct{}
}

func (p *panicAPI) Create(ctx context.Context, token, appid string) (string, error) {
	select {
	case p.n <- struct{}{}:
		return p.API.Create(ctx, token, appid)
	default:
		panic("boom")
	}
}

func TestWorkerPanicStopsTheRun(t *testing.T) {
	w := newWorld(t, plainInput(10, nil))
	cfg := w.config()
	cfg.Workers = 1
	cl := cfg
	if err := cl.setDefaults(); err != nil {
		t.Fatal(err)
	}
	cfg.API = &panicAPI{API: cl.API, n: make(chan struct{}, 2)}
	res := w.run(t, cfg)
	if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "internal error (a bug in openbind: a panic with a value of type string, not shown: it may hold a token)") {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	if res.Summary.Counts[report.Created] != 2 || res.Summary.Counts[report.Pending] != 8 {
		t.Errorf("counts %v", res.Summary.Counts)
	}
	// The stop carries the stack of the panic, for stderr.
	var pe *PanicError
	if !errors.As(res.Stopped, &pe) || pe.Value != "boom" || !strings.Contains(string(pe.Trace), "panicAPI") {
		t.Errorf("stopped: %#v, want a *PanicError with the stack of panicAPI.Create", res.Stopped)
	}
}

// panicLimiter panics in the Wait of its second call.
type panicLimiter struct {
	Limiter
	n atomic.Int32
}

func (p *panicLimiter) Wait(ctx context.Context) error {
	if p.n.Add(1) == 2 {
		panic("limiter bug")
	}
	return p.Limiter.Wait(ctx)
}

// Every goroutine of a pool recovers: a panic stops the run or the
// verification with a *PanicError that carries its stack, and the
// results are written.
func TestPanicsAreRecovered(t *testing.T) {
	t.Run("a goroutine of the pool", func(t *testing.T) {
		r := &runner{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
		r.startPool(context.Background())
		r.spawn(func() { producePanics() })
		<-r.stopCtx.Done()
		var pe *PanicError
		if !errors.As(context.Cause(r.stopCtx), &pe) || !strings.Contains(string(pe.Trace), "producePanics") {
			t.Fatalf("cause %v, want a *PanicError with the stack of producePanics", context.Cause(r.stopCtx))
		}
		if got := context.Cause(r.stopCtx).Error(); got != "internal error (a bug in openbind: a panic with a value of type string, not shown: it may hold a token)" {
			t.Errorf("message %q", got)
		}
	})
	t.Run("a worker of verify", func(t *testing.T) {
		w := newWorld(t, plainInput(10, nil))
		cfg := w.config()
		cfg.Workers = 1
		w.run(t, cfg)
		vc := VerifyConfig{Input: cfg.Input, Output: cfg.Output, Report: filepath.Join(t.TempDir(), "verify.csv"), Workers: 1, QPS: 0,
			BaseURL: cfg.BaseURL, Limiter: &panicLimiter{Limiter: ratelimit.New(0, 1)}}
		res, err := Verify(context.Background(), vc)
		if err != nil {
			t.Fatal(err)
		}
		var pe *PanicError
		if !errors.As(res.Stopped, &pe) || pe.Value != "limiter bug" || !strings.Contains(string(pe.Trace), "panicLimiter") {
			t.Fatalf("stopped: %v, want a *PanicError from panicLimiter.Wait", res.Stopped)
		}
		if _, err := os.Stat(vc.Report); err != nil {
			t.Errorf("the report was not written: %v", err)
		}
	})
}

//go:noinline
func producePanics() { panic("reading went wrong") }

// syncBuffer is a bytes.Buffer the workers' logger may write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
