//go:build windows

package job

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// shellCommand is `cmd /C command`, put in a job object once started, so
// that cancelling ctx (the token timeout) kills the whole process tree:
// Windows has no process groups to signal, and killing cmd.exe alone
// leaves curl or powershell running.
//
// The command line is given to cmd.exe as it is (SysProcAttr.CmdLine):
// cmd.exe does not parse its arguments by the rules of CommandLineToArgvW
// that os/exec quotes for, so quoting it would break commands with quotes.
func shellCommand(ctx context.Context, command string) (*exec.Cmd, *procTree, error) {
	shell := os.Getenv("ComSpec")
	if shell == "" {
		shell = `C:\Windows\System32\cmd.exe`
	}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("create a job object: %w", err)
	}
	t := &procTree{job: job}
	cmd := exec.CommandContext(ctx, shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /C ` + command}
	cmd.Cancel = func() error {
		if t.terminate() {
			return nil
		}
		return cmd.Process.Kill() // not yet in the job: the shell alone
	}
	return cmd, t, nil
}

// procTree is the job object that holds a command and every process it
// starts.
type procTree struct {
	mu       sync.Mutex
	job      windows.Handle
	assigned bool
}

// started puts the command's process into the job. A process the shell
// started before this (a few microseconds) is not in it; it is not waited
// for either.
func (t *procTree) started(cmd *exec.Cmd) {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job != 0 && windows.AssignProcessToJobObject(t.job, h) == nil {
		t.assigned = true
	}
}

// terminate kills every process of the job; false when the command is not
// in it.
func (t *procTree) terminate() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.assigned && windows.TerminateJobObject(t.job, 1) == nil
}

func (t *procTree) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job != 0 {
		_ = windows.CloseHandle(t.job)
		t.job = 0
	}
}
