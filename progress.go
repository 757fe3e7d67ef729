package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"openbind/report"
)

// Progress modes of --progress.
const (
	progressAuto  = "auto"  // a bar on a terminal, plain lines elsewhere
	progressBar   = "bar"   // a bar, redrawn in place
	progressPlain = "plain" // a line every --progress-interval
	progressNone  = "none"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stderrSink is stderr for the logs: while a bar is drawn, lines go above
// it instead of through it.
type stderrSink struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (s *stderrSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bar != nil {
		return progressbar.Bprintf(s.bar, "%s", p)
	}
	return s.w.Write(p)
}

func (s *stderrSink) setBar(b *progressbar.ProgressBar) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bar = b
}

// newProgress returns what draws a run's progress on sink, or nil for none.
func newProgress(mode string, interval time.Duration, sink *stderrSink) (*progress, error) {
	switch mode {
	case progressAuto:
		mode = progressPlain
		if isTerminal(sink.w) {
			mode = progressBar
		}
	case progressBar, progressPlain:
	case progressNone:
		return nil, nil
	default:
		return nil, fmt.Errorf("--progress %q: want auto, bar, plain or none", mode)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("--progress-interval %s: want more than 0", interval)
	}
	return &progress{bar: mode == progressBar, interval: interval, sink: sink}, nil
}

// progress counts the rows a run sends and draws them: a bar, or a plain
// line every interval ("done/total" with rate, ETA and failures) with no
// carriage return nor escape code, for logs and files.
type progress struct {
	bar      bool
	interval time.Duration
	sink     *stderrSink

	total  int
	start  time.Time
	done   atomic.Int64
	failed atomic.Int64

	pb   *progressbar.ProgressBar
	stop chan struct{}
	wg   sync.WaitGroup
}

func (p *progress) Start(total int) {
	p.total, p.start = total, time.Now()
	if p.bar {
		p.pb = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.sink.w),
			progressbar.OptionSetDescription("rows"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
		p.sink.setBar(p.pb)
		return
	}
	p.stop = make(chan struct{})
	p.wg.Go(func() {
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.line(false)
			case <-p.stop:
				return
			}
		}
	})
}

func (p *progress) Row(rec *report.Record) {
	p.done.Add(1)
	if rec.Status == report.Failed {
		n := p.failed.Add(1)
		if p.pb != nil {
			p.pb.Describe(fmt.Sprintf("rows, %d failed", n))
		}
	}
	if p.pb != nil {
		_ = p.pb.Add(1)
	}
}

func (p *progress) Stop() {
	if p.pb != nil {
		_ = p.pb.Finish()
		p.sink.setBar(nil)
		fmt.Fprintln(p.sink.w)
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.line(true)
}

// line writes one plain progress line.
func (p *progress) line(final bool) {
	done, failed := p.done.Load(), p.failed.Load()
	elapsed := time.Since(p.start)
	rate := float64(done) / elapsed.Seconds()
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(done) / float64(p.total)
	}
	msg := fmt.Sprintf("progress: %d/%d rows (%.1f%%), %.1f rows/s", done, p.total, pct, rate)
	switch {
	case final:
		msg += fmt.Sprintf(", in %s", elapsed.Round(time.Second))
	case rate > 0:
		eta := time.Duration(float64(int64(p.total)-done) / rate * float64(time.Second))
		msg += fmt.Sprintf(", ETA %s", eta.Round(time.Second))
	}
	msg += fmt.Sprintf(", %d failed\n", failed)
	_, _ = p.sink.Write([]byte(msg))
}
