package main

import (
	"errors"
	"io/fs"
	"openbind/locale"
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
		return badFlag(c, "output", output, err)
	}
	if metrics == "" {
		return nil
	}
	others := []struct{ what, path string }{
		{"what.input", input},
		{"what.results", output},
		{"what.lock", output + ".lock"},
		{"what.lock", canonical(output) + ".lock"},
	}
	for _, f := range files {
		others = append(others, struct{ what, path string }{"what.written", f}, struct{ what, path string }{"what.lock", f + ".lock"})
	}
	for _, o := range others {
		if sameFile(metrics, o.path) {
			return badFlag(c, "metrics-file", metrics, locale.Errorf("want.metrics_own", locale.Errorf(o.what), o.path))
		}
	}
	if fi, err := os.Stat(metrics); err == nil && !fi.Mode().IsRegular() {
		return badFlag(c, "metrics-file", metrics, locale.Errorf("want.file_kind", kindOf(fi)))
	}
	if err := checkDir(metrics); err != nil {
		return badFlag(c, "metrics-file", metrics, err)
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
		return locale.Errorf("want.dir_missing", dir)
	case err != nil:
		return locale.Errorf("want.dir_usable", err)
	case !fi.IsDir():
		return locale.Errorf("want.dir_kind", dir, kindOf(fi))
	}
	if err := writableDir(dir); err != nil {
		return locale.Errorf("want.dir_writable", dir, err)
	}
	return nil
}

func kindOf(fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return locale.Errorf("kind.dir")
	case fi.Mode().IsRegular():
		return locale.Errorf("kind.file")
	}
	return locale.Errorf("kind.other", fi.Mode().Type().String())
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
