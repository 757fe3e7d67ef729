package job

import (
	"context"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"openbind/locale"
	"openbind/ratelimit"
	"openbind/report"
	"openbind/wechat"
)

// API is what the job needs of WeChat; *wechat.Client has it.
type API interface {
	Create(ctx context.Context, token, appid string) (string, error)
	Get(ctx context.Context, token, appid string) (string, error)
	Bind(ctx context.Context, token, appid, openAppID string) error
}

// Config is a run's settings; the zero values of the optional ones take
// the defaults of the command line.
type Config struct {
	Input   string // the accounts CSV
	Output  string // the results CSV (journal and final file)
	QPS     float64
	Burst   int
	Workers int // 0: defaultWorkers(QPS, Burst)
	// workersOfQPS says Workers is the default, of QPS: an error of the
	// workers is then one of QPS (the user gave no --workers).
	workersOfQPS bool

	MaxAttempts  int           // attempts per call, at least 1
	Timeout      time.Duration // per attempt
	RetryBackoff time.Duration // first backoff; it doubles, with jitter
	BaseURL      string
	DryRun       bool
	SyncEvery    time.Duration // bound on how long a finished row waits for fsync
	// QuotaPause is how long a 45011 pauses every call; 0: until the next
	// minute of the clock, when WeChat's minute quota turns.
	QuotaPause time.Duration
	// TokenCommand, when set, is run (sh -c) for a fresh token: for rows
	// whose token cell is empty (the column may then be absent), and once
	// for a row whose call answers 40001, 40014 or 42001.
	TokenCommand string
	TokenTimeout time.Duration // bound on one run of TokenCommand
	// StaleTokenStreak is how many rows in a row may fail with an invalid
	// or expired token (40001, 40014, 42001) before the run stops: the
	// file's tokens are stale. 0: DefaultStaleTokenStreak; < 0: never.
	StaleTokenStreak int

	// InputEncoding (utf-8, gb18030, utf-16; "": told from the bytes) and
	// Sheet (of a workbook; "": the first) say how to read Input.
	InputEncoding string
	Sheet         string

	Logger   *slog.Logger
	API      API      // nil: a wechat.Client for BaseURL
	Limiter  Limiter  // nil: a ratelimit.Limiter of QPS and Burst
	Progress Progress // nil: none
}

// Progress is told how a run goes; the command line draws it.
type Progress interface {
	// Start is called once, with the number of rows to send.
	Start(toSend int)
	// Row is called as each row sent ends (done, failed or cut off).
	Row(rec *report.Record)
	// Stop is called once, when the last row has ended.
	Stop()
}

// Limiter is the rate limit every call waits on; *ratelimit.Limiter has it.
type Limiter interface {
	Wait(ctx context.Context) error
	// SlowDown is told of a 45011 (minute quota): it slows every caller,
	// and reports whether this 45011 did (the others of a burst do not),
	// and then until when every call waits and the rate it goes on at.
	SlowDown() (until time.Time, rate float64, slowed bool)
}

// Defaults of Config.
const (
	DefaultQPS          = 10
	DefaultMaxAttempts  = 5
	DefaultTimeout      = 10 * time.Second
	DefaultRetryBackoff = 500 * time.Millisecond
	DefaultSyncEvery    = time.Second
	// DefaultStaleTokenStreak rows failing on their token, one after the
	// other, stop the run.
	DefaultStaleTokenStreak = 20
	// MaxLatency is the answer time the default pool must absorb at full rate.
	MaxLatency = time.Second
)

// Bounds of the settings: Validate refuses a value outside them, before
// anything is read or sent.
const (
	// MinQPS is the slowest rate (one call every 100 s), well under any a
	// real platform is given: below it a wave of a few rows would take
	// days, and the plan's time would not be a duration. 0 is no limit.
	MinQPS = 0.01
	// MaxQPS is the fastest rate, a hundredfold the minute quotas WeChat
	// grants; the default pool of a faster one would be thousands of
	// connections (--qps 0 is there for a local stand-in).
	MaxQPS = 10000
	// MaxWorkers is the most calls in flight (and of a burst): the
	// default pool's most, 40000 open files.
	MaxWorkers = 10000
	// MaxAttemptsMost is the most attempts per call: with the backoff
	// capped at 30 s, more keep a row that never answers for an hour.
	MaxAttemptsMost = 100
)

// durationBounds are the bounds of each duration setting: wide, so that
// no setting that ever made sense is refused (rehearsals against a local
// stand-in use milliseconds), but not so wide that a slip of the unit
// (1ns, 1000000h) runs: above the most a row or the run waits for nothing:
// RetryBackoff is capped at 30 s anyway (newBackOff), the minute quota
// turns every minute (QuotaPause; 0 is "until then").
var durationBounds = map[string][2]time.Duration{
	"Timeout":      {time.Millisecond, time.Hour},
	"RetryBackoff": {time.Millisecond, 30 * time.Second},
	"TokenTimeout": {time.Millisecond, time.Hour},
	"QuotaPause":   {time.Millisecond, 10 * time.Minute},
}

// DurationBounds are the least and the most of the duration setting field
// (Timeout, RetryBackoff, TokenTimeout, QuotaPause); ok is false for a
// field without bounds.
func DurationBounds(field string) (least, most time.Duration, ok bool) {
	b, ok := durationBounds[field]
	return b[0], b[1], ok
}

// defaultWorkers sizes the pool by Little's law: enough calls in flight to
// keep qps when each takes MaxLatency, plus a quarter for the retries and
// the tail, plus the burst; from 4 to 10000. With no rate limit it is 32.
// It counts in floats, so that no qps nor burst overflows it.
func defaultWorkers(qps float64, burst int) int {
	if qps <= 0 {
		return 32
	}
	n := math.Ceil(qps*MaxLatency.Seconds()*1.25) + float64(max(burst, 1))
	return int(min(max(n, 4), MaxWorkers))
}

// Validate checks the settings, the one place that does: an error is a
// *ConfigError naming the field. A zero means the field's default, except
// in a field that stated reports true for (nil: none), where the caller
// gave the zero itself: a command line passes which flags were set.
func (c *Config) Validate(stated func(field string) bool) error {
	if stated == nil {
		stated = func(string) bool { return false }
	}
	if c.Input == "" {
		return &ConfigError{Field: "Input", Err: ErrMissing}
	}
	switch q := c.QPS; {
	case q < 0 || math.IsNaN(q):
		return badSetting("QPS", q, "want.qps")
	case q != 0 && (q < MinQPS || q > MaxQPS):
		return badSetting("QPS", q, "want.qps_range", MinQPS, MaxQPS)
	}
	for _, f := range []struct {
		name string
		v    int
		most int
	}{{"Burst", c.Burst, MaxWorkers}, {"Workers", c.Workers, MaxWorkers}, {"MaxAttempts", c.MaxAttempts, MaxAttemptsMost}} {
		switch {
		case f.v < 0 || f.v == 0 && stated(f.name):
			return badSetting(f.name, f.v, "want.one_or_more")
		case f.v > f.most:
			return badSetting(f.name, f.v, "want.one_to", f.most)
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", c.Timeout}, {"RetryBackoff", c.RetryBackoff}, {"TokenTimeout", c.TokenTimeout}} {
		least, most, _ := DurationBounds(f.name)
		switch {
		case f.v < 0 || f.v == 0 && stated(f.name):
			return badSetting(f.name, f.v, "want.more_than_0")
		case f.v != 0 && (f.v < least || f.v > most):
			return badSetting(f.name, f.v, "want.duration_range", DurationText(least), DurationText(most))
		}
	}
	least, most, _ := DurationBounds("QuotaPause")
	switch p := c.QuotaPause; {
	case p < 0:
		return badSetting("QuotaPause", p, "want.quota_pause")
	case p != 0 && (p < least || p > most):
		return badSetting("QuotaPause", p, "want.quota_pause_range", DurationText(least), DurationText(most))
	}
	return nil
}

// DurationText is d as a person writes it: 5m, not 5m0s.
func DurationText(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// badSetting is the error of field's value v, want the message key of
// what it should be.
func badSetting(field string, v any, want string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Value: v, Err: locale.Errorf(want, args...)}
}

func (c *Config) setDefaults() error {
	if err := c.Validate(nil); err != nil {
		return err
	}
	if c.Output == "" {
		c.Output = "results.csv"
	}
	c.Burst = max(c.Burst, 1)
	if c.Workers == 0 {
		c.Workers, c.workersOfQPS = defaultWorkers(c.QPS, c.Burst), true
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.SyncEvery <= 0 {
		c.SyncEvery = DefaultSyncEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Limiter == nil {
		l := ratelimit.New(c.QPS, c.Burst)
		l.SetPause(c.QuotaPause)
		c.Limiter = l
	}
	if c.TokenTimeout <= 0 {
		c.TokenTimeout = DefaultTokenTimeout
	}
	if c.StaleTokenStreak == 0 {
		c.StaleTokenStreak = DefaultStaleTokenStreak
	}
	if c.API == nil {
		cl, err := wechat.NewClient(c.BaseURL, wechat.NewHTTPClient(c.Workers))
		if err != nil {
			return &ConfigError{Field: "BaseURL", Err: err}
		}
		cl.SetWaiter(c.Limiter) // a failover to the next URL is a call too
		lg, timeout := c.Logger, c.Timeout
		cl.SetFailoverHook(func(from, to string, err error) {
			lg.Warn("a base URL cannot be reached; going on at the next one", "from", from, "to", to, "error", describe(err, timeout))
		})
		c.API = cl
	} else if c.BaseURL != "" {
		if _, err := wechat.ParseBaseURLs(c.BaseURL); err != nil {
			return &ConfigError{Field: "BaseURL", Err: err}
		}
	}
	same, err := samePath(c.Input, c.Output)
	if err == nil && same {
		return &ConfigError{Field: "Output", Value: c.Output, Err: locale.Errorf("want.output_own")}
	}
	return nil
}

func samePath(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
