package report

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Rewrite replaces the journal's file, atomically, with its final form: a
// header, then the records rows yields, in order, each counted into tally
// (nil: none). from is the offset of the journal's record that rec was read
// from (RecordAt) when rec differs from it at most in line, appid and group;
// else -1. A journal line that already says what rec says (the file is
// canonical, and the line starts with rec's line, appid and group) is copied
// as it is; anything else is encoded anew. beforeReplace run as
// rewriteFile's do.
func (j *Journal) Rewrite(tally *Tally, rows func(yield func(rec *Record, from int64) error) error, beforeReplace ...func() error) error {
	var prefix []byte
	return rewriteFile(j.path, func(w *Writer) error {
		return rows(func(rec *Record, from int64) error {
			var err error
			line := j.lineAt(from)
			if line != nil {
				prefix = appendPrefix(prefix[:0], rec.Line, rec.AppID, rec.Group)
			}
			if line != nil && !bytes.HasSuffix(line, []byte("\r\n")) && bytes.HasPrefix(line, prefix) {
				_, err = w.writeLine(line)
			} else {
				_, err = w.Write(rec)
			}
			if err == nil && tally != nil {
				tally.Add(rec)
			}
			return err
		})
	}, beforeReplace...)
}

// lineAt is the line at from as the file holds it, when it may be copied
// into a rewrite (the file is canonical); nil when it may not, or cannot be
// read (the record is then encoded anew).
func (j *Journal) lineAt(from int64) []byte {
	if from < 0 || !j.canon {
		return nil
	}
	line, err := j.cursor.line(j.f, from)
	if err != nil {
		return nil
	}
	return line
}

// rewriteFile replaces the file at path, atomically, with a header and what
// fill writes (see replaceFile). beforeReplace run after the new file is
// complete and synced, just before it replaces path: on Windows a file that
// is open cannot be replaced, so the caller closes its journal there.
func rewriteFile(path string, fill func(w *Writer) error, beforeReplace ...func() error) error {
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
	tmp, err := os.CreateTemp(dir, base+tempPattern)
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

// tempPattern names the temporary file of a rewrite beside the file it
// replaces (os.CreateTemp puts digits for the star).
const tempPattern = ".*.tmp"

// removeStaleTemps removes the temporary files of a rewrite that a killed
// run left beside path (path.NNN.tmp), and returns their names. The caller
// holds the lock of path.
func removeStaleTemps(path string) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	pre, suf, _ := strings.Cut(tempPattern, "*")
	var removed []string
	for _, e := range entries {
		name := e.Name()
		mid, ok := strings.CutPrefix(name, base+pre)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if digits, ok := strings.CutSuffix(mid, suf); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			if os.Remove(filepath.Join(dir, name)) == nil {
				removed = append(removed, filepath.Join(dir, name))
			}
		}
	}
	return removed
}
