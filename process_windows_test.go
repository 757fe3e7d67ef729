//go:build windows

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"openbind/report"
)

// Ctrl-Break (and Ctrl-C, which Go delivers alike as os.Interrupt) stops a
// run on Windows as SIGINT does elsewhere: no new call, the calls in flight
// recorded, the rest pending, exit 3. The run is started in a process
// group of its own so that the event reaches it and not the test.
func TestCtrlBreakStopsARun(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 300)
	w.srv.SetLatency(150*time.Millisecond, 250*time.Millisecond)
	cmd, stdout, stderr := w.command("--qps", "50")
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "20 rows recorded", func() bool { _, n := w.journal(); return n >= 20 })
	if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(cmd.Process.Pid)); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(t, cmd.Wait()); code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout.String(), "the run stopped early (stopped by a signal)") || !strings.Contains(stderr.String(), "stopping") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	counts := w.checkFinal() // the rewrite replaced the results file: the journal was closed first
	if counts[report.Pending] == 0 || counts[report.Created] < 20 {
		t.Errorf("counts after Ctrl-Break: %v", counts)
	}
}
