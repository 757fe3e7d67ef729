package main

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
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
			return unexpected(c.Args().First(), "openbind")
		}
		return printVersion(stdout)
	case c.NArg() == 0:
		// A usage error like any other: the help goes to stderr, exit 2.
		c.App.Writer = stderr
		defer func() { c.App.Writer = stdout }()
		_ = cli.ShowAppHelp(c)
		return &exitStatus{code: exitUsage}
	}
	name := c.Args().First()
	msg := locale.Errorf("usage.unknown", name)
	if near := nearestCommand(c.App.VisibleCommands(), name); near != "" {
		msg = locale.Errorf("usage.did_you_mean", name, near)
	}
	return locale.Errorf("usage.see", msg, "openbind")
}

// unexpected is the usage error of an argument that command (openbind,
// openbind run...) does not take.
func unexpected(arg, command string) error {
	return locale.Errorf("usage.see", locale.Errorf("usage.unexpected", arg), command)
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
// those read no environment variable (README "Run a wave"), so that a
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
	eachEnvFlag(app, func(env, usage reflect.Value) {
		names := env.Interface().([]string)
		usage.SetString(usage.String() + " [$" + strings.Join(names, ", $") + "]")
		env.Set(reflect.Zero(env.Type()))
	})
}

// withoutEmptyEnv makes the flags of app read none of their variables that
// is set to "": an empty variable is one not set (urfave/cli would give a
// string flag the value "", and a bad one).
func withoutEmptyEnv(app *cli.App, getenv func(string) string) {
	eachEnvFlag(app, func(env, _ reflect.Value) {
		names := slices.DeleteFunc(slices.Clone(env.Interface().([]string)), func(n string) bool { return getenv(n) == "" })
		env.Set(reflect.ValueOf(names))
	})
}

// eachEnvFlag calls f with the EnvVars and the Usage of each flag of app
// (and of its commands) that has variables.
func eachEnvFlag(app *cli.App, f func(env, usage reflect.Value)) {
	strip := func(flags []cli.Flag) {
		for _, fl := range flags {
			v := reflect.ValueOf(fl)
			if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
				continue
			}
			env, usage := v.Elem().FieldByName("EnvVars"), v.Elem().FieldByName("Usage")
			if !env.IsValid() || env.Len() == 0 || !usage.IsValid() {
				continue
			}
			f(env, usage)
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
// from the environment. want says what it should be ("want ...").
func badFlag(c *cli.Context, name string, value any, want error) error {
	if raw, ok := fromEnvironment(c, name); ok {
		return locale.Errorf("setting.env", envVar(name)[0], raw, want)
	}
	return locale.Errorf("setting.value", "--"+name, value, want)
}

// Bounds of --progress-interval: a line every 10 ms at most (the lines
// are for people and for logs: 1ns wrote 300 MB in 20 s), one a day at
// least.
const (
	minProgressInterval = time.Millisecond
	maxProgressInterval = 24 * time.Hour
)

// checkProgressFlags checks the one setting of the command line's own
// (job checks the rest: settingError).
func checkProgressFlags(c *cli.Context) error {
	v := c.Duration("progress-interval")
	switch {
	case c.IsSet("progress-interval") && v <= 0:
		return badFlag(c, "progress-interval", v, locale.Errorf("want.more_than_0"))
	case v < minProgressInterval || v > maxProgressInterval:
		return badFlag(c, "progress-interval", v, locale.Errorf("want.duration_range", job.DurationText(minProgressInterval), job.DurationText(maxProgressInterval)))
	}
	return nil
}

// usageError keeps a usage error short: the message and where to look.
func usageError(c *cli.Context, err error, _ bool) error {
	if e := parseError(c, flagDashes.Replace(err.Error())); e != nil {
		return e
	}
	name := "openbind"
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != name {
		name += " " + c.Command.Name
	}
	return locale.Errorf("usage.see", flagError(flagDashes.Replace(err.Error())), name)
}

// flagError is a message of the flag package (after flagDashes), in the
// catalog's words where it has them.
func flagError(s string) error {
	if f, ok := strings.CutPrefix(s, "flag provided but not defined: "); ok {
		return locale.Errorf("usage.no_flag", f)
	}
	if f, ok := strings.CutPrefix(s, "flag needs an argument: "); ok {
		return locale.Errorf("usage.needs_value", f)
	}
	return errors.New(s)
}

// newLogger returns the logger of --log-format and --log-level on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &choiceError{"log-level", level, locale.Errorf("want.log_level")}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &choiceError{"log-format", format, locale.Errorf("want.log_format")}
}

// progressMode is the --progress mode to draw with JSON logs or not: auto
// draws no bar amid JSON logs, terminal or not, but their records.
func progressMode(mode string, jsonLogs bool) string {
	if jsonLogs && mode == progressAuto {
		return progressPlain
	}
	return mode
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
		return nil, nil, badChoice(c, err)
	}
	json := c.String("log-format") == "json"
	prog, err := newProgress(progressMode(c.String("progress"), json), c.Duration("progress-interval"), sink, lang(c))
	if err != nil {
		return nil, nil, badChoice(c, err)
	}
	if json {
		jsonProgress(prog)
	}
	return logger, prog, nil
}
