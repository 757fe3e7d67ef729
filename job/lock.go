package job

import (
	"errors"
	"fmt"

	"github.com/gofrs/flock"
)

// ErrLocked means another run holds the lock of the results file.
var ErrLocked = errors.New("locked by another run")

// LockError is a results file whose lock could not be taken.
type LockError struct {
	Path string
	Err  error
}

func (e *LockError) Error() string {
	if errors.Is(e.Err, ErrLocked) {
		return fmt.Sprintf("%s is %v (lock file %s); nothing was done", e.Path[:len(e.Path)-len(".lock")], e.Err, e.Path)
	}
	return fmt.Sprintf("lock %s: %v", e.Path, e.Err)
}

func (e *LockError) Unwrap() error { return e.Err }

// lockOutput takes, without waiting, the lock <output>.lock that keeps two
// runs (cron overlapping a slow one) off one results file. The lock file
// is never deleted: deleting it would let a third run lock a new file while
// the second still holds the old one.
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
	return func() { _ = l.Unlock() }, nil
}
