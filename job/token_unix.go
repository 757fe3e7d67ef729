//go:build !windows

package job

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand is `sh -c command` in a process group of its own, so that
// cancelling ctx (the token timeout) kills what the command started too.
func shellCommand(ctx context.Context, command string) (*exec.Cmd, *procTree, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd, &procTree{}, nil
}

// procTree is what holds a command's process tree together; on Unix the
// process group does, and there is nothing to keep.
type procTree struct{}

func (*procTree) started(*exec.Cmd) {}
func (*procTree) close()            {}
