package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/report"
)

// envVar is the environment variable that sets a flag: OPENBIND_<FLAG>.
func envVar(flag string) []string {
	return []string{"OPENBIND_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "openbind",
		Usage: "bind WeChat authorizer accounts to open platform accounts in bulk (createOpenAccount)",
		Description: "openbind reads a CSV of authorizer accounts (appid, access_token), calls createOpenAccount for\n" +
			"each at a controlled rate, retries what is transient, treats 89000 (already bound) as done, and\n" +
			"writes a results CSV that is also the job's memory: a rerun sends only what has not finished.\n" +
			"Every flag can also be set with OPENBIND_<FLAG> (e.g. OPENBIND_QPS).",
		Writer:                 stdout,
		ErrWriter:              stderr,
		HideVersion:            true,
		UseShortOptionHandling: false,
		// Exit codes are decided by run, after deferred flushes; never here.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
		Commands: []*cli.Command{
			runCommand(stdout, stderr),
			verifyCommand(stdout, stderr),
			reportCommand(stdout),
			demoCommand(stdout, stderr),
			serveFakeCommand(stdout, stderr),
		},
	}
}

// usageError keeps a usage error short: the message and where to look.
func usageError(c *cli.Context, err error, _ bool) error {
	name := "openbind"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != name {
		name += " " + c.Command.Name
	}
	return fmt.Errorf("%w (see %s --help)", err, name)
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "input", Usage: "the accounts CSV: a header row naming appid and access_token (aliases authorizer_appid, authorizer_access_token), optional group", EnvVars: envVar("input")},
		&cli.StringFlag{Name: "output", Value: "results.csv", Usage: "the results CSV; it is also the job's memory: a rerun sends only the rows not done in it", EnvVars: envVar("output")},
		&cli.Float64Flag{Name: "qps", Value: job.DefaultQPS, Usage: "calls per second, retries included (0: no limit, for rehearsals against a local stand-in)", EnvVars: envVar("qps")},
		&cli.IntFlag{Name: "burst", Value: 1, Usage: "calls that may go out at once above the steady rate", EnvVars: envVar("burst")},
		&cli.IntFlag{Name: "workers", Usage: "calls in flight at most (default: enough to keep --qps when WeChat answers in 1 s; 32 with --qps 0)", EnvVars: envVar("workers")},
		&cli.IntFlag{Name: "max-attempts", Value: job.DefaultMaxAttempts, Usage: "attempts per call, the first included, for transient failures (-1, HTTP 5xx, network)", EnvVars: envVar("max-attempts")},
		&cli.DurationFlag{Name: "timeout", Value: job.DefaultTimeout, Usage: "time limit of each attempt", EnvVars: envVar("timeout")},
		&cli.DurationFlag{Name: "retry-backoff", Value: job.DefaultRetryBackoff, Usage: "wait before the first retry; it doubles at each retry, with jitter, up to 20 times this (30s at most)", EnvVars: envVar("retry-backoff")},
		&cli.StringFlag{Name: "base-url", Value: "https://api.weixin.qq.com", Usage: "the API's base URL; https, or http to a loopback host (a local stand-in)", EnvVars: envVar("base-url")},
		&cli.BoolFlag{Name: "dry-run", Usage: "read and check the input and the results, print the plan; send and write nothing", EnvVars: envVar("dry-run")},
		&cli.DurationFlag{Name: "minute-quota-pause", Usage: "how long a 45011 (minute quota) pauses every call before the run goes on slower (default: until the next minute of the clock, when the quota turns)", EnvVars: envVar("minute-quota-pause")},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "logs on stderr as text or json", EnvVars: envVar("log-format")},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug (a line per row and retry), info, warn or error", EnvVars: envVar("log-level")},
		&cli.StringFlag{Name: "metrics-file", Usage: "write the run's metrics there (Prometheus text format, for node_exporter's textfile collector; name it *.prom)", EnvVars: envVar("metrics-file")},
		&cli.StringFlag{Name: "progress", Value: progressAuto, Usage: "auto (a bar on a terminal, else plain lines), bar, plain or none; on stderr", EnvVars: envVar("progress")},
		&cli.DurationFlag{Name: "progress-interval", Value: 10 * time.Second, Usage: "how often a plain progress line is written", EnvVars: envVar("progress-interval")},
		&cli.StringFlag{Name: "token-command", Usage: "a command (sh -c) that prints a fresh token for $OPENBIND_APPID on its first line; asked for empty token cells (the access_token column may then be absent) and once after 40001/40014/42001", EnvVars: envVar("token-command")},
		&cli.DurationFlag{Name: "token-timeout", Value: job.DefaultTokenTimeout, Usage: "time limit of one run of --token-command", EnvVars: envVar("token-timeout")},
	}
}

// newLogger returns the logger of --log-format and --log-level on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "send createOpenAccount for every account of --input not done in --output",
		UsageText: "openbind run --input FILE [--output results.csv] [--qps 10] [flags]",
		Description: "Examples:\n" +
			"   openbind run --input wave3.csv --output wave3-results.csv --qps 10\n" +
			"   openbind run --input wave3.csv --output wave3-results.csv --dry-run\n" +
			"   OPENBIND_QPS=5 openbind run --input wave3.csv        # flags from the environment\n\n" +
			"Exit status: 0 every row done, 1 some rows failed or invalid, 2 usage or input error (nothing sent),\n" +
			"3 stopped early (signal, daily quota, results file unwritable), 4 another run holds the lock.",
		Flags:        runFlags(),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("unexpected argument %q (see openbind run --help)", c.Args().First())
			}
			sink := &stderrSink{w: stderr}
			logger, err := newLogger(sink, c.String("log-format"), c.String("log-level"))
			if err != nil {
				return err
			}
			prog, err := newProgress(c.String("progress"), c.Duration("progress-interval"), sink)
			if err != nil {
				return err
			}
			cfg := job.Config{
				Input:        c.String("input"),
				Output:       c.String("output"),
				QPS:          c.Float64("qps"),
				Burst:        c.Int("burst"),
				Workers:      c.Int("workers"),
				MaxAttempts:  c.Int("max-attempts"),
				Timeout:      c.Duration("timeout"),
				RetryBackoff: c.Duration("retry-backoff"),
				BaseURL:      c.String("base-url"),
				DryRun:       c.Bool("dry-run"),
				QuotaPause:   c.Duration("minute-quota-pause"),
				TokenCommand: c.String("token-command"),
				TokenTimeout: c.Duration("token-timeout"),
				Logger:       logger,
			}
			if prog != nil && !cfg.DryRun {
				cfg.Progress = prog
			}
			if c.IsSet("max-attempts") && cfg.MaxAttempts < 1 {
				return fmt.Errorf("--max-attempts %d: want 1 or more", cfg.MaxAttempts)
			}
			if c.IsSet("timeout") && cfg.Timeout <= 0 {
				return fmt.Errorf("--timeout %s: want more than 0", cfg.Timeout)
			}
			if c.IsSet("token-timeout") && cfg.TokenTimeout <= 0 {
				return fmt.Errorf("--token-timeout %s: want more than 0", cfg.TokenTimeout)
			}
			if c.IsSet("workers") && cfg.Workers < 1 {
				return fmt.Errorf("--workers %d: want 1 or more", cfg.Workers)
			}
			res, err := job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			status := printResult(stdout, &cfg, res)
			if path := c.String("metrics-file"); path != "" && !cfg.DryRun {
				if err := report.WriteMetrics(path, cfg.Output, &res.Summary, time.Now()); err != nil {
					logger.Error("cannot write the metrics file", "file", path, "error", err.Error())
				}
			}
			return status
		},
	}
}

// printResult prints a run's summary and returns its exit status.
func printResult(w io.Writer, cfg *job.Config, res *job.Result) error {
	s := &res.Summary
	if cfg.DryRun {
		p := res.Plan
		fmt.Fprintf(w, "dry run: %s has %d rows: %d to send, %d already done in %s, %d invalid; nothing sent, nothing written\n",
			cfg.Input, p.Rows, p.ToSend, p.Done, cfg.Output, p.Invalid)
		for _, r := range p.InvalidRows {
			fmt.Fprintf(w, "  line %d: %s\n", r.Line, r.Reason)
		}
		if n := p.Invalid - len(p.InvalidRows); n > 0 {
			fmt.Fprintf(w, "  and %d more invalid rows\n", n)
		}
		if p.Lookups > 0 {
			fmt.Fprintf(w, "%d done rows are bound already but their open account is unknown: each is asked get\n", p.Lookups)
		}
		if p.Kept > 0 {
			fmt.Fprintf(w, "%s keeps %d records of other inputs (another wave, or rows deleted from this one): kept after this input's rows, never sent\n", cfg.Output, p.Kept)
		}
		if p.Groups > 0 {
			fmt.Fprintf(w, "%d merchant groups\n", p.Groups)
		}
		for _, names := range p.Spellings {
			fmt.Fprintf(w, "  group %q is also spelt %s: one group (names compare without case, width or spaces at their ends)\n", names[0], quoteAll(names[1:]))
		}
		for _, m := range p.Moved {
			fmt.Fprintf(w, "  line %d is done in group %q; its input row names group %q: it stays in %q (done stays done)\n", m.Line, m.From, m.To, m.From)
		}
		if p.Invalid > 0 {
			return &exitStatus{exitFailed}
		}
		return nil
	}
	if err := s.WriteText(w); err != nil {
		return err
	}
	switch {
	case res.Stopped != nil:
		return &exitStatus{exitStopped}
	case !s.Complete():
		// Rows not done, or a merchant group split or unconfirmed.
		return &exitStatus{exitFailed}
	}
	return nil
}

// quoteAll quotes each of names, comma-separated.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func reportCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:         "report",
		Usage:        "summarize a results file",
		UsageText:    "openbind report [--format text|json|html] [--input ACCOUNTS.csv] results.csv > wave.html",
		ArgsUsage:    "results.csv",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json, or html (a self-contained sign-off page)", EnvVars: envVar("format")},
			&cli.StringFlag{Name: "input", Usage: "the accounts file, for the command the page says to run next", EnvVars: envVar("input")},
			&cli.StringFlag{Name: "verify", Usage: "a report of openbind verify: adds the section \"Verified against WeChat\"", EnvVars: envVar("verify")},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("want one results file (see openbind report --help)")
			}
			s, err := report.Summarize(c.Args().First())
			if err != nil {
				return err
			}
			if path := c.String("verify"); path != "" {
				v, err := report.SummarizeVerify(path)
				if err != nil {
					return fmt.Errorf("--verify: %w", err)
				}
				s.Verify = &v
			}
			switch c.String("format") {
			case "text":
				return s.WriteText(stdout)
			case "json":
				return s.WriteJSON(stdout)
			case "html":
				return s.WriteHTML(stdout, report.PageOptions{Input: c.String("input")})
			}
			return fmt.Errorf("--format %q: want text, json or html", c.String("format"))
		},
	}
}
