package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// checkWrites checks, before anything is read or sent, that a run can
// write where it would: the directory of --output, and --metrics-file,
// which may not be the input, the output or the lock, nor any of files
// (verify's report), or their locks (by path, symlink or hard link). It looks with stat and access only, creating nothing, so
// that the dry run checks the same and writes nothing.
func checkWrites(c *cli.Context, input, output, metrics string, files ...string) error {
	if err := checkDir(canonical(output)); err != nil {
		return badFlag(c, "output", output, err.Error())
	}
	if metrics == "" {
		return nil
	}
	others := []struct{ what, path string }{
		{"the input file", input},
		{"the results file", output},
		{"the lock file", output + ".lock"},
		{"the lock file", canonical(output) + ".lock"},
	}
	for _, f := range files {
		others = append(others, struct{ what, path string }{"a file openbind writes:", f}, struct{ what, path string }{"the lock file", f + ".lock"})
	}
	for _, o := range others {
		if sameFile(metrics, o.path) {
			return badFlag(c, "metrics-file", metrics, fmt.Sprintf("a file of its own; it is %s %s (by its name, a symlink or a hard link), which the metrics would overwrite", o.what, o.path))
		}
	}
	if fi, err := os.Stat(metrics); err == nil && !fi.Mode().IsRegular() {
		return badFlag(c, "metrics-file", metrics, "a file; it is "+kindOf(fi))
	}
	if err := checkDir(metrics); err != nil {
		return badFlag(c, "metrics-file", metrics, err.Error())
	}
	return nil
}

// checkDir checks that the directory of path exists and that a file can
// be created in it (the metrics file and the final results are written
// to a temporary file there, then renamed).
func checkDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("a directory that exists; %s does not", dir)
	case err != nil:
		return fmt.Errorf("a directory openbind can use: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("a directory; %s is %s", dir, kindOf(fi))
	}
	if err := writableDir(dir); err != nil {
		return fmt.Errorf("a directory openbind may write in; %s is not (%w)", dir, err)
	}
	return nil
}

func kindOf(fi fs.FileInfo) string {
	switch {
	case fi.IsDir():
		return "a directory"
	case fi.Mode().IsRegular():
		return "a file"
	}
	return "not a regular file (" + fi.Mode().Type().String() + ")"
}

// sameFile reports whether a and b name one file: the same file found by
// stat (symlinks followed, hard links alike), or, when either does not
// exist yet, the same path once the symlinks of its directory are
// resolved.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	return canonical(a) == canonical(b)
}

// canonical is path absolute with its symlinks resolved, as far as they
// exist: a file not yet created is its directory's resolved path and its
// name.
func canonical(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		path = filepath.Join(dir, filepath.Base(path))
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}
