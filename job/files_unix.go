//go:build unix

package job

import "syscall"

// checkOpenFiles makes sure a run of workers has the file descriptors it
// needs (a connection per worker to each of two domains, the token
// command's pipes, the results file and its rewrite): it raises the soft
// limit where the hard one allows, else refuses before anything is sent.
func checkOpenFiles(c *Config) error {
	need := openFilesNeeded(c.Workers)
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
	return tooFewFiles(c, need, lim.Max)
}
