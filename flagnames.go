package main

import (
	"errors"
	"os"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
)

// flagOfField names the flag of each setting of job's that has one: job
// validates its settings (job.Config.Validate) and names what is wrong by
// the field; the command line says it by the flag.
var flagOfField = map[string]string{
	"Input":         "input",
	"Output":        "output",
	"Report":        "report",
	"QPS":           "qps",
	"Burst":         "burst",
	"Workers":       "workers",
	"MaxAttempts":   "max-attempts",
	"Timeout":       "timeout",
	"RetryBackoff":  "retry-backoff",
	"BaseURL":       "base-url",
	"QuotaPause":    "minute-quota-pause",
	"TokenTimeout":  "token-timeout",
	"InputEncoding": "input-encoding",
	"Sheet":         "sheet",
	"TokenCommand":  "token-command",
}

// statedBy reports, for job's Validate, whether the user gave the flag of
// a field (on the command line or in the environment): a zero given is
// then the user's, not "the default".
func statedBy(c *cli.Context) func(field string) bool {
	return func(field string) bool {
		name, ok := flagOfField[field]
		return ok && c.IsSet(name)
	}
}

// settingError says a *job.ConfigError in err by the flag of its field, as
// the user gave it (badFlag); any other error is returned as it is.
func settingError(c *cli.Context, err error) error {
	var ce *job.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	name, ok := flagOfField[ce.Field]
	if !ok {
		return err
	}
	flag := "--" + name
	switch {
	case ce.Err == job.ErrMissing:
		return locale.Errorf("usage.see", locale.Errorf("setting.required", flag), "openbind "+c.Command.Name)
	case errors.Is(ce.Err, job.ErrMissing):
		return locale.Errorf("usage.see", errors.New(ce.Name(flag)), "openbind "+c.Command.Name)
	}
	if raw, ok := fromEnvironment(c, name); ok {
		return locale.Errorf("setting.env", envVar(name)[0], raw, ce.Err)
	}
	switch v := ce.Value.(type) {
	case nil:
		return locale.Errorf("setting.bare", flag, ce.Err)
	case string:
		return locale.Errorf("setting.quoted", flag, v, ce.Err)
	}
	return locale.Errorf("setting.value", flag, ce.Value, ce.Err)
}

// fromEnvironment is the raw value of flag name's environment variable when
// the flag took its value from there, not from the command line.
func fromEnvironment(c *cli.Context, name string) (string, bool) {
	args, _ := c.App.Metadata[argsKey].([]string)
	if onCommandLine(args, name) {
		return "", false
	}
	raw, ok := os.LookupEnv(envVar(name)[0])
	return raw, ok && raw != ""
}
