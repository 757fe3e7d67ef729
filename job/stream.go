package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"openbind/locale"
	"os"
)

// inputStream reads the input file again, row by row, checking that it is
// the file read first. It reads the file in the form told the first time;
// a workbook is parsed again rather than kept decoded, so that the run
// keeps no token in memory whatever the input's form.
type inputStream struct {
	st   *state
	f    *os.File
	in   *inputReader
	i    int
	skip int // next of st.skipped
}

func (st *state) reopen() (*inputStream, error) {
	f, err := openInputFile(st.input)
	if err != nil {
		return nil, err
	}
	in, err := newInputReader(f, st.input, st.form, st.tokenOptional)
	if err != nil {
		f.Close()
		return nil, err
	}
	in.trusted = true
	return &inputStream{st: st, f: f, in: in}, nil
}

// errInputChanged means the input file changed while the run was going.
var errInputChanged = locale.Errorf("input.changed")

// next returns the next row and its index; io.EOF at the end.
func (s *inputStream) next() (inputRow, int, error) {
	r, err := s.in.Read()
	for err == nil && s.skip < len(s.st.skipped) && int(s.st.skipped[s.skip]) == r.Line {
		s.skip++
		r, err = s.in.Read()
	}
	if err == io.EOF {
		if s.i != len(s.st.rows) {
			return r, 0, &InputError{File: s.st.input, Err: errInputChanged}
		}
		return r, 0, io.EOF
	}
	if err != nil {
		return r, 0, err
	}
	i := s.i
	if i >= len(s.st.rows) || int(s.st.rows[i].line) != r.Line {
		return r, 0, &InputError{File: s.st.input, Line: r.Line, Err: errInputChanged}
	}
	if a, _ := parseAppID(r.AppID); a != s.st.rows[i].appid {
		return r, 0, &InputError{File: s.st.input, Line: r.Line, Err: errInputChanged}
	}
	s.i++
	return r, i, nil
}

func (s *inputStream) Close() error {
	s.in.Close()
	return s.f.Close()
}

// openInputFile opens the input file at path, which must be a regular
// file: a pipe (a FIFO blocks open(2) until a writer comes, and a signal
// does not end it), a device, a socket or a directory is refused before it
// is opened. The input is read twice (the tokens stay in the file), which
// only a file on disk allows. What is opened is checked again, in case the
// path was replaced between the two looks.
func openInputFile(path string) (*os.File, error) {
	// A path that cannot be looked at (missing, not allowed) is opened
	// all the same, for open's own error.
	if fi, err := os.Stat(path); err == nil {
		if err := regularInput(path, fi); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Err: unwrapPath(err)}
	}
	if fi, err := f.Stat(); err == nil {
		if err := regularInput(path, fi); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// regularInput refuses an input that is not a regular file, saying what
// it is.
func regularInput(path string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "input.kind.other"
	switch {
	case m.IsDir():
		kind = "input.kind.dir"
	case m&os.ModeNamedPipe != 0:
		kind = "input.kind.pipe"
	case m&os.ModeSocket != 0:
		kind = "input.kind.socket"
	case m&os.ModeDevice != 0:
		kind = "input.kind.device"
	}
	return &InputError{File: path, Err: locale.Errorf("input.not_regular", locale.Errorf(kind))}
}

// unwrapPath drops the *PathError's own copy of the path, which the
// InputError names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// stoppableFile is an input file whose reads fail once ctx is done.
type stoppableFile struct {
	ctx context.Context
	f   *os.File
}

func (s *stoppableFile) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading stopped: %w", context.Cause(s.ctx))
	}
	return s.f.Read(p)
}

func (s *stoppableFile) Seek(off int64, whence int) (int64, error) { return s.f.Seek(off, whence) }
