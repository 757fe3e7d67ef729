package job

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// mkfifo makes a named pipe at path, or skips the test where there is none.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes in the file system on Windows")
	}
	if out, err := exec.Command("mkfifo", path).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v %s", err, out)
	}
}

// within fails the test when fn takes longer than a few seconds: opening a
// FIFO blocks until a writer comes.
func within(t *testing.T, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("hangs: the input was opened (a FIFO blocks open(2))")
		return nil
	}
}

// wantNotRegular checks that err refuses path as kind, before reading it.
func wantNotRegular(t *testing.T, err error, path, kind string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != path {
		t.Fatalf("error = %v, want an *InputError naming %s", err, path)
	}
	if want := "not a regular file but " + kind; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "CSV or .xlsx file on disk") {
		t.Errorf("error %q, want it to say %q and what to give instead", err, want)
	}
}

// An input that is not a regular file is refused before it is opened,
// both by the first read and by the re-reads of the run.
func TestInputNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, kind string
		make       func(t *testing.T, path string)
	}{
		{"directory", "a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"fifo", "a named pipe (FIFO)", mkfifo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			tt.make(t, path)
			err := within(t, func() error { _, err := readInput(path, false); return err })
			wantNotRegular(t, err, path, tt.kind)
		})
		t.Run(tt.name+" on the second pass", func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".csv")
			if err := os.WriteFile(path, []byte("appid,access_token\n"+appA+",T1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := readInput(path, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			tt.make(t, path)
			err = within(t, func() error {
				s, err := st.reopen()
				if err == nil {
					s.Close()
				}
				return err
			})
			wantNotRegular(t, err, path, tt.kind)
		})
	}
	if runtime.GOOS != "windows" {
		t.Run("device", func(t *testing.T) {
			err := within(t, func() error { _, err := readInput(os.DevNull, false); return err })
			wantNotRegular(t, err, os.DevNull, "a device")
		})
	}
}
