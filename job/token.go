package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultTokenTimeout bounds one run of the token command.
const DefaultTokenTimeout = 10 * time.Second

// tokenCommandError is a token command that gave no token.
type tokenCommandError struct{ msg string }

func (e *tokenCommandError) Error() string { return "token command failed: " + e.msg }

// maxTokenOutput bounds what is read of the command's stdout and stderr.
const maxTokenOutput = 64 << 10

// freshToken runs the token command for appid, as git runs a credential
// helper: `sh -c CMD` (`cmd /C CMD` on Windows) with OPENBIND_APPID set, no stdin, bounded by the
// token timeout. The first line of its stdout is the token; its stdout is
// never shown anywhere. A failure says why with the last line of its
// stderr.
func (r *runner) freshToken(ctx context.Context, appid string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.TokenTimeout)
	defer cancel()
	// The shell of the platform (sh -c, or cmd /C on Windows), set up so
	// that a timeout ends what the command started too (token_unix.go,
	// token_windows.go).
	cmd, tree, err := shellCommand(ctx, r.cfg.TokenCommand)
	if err != nil {
		return "", &tokenCommandError{err.Error()}
	}
	defer tree.close()
	cmd.Env = append(os.Environ(), "OPENBIND_APPID="+appid)
	cmd.Stdin = nil // the null device
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxTokenOutput, maxTokenOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err = cmd.Start(); err == nil {
		tree.started(cmd)
		err = cmd.Wait()
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", &tokenCommandError{fmt.Sprintf("no answer within %s%s", r.cfg.TokenTimeout, notShown)}
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", &tokenCommandError{ee.ProcessState.String() + notShown}
		}
		return "", &tokenCommandError{err.Error()}
	}
	token, _, _ := strings.Cut(stdout.String(), "\n")
	token = strings.TrimSpace(token)
	if token == "" {
		return "", &tokenCommandError{"it printed no token" + notShown}
	}
	return token, nil
}

// notShown ends the message of a failed token command: its output, stderr
// included, is never shown (a service that prints a token where it should
// not would leak it into the results and the logs).
const notShown = " (its output is not shown: run it by hand, with OPENBIND_APPID set, to see why)"

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
