//go:build linux

package job

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// LockHeld reports whether a process holds the lock of the results file
// output now, without taking it, nor opening the lock file: readers
// (report, verify) never take the run's lock (README "After the wave: verify"), as
// even a brief probe could make a run starting at that moment exit 4.
// Linux lists every lock in /proc/locks by device and inode; known is
// false where the platform cannot tell (lockprobe_other.go).
func LockHeld(output string) (held, known bool) {
	type key struct{ major, minor, ino uint64 }
	want := map[key]bool{}
	paths := []string{output + ".lock"}
	if r, err := filepath.EvalSymlinks(output); err == nil {
		paths = append(paths, r+".lock")
	}
	for _, p := range paths {
		var st syscall.Stat_t
		if syscall.Stat(p, &st) == nil {
			dev := uint64(st.Dev) // its type differs by architecture
			want[key{uint64(unix.Major(dev)), uint64(unix.Minor(dev)), uint64(st.Ino)}] = true
		}
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return false, false
	}
	defer f.Close()
	if len(want) == 0 {
		return false, true // no lock file: no run has ever held it
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 3796 fe:00:9986024 0 EOF"; a waiter's
		// line has "->" before its kind.
		for _, field := range strings.Fields(sc.Text()) {
			parts := strings.Split(field, ":")
			if len(parts) != 3 {
				continue
			}
			major, err1 := strconv.ParseUint(parts[0], 16, 32)
			minor, err2 := strconv.ParseUint(parts[1], 16, 32)
			ino, err3 := strconv.ParseUint(parts[2], 10, 64)
			if err1 == nil && err2 == nil && err3 == nil && want[key{major, minor, ino}] {
				return true, true
			}
		}
	}
	return false, sc.Err() == nil
}
