package main

import (
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
	"openbind/report/promfile"
	"openbind/wechat"
)

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "input", Usage: "the accounts CSV: a header row naming appid and access_token (aliases authorizer_appid, authorizer_access_token), optional group", EnvVars: envVar("input")},
		&cli.StringFlag{Name: "input-encoding", Usage: "the encoding of a text --input: utf-8, gb18030 (GBK) or utf-16 (default: told from the bytes; the plan names it)", EnvVars: envVar("input-encoding")},
		&cli.StringFlag{Name: "sheet", Usage: "the sheet of an .xlsx --input (default: the first)", EnvVars: envVar("sheet")},
		&cli.StringFlag{Name: "output", Value: "results.csv", Usage: "the results CSV; it is also the job's memory: a rerun sends only the rows not done in it", EnvVars: envVar("output")},
		&cli.Float64Flag{Name: "qps", Value: job.DefaultQPS, Usage: "calls per second, retries included: 0.01 to 10000 (0: no limit, for rehearsals against a local stand-in)", EnvVars: envVar("qps")},
		&cli.IntFlag{Name: "burst", Value: 1, Usage: "calls that may go out at once above the steady rate, 1 to 10000", EnvVars: envVar("burst")},
		&cli.IntFlag{Name: "workers", Usage: "calls in flight at most, 1 to 10000; the default keeps --qps when WeChat answers in 1 s (32 with --qps 0)", DefaultText: "from --qps", EnvVars: envVar("workers")},
		&cli.IntFlag{Name: "max-attempts", Value: job.DefaultMaxAttempts, Usage: "attempts per call, the first included, 1 to 100, for transient failures (-1, HTTP 5xx, network)", EnvVars: envVar("max-attempts")},
		&cli.DurationFlag{Name: "timeout", Value: job.DefaultTimeout, Usage: "time limit of each attempt, 1ms to 1h", EnvVars: envVar("timeout")},
		&cli.DurationFlag{Name: "retry-backoff", Value: job.DefaultRetryBackoff, Usage: "wait before the first retry, 1ms to 30s; it doubles at each retry, with jitter, up to 20 times this (30s at most)", EnvVars: envVar("retry-backoff")},
		&cli.StringFlag{Name: "base-url", Value: wechat.DefaultBaseURLs, Usage: "the API's base URLs, comma-separated, each https://host[:port][/path] (http only to a loopback host, a local stand-in); a call that cannot reach one goes at once to the next", EnvVars: envVar("base-url")},
		&cli.BoolFlag{Name: "dry-run", Usage: "read and check the input and the results, print the plan; send and write nothing", EnvVars: envVar("dry-run")},
		&cli.DurationFlag{Name: "minute-quota-pause", Usage: "how long a 45011 (minute quota) pauses every call before the run goes on slower, 1ms to 10m; the default waits until the next minute of the clock, when the quota turns", DefaultText: "next minute", EnvVars: envVar("minute-quota-pause")},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "logs on stderr as text or json", EnvVars: envVar("log-format")},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug (a line per row and retry), info, warn or error", EnvVars: envVar("log-level")},
		&cli.StringFlag{Name: "metrics-file", Usage: "write the run's metrics there (Prometheus text format, for node_exporter's textfile collector; name it *.prom)", EnvVars: envVar("metrics-file")},
		&cli.StringFlag{Name: "progress", Value: progressAuto, Usage: "auto (a bar on a terminal, else plain lines), bar, plain or none; on stderr", EnvVars: envVar("progress")},
		&cli.DurationFlag{Name: "progress-interval", Value: 10 * time.Second, Usage: "how often a plain progress line is written, 1ms to 24h", EnvVars: envVar("progress-interval")},
		&cli.StringFlag{Name: "token-command", Usage: "a command (sh -c) that prints a fresh token for $OPENBIND_APPID on its first line; asked for empty token cells (the access_token column may then be absent) and once after 40001/40014/42001", EnvVars: envVar("token-command")},
		&cli.DurationFlag{Name: "token-timeout", Value: job.DefaultTokenTimeout, Usage: "time limit of one run of --token-command, 1ms to 1h", EnvVars: envVar("token-timeout")},
	}
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
			"3 stopped early (signal, 20 rows in a row of 45009 or stale tokens, WeChat out of reach, results file unwritable),\n" +
			"4 another run holds the lock.",
		Flags:        runFlags(),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unexpected(c.Args().First(), "openbind run")
			}
			cfg := job.Config{
				Input:         c.String("input"),
				Output:        c.String("output"),
				QPS:           c.Float64("qps"),
				Burst:         c.Int("burst"),
				Workers:       c.Int("workers"),
				MaxAttempts:   c.Int("max-attempts"),
				Timeout:       c.Duration("timeout"),
				RetryBackoff:  c.Duration("retry-backoff"),
				BaseURL:       c.String("base-url"),
				DryRun:        c.Bool("dry-run"),
				QuotaPause:    c.Duration("minute-quota-pause"),
				TokenCommand:  c.String("token-command"),
				TokenTimeout:  c.Duration("token-timeout"),
				InputEncoding: c.String("input-encoding"),
				Sheet:         c.String("sheet"),
			}
			if err := cfg.Validate(statedBy(c)); err != nil {
				return settingError(c, err)
			}
			if err := checkProgressFlags(c); err != nil {
				return err
			}
			if err := checkWrites(c, cfg.Input, cfg.Output, c.String("metrics-file")); err != nil {
				return err
			}
			logger, prog, err := logAndProgress(c, stderr)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			if prog != nil && !cfg.DryRun {
				cfg.Progress = prog
			}
			res, err := job.Run(c.Context, cfg)
			if err != nil {
				return settingError(c, err)
			}
			printResult(stdout, lang(c), &cfg, res)
			if path := c.String("metrics-file"); path != "" && !cfg.DryRun {
				if err := promfile.WriteRun(path, cfg.Output, &res.Summary, time.Now()); err != nil {
					logger.Error("cannot write the metrics file", "file", path, "error", err.Error())
				}
			}
			return exitWith(runCode(&cfg, res), res.Stopped)
		},
	}
}

// printResult prints a run's summary, or a dry run's plan; runCode, not
// what it prints, chooses the exit code.
func printResult(w io.Writer, lang locale.Lang, cfg *job.Config, res *job.Result) {
	if cfg.DryRun {
		// A dry run stopped while the input was read has no plan: an
		// empty one would read as a file of no rows.
		if res.Stopped == nil {
			printPlan(w, lang, cfg, &res.Plan)
		}
		return
	}
	// A broken stdout (a closed pipe, a full disk) loses the summary, never
	// the run: the exit code still says what became of the rows.
	_ = res.Summary.WriteTextIn(w, lang)
}

// runCode is the exit code of a run: 3 when it stopped early (a dry run
// too, stopped while it read the input); 1 when rows
// are not done (failed or invalid, or a merchant group split or
// unconfirmed), or a dry run's plan has invalid rows; else 0.
func runCode(cfg *job.Config, res *job.Result) int {
	switch {
	case res.Stopped != nil:
		return exitStopped
	case cfg.DryRun && res.Plan.Invalid > 0:
		return exitFailed
	case cfg.DryRun:
		return exitOK
	case !res.Summary.Complete():
		return exitFailed
	}
	return exitOK
}
