//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// stopSignals stop a run: Ctrl-C and kill's default.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// keepRunningOnBrokenPipes makes a write to a closed stdout or stderr
// (`openbind run ... | head`) fail with EPIPE instead of killing the
// process with SIGPIPE mid-run: a broken output never stops a run. The
// signal is caught, not ignored, so that the token command starts with
// SIGPIPE as usual (an ignored signal would be inherited).
func keepRunningOnBrokenPipes() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
