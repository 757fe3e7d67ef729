//go:build !windows

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// usage is the peak RSS (bytes) and CPU time of an ended process.
func usage(ps *os.ProcessState) (maxRSS int64, cpu time.Duration) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	// Linux counts ru_maxrss in KiB, macOS in bytes.
	rss := int64(ru.Maxrss) * 1024
	if runtime.GOOS == "darwin" {
		rss = int64(ru.Maxrss)
	}
	return rss, time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
