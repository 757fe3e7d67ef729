//go:build unix

package report

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadersRefuseANamedPipe: a results file or a verification report
// that is a FIFO is refused at once; opening it would block until a
// writer came, whatever signal the reader (report, verify) got.
func TestReadersRefuseANamedPipe(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(path string) error
		want error
	}{
		{"ReadFile", func(path string) error {
			_, err := ReadFile(path, func(*Record, int64) error { return nil })
			return err
		}, ErrNotResults},
		{"ReadVerify", func(path string) error {
			_, err := ReadVerify(path, func(*VerifyRecord) error { return nil })
			return err
		}, ErrNotVerify},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "file.csv")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skip("mkfifo:", err)
			}
			done := make(chan error, 1)
			go func() { done <- tc.read(path) }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s of a FIFO: %v, want %v", tc.name, err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s of a FIFO blocked", tc.name)
			}
		})
	}
}
