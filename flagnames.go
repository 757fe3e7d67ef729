package main

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"

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
		if ce.Value == nil {
			// job gives no value it will not have shown (a URL with a
			// password: the error shows it redacted): nor does the name.
			return locale.Errorf("setting.env.bare", envVar(name)[0], ce.Err)
		}
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

// choiceError is a value of a flag of the command line's own (name) that
// is none of those it takes; want says which. badChoice names it as the
// user gave it.
type choiceError struct {
	name, value string
	want        error
}

func (e *choiceError) Error() string {
	return locale.Errorf("setting.quoted", "--"+e.name, e.value, e.want).Error()
}

// badChoice is err, a *choiceError, said as the user gave the flag (the
// command line or the environment); any other error is returned as it is.
func badChoice(c *cli.Context, err error) error {
	var ce *choiceError
	if !errors.As(err, &ce) {
		return err
	}
	if raw, ok := fromEnvironment(c, ce.name); ok {
		return locale.Errorf("setting.env", envVar(ce.name)[0], raw, ce.want)
	}
	return locale.Errorf("setting.quoted", "--"+ce.name, ce.value, ce.want)
}

// The errors of a value that does not parse: the flag package's (a
// command line's; after flagDashes) and urfave/cli's (an environment
// variable's).
var (
	badArgValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?--?([\w-]+): `)
	badEnvValue = regexp.MustCompile(`^could not parse ("(?:[^"\\]|\\.)*") as \w+ value from environment variable "(\w+)" for flag ([\w-]+): `)
)

// parseError is the setting error of a message s of a value that does not
// parse, as the user gave it ("--timeout "10": want a duration such as
// 10s", "OPENBIND_TIMEOUT=10 (from the environment): ..."), with what the
// flag's kind wants; nil for any other message.
func parseError(c *cli.Context, s string) error {
	if m := badArgValue.FindStringSubmatch(s); m != nil {
		if v, err := strconv.Unquote(m[1]); err == nil {
			if want := wantOfFlag(c, m[2]); want != nil {
				return locale.Errorf("setting.quoted", "--"+m[2], v, want)
			}
		}
	}
	if m := badEnvValue.FindStringSubmatch(s); m != nil {
		if v, err := strconv.Unquote(m[1]); err == nil {
			if want := wantOfFlag(c, m[3]); want != nil {
				return locale.Errorf("setting.env", m[2], v, want)
			}
		}
	}
	return nil
}

// wantOfFlag says what a value of flag name (of c's command, or the app's)
// should be, by its kind; nil for a flag of no such kind.
func wantOfFlag(c *cli.Context, name string) error {
	flags := c.App.Flags
	if c.Command != nil && len(c.Command.Flags) > 0 {
		flags = append(slices.Clip(c.Command.Flags), flags...)
	}
	for _, f := range flags {
		if !slices.Contains(f.Names(), name) {
			continue
		}
		switch f.(type) {
		case *cli.DurationFlag:
			return locale.Errorf("want.duration")
		case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
			return locale.Errorf("want.whole")
		case *cli.Float64Flag:
			return locale.Errorf("want.number")
		case *cli.BoolFlag:
			return locale.Errorf("want.bool")
		}
		return nil
	}
	return nil
}
