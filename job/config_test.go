package job

import (
	"errors"
	"math"
	"testing"
	"time"
)

// Validate is the one check of the settings: each error names the field
// (not a flag: the command line maps it), and a zero is the default unless
// the caller says it gave the zero itself.
func TestValidateNamesTheField(t *testing.T) {
	ok := Config{Input: "in.csv"}
	tests := []struct {
		name   string
		change func(*Config)
		stated string
		field  string
		want   string
	}{
		{"valid as given", func(*Config) {}, "", "", ""},
		{"zeros are defaults", func(c *Config) { c.Burst, c.Workers, c.MaxAttempts, c.Timeout = 0, 0, 0, 0 }, "", "", ""},
		{"no input", func(c *Config) { c.Input = "" }, "", "Input", "Input is required"},
		{"negative qps", func(c *Config) { c.QPS = -1 }, "", "QPS", "QPS -1: want 0 (no limit) or more"},
		{"NaN qps", func(c *Config) { c.QPS = math.NaN() }, "", "QPS", "QPS NaN: want 0 (no limit) or more"},
		{"negative burst", func(c *Config) { c.Burst = -2 }, "", "Burst", "Burst -2: want 1 or more"},
		{"stated zero burst", func(c *Config) { c.Burst = 0 }, "Burst", "Burst", "Burst 0: want 1 or more"},
		{"stated zero workers", func(c *Config) { c.Workers = 0 }, "Workers", "Workers", "Workers 0: want 1 or more"},
		{"stated zero attempts", func(c *Config) { c.MaxAttempts = 0 }, "MaxAttempts", "MaxAttempts", "MaxAttempts 0: want 1 or more"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "", "Timeout", "Timeout -1s: want more than 0"},
		{"stated zero backoff", func(c *Config) { c.RetryBackoff = 0 }, "RetryBackoff", "RetryBackoff", "RetryBackoff 0s: want more than 0"},
		{"negative token timeout", func(c *Config) { c.TokenTimeout = -1 }, "", "TokenTimeout", "TokenTimeout -1ns: want more than 0"},
		{"zero pause is the next minute", func(c *Config) { c.QuotaPause = 0 }, "QuotaPause", "", ""},
		{"negative pause", func(c *Config) { c.QuotaPause = -time.Second }, "", "QuotaPause", "QuotaPause -1s: want 0 (until the next minute) or more"},
		{"workers above the most", func(c *Config) { c.Workers = MaxWorkers + 1 }, "", "Workers", "Workers 10001: want 1 to 10000"},
		{"burst of an int's most", func(c *Config) { c.Burst = math.MaxInt }, "", "Burst", "Burst 9223372036854775807: want 1 to 10000"},
		{"attempts without end", func(c *Config) { c.MaxAttempts = math.MaxInt }, "", "MaxAttempts", "MaxAttempts 9223372036854775807: want 1 to 100"},
		{"ints at their most", func(c *Config) { c.Workers, c.Burst, c.MaxAttempts = MaxWorkers, MaxWorkers, MaxAttemptsMost }, "", "", ""},
		// Bounds: a run that never ends, a pool of an overflow, a flood of lines.
		{"qps below the floor", func(c *Config) { c.QPS = 1e-300 }, "", "QPS", "QPS 1e-300: want 0 (no limit) or from 0.01 (a call every 100 s) to 10000 calls a second"},
		{"qps just below the floor", func(c *Config) { c.QPS = 0.0001 }, "", "QPS", "QPS 0.0001: want 0 (no limit) or from 0.01 (a call every 100 s) to 10000 calls a second"},
		{"qps at the floor", func(c *Config) { c.QPS = MinQPS }, "", "", ""},
		{"qps at the top", func(c *Config) { c.QPS = MaxQPS }, "", "", ""},
		{"qps above the top", func(c *Config) { c.QPS = 1e19 }, "", "QPS", "QPS 1e+19: want 0 (no limit) or from 0.01 (a call every 100 s) to 10000 calls a second"},
		{"infinite qps", func(c *Config) { c.QPS = math.Inf(1) }, "", "QPS", "QPS +Inf: want 0 (no limit) or from 0.01 (a call every 100 s) to 10000 calls a second"},
		{"timeout of 1ns", func(c *Config) { c.Timeout = 1 }, "", "Timeout", "Timeout 1ns: want a duration from 1ms to 1h"},
		{"timeout at its bounds", func(c *Config) { c.Timeout = 100 * time.Millisecond; c.TokenTimeout = 10 * time.Minute }, "", "", ""},
		{"timeout of two hours", func(c *Config) { c.Timeout = 2 * time.Hour }, "", "Timeout", "Timeout 2h0m0s: want a duration from 1ms to 1h"},
		{"backoff above 30s", func(c *Config) { c.RetryBackoff = 1000000 * time.Hour }, "", "RetryBackoff", "RetryBackoff 1000000h0m0s: want a duration from 1ms to 30s"},
		{"backoff below 1ms", func(c *Config) { c.RetryBackoff = time.Microsecond }, "", "RetryBackoff", "RetryBackoff 1µs: want a duration from 1ms to 30s"},
		{"token timeout of a million hours", func(c *Config) { c.TokenTimeout = 1000000 * time.Hour }, "", "TokenTimeout", "TokenTimeout 1000000h0m0s: want a duration from 1ms to 1h"},
		{"token timeout of 1ns", func(c *Config) { c.TokenTimeout = 1 }, "", "TokenTimeout", "TokenTimeout 1ns: want a duration from 1ms to 1h"},
		{"pause of 1ns", func(c *Config) { c.QuotaPause = 1 }, "", "QuotaPause", "QuotaPause 1ns: want 0 (until the next minute) or a duration from 1ms to 10m"},
		{"pause of a day", func(c *Config) { c.QuotaPause = 24 * time.Hour }, "", "QuotaPause", "QuotaPause 24h0m0s: want 0 (until the next minute) or a duration from 1ms to 10m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate(func(f string) bool { return f == tt.stated })
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || err.Error() != tt.want {
				t.Fatalf("Validate: %#v (%v), want field %s saying %q", err, err, tt.field, tt.want)
			}
			if got := ce.Name("--x"); got == err.Error() {
				t.Errorf("Name(--x) = %q: the field's name was not replaced", got)
			}
		})
	}
}

// The plan's time is a duration at any rate and any count of rows: never
// negative, never an overflow.
func TestPlanDurationNeverOverflows(t *testing.T) {
	for _, tt := range []struct {
		qps     float64
		rows    int
		workers int
	}{{MinQPS, math.MaxInt, 10000}, {1e-300, 1, 4}, {MaxQPS, 1, 10000}, {MinQPS, 1 << 40, 1 << 40}} {
		p := Plan{ToSend: tt.rows, QPS: tt.qps, Workers: tt.workers}
		d, ok := p.Duration()
		if !ok || d < 0 || p.HoldsUpTo() < 0 {
			t.Errorf("qps %v, %d rows, %d workers: Duration %v, %v; HoldsUpTo %v", tt.qps, tt.rows, tt.workers, d, ok, p.HoldsUpTo())
		}
	}
}

// The DurationText of the bounds is as a person writes it.
func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Millisecond: "1ms", 30 * time.Second: "30s", 5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Second: "1m30s", 10 * time.Second: "10s",
	} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%v) = %q, want %q", d, got, want)
		}
	}
}

// Too few open files for the workers is an error of QPS when the workers
// are its default (the user gave no --workers), saying so; of Workers else.
func TestTooFewFilesNamesTheDefault(t *testing.T) {
	tests := []struct {
		name    string
		ofQPS   bool
		field   string
		want    string
		workers int
	}{
		{"default", true, "QPS", "QPS 100: the default --workers for this rate, 126, need about 536 open files, and this process may have 200 (ulimit -n): lower --qps, set --workers to 42 or fewer, or raise the limit", 126},
		{"given", false, "Workers", "Workers 126: need about 536 open files, and this process may have 200 (ulimit -n): lower it to 42 or fewer, or raise the limit", 126},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{QPS: 100, Workers: tt.workers, workersOfQPS: tt.ofQPS}
			err := tooFewFiles(&c, openFilesNeeded(c.Workers), 200)
			if err.Field != tt.field || err.Error() != tt.want {
				t.Errorf("tooFewFiles: field %s, %q; want %s, %q", err.Field, err, tt.field, tt.want)
			}
		})
	}
	c := Config{Input: "in.csv", QPS: 100}
	if err := c.setDefaults(); err != nil || !c.workersOfQPS {
		t.Errorf("setDefaults: %v; workersOfQPS %v, want true", err, c.workersOfQPS)
	}
}
