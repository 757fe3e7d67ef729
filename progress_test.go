package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"openbind/locale"
	"openbind/report"
)

func TestProgressModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode string
		want []string // in the output
		not  []string
	}{
		{progressBar, []string{"rows 5/5 [", "2 failed", "\rlog line\n"}, []string{"\x1b"}},
		{progressPlain, []string{"progress: 5/5 rows (100.0%)", ", 2 failed\n", "log line\n"}, []string{"\r", "\x1b"}},
		{progressAuto, []string{"progress: 5/5 rows"}, []string{"\r"}}, // a buffer is no terminal
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			var out bytes.Buffer
			sink := &stderrSink{w: &out}
			p, err := newProgress(tt.mode, time.Hour, sink, locale.English)
			if err != nil {
				t.Fatal(err)
			}
			p.Start(5)
			for i := range 5 {
				st := report.Created
				if i%2 == 1 {
					st = report.Failed
				}
				p.Row(&report.Record{Status: st})
			}
			_, _ = sink.Write([]byte("log line\n"))
			p.Stop()
			got := out.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q missing in %q", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("%q in %q", n, got)
				}
			}
		})
	}
	if p, err := newProgress(progressNone, time.Second, &stderrSink{}, locale.English); p != nil || err != nil {
		t.Errorf("none: %v, %v", p, err)
	}
	if _, err := newProgress(progressPlain, 0, &stderrSink{}, locale.English); err == nil {
		t.Error("a zero interval was accepted")
	}
}

// clock is a settable time for the frames.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }
func newClock() *clock               { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func rows(p *progress, n int, st report.Status) {
	for range n {
		p.Row(&report.Record{Status: st})
	}
}

// The bar's frames, from a clock the test moves: no rate before a second
// has passed, times labelled, and an early stop leaves the bar at the rows
// really finished (not at 100%).
func TestProgressBarFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		total int
		steps []struct {
			after time.Duration
			rows  int
		}
		want, not string // regexps of the last frame
	}{
		{"first frame: no rate from the first microseconds", 40,
			[]struct {
				after time.Duration
				rows  int
			}{{2 * time.Microsecond, 1}},
			`^rows 1/40 \[=?> *\]   2\.5% elapsed 0s$`, `rows/s`},
		{"labelled times", 300,
			[]struct {
				after time.Duration
				rows  int
			}{{2 * time.Second, 20}, {2 * time.Second, 20}},
			`^rows 40/300 \[====> +\]  13\.3% 10\.0 rows/s, elapsed 4s, ETA 26s$`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			p := &progress{bar: true, interval: time.Hour, sink: &stderrSink{w: &bytes.Buffer{}}, now: c.Now}
			p.total, p.start = tt.total, c.Now()
			for _, s := range tt.steps {
				c.Add(s.after)
				rows(p, s.rows, report.Created)
			}
			f := p.frame()
			if !regexp.MustCompile(tt.want).MatchString(f) {
				t.Errorf("frame %q, want %s", f, tt.want)
			}
			if tt.not != "" && regexp.MustCompile(tt.not).MatchString(f) {
				t.Errorf("frame %q has %s", f, tt.not)
			}
		})
	}
}

// Stopped at any count, the last line drawn says that count: generated
// cases over totals and stop points (a seeded sweep, not a list).
func TestProgressStopsAtRowsFinished(t *testing.T) {
	t.Parallel()
	for total := 1; total <= 300; total += 37 {
		for _, stop := range []int{0, total / 3, total - 1, total} {
			t.Run(fmt.Sprintf("%d of %d", stop, total), func(t *testing.T) {
				var out bytes.Buffer
				p, _ := newProgress(progressBar, time.Hour, &stderrSink{w: &out}, locale.English)
				p.Start(total)
				rows(p, stop, report.Created)
				p.Stop()
				lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
				last := lines[len(lines)-1]
				last = last[strings.LastIndex(last, "\r")+1:]
				want := fmt.Sprintf("rows %d/%d [", stop, total)
				if !strings.HasPrefix(last, want) || !strings.HasSuffix(out.String(), "\n") {
					t.Errorf("last frame %q, want it to start %q and end its line", last, want)
				}
				if stop < total && strings.Contains(last, "100.0%") {
					t.Errorf("last frame %q of an early stop says 100%%", last)
				}
			})
		}
	}
}

// A notice (main's, on a signal) written while the bar is drawn erases the
// bar's line first and has a line of its own; the bar comes back below it.
func TestNoticeNotOnTheBarsLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sink := &stderrSink{w: &out}
	p, _ := newProgress(progressBar, time.Hour, sink, locale.English)
	p.Start(300)
	rows(p, 56, report.Created)
	sink.redraw()
	fmt.Fprintf(sink, "openbind: interrupt: stopping\n")
	p.Stop()
	got := out.String()
	i := strings.Index(got, "openbind: interrupt")
	if i < 0 {
		t.Fatalf("no notice in %q", got)
	}
	before := got[:i]
	if !strings.HasSuffix(before, "\r") || !strings.Contains(before[strings.LastIndex(before[:len(before)-1], "\r"):], "     ") {
		t.Errorf("the notice does not follow an erased bar line: %q", got)
	}
	after := got[i+len("openbind: interrupt: stopping\n"):]
	if !strings.Contains(after, "rows 56/300") {
		t.Errorf("the bar is not drawn again below the notice: %q", after)
	}
}

// In Chinese the bar and the lines speak Chinese, and erasing the bar
// blanks every terminal column it took (a Chinese character takes two).
func TestProgressInChinese(t *testing.T) {
	var out bytes.Buffer
	sink := &stderrSink{w: &out}
	p, _ := newProgress(progressBar, time.Hour, sink, locale.Chinese)
	clock := time.Unix(1_800_000_000, 0)
	p.now = func() time.Time { return clock } // the frame the test reads is the one redraw draws
	p.Start(300)
	rows(p, 56, report.Failed)
	frame := p.frame()
	if !strings.HasPrefix(frame, "行 56/300 [") || !strings.Contains(frame, "56 行失败") {
		t.Errorf("frame %q", frame)
	}
	sink.redraw()
	if want := locale.Columns(frame); sink.shown != want || want <= len([]rune(frame)) {
		t.Errorf("the bar takes %d columns, erased %d (%d runes)", want, sink.shown, len([]rune(frame)))
	}
	p.Stop()
	var plain bytes.Buffer
	q, _ := newProgress(progressPlain, time.Hour, &stderrSink{w: &plain}, locale.Chinese)
	q.Start(2)
	rows(q, 2, report.Created)
	q.Stop()
	if got := plain.String(); !strings.HasPrefix(got, "进度：2/2 行（100.0%），每秒 ") || !strings.HasSuffix(got, "，0 行失败\n") {
		t.Errorf("plain line %q", got)
	}
}

// With JSON logs, auto draws no bar (its records instead), on a terminal
// too; an explicit mode is kept.
func TestProgressModeOfJSONLogs(t *testing.T) {
	for _, tt := range []struct {
		mode string
		json bool
		want string
	}{{progressAuto, true, progressPlain}, {progressAuto, false, progressAuto}, {progressBar, true, progressBar}, {progressNone, true, progressNone}} {
		if got := progressMode(tt.mode, tt.json); got != tt.want {
			t.Errorf("progressMode(%q, %v) = %q, want %q", tt.mode, tt.json, got, tt.want)
		}
	}
}
