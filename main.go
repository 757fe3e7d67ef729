// Command openbind binds WeChat authorizer accounts to open platform
// accounts in bulk (createOpenAccount), at a controlled rate, resumably.
// See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"

	"openbind/job"
)

// Exit codes (DESIGN.md).
const (
	exitOK      = 0 // every row done
	exitFailed  = 1 // finished; some rows failed or invalid
	exitUsage   = 2 // usage or input-file error; nothing sent
	exitStopped = 3 // stopped early; what was recorded is kept
	exitLocked  = 4 // another run holds the lock on the output
)

// The garbage collector's settings, unless GOGC or GOMEMLIMIT say
// otherwise. A run allocates per row (CSV records, requests, answers) and
// keeps little, so letting the heap grow to 5 × its live part before a
// collection cuts the collector's share of a --qps 0 run's CPU from about 7%
// to 1% (pprof of a 100,000-row run); the soft limit keeps a 1,000,000-row
// run near 80 MB of RSS (scripts/bench), where the limit, not GOGC, paces
// the collector.
const (
	gcPercent   = 400
	memoryLimit = 70 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" && !raceEnabled {
		debug.SetMemoryLimit(memoryLimit)
	}
}

func main() {
	tuneGC()
	keepRunningOnBrokenPipes()
	// Notices go through the sink the run draws its bar on: on a line of
	// their own, never on the bar's.
	errOut := &stderrSink{w: os.Stderr}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals...)
	first, again := stopNotices(os.Args)
	go func() {
		s := <-sigs
		fmt.Fprintf(errOut, "openbind: %v: %s\n", s, first)
		cancel()
		s = <-sigs
		fmt.Fprintf(errOut, "openbind: %v again: %s\n", s, again)
		os.Exit(exitStopped)
	}()
	os.Exit(run(ctx, os.Args, os.Stdout, errOut))
}

// stopNotices are what the first and the second signal say, for the
// command of args: a run finishes its calls in flight and writes its
// results; serve-fake has neither.
func stopNotices(args []string) (first, again string) {
	switch commandOf(args) {
	case "run", "demo", "verify":
		return "stopping — no new calls; the calls in flight finish (bounded by --timeout), then the results are written. Signal again to exit at once.",
			"exiting now; the results file keeps every row recorded so far, and the next run tidies it."
	case "serve-fake":
		return "stopping the stand-in. Signal again to exit at once.", "exiting now."
	}
	return "stopping. Signal again to exit at once.", "exiting now."
}

// commandOf is the command args name (its first argument that is not a
// flag), or "".
func commandOf(args []string) string {
	for _, a := range args[min(1, len(args)):] {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// run runs the command line args and returns the exit code. Exit codes are
// decided here only, after every deferred flush of the commands has run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A panic is a bug; it must not reach the user as a stack trace.
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "openbind: internal error (a bug in openbind: %v); the results recorded so far are kept\n", v)
			code = exitStopped
		}
	}()
	app := newApp(stdout, stderr)
	app.Metadata = map[string]any{argsKey: args}
	withLang(app)
	if wantsHelpOrVersion(args) {
		withoutEnv(app)
	}
	err := app.RunContext(ctx, args)
	var st *exitStatus
	if err != nil && !errors.As(err, &st) {
		fmt.Fprintf(stderr, "openbind: %v\n", err)
	}
	return exitCode(err)
}

// exitStatus carries an exit code out of a command that did its work (and
// printed what it had to say).
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var (
		st   *exitStatus
		lock *job.LockError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &st):
		return st.code
	case errors.As(err, &lock) && errors.Is(err, job.ErrLocked):
		return exitLocked
	}
	// Bad flags, bad input, an output that cannot be opened: nothing sent.
	return exitUsage
}
