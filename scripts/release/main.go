// Command release builds the archives of an openbind release and their
// SHA256SUMS, reproducibly: two builds of one commit give the same bytes.
//
//	go run ./scripts/release                      # dist/: every target, version from the tag
//	go run ./scripts/release -version 1.2.0 -out /tmp/dist
//	go run ./scripts/release -check               # build twice, compare every byte
//	go run ./scripts/release -targets linux/amd64 # some targets (comma-separated)
//
// It builds from the commit (git archive of HEAD into a temporary
// directory), never from the working tree, with CGO_ENABLED=0, -trimpath,
// -buildvcs=false and -ldflags "-s -w -buildid= -X main.version=...
// -X main.commit=... -X main.date=...", the date being the commit's time.
// Each archive, openbind_<version>_<os>_<arch>.tar.gz (.zip for Windows),
// holds a directory of that name with the binary, README.md and LICENSE
// when the project has one; every entry carries the commit's time, mode
// 0755 or 0644 and no owner, in a fixed order.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Targets is every platform of a release: linux, darwin and windows ×
// amd64 and arm64 (README "Releases and the container image").
var Targets = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// docs are the files each archive holds beside the binary, if they exist.
var docs = []string{"README.md", "LICENSE"}

func main() {
	out := flag.String("out", "dist", "directory for the archives and SHA256SUMS (emptied first)")
	version := flag.String("version", "", "the release's version (default: the tag on HEAD without its v, else 0.0.0-<commit time>-<commit>)")
	targets := flag.String("targets", strings.Join(Targets, ","), "GOOS/GOARCH pairs, comma-separated")
	check := flag.Bool("check", false, "build the release twice, from two copies of the commit, and fail unless every byte is the same; the first build stays in -out")
	flag.Parse()
	r := &release{version: *version, targets: strings.Split(*targets, ",")}
	if err := r.describe(); err != nil {
		fatal(err)
	}
	if *check {
		if err := r.checkReproducible(*out); err != nil {
			fatal(err)
		}
		return
	}
	files, err := r.build(*out)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("openbind %s (commit %s, %s) in %s:\n", r.version, r.commit, r.date.Format(time.RFC3339), *out)
	for _, f := range files {
		fmt.Printf("  %s\n", f)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "release:", err)
	os.Exit(1)
}

// release is what one commit's release is built from.
type release struct {
	version string
	targets []string
	commit  string
	date    time.Time // the commit's time: every date in the release
}

// describe reads the commit, its time, and the version from git.
func (r *release) describe() error {
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return err
	}
	ts, err := git("log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return err
	}
	var sec int64
	if _, err := fmt.Sscan(ts, &sec); err != nil {
		return fmt.Errorf("commit time %q: %w", ts, err)
	}
	r.commit, r.date = commit, time.Unix(sec, 0).UTC()
	if r.version == "" {
		if tag, err := git("describe", "--tags", "--exact-match", "HEAD"); err == nil {
			r.version = strings.TrimPrefix(tag, "v")
		} else {
			r.version = fmt.Sprintf("0.0.0-%s-%s", r.date.Format("20060102150405"), commit[:12])
		}
	}
	if strings.ContainsAny(r.version, "/\\ _") {
		return fmt.Errorf("version %q: no slash, space or underscore (it is part of the file names)", r.version)
	}
	for _, t := range r.targets {
		if !slices.Contains(Targets, t) {
			return fmt.Errorf("target %q: want one of %s", t, strings.Join(Targets, ", "))
		}
	}
	return nil
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// build builds the release of HEAD into out and returns its file names:
// the archives, then SHA256SUMS.
func (r *release) build(out string) ([]string, error) {
	src, err := os.MkdirTemp("", "openbind-release-src-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(src)
	if err := export(src); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var names []string
	var sums strings.Builder
	for _, t := range r.targets {
		name, err := r.archive(src, out, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(data), name)
		names = append(names, name)
	}
	if err := os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		return nil, err
	}
	return append(names, "SHA256SUMS"), nil
}

// export writes the tree of HEAD into dir: what is committed, nothing else.
func export(dir string) error {
	cmd := exec.Command("sh", "-c", `cd "$(git rev-parse --show-toplevel)" && git archive --format=tar HEAD | tar -x -C "$0"`, dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git archive HEAD into %s: %w", dir, err)
	}
	return nil
}

// archive builds target from src and writes its archive into out.
func (r *release) archive(src, out, target string) (string, error) {
	goos, goarch, _ := strings.Cut(target, "/")
	base := fmt.Sprintf("openbind_%s_%s_%s", r.version, goos, goarch)
	bin := "openbind"
	if goos == "windows" {
		bin += ".exe"
	}
	binPath := filepath.Join(out, base+"."+bin+".tmp")
	defer os.Remove(binPath)
	ldflags := fmt.Sprintf("-s -w -buildid= -X main.version=%s -X main.commit=%s -X main.date=%s",
		r.version, r.commit, r.date.Format(time.RFC3339))
	abs, err := filepath.Abs(binPath)
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", abs, ".")
	cmd.Dir = src
	// The settings that change the bytes are pinned; the Go version is the
	// one the binaries name (openbind version).
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly",
		"GOAMD64=v1", "GOARM64=v8.0", "GOEXPERIMENT=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	entries := []entry{{name: base + "/" + bin, path: binPath, mode: 0o755}}
	for _, d := range docs {
		p := filepath.Join(src, d)
		if _, err := os.Stat(p); err == nil {
			entries = append(entries, entry{name: base + "/" + d, path: p, mode: 0o644})
		}
	}
	var data []byte
	name := base + ".tar.gz"
	if goos == "windows" {
		name = base + ".zip"
		data, err = zipOf(entries, r.date)
	} else {
		data, err = tarGzOf(entries, r.date)
	}
	if err != nil {
		return "", err
	}
	return name, os.WriteFile(filepath.Join(out, name), data, 0o644)
}

// entry is a file of an archive.
type entry struct {
	name string // in the archive
	path string // on disk
	mode int64
}

// tarGzOf is a .tar.gz of entries with nothing of the machine in it: the
// given time, no owner, no gzip name or time.
func tarGzOf(entries []entry, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	dir := strings.SplitN(entries[0].name, "/", 2)[0] + "/"
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: date, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return nil, err
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: e.mode, Size: int64(len(data)), ModTime: date, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipOf is a .zip of entries with the given time and modes.
func zipOf(entries []entry, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, e := range entries {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return nil, err
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: date}
		h.SetMode(os.FileMode(e.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkReproducible builds the release twice, each from its own copy of
// the commit in its own directory (the first into out), and compares every
// file byte for byte.
func (r *release) checkReproducible(out string) error {
	tmp, err := os.MkdirTemp("", "openbind-release-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	a, b := out, filepath.Join(tmp, "b")
	filesA, err := r.build(a)
	if err != nil {
		return err
	}
	filesB, err := r.build(b)
	if err != nil {
		return err
	}
	if !slices.Equal(filesA, filesB) {
		return fmt.Errorf("the two builds made different files: %v and %v", filesA, filesB)
	}
	for _, f := range filesA {
		da, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			return err
		}
		db, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			return err
		}
		if !bytes.Equal(da, db) {
			return fmt.Errorf("%s differs between two builds of commit %s: the release is not reproducible", f, r.commit)
		}
	}
	sums, err := os.ReadFile(filepath.Join(a, "SHA256SUMS"))
	if err != nil {
		return err
	}
	fmt.Printf("reproducible: two builds of %s gave the same %d files (the first in %s):\n", r.commit, len(filesA), out)
	for _, f := range filesA {
		fi, err := os.Stat(filepath.Join(a, f))
		if err != nil {
			return err
		}
		fmt.Printf("  %10d  %s\n", fi.Size(), f)
	}
	fmt.Printf("SHA256SUMS:\n%s", sums)
	return nil
}
