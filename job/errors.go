package job

import (
	"errors"
	"fmt"
	"runtime"

	"openbind/locale"
	"openbind/report"
)

// ConfigError is a bad setting: nothing was read or sent. Field names the
// Config (or VerifyConfig) field, which a command line maps to its own name
// for the setting (Name); it is empty for an error of no one setting. Value
// is the value given, nil where none was.
type ConfigError struct {
	Field string
	Value any
	Err   error
}

// ErrMissing is the Err of a setting that is required and not given.
var ErrMissing error = locale.Errorf("want.required")

func (e *ConfigError) Error() string { return e.Name(e.Field) }

func (e *ConfigError) Unwrap() error { return e.Err }

// Name says the error with name for the setting (a flag, say).
func (e *ConfigError) Name(name string) string {
	switch {
	case e.Field == "":
		return e.Err.Error()
	case errors.Is(e.Err, ErrMissing):
		return name + " " + e.Err.Error()
	case e.Value == nil:
		return name + ": " + e.Err.Error()
	}
	if s, ok := e.Value.(string); ok {
		return fmt.Sprintf("%s %q: %v", name, s, e.Err)
	}
	return fmt.Sprintf("%s %v: %v", name, e.Value, e.Err)
}

// StopError says why a run stopped early; rows not finished are pending.
type StopError struct {
	Reason string // in English, as JSON's "stopped" and logs read it
	Err    error
	// Why is Reason as a message, to say it in a language (Local); nil for
	// a Reason of no message.
	Why *locale.Message
}

// stopFor is the StopError of the message key with args, wrapping err
// (nil for none).
func stopFor(err error, key string, args ...any) *StopError {
	m := locale.Errorf(key, args...)
	return &StopError{Reason: m.Error(), Err: err, Why: m}
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

// Local is the error in p's language: the reason, then the error's text.
func (e *StopError) Local(p *locale.Printer) string {
	reason := e.Reason
	if e.Why != nil {
		reason = p.Error(e.Why)
	}
	switch {
	case reason == "" && e.Err != nil:
		return p.Error(e.Err)
	case e.Err == nil:
		return reason
	}
	return p.T("err.wrap", reason, p.Error(e.Err))
}

// cannotRecord is the stop of a run whose results file cannot take a
// write before its first call.
func cannotRecord(output string, err error) *StopError {
	return stopFor(err, "stop.cannot_record", output)
}

// OutputError is a results file that cannot be opened or read at the start.
type OutputError struct {
	Path string
	Err  error
}

func (e *OutputError) Error() string { return e.Local(locale.English.Printer()) }
func (e *OutputError) Unwrap() error { return e.Err }

// Local is the error in p's language.
func (e *OutputError) Local(p *locale.Printer) string {
	if errors.Is(e.Err, report.ErrNotResults) {
		return p.T("output.not_results", e.Path, p.Error(e.Err))
	}
	return p.T("output.error", e.Path, p.Error(e.Err))
}

// PanicError is a panic (a bug in openbind), recovered: the run stopped
// with it (a *StopError wraps it) and the results recorded were written.
// Trace is the goroutine's stack at the panic, for stderr; it holds no
// token (a stack shows no string's bytes). Its message shows Value only
// where it cannot hold one (see panicText).
type PanicError struct {
	Value any
	Trace []byte
}

func (e *PanicError) Error() string { return e.Local(locale.English.Printer()) }

// Local is the error in p's language.
func (e *PanicError) Local(p *locale.Printer) string {
	if re, ok := e.Value.(runtime.Error); ok {
		return p.T("panic", re.Error())
	}
	return p.T("panic", p.T("panic.value", fmt.Sprintf("%T", e.Value)))
}

// Stack is the stack of the goroutine that panicked.
func (e *PanicError) Stack() []byte { return e.Trace }

// panicText is what a panic's value may show. A runtime error (an index
// out of range, a nil map, a failed type assertion) says only numbers and
// types; any other value might hold a token (a message made with one, an
// error of a URL), so only its type is shown.
func panicText(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("a panic with a value of type %T, not shown: it may hold a token", v)
}
