package job

import (
	"errors"
	"syscall"

	"openbind/locale"
)

// The file descriptors a run needs: a fixed base (standard streams, the
// input, the results file, its lock and its rewrite, the metrics file) and,
// per worker, a connection to each of two domains and a token command's
// pipes.
const (
	openFilesBase      = 32
	openFilesPerWorker = 4
)

func openFilesNeeded(workers int) uint64 {
	return uint64(openFilesBase + openFilesPerWorker*workers)
}

// tooFewFiles is the error of c's workers, which need need open files
// where the process may have have: the error of QPS when the workers are
// its default (the user gave no --workers), saying so.
func tooFewFiles(c *Config, need, have uint64) *ConfigError {
	most := max(int(have)-openFilesBase, 0) / openFilesPerWorker
	switch {
	case most < 1:
		return &ConfigError{Err: locale.Errorf("want.files_none", have, openFilesNeeded(1))}
	case c.workersOfQPS:
		return &ConfigError{Field: "QPS", Value: c.QPS, Err: locale.Errorf("want.files_default", c.Workers, need, have, most)}
	}
	return &ConfigError{Field: "Workers", Value: c.Workers, Err: locale.Errorf("want.files", need, have, most)}
}

// tooManyFiles is the stop of a run that ran out of file descriptors: an
// EMFILE is no fault of WeChat's, and every row sent after it would fail.
func tooManyFiles(err error) *StopError {
	return stopFor(err, "stop.emfile")
}

// isNoRoom reports whether err says the disk (or the file size limit, or
// the user's quota) leaves no room for a write.
func isNoRoom(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT)
}

// isTooManyFiles reports whether err is an EMFILE (or ENFILE).
func isTooManyFiles(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
