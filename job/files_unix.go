//go:build unix

package job

import (
	"fmt"
	"syscall"
)

// checkOpenFiles makes sure a run of workers has the file descriptors it
// needs (a connection per worker to each of two domains, the token
// command's pipes, the results file and its rewrite): it raises the soft
// limit where the hard one allows, else refuses before anything is sent.
func checkOpenFiles(workers int) error {
	need := openFilesNeeded(workers)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // nothing to check against
	}
	if lim.Cur >= need {
		return nil
	}
	if lim.Max >= need {
		raised := lim
		raised.Cur = need
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return nil
		}
	}
	most := max(int(lim.Max)-openFilesBase, 0) / openFilesPerWorker
	if most < 1 {
		return &ConfigError{Err: fmt.Errorf("this process may have only %d open files (ulimit -n); a run needs %d or more: raise the limit", lim.Max, openFilesNeeded(1))}
	}
	return &ConfigError{Field: "Workers", Value: workers, Err: fmt.Errorf("need about %d open files, and this process may have %d (ulimit -n): lower it to %d or fewer, or raise the limit", need, lim.Max, most)}
}
