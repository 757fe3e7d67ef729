package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/urfave/cli/v2"
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
	caught *panicError
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
	pe := newPanicError(v, debug.Stack())
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

// panicError is a panic caught, with the stack of its goroutine.
type panicError struct {
	value string // what the panic said, as much as may be shown
	stack []byte
}

func newPanicError(v any, stack []byte) *panicError {
	return &panicError{value: panicValue(v), stack: stack}
}

func (e *panicError) Error() string {
	return "internal error (a bug in openbind: " + e.value + ")"
}

// Stack is the stack of the goroutine that panicked.
func (e *panicError) Stack() []byte { return e.stack }

// panicValue is what a panic's value may show. A runtime error (an index
// out of range, a nil map, a failed type assertion) says only numbers and
// types; any other value might hold a token (a message made with one, an
// error of a URL), so only its type is shown. A stack holds no values: the
// words of its arguments are written in hexadecimal, never what strings
// hold.
func panicValue(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("a panic with a value of type %T, not shown: it may hold a token", v)
}

// writeBug writes to stderr the panic err carries, if it does (a
// *panicError, or an error of job's that carries the stack of a worker's
// panic), and reports whether it did.
func writeBug(stderr io.Writer, err error) bool {
	var st interface{ Stack() []byte }
	if err == nil || !errors.As(err, &st) {
		return false
	}
	var pe *panicError
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "openbind: %v; the results recorded so far are kept\n", pe)
	}
	fmt.Fprintf(stderr, "openbind: please report this bug with the stack of its panic:\n%s", st.Stack())
	return true
}
