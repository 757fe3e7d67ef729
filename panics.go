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
	return pe != nil && writeBug(stderr, pe)
}

// writeBug writes to stderr the panic err carries, if it does (a
// *job.PanicError, caught by the root or by a worker of job's), and reports
// whether it did.
func writeBug(stderr io.Writer, err error) bool {
	var pe *job.PanicError
	if err == nil || !errors.As(err, &pe) {
		return false
	}
	fmt.Fprintf(stderr, "openbind: %v; the results recorded so far are kept\n", pe)
	fmt.Fprintf(stderr, "openbind: please report this bug with the stack of its panic:\n%s", pe.Stack())
	return true
}
