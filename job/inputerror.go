package job

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"openbind/locale"
)

// InputError is a problem with the input file as a whole: it stops the run
// before any call. It names the file, line and column (0 when unknown).
type InputError struct {
	File   string
	Line   int
	Column int
	Err    error
}

func (e *InputError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
}

// Local is the error in p's language: the position as Error writes it
// (file:line:col: ), then the reason in the language.
func (e *InputError) Local(p *locale.Printer) string {
	msg := p.Error(e.Err)
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, msg)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, msg)
}

func (e *InputError) Unwrap() error { return e.Err }

// checkText refuses a record holding a NUL byte or bytes that are not UTF-8:
// the file is not text, or not in the encoding it was read in.
func (in *inputReader) checkText(rec []string) error {
	for i, f := range rec {
		if j := strings.IndexByte(f, 0); j >= 0 {
			line, col := in.rec.FieldPos(i)
			return in.errorf(line, col+j, "input.binary")
		}
		if !utf8.ValidString(f) {
			line, col := in.rec.FieldPos(i)
			return in.errorf(line, col+invalidUTF8At(f), "input.not_encoding", in.form.Encoding)
		}
	}
	return nil
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return i
			}
		}
	}
	return 0
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if cleanCell(f) != "" {
			return false
		}
	}
	return true
}

// errorf is the InputError at line and col (0: none) of the message key.
func (in *inputReader) errorf(line, col int, key string, args ...any) error {
	return &InputError{File: in.name, Line: line, Column: col, Err: locale.Errorf(key, args...)}
}

// readError turns a csv.ParseError (or a workbook's error) into an
// InputError that says what to fix.
func (in *inputReader) readError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		line := 1
		if sr, ok := in.rec.(*sheetRecords); ok {
			line = max(sr.n, 1)
		}
		return &InputError{File: in.name, Line: line, Err: err}
	}
	msg := errors.New(pe.Err.Error())
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		msg = locale.Errorf("input.field_count", in.width)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = locale.Errorf("input.bare_quote")
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = locale.Errorf("input.open_quote")
		// A quote never closed runs on to the end of the file, which is
		// where encoding/csv places the error (one past the last line's
		// end): the reader has nothing after it. The place to fix is the
		// record's first line.
		if _, next := in.rec.Read(); next == io.EOF {
			return &InputError{File: in.name, Line: pe.StartLine, Err: locale.Errorf("input.unclosed_quote")}
		}
	}
	return &InputError{File: in.name, Line: pe.Line, Column: pe.Column, Err: msg}
}
