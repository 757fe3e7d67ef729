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
