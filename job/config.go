package job

import (
	"context"
	"log/slog"
	"math"
	"os"
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

// defaultWorkers sizes the pool by Little's law: enough calls in flight to
// keep qps when each takes MaxLatency, plus a quarter for the retries and
// the tail, plus the burst. With no rate limit it is 32.
func defaultWorkers(qps float64, burst int) int {
	if qps <= 0 {
		return 32
	}
	n := int(math.Ceil(qps*MaxLatency.Seconds()*1.25)) + max(burst, 1)
	return min(max(n, 4), 10000)
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
	if q := c.QPS; q < 0 || math.IsNaN(q) || math.IsInf(q, 0) {
		return badSetting("QPS", q, "want.qps")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Burst", c.Burst}, {"Workers", c.Workers}, {"MaxAttempts", c.MaxAttempts}} {
		if f.v < 0 || f.v == 0 && stated(f.name) {
			return badSetting(f.name, f.v, "want.one_or_more")
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", c.Timeout}, {"RetryBackoff", c.RetryBackoff}, {"TokenTimeout", c.TokenTimeout}} {
		if f.v < 0 || f.v == 0 && stated(f.name) {
			return badSetting(f.name, f.v, "want.more_than_0")
		}
	}
	if c.QuotaPause < 0 {
		return badSetting("QuotaPause", c.QuotaPause, "want.quota_pause")
	}
	return nil
}

// badSetting is the error of field's value v, want the message key of
// what it should be.
func badSetting(field string, v any, want string) *ConfigError {
	return &ConfigError{Field: field, Value: v, Err: locale.Errorf(want)}
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
		c.Workers = defaultWorkers(c.QPS, c.Burst)
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
