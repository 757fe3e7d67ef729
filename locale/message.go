package locale

import (
	"errors"
	"fmt"
	"strings"
)

// Message is a sentence of the catalog carried as an error, for what is
// both recorded and shown to people (an input file's error, why a run
// stopped): its Error is the English text, which results cells, logs,
// JSON and tests read, the same in every language; Printer.Error says it
// in the printer's language.
//
// An argument that is an error (a system error, another Message) is said
// by Printer.Error too. A Message does not unwrap it: it keeps the text of
// the error, as fmt.Errorf's %v did, not its identity.
type Message struct {
	Key  string
	Args []any
}

// Errorf is the message key with args, as an error.
func Errorf(key string, args ...any) *Message { return &Message{Key: key, Args: args} }

func (m *Message) Error() string { return english.render(m) }

// english renders the English of messages (Error), made once.
var english = English.Printer()

func (p *Printer) render(m *Message) string {
	args, copied := m.Args, false
	for i, a := range args {
		if err, ok := a.(error); ok {
			if !copied {
				args, copied = append([]any(nil), m.Args...), true
			}
			args[i] = p.Error(err)
		}
	}
	return p.T(m.Key, args...)
}

// Localizer is an error that says itself in a language: an error type
// with fields of its own (a file's line and column) around a Message.
type Localizer interface {
	error
	Local(p *Printer) string
}

// Error is err for people in the printer's language: a Message or a
// Localizer in the catalog's words, any other error as its Error says
// (a system error, a library's). A chain of fmt.Errorf's "%w" keeps its
// English prefix and says the rest of the chain in the language when the
// prefix ends where the wrapped error's text begins.
func (p *Printer) Error(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case *Message:
		return p.render(e)
	case Localizer:
		return e.Local(p)
	}
	var m *Message
	var l Localizer
	inner := errors.Unwrap(err)
	if inner == nil || (!errors.As(inner, &m) && !errors.As(inner, &l)) {
		return err.Error()
	}
	s, rest := err.Error(), inner.Error()
	if prefix, ok := strings.CutSuffix(s, rest); ok {
		return prefix + p.Error(inner)
	}
	return s
}

// Errorln is fmt.Sprintf("openbind: %s\n") of err in the language: the
// line the root writes for an error that ends a command.
func (p *Printer) Errorln(err error) string {
	return fmt.Sprintf("openbind: %s\n", p.Error(err))
}
