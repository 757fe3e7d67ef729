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
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"openbind/job"
	"openbind/locale"
)

// Exit codes (README "Exit status").
const (
	exitOK      = 0 // every row done
	exitFailed  = 1 // finished; some rows failed or invalid
	exitUsage   = 2 // usage or input-file error; nothing sent
	exitStopped = 3 // stopped early; what was recorded is kept
	exitLocked  = 4 // another run holds the lock on the output
)

// The garbage collector's settings, unless GOGC or GOMEMLIMIT say
// otherwise. A run allocates per row (CSV records, requests, answers) and
// keeps what it keeps in a few large arrays without pointers (32 bytes and
// an index slot a row), so the collector's work is the number of its
// cycles, and a heap let to grow to 5 × its live part (GOGC=400) keeps
// that small while the heap is small. Past 8 MiB of live heap a soft limit
// takes over: live heap + gcHeadroom, set again after every cycle, so that
// memory grows by the rows and not by a multiple of them, and the
// collector never runs without pause (a fixed limit does, once the rows
// alone pass it).
const (
	gcPercent  = 400
	gcHeadroom = 32 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	if os.Getenv("GOMEMLIMIT") == "" {
		runtime.SetFinalizer(new(gcCycle), resizeMemoryLimit)
	}
}

// gcCycle is an object that no one keeps: its finalizer runs after each
// collection, and arms the next one.
type gcCycle struct{ _ [16]byte }

// gcSamples are what resizeMemoryLimit reads: the live heap (marked by
// the last cycle), and the memory that is not heap (stacks, the runtime's
// own) as the total less the heap's classes.
var gcSamples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
}

// resizeMemoryLimit sets the soft limit, just after a collection, to the
// live heap + the memory that is not heap + gcHeadroom.
func resizeMemoryLimit(c *gcCycle) {
	metrics.Read(gcSamples)
	v := func(i int) int64 { return int64(gcSamples[i].Value.Uint64()) }
	other := v(1) - v(2) - v(3) - v(4) - v(5)
	debug.SetMemoryLimit(v(0) + max(other, 0) + gcHeadroom)
	runtime.SetFinalizer(c, resizeMemoryLimit)
}

func main() {
	tuneGC()
	keepRunningOnBrokenPipes()
	// Notices go through the sink the run draws its bar on: on a line of
	// their own, never on the bar's.
	errOut := &stderrSink{w: os.Stderr}
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals...)
	lang := langOfArgs(os.Args, os.Getenv)
	first, again := stopNotices(os.Args, lang.Printer())
	signals := &crew{cancel: cancel, lang: lang}
	signals.Go(func() {
		s := <-sigs
		fmt.Fprintf(errOut, "openbind: %s\n", lang.Printer().T("signal.first", s.String(), first))
		cancel(nil)
		s = <-sigs
		fmt.Fprintf(errOut, "openbind: %s\n", lang.Printer().T("signal.again", s.String(), again))
		os.Exit(exitStopped)
	})
	code := run(ctx, os.Args, os.Stdout, errOut)
	if signals.report(errOut) {
		code = exitStopped
	}
	os.Exit(code)
}

// stopNotices are what the first and the second signal say, for the
// command of args: a run finishes its calls in flight and writes its
// results; serve-fake has neither.
func stopNotices(args []string, p *locale.Printer) (first, again string) {
	switch commandOf(args) {
	case "run", "demo", "verify":
		return p.T("signal.run"), p.T("signal.run.again")
	case "serve-fake":
		return p.T("signal.fake"), p.T("signal.exit")
	}
	return p.T("signal.other"), p.T("signal.exit")
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
// decided here only, after every deferred flush of the commands has run. A
// panic is a bug: its stack goes to stderr and the exit code is 3, once the
// command has returned (the results written), whichever goroutine of the
// root or of job it struck.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lang := langOfArgs(args, os.Getenv)
	goroutines := &crew{cancel: cancel, lang: lang}
	defer func() {
		if v := recover(); v != nil {
			writeBugIn(stderr, lang, &job.PanicError{Value: v, Trace: debug.Stack()})
			code = exitStopped
		}
		if goroutines.report(stderr) {
			code = exitStopped
		}
	}()
	app := newApp(stdout, stderr)
	app.Metadata = map[string]any{argsKey: args, crewKey: goroutines}
	withLang(app)
	if wantsHelpOrVersion(args) {
		translateHelp(app, langOfArgs(args, helpEnv))
		withoutEnv(app)
	} else {
		translateHelp(app, lang) // the help of a usage error
		withoutEmptyEnv(app, os.Getenv)
	}
	err := app.RunContext(ctx, args)
	var st *exitStatus
	if err != nil && !errors.As(err, &st) {
		fmt.Fprint(stderr, lang.Printer().Errorln(err))
	}
	if writeBugIn(stderr, lang, err) {
		return exitStopped
	}
	return exitCode(err)
}

// exitStatus carries an exit code out of a command that did its work (and
// printed what it had to say), with why it stopped early (run writes the
// stack of a panic found there).
type exitStatus struct {
	code  int
	cause error
}

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (e *exitStatus) Unwrap() error { return e.cause }

// exitWith is the error a command returns for exit code code: nil for 0.
// cause is why it stopped early, or nil.
func exitWith(code int, cause error) error {
	if code == exitOK {
		return nil
	}
	return &exitStatus{code: code, cause: cause}
}

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
