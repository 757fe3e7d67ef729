package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
	"openbind/report"
	"openbind/wechat"
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
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the version, commit, build date and Go version"},
		},
		Action: func(c *cli.Context) error { return appAction(c, stdout, stderr) },
		Commands: []*cli.Command{
			runCommand(stdout, stderr),
			verifyCommand(stdout, stderr),
			reportCommand(stdout, stderr),
			demoCommand(stdout, stderr),
			serveFakeCommand(stdout, stderr),
			versionCommand(stdout),
		},
	}
}

// appAction is openbind without a command: --version, or a usage error
// (help for a bare openbind, "unknown command" with the nearest one).
func appAction(c *cli.Context, stdout, stderr io.Writer) error {
	switch {
	case c.Bool("version"):
		if c.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q (see openbind --help)", c.Args().First())
		}
		return printVersion(stdout)
	case c.NArg() == 0:
		// A usage error like any other: the help goes to stderr, exit 2.
		c.App.Writer = stderr
		defer func() { c.App.Writer = stdout }()
		_ = cli.ShowAppHelp(c)
		return &exitStatus{exitUsage}
	}
	name := c.Args().First()
	msg := fmt.Sprintf("unknown command %q", name)
	if near := nearestCommand(c.App.VisibleCommands(), name); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return fmt.Errorf("%s (see openbind --help)", msg)
}

// nearestCommand is the command name closest to name by edit distance, if
// it is close enough to be a typo (at most a third of its letters off).
func nearestCommand(commands []*cli.Command, name string) string {
	best, bestDist := "", len(name)/3+1
	for _, cmd := range commands {
		for _, n := range cmd.Names() {
			if d := editDistance(n, name); d <= bestDist && (best == "" || d < editDistance(best, name)) {
				best = n
			}
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (optimal string
// alignment) of a and b: "rnu" is one swap from "run".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// flagDashes rewrites the flag package's "-name" into the "--name" that
// openbind's help and README spell.
var flagDashes = strings.NewReplacer(
	"for flag -", "for flag --",
	"flag provided but not defined: -", "flag provided but not defined: --",
	"flag needs an argument: -", "flag needs an argument: --",
)

// wantsHelpOrVersion reports whether args ask for help or the version:
// those read no environment variable (DESIGN.md, Decision 12), so that a
// bad OPENBIND_QPS cannot hide the help that would explain it.
func wantsHelpOrVersion(args []string) bool {
	if c := commandOf(args); c == "help" || c == "h" || c == "version" {
		return true
	}
	for _, a := range args[min(1, len(args)):] {
		switch a {
		case "--":
			return false
		case "-h", "--h", "-help", "--help", "-version", "--version":
			return true
		}
	}
	return false
}

// withoutEnv makes every flag of app read no environment variable; the
// help still names each flag's variable.
func withoutEnv(app *cli.App) {
	strip := func(flags []cli.Flag) {
		for _, f := range flags {
			v := reflect.ValueOf(f)
			if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
				continue
			}
			env, usage := v.Elem().FieldByName("EnvVars"), v.Elem().FieldByName("Usage")
			if !env.IsValid() || env.Len() == 0 || !usage.IsValid() {
				continue
			}
			names := env.Interface().([]string)
			usage.SetString(usage.String() + " [$" + strings.Join(names, ", $") + "]")
			env.Set(reflect.Zero(env.Type()))
		}
	}
	strip(app.Flags)
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			strip(c.Flags)
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
}

// argsKey is where run keeps the command line in the app's Metadata, for
// flagRef.
const argsKey = "args"

// onCommandLine reports whether flag name was given in args (before "--").
func onCommandLine(args []string, name string) bool {
	for _, a := range args[min(1, len(args)):] {
		if a == "--" {
			return false
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// badFlag is the error of flag name's value, named as the user gave it:
// "--qps -2: want ..." from the command line, "OPENBIND_QPS=-2: want ..."
// from the environment.
func badFlag(c *cli.Context, name string, value any, want string) error {
	args, _ := c.App.Metadata[argsKey].([]string)
	if env := envVar(name)[0]; !onCommandLine(args, name) {
		if raw, ok := os.LookupEnv(env); ok && raw != "" {
			return fmt.Errorf("%s=%s (from the environment): want %s", env, raw, want)
		}
	}
	return fmt.Errorf("--%s %v: want %s", name, value, want)
}

// checkRunFlags checks, before anything is read or sent, every setting of
// run that has a wrong value whatever the input (exit 2).
func checkRunFlags(c *cli.Context) error {
	if q := c.Float64("qps"); q < 0 || math.IsNaN(q) || math.IsInf(q, 0) {
		return badFlag(c, "qps", q, "0 (no limit) or more")
	}
	ints := []struct {
		name string
		min  int
	}{{"burst", 1}, {"workers", 1}, {"max-attempts", 1}}
	for _, f := range ints {
		if v := c.Int(f.name); c.IsSet(f.name) && v < f.min {
			return badFlag(c, f.name, v, fmt.Sprintf("%d or more", f.min))
		}
	}
	durations := []struct {
		name     string
		zeroOK   bool
		zeroText string
	}{
		{"timeout", false, ""}, {"retry-backoff", false, ""}, {"token-timeout", false, ""},
		{"progress-interval", false, ""}, {"minute-quota-pause", true, "0 (until the next minute) or more"},
	}
	for _, f := range durations {
		v := c.Duration(f.name)
		switch {
		case f.zeroOK && v < 0:
			return badFlag(c, f.name, v, f.zeroText)
		case !f.zeroOK && c.IsSet(f.name) && v <= 0:
			return badFlag(c, f.name, v, "more than 0")
		}
	}
	return nil
}

// usageError keeps a usage error short: the message and where to look.
func usageError(c *cli.Context, err error, _ bool) error {
	name := "openbind"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != name {
		name += " " + c.Command.Name
	}
	return fmt.Errorf("%s (see %s --help)", flagDashes.Replace(err.Error()), name)
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "input", Usage: "the accounts CSV: a header row naming appid and access_token (aliases authorizer_appid, authorizer_access_token), optional group", EnvVars: envVar("input")},
		&cli.StringFlag{Name: "input-encoding", Usage: "the encoding of a text --input: utf-8, gb18030 (GBK) or utf-16 (default: told from the bytes; the plan names it)", EnvVars: envVar("input-encoding")},
		&cli.StringFlag{Name: "sheet", Usage: "the sheet of an .xlsx --input (default: the first)", EnvVars: envVar("sheet")},
		&cli.StringFlag{Name: "output", Value: "results.csv", Usage: "the results CSV; it is also the job's memory: a rerun sends only the rows not done in it", EnvVars: envVar("output")},
		&cli.Float64Flag{Name: "qps", Value: job.DefaultQPS, Usage: "calls per second, retries included (0: no limit, for rehearsals against a local stand-in)", EnvVars: envVar("qps")},
		&cli.IntFlag{Name: "burst", Value: 1, Usage: "calls that may go out at once above the steady rate", EnvVars: envVar("burst")},
		&cli.IntFlag{Name: "workers", Usage: "calls in flight at most; the default keeps --qps when WeChat answers in 1 s (32 with --qps 0)", DefaultText: "from --qps", EnvVars: envVar("workers")},
		&cli.IntFlag{Name: "max-attempts", Value: job.DefaultMaxAttempts, Usage: "attempts per call, the first included, for transient failures (-1, HTTP 5xx, network)", EnvVars: envVar("max-attempts")},
		&cli.DurationFlag{Name: "timeout", Value: job.DefaultTimeout, Usage: "time limit of each attempt", EnvVars: envVar("timeout")},
		&cli.DurationFlag{Name: "retry-backoff", Value: job.DefaultRetryBackoff, Usage: "wait before the first retry; it doubles at each retry, with jitter, up to 20 times this (30s at most)", EnvVars: envVar("retry-backoff")},
		&cli.StringFlag{Name: "base-url", Value: wechat.DefaultBaseURLs, Usage: "the API's base URLs, comma-separated, each https://host[:port][/path] (http only to a loopback host, a local stand-in); a call that cannot reach one goes at once to the next", EnvVars: envVar("base-url")},
		&cli.BoolFlag{Name: "dry-run", Usage: "read and check the input and the results, print the plan; send and write nothing", EnvVars: envVar("dry-run")},
		&cli.DurationFlag{Name: "minute-quota-pause", Usage: "how long a 45011 (minute quota) pauses every call before the run goes on slower; the default waits until the next minute of the clock, when the quota turns", DefaultText: "next minute", EnvVars: envVar("minute-quota-pause")},
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

// logAndProgress makes the logger and the progress of --log-format,
// --log-level, --progress and --progress-interval on stderr, through
// main's sink when stderr is it (its signal notices then share the line
// discipline of the bar).
func logAndProgress(c *cli.Context, stderr io.Writer) (*slog.Logger, *progress, error) {
	sink, ok := stderr.(*stderrSink)
	if !ok {
		sink = &stderrSink{w: stderr}
	}
	logger, err := newLogger(sink, c.String("log-format"), c.String("log-level"))
	if err != nil {
		return nil, nil, err
	}
	prog, err := newProgress(c.String("progress"), c.Duration("progress-interval"), sink, lang(c))
	if err != nil {
		return nil, nil, err
	}
	return logger, prog, nil
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
				return fmt.Errorf("unexpected argument %q (see openbind run --help)", c.Args().First())
			}
			if err := checkRunFlags(c); err != nil {
				return err
			}
			if err := checkWrites(c, c.String("input"), c.String("output"), c.String("metrics-file")); err != nil {
				return err
			}
			logger, prog, err := logAndProgress(c, stderr)
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
			cfg.InputEncoding, cfg.Sheet = c.String("input-encoding"), c.String("sheet")
			if prog != nil && !cfg.DryRun {
				cfg.Progress = prog
			}
			res, err := job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			status := printResult(stdout, lang(c), &cfg, res)
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
func printResult(w io.Writer, lang locale.Lang, cfg *job.Config, res *job.Result) error {
	s := &res.Summary
	if cfg.DryRun {
		return printPlan(w, lang, cfg, &res.Plan)
	}
	// A broken stdout (a closed pipe, a full disk) loses the summary, never
	// the run: the exit code still says what became of the rows.
	_ = s.WriteTextIn(w, lang)
	switch {
	case res.Stopped != nil:
		return &exitStatus{exitStopped}
	case !s.Complete():
		// Rows not done, or a merchant group split or unconfirmed.
		return &exitStatus{exitFailed}
	}
	return nil
}

func reportCommand(stdout, stderr io.Writer) *cli.Command {
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
			path := c.Args().First()
			if held, _ := job.LockHeld(path); held {
				// Said on stderr: the text, JSON or page on stdout stays as it is.
				fmt.Fprintf(stderr, "openbind: a run holds the lock %s.lock: it is writing %s now, so this report is of the rows recorded so far\n", path, path)
			}
			s, err := report.Summarize(path)
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
				return s.WriteTextIn(stdout, lang(c))
			case "json":
				return s.WriteJSON(stdout)
			case "html":
				return s.WriteHTML(stdout, report.PageOptions{Input: c.String("input"), Lang: lang(c)})
			}
			return fmt.Errorf("--format %q: want text, json or html", c.String("format"))
		},
	}
}
