//go:build unix

package report

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadFileRefusesANamedPipe: a results file that is a FIFO is refused
// at once; opening it would block until a writer came, whatever signal
// the reader (report, verify) got.
func TestReadFileRefusesANamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ReadFile(path, func(*Record, int64) error { return nil })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotResults) {
			t.Fatalf("ReadFile of a FIFO: %v, want ErrNotResults", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile of a FIFO blocked")
	}
}
