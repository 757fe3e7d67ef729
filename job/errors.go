package job

import (
	"errors"
	"fmt"

	"openbind/report"
)

// ConfigError is a bad setting: nothing was read or sent.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// StopError says why a run stopped early; rows not finished are pending.
type StopError struct {
	Reason string
	Err    error
}

func (e *StopError) Error() string {
	switch {
	case e.Reason == "" && e.Err != nil:
		return e.Err.Error()
	case e.Err == nil:
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *StopError) Unwrap() error { return e.Err }

// cannotRecord is the stop of a run whose results file cannot take a
// write before its first call.
func cannotRecord(output string, err error) *StopError {
	return &StopError{Reason: "the results file " + output + " cannot take a write (is its disk full?); nothing was sent", Err: err}
}

// OutputError is a results file that cannot be opened or read at the start.
type OutputError struct {
	Path string
	Err  error
}

func (e *OutputError) Error() string {
	if errors.Is(e.Err, report.ErrNotResults) {
		return fmt.Sprintf("--output %s: %v; it is left as it is: name a new or empty file, or the results file of an earlier run", e.Path, e.Err)
	}
	return fmt.Sprintf("results file %s: %v", e.Path, e.Err)
}
func (e *OutputError) Unwrap() error { return e.Err }

// PanicError is a panic of a goroutine of the job (a bug in openbind),
// recovered: the run stopped with it (a *StopError wraps it), and the
// results recorded were written. Stack is the goroutine's stack at the
// panic, for stderr; it holds no token (a stack shows no string's bytes).
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (a bug in openbind: %v); the rows recorded are kept", e.Value)
}
