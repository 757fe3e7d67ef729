package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// Rewrite replaces the file at path, atomically, with a header and what
// fill writes (see replaceFile). beforeReplace run after the new file is
// complete and synced, just before it replaces path: on Windows a file that
// is open cannot be replaced, so the caller closes its journal there.
func Rewrite(path string, fill func(w *Writer) error, beforeReplace ...func() error) error {
	return replaceFile(path, func(bw *bufio.Writer) error {
		w := NewWriter(bw)
		if _, err := w.WriteHeader(); err != nil {
			return fmt.Errorf("rewrite %s: %w", path, err)
		}
		return fill(w)
	}, beforeReplace...)
}

// replaceFile replaces the file at path, atomically, with what fill
// writes: a temporary file in the same directory, synced, renamed over
// path, and the directory synced. On error path is left as it was.
func replaceFile(path string, fill func(bw *bufio.Writer) error, beforeReplace ...func() error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".*.tmp")
	if err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	for _, f := range beforeReplace {
		if err := f(); err != nil {
			return fmt.Errorf("rewrite %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
