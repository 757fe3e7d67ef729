package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestProfiledRun runs the command line in OPENBIND_PROFILE_ARGS (its
// arguments separated by \x1f) in this process, as main does, so that
// scripts/bench -pprof can profile a whole run with -test.cpuprofile.
// Without the variable it does nothing.
func TestProfiledRun(t *testing.T) {
	args := os.Getenv("OPENBIND_PROFILE_ARGS")
	if args == "" {
		t.Skip("OPENBIND_PROFILE_ARGS not set: run by scripts/bench -pprof")
	}
	tuneGC()
	if code := run(context.Background(), append([]string{"openbind"}, strings.Split(args, "\x1f")...), os.Stdout, os.Stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}
