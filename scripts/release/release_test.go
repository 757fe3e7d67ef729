package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// gitRelease is the release of this checkout's HEAD for targets, or a skip
// where there is no git checkout.
func gitRelease(t *testing.T, targets ...string) *release {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if _, err := git("rev-parse", "HEAD"); err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	r := &release{version: "1.2.3-test", targets: targets}
	if err := r.describe(); err != nil {
		t.Fatal(err)
	}
	return r
}

// Two builds of one commit, each from its own copy in its own directory,
// give the same bytes; the archives hold the binary and README under
// openbind_<version>_<os>_<arch>/, and the binary says its version and
// commit. The second build, made at the same time as the first, is of
// linux/amd64 only: the windows/arm64 zip of the first shows its layout,
// TestArchivesIgnoreTheMachine that the zip writer puts nothing of the
// machine in, and .ci/run compares two builds of every target
// (go run ./scripts/release -check).
func TestReleaseIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds openbind three times")
	}
	targets := []string{"linux/amd64", "windows/arm64"}
	r := gitRelease(t, targets...)
	r2 := *r
	r2.targets = targets[:1]
	a, b := t.TempDir(), t.TempDir()
	var filesB []string
	var errB error
	builtB := make(chan struct{})
	go func() {
		defer close(builtB)
		filesB, errB = r2.build(b)
	}()
	filesA, err := r.build(a)
	<-builtB
	if err != nil {
		t.Fatal(err)
	}
	if errB != nil {
		t.Fatal(errB)
	}
	want := []string{"openbind_1.2.3-test_linux_amd64.tar.gz", "openbind_1.2.3-test_windows_arm64.zip", "SHA256SUMS"}
	if !slices.Equal(filesA, want) || !slices.Equal(filesB, []string{want[0], want[2]}) {
		t.Fatalf("files %v and %v, want %v", filesA, filesB, want)
	}
	for _, f := range want[:1] {
		da, _ := os.ReadFile(filepath.Join(a, f))
		db, _ := os.ReadFile(filepath.Join(b, f))
		if len(da) == 0 || !bytes.Equal(da, db) {
			t.Errorf("%s: %d and %d bytes, not the same", f, len(da), len(db))
		}
	}
	sumsB, _ := os.ReadFile(filepath.Join(b, "SHA256SUMS"))
	sumsA, _ := os.ReadFile(filepath.Join(a, "SHA256SUMS"))
	if len(sumsB) == 0 || !bytes.HasPrefix(sumsA, sumsB) {
		t.Errorf("SHA256SUMS of the second build:\n%s\nnot the first's line:\n%s", sumsB, sumsA)
	}
	sums, _ := os.ReadFile(filepath.Join(a, "SHA256SUMS"))
	if lines := strings.Split(strings.TrimSpace(string(sums)), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[0], "  "+want[0]) {
		t.Errorf("SHA256SUMS:\n%s", sums)
	}

	names, bin := tarNames(t, filepath.Join(a, want[0]))
	if diff := slices.Compare(names, []string{"openbind_1.2.3-test_linux_amd64/", "openbind_1.2.3-test_linux_amd64/openbind", "openbind_1.2.3-test_linux_amd64/README.md"}); diff != 0 {
		t.Errorf("tar entries %v", names)
	}
	if names := zipNames(t, filepath.Join(a, want[1])); !slices.Equal(names, []string{"openbind_1.2.3-test_windows_arm64/openbind.exe", "openbind_1.2.3-test_windows_arm64/README.md"}) {
		t.Errorf("zip entries %v", names)
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		exe := filepath.Join(t.TempDir(), "openbind")
		if err := os.WriteFile(exe, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(exe, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("--version: %v\n%s", err, out)
		}
		for _, w := range []string{"openbind 1.2.3-test\n", "commit:  " + r.commit + "\n", "date:    " + r.date.Format(time.RFC3339) + "\n"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("--version says %q, want %q in it", out, w)
			}
		}
	}
}

// tarNames lists a .tar.gz's entries, checks they carry no owner and the
// commit's time, and returns the binary.
func tarNames(t *testing.T, path string) (names []string, bin []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if !gz.ModTime.IsZero() || gz.Name != "" {
		t.Errorf("gzip header carries %v, %q", gz.ModTime, gz.Name)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, bin
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		names = append(names, h.Name)
		if strings.HasSuffix(h.Name, "/openbind") {
			if h.Mode != 0o755 {
				t.Errorf("binary mode %o", h.Mode)
			}
			bin, _ = io.ReadAll(tr)
		}
	}
}

func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

// The archive writers put nothing of the machine in: the same entries
// from files of other times and owners give the same bytes.
func TestArchivesIgnoreTheMachine(t *testing.T) {
	date := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, format := range []string{"tar.gz", "zip"} {
		t.Run(format, func(t *testing.T) {
			var outs [][]byte
			for i := range 2 {
				dir := t.TempDir()
				p := filepath.Join(dir, "README.md")
				if err := os.WriteFile(p, []byte("# openbind\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, time.Unix(int64(i)*1e9, 0), time.Unix(int64(i)*1e9, 0)); err != nil {
					t.Fatal(err)
				}
				entries := []entry{{name: "openbind_1_linux_amd64/README.md", path: p, mode: 0o644}}
				var data []byte
				var err error
				if format == "zip" {
					data, err = zipOf(entries, date)
				} else {
					data, err = tarGzOf(entries, date)
				}
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, data)
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Error("two archives of the same entries differ")
			}
		})
	}
}
