package job

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// The platform's names of a reset and a refused connection are found
// through the wrapping of net and os (neterr_unix.go, neterr_windows.go).
func TestConnErrors(t *testing.T) {
	wrap := func(e error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", e)}
	}
	tests := []struct {
		err              error
		reset, refused   bool
		describes        string
		mayHaveActedWant bool
	}{
		{wrap(syscall.ECONNRESET), true, false, "connection reset", true},
		{wrap(syscall.ECONNREFUSED), false, true, "connection refused", false},
	}
	for _, tt := range tests {
		t.Run(tt.describes, func(t *testing.T) {
			if got := isConnReset(tt.err); got != tt.reset {
				t.Errorf("isConnReset = %v", got)
			}
			if got := isConnRefused(tt.err); got != tt.refused {
				t.Errorf("isConnRefused = %v", got)
			}
			if got := describe(tt.err, time.Second); got != tt.describes {
				t.Errorf("describe = %q", got)
			}
			if got := mayHaveActed(tt.err); got != tt.mayHaveActedWant {
				t.Errorf("mayHaveActed = %v", got)
			}
		})
	}
}
