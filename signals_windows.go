//go:build windows

package main

import (
	"os"
	"syscall"
)

// stopSignals stop a run. Go delivers Ctrl-C and Ctrl-Break as
// os.Interrupt, and the closing of the console window, a logoff or a
// shutdown as syscall.SIGTERM (Windows then gives the process a few
// seconds: the calls in flight may be cut, the rows recorded are kept).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// keepRunningOnBrokenPipes has nothing to do on Windows: a write to a
// closed pipe fails with an error there, it raises no signal.
func keepRunningOnBrokenPipes() {}
