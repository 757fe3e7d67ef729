package job

import (
	"errors"
	"fmt"
	"openbind/locale"
	"os"
	"runtime"

	"github.com/gofrs/flock"
)

// ErrLocked means another run holds the lock of the results file.
var ErrLocked = errors.New("locked by another run")

// LockError is a results file whose lock could not be taken.
type LockError struct {
	Path string
	Err  error
}

func (e *LockError) Error() string { return e.Local(locale.English.Printer()) }

func (e *LockError) Unwrap() error { return e.Err }

// Local is the error in p's language.
func (e *LockError) Local(p *locale.Printer) string {
	switch {
	case e.Err == ErrLocked:
		return p.T("lock.held", e.Path[:len(e.Path)-len(".lock")], e.Path)
	case errors.Is(e.Err, ErrLocked):
		return p.T("lock.held_other", e.Path[:len(e.Path)-len(".lock")], e.Path)
	}
	return p.T("lock.error", e.Path, p.Error(e.Err))
}

// lockOutput takes, without waiting, the lock <output>.lock that keeps two
// runs (cron overlapping a slow one) off one results file; output is the
// file itself, its symlinks followed. It also locks the results file, so
// that two names of one file (hard links) cannot run at once either. The
// lock file is never deleted: deleting it would let a third run lock a new
// file while the second still holds the old one.
func lockOutput(output string) (unlock func(), err error) {
	path := output + ".lock"
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, &LockError{Path: path, Err: err}
	}
	if !ok {
		return nil, &LockError{Path: path, Err: ErrLocked}
	}
	if !lockResultsFile {
		return func() { _ = l.Unlock() }, nil
	}
	// The results file itself, as it is now (a missing one is created
	// empty: a new results file). Its rewrite replaces it by another file,
	// which <output>.lock still guards.
	f := flock.New(output, flock.SetFlag(os.O_CREATE|os.O_RDWR))
	ok, err = f.TryLock()
	if err != nil || !ok {
		_ = l.Unlock()
		if err == nil {
			err = ErrLocked
		}
		return nil, &LockError{Path: output + ".lock", Err: fmt.Errorf("%w (under another name of the same file)", err)}
	}
	return func() { _ = f.Unlock(); _ = l.Unlock() }, nil
}

// lockResultsFile says whether the results file itself is locked: not on
// Windows, whose locks forbid other handles (the journal's) to write the
// locked bytes.
const lockResultsFile = runtime.GOOS != "windows"
