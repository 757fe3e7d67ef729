//go:build windows

package job

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// The token command on Windows: cmd /C with the command line as written,
// and a timeout that ends the whole process tree (the job object).
func TestTokenCommandWindows(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "late.txt")
	tests := []struct {
		name    string
		command string
		timeout time.Duration
		token   string
		errText string
	}{
		{"echo", `echo TOKEN-%OPENBIND_APPID%`, 10 * time.Second, "TOKEN-wx0000000000000a01", ""},
		{"quotes reach cmd as written", `echo "quoted" & echo second`, 10 * time.Second, `"quoted"`, ""},
		{"a failing command", `echo no token >&2 & exit /b 3`, 10 * time.Second, "", "exit status 3: no token"},
		{"nothing printed", `rem`, 10 * time.Second, "", "it printed no token"},
		// A second shell, started in the background, would write the
		// marker after the timeout were only the first shell killed.
		{"a hang ends the tree", `start "" /b cmd /c "ping -n 4 127.0.0.1 >nul & echo late >` + marker + `" & ping -n 30 127.0.0.1 >nul`, 500 * time.Millisecond, "", "no answer within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{cfg: Config{TokenCommand: tt.command, TokenTimeout: tt.timeout}}
			start := time.Now()
			token, err := r.freshToken(context.Background(), "wx0000000000000a01")
			if tt.errText == "" {
				if err != nil || token != tt.token {
					t.Fatalf("token %q, %v; want %q", token, err, tt.token)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("token %q, error %v; want one saying %q", token, err, tt.errText)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	time.Sleep(5 * time.Second) // past the background shell's ping
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command's shell went on after the timeout: the job object did not end the tree")
	}
}

// Winsock's errors are classified as their Unix names are.
func TestWinsockErrors(t *testing.T) {
	wrap := func(e error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connectex", e)}
	}
	if !isConnRefused(wrap(windows.WSAECONNREFUSED)) || mayHaveActed(wrap(windows.WSAECONNREFUSED)) {
		t.Error("WSAECONNREFUSED is not a refused connection")
	}
	if !isConnReset(wrap(windows.WSAECONNRESET)) || describe(wrap(windows.WSAECONNRESET), time.Second) != "connection reset" {
		t.Error("WSAECONNRESET is not a reset")
	}
	if isConnRefused(errors.New("x")) {
		t.Error("any error is a refused connection")
	}
}
