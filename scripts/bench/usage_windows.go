//go:build windows

package main

import (
	"os"
	"time"
)

// usage is the peak RSS and CPU time of an ended process: the CPU time only
// on Windows (no rusage; the bench is meant for the Linux machine of
// README's figures).
func usage(ps *os.ProcessState) (maxRSS int64, cpu time.Duration) {
	return 0, ps.UserTime() + ps.SystemTime()
}
