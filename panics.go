package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
)

// A panic is a bug. Wherever it strikes (the command's goroutine, a
// goroutine of the root's, a worker of job's), the command stops as on a
// signal, the results recorded so far are written, and run then writes the
// panic's stack to stderr and exits 3.

// crewKey is where run keeps its crew in the app's Metadata, for the
// goroutines the commands start (crewOf).
const crewKey = "crew"

// A crew starts goroutines that catch their own panic: the first one
// caught cancels the command's context (it stops as on a signal) and is
// written by report once the command has returned.
type crew struct {
	cancel context.CancelCauseFunc
	lang   locale.Lang // of report's lines

	mu     sync.Mutex
	caught *job.PanicError
}

// crewOf is the crew of the command c runs.
func crewOf(c *cli.Context) *crew {
	w, _ := c.App.Metadata[crewKey].(*crew)
	return w
}

// Go runs f in a goroutine of w's.
func (w *crew) Go(f func()) {
	go func() {
		defer w.catch()
		f()
	}()
}

// catch, deferred, catches a panic of the goroutine it runs in.
func (w *crew) catch() {
	v := recover()
	if v == nil {
		return
	}
	pe := &job.PanicError{Value: v, Trace: debug.Stack()}
	w.mu.Lock()
	if w.caught == nil {
		w.caught = pe
	}
	w.mu.Unlock()
	w.cancel(pe)
}

// report writes the first panic w caught to stderr and reports whether
// there was one.
func (w *crew) report(stderr io.Writer) bool {
	w.mu.Lock()
	pe := w.caught
	w.mu.Unlock()
	return pe != nil && writeBugIn(stderr, w.lang, pe)
}

// writeBug writes to stderr the panic err carries, if it does (a
// *job.PanicError, caught by the root or by a worker of job's), and reports
// whether it did.
func writeBug(stderr io.Writer, err error) bool { return writeBugIn(stderr, locale.English, err) }

// writeBugIn is writeBug in lang.
func writeBugIn(stderr io.Writer, lang locale.Lang, err error) bool {
	var pe *job.PanicError
	if err == nil || !errors.As(err, &pe) {
		return false
	}
	p := lang.Printer()
	fmt.Fprintf(stderr, "openbind: %s\n", p.T("bug.kept", p.Error(pe)))
	fmt.Fprintf(stderr, "openbind: %s\n%s", p.T("bug.report"), pe.Stack())
	return true
}
