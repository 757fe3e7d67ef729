package main

import (
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
	"openbind/report/promfile"
)

// verifyFlags are the run's flags that apply to verify, and its own.
func verifyFlags() []cli.Flag {
	keep := map[string]bool{"input": true, "output": true, "qps": true, "burst": true, "workers": true, "max-attempts": true,
		"timeout": true, "retry-backoff": true, "base-url": true, "minute-quota-pause": true, "log-format": true, "log-level": true,
		"metrics-file": true, "progress": true, "progress-interval": true, "token-command": true, "token-timeout": true}
	flags := []cli.Flag{
		&cli.StringFlag{Name: "report", Usage: "the verification report CSV (default: <output>.verify.csv); a rerun asks only the rows without a verdict or unknown in it", EnvVars: envVar("report")},
		&cli.BoolFlag{Name: "again", Usage: "a fresh verification: ask every done row, whatever the report says", EnvVars: envVar("again")},
	}
	usage := map[string]string{
		"output":       "the results CSV of the wave, only read (never written, never locked)",
		"metrics-file": "write the verification's metrics there (openbind_verify_rows{verdict} and openbind_last_*, labelled command=\"verify\"); a file of its own, not the run's",
	}
	for _, f := range runFlags() {
		name := f.Names()[0]
		if !keep[name] {
			continue
		}
		if u, ok := usage[name]; ok {
			f.(*cli.StringFlag).Usage = u
		}
		flags = append(flags, f)
	}
	return flags
}

func verifyCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "ask WeChat (open/get) whether every done row of --output is still bound as recorded",
		UsageText: "openbind verify --input FILE [--output results.csv] [--report FILE] [--again] [flags]",
		Description: "For every done row of the results (created, already_bound, bound; and records kept from other\n" +
			"inputs when --token-command can give their token), one open/get with the row's own token, under\n" +
			"the same rate limit, retries and stops as run. The results file is only read (verify never takes\n" +
			"the run's lock); the verdicts go to the report: holds, moved, unbound (89002), unknown, not_asked.\n\n" +
			"Examples:\n" +
			"   openbind verify --input wave3.csv --output wave3-results.csv\n" +
			"   openbind report --format html --verify wave3-results.csv.verify.csv wave3-results.csv > signoff.html\n\n" +
			"Exit status: 0 every asked row holds, 1 some moved, unbound or unknown, 2 usage or input error\n" +
			"(nothing asked), 3 stopped early, 4 another verify holds the report's lock.",
		Flags:        verifyFlags(),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unexpected(c.Args().First(), "openbind verify")
			}
			cfg := job.VerifyConfig{
				Input:        c.String("input"),
				Output:       c.String("output"),
				Report:       c.String("report"),
				Again:        c.Bool("again"),
				QPS:          c.Float64("qps"),
				Burst:        c.Int("burst"),
				Workers:      c.Int("workers"),
				MaxAttempts:  c.Int("max-attempts"),
				Timeout:      c.Duration("timeout"),
				RetryBackoff: c.Duration("retry-backoff"),
				QuotaPause:   c.Duration("minute-quota-pause"),
				BaseURL:      c.String("base-url"),
				TokenCommand: c.String("token-command"),
				TokenTimeout: c.Duration("token-timeout"),
			}
			if err := cfg.Validate(statedBy(c)); err != nil {
				return settingError(c, err)
			}
			if err := checkProgressFlags(c); err != nil {
				return err
			}
			rep := c.String("report")
			if rep == "" {
				rep = job.ReportPath(c.String("output"))
			}
			if err := checkWrites(c, c.String("input"), c.String("output"), c.String("metrics-file"), rep); err != nil {
				return err
			}
			logger, prog, err := logAndProgress(c, stderr)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			if prog != nil {
				cfg.Progress = prog
			}
			res, err := job.Verify(c.Context, cfg)
			if err != nil {
				return settingError(c, err)
			}
			printVerify(stdout, lang(c), res)
			if path := c.String("metrics-file"); path != "" {
				if err := promfile.WriteVerify(path, cfg.Output, &res.Summary, res.Run, time.Now()); err != nil {
					logger.Error("cannot write the metrics file", "file", path, "error", err.Error())
				}
			}
			return exitWith(verifyCode(res), res.Stopped)
		},
	}
}

// printVerify prints a verification's summary, over the whole report;
// verifyCode, not what it prints, chooses the exit code.
func printVerify(w io.Writer, lang locale.Lang, res *job.VerifyResult) {
	t := lang.Printer()
	s := &res.Summary
	// A broken stdout (a closed pipe, a full disk) loses the summary, never
	// the verification: the exit code still says what WeChat answered.
	_ = s.WriteTextIn(w, lang)
	if r := res.Run; r != nil {
		fmt.Fprint(w, t.T("verify.run", r.Sent, r.Calls, r.Retries, r.Elapsed.Round(time.Millisecond).String()))
		for _, n := range r.Notes {
			fmt.Fprint(w, t.T("summary.note", n))
		}
	}
	if res.Stopped != nil {
		fmt.Fprint(w, t.T("verify.stopped", t.Error(res.Stopped)))
	}
}

// verifyCode is the exit code of a verification: 3 when it stopped early,
// 1 when a row of the report does not hold (moved, unbound or unknown),
// else 0.
func verifyCode(res *job.VerifyResult) int {
	switch {
	case res.Stopped != nil:
		return exitStopped
	case !res.Summary.Complete():
		return exitFailed
	}
	return exitOK
}
