package main

import (
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"openbind/locale"

	"openbind/report"
)

// Progress modes of --progress.
const (
	progressAuto  = "auto"  // a bar on a terminal, plain lines elsewhere
	progressBar   = "bar"   // a bar, redrawn in place
	progressPlain = "plain" // a line every --progress-interval
	progressNone  = "none"
)

// Timing of the bar.
const (
	// barRedraw is how often the bar is redrawn.
	barRedraw = 200 * time.Millisecond
	// rateWindow is how long the bar counts before it shows a rate and an
	// ETA: a rate over the first milliseconds (one row in 2µs) says nothing.
	rateWindow = time.Second
	barWidth   = 30
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stderrSink is stderr for the logs and for messages (the signal notices
// of main): while a bar is drawn, each write first erases the bar, then
// the bar is drawn again below what was written, so that no line lands on
// the bar's line. Write errors (a closed pipe) are the writers' to ignore:
// they never stop a run.
type stderrSink struct {
	mu    sync.Mutex
	w     io.Writer
	bar   func() string // the bar's current line; nil when none
	shown int           // the width of the bar's line on screen
}

func (s *stderrSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erase()
	n, err := s.w.Write(p)
	s.draw()
	return n, err
}

// erase blanks the bar's line and returns the cursor to its start, without
// escape codes (a Windows console without VT processing shows those).
func (s *stderrSink) erase() {
	if s.shown > 0 {
		_, _ = io.WriteString(s.w, "\r"+strings.Repeat(" ", s.shown)+"\r")
		s.shown = 0
	}
}

func (s *stderrSink) draw() {
	if s.bar == nil {
		return
	}
	line := s.bar()
	_, _ = io.WriteString(s.w, "\r"+line)
	s.shown = locale.Columns(line)
}

// redraw draws the bar again in place.
func (s *stderrSink) redraw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erase()
	s.draw()
}

// setBar starts drawing bar, or, with nil, leaves the last frame where it
// is and ends its line.
func (s *stderrSink) setBar(bar func() string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bar == nil && s.bar != nil {
		s.erase()
		_, _ = io.WriteString(s.w, s.bar()+"\n")
	}
	s.bar = bar
	s.draw()
}

// newProgress returns what draws a run's progress on sink, or nil for none.
func newProgress(mode string, interval time.Duration, sink *stderrSink, lang locale.Lang) (*progress, error) {
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
		return nil, &choiceError{"progress", mode, locale.Errorf("want.progress")}
	}
	if interval <= 0 {
		return nil, locale.Errorf("want.progress_every", interval)
	}
	return &progress{bar: mode == progressBar, interval: interval, sink: sink, now: time.Now, t: lang.Printer()}, nil
}

// progress counts the rows a run sends and draws them: a bar redrawn in
// place, or a plain line every interval ("done/total" with rate, ETA and
// failures) with no carriage return nor escape code, for logs and files.
// A run that stops early leaves both at the rows really finished.
type progress struct {
	bar      bool
	interval time.Duration
	sink     *stderrSink
	// log, when set, writes the plain lines as JSON log records (msg
	// "progress", keys in English): the form of --log-format json.
	log *slog.Logger
	now func() time.Time // time.Now; tests set a clock
	t   *locale.Printer  // the language of the bar and the lines

	total  int
	start  time.Time
	done   atomic.Int64
	failed atomic.Int64
	ended  atomic.Bool

	stop chan struct{}
	wg   sync.WaitGroup
}

func (p *progress) Start(total int) {
	p.total, p.start = total, p.now()
	p.stop = make(chan struct{})
	every := p.interval
	if p.bar {
		every = barRedraw
		p.sink.setBar(p.frame)
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if p.bar {
					p.sink.redraw()
				} else {
					p.line()
				}
			case <-p.stop:
				return
			}
		}
	})
}

func (p *progress) Row(rec *report.Record) {
	p.done.Add(1)
	if rec.Status == report.Failed {
		p.failed.Add(1)
	}
}

func (p *progress) Stop() {
	close(p.stop)
	p.wg.Wait()
	p.ended.Store(true)
	if p.bar {
		p.sink.setBar(nil) // the last frame stays, at the rows finished
		return
	}
	p.line()
}

// counts is what a frame or a line shows: the rows finished and failed,
// the share of the total, the time since the start, and the rate with the
// time left once it means something (known).
type counts struct {
	done, failed int64
	pct          float64
	elapsed, eta time.Duration
	rate         float64
	known        bool
}

func (p *progress) counts(window time.Duration) counts {
	c := counts{done: p.done.Load(), failed: p.failed.Load(), elapsed: p.now().Sub(p.start), pct: 100}
	if p.total > 0 {
		c.pct = 100 * float64(c.done) / float64(p.total)
	}
	if c.elapsed >= window && c.elapsed > 0 {
		c.known = true
		c.rate = float64(c.done) / c.elapsed.Seconds()
		if c.rate > 0 {
			c.eta = time.Duration(float64(int64(p.total)-c.done) / c.rate * float64(time.Second))
		}
	}
	return c
}

// frame is the bar's line: the count, the bar, the share, then the
// labelled times, e.g.
//
//	rows 56/300 [=====>                        ]  18.7% 12.4 rows/s, elapsed 4s, ETA 20s, 2 failed
func (p *progress) frame() string {
	c := p.counts(rateWindow)
	filled := 0
	if p.total > 0 {
		filled = int(c.done * barWidth / int64(p.total))
	}
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	var b strings.Builder
	b.WriteString(p.tr().T("progress.bar", c.done, p.total, bar, c.pct))
	switch {
	case p.ended.Load():
		if c.known {
			b.WriteString(p.tr().T("progress.bar.rate", c.rate))
		}
		b.WriteString(p.tr().T("progress.bar.in", roundDuration(c.elapsed)))
	case c.known:
		b.WriteString(p.tr().T("progress.bar.known", c.rate, roundDuration(c.elapsed)))
		if c.rate > 0 {
			b.WriteString(p.tr().T("progress.bar.eta", roundDuration(c.eta)))
		}
	default:
		b.WriteString(p.tr().T("progress.bar.start", roundDuration(c.elapsed)))
	}
	if c.failed > 0 {
		b.WriteString(p.tr().T("progress.bar.failed", c.failed))
	}
	return b.String()
}

// line writes one plain progress line; the interval is its rate's window.
func (p *progress) line() {
	c := p.counts(min(p.interval, rateWindow))
	if p.log != nil {
		p.record(c)
		return
	}
	msg := p.tr().T("progress.line", c.done, p.total, c.pct, c.rate)
	switch {
	case p.ended.Load():
		msg += p.tr().T("progress.line.in", c.elapsed.Round(time.Second))
	case c.rate > 0:
		msg += p.tr().T("progress.line.eta", c.eta.Round(time.Second))
	}
	msg += p.tr().T("progress.line.end", c.failed)
	_, _ = p.sink.Write([]byte(msg))
}

// record writes c as a JSON log record: what line says, for machines.
func (p *progress) record(c counts) {
	attrs := []any{"done", c.done, "total", p.total, "percent", math.Round(c.pct*10) / 10,
		"rate", math.Round(c.rate*10) / 10, "failed", c.failed, "elapsed_seconds", c.elapsed.Round(time.Millisecond).Seconds()}
	switch {
	case p.ended.Load():
		attrs = append(attrs, "ended", true)
	case c.rate > 0:
		attrs = append(attrs, "eta_seconds", c.eta.Round(time.Millisecond).Seconds())
	}
	p.log.Info("progress", attrs...)
}

// jsonProgress makes p, when it writes plain lines, write them as JSON log
// records on its sink, whatever --log-level says (the lines are not logs
// of a level).
func jsonProgress(p *progress) {
	if p != nil && !p.bar {
		p.log = slog.New(slog.NewJSONHandler(p.sink, nil))
	}
}

// roundDuration rounds d to the second, or to the millisecond below one.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// tr is the progress's printer: English unless newProgress gave another.
func (p *progress) tr() *locale.Printer {
	if p.t == nil {
		return locale.English.Printer()
	}
	return p.t
}
