package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// proc is what one run of a process cost.
type proc struct {
	code   int
	wall   time.Duration
	maxRSS int64 // bytes
	cpu    time.Duration
	// standInCPU is the stand-in's CPU over the run (against).
	standInCPU time.Duration
	stdout     string
	stderr     string
}

// openbind runs the built binary and measures it.
func (b *bench) openbind(args ...string) (proc, error) {
	return b.process(b.bin, args...)
}

// process runs a command and measures it: wall clock, user+system CPU, and
// peak RSS. Go starts a child with vfork, and Linux counts the parent's
// peak into the child's ru_maxrss, so the peak is the child's own VmHWM,
// polled, unless the child's ru_maxrss is above this process's own peak.
func (b *bench) process(name string, args ...string) (proc, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return proc{}, err
	}
	var hwm atomic.Int64
	done := make(chan struct{})
	go func() {
		path := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if v := vmHWM(path); v > hwm.Load() {
				hwm.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	p := proc{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return p, err
	}
	p.code = cmd.ProcessState.ExitCode()
	var ru int64
	ru, p.cpu = usage(cmd.ProcessState)
	p.maxRSS = hwm.Load()
	if self := vmHWM("/proc/self/status"); ru > self || p.maxRSS == 0 {
		p.maxRSS = max(p.maxRSS, ru)
	}
	return p, nil
}

// vmHWM is the peak RSS in a /proc status file, 0 when unknown.
func vmHWM(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// fake is `openbind serve-fake` on a free loopback port, in a process of
// its own, so that its CPU and memory are not the measured process's.
type fake struct {
	cmd *exec.Cmd
	URL string
	out *bufio.Reader
	cpu time.Duration // after stop
}

func (b *bench) startFake(args ...string) (*fake, error) {
	cmd := exec.Command(b.bin, append([]string{"serve-fake", "--addr", "127.0.0.1:0"}, args...)...)
	if len(args) == 1 && args[0] == answererArg {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(self, "-answerer")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fake{cmd: cmd, out: bufio.NewReader(stdout)}
	line, err := f.out.ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 6 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("serve-fake said %q: %v", line, err)
	}
	f.URL = fields[5]
	return f, nil
}

// answererArg, as startFake's only argument, starts the stateless
// answerer (answerer.go) instead of serve-fake.
const answererArg = "-answerer"

// stop stops the stand-in and returns the calls and connections it counted.
func (f *fake) stop() (calls, conns int, err error) {
	defer func() {
		if f.cmd.ProcessState != nil {
			_, f.cpu = usage(f.cmd.ProcessState)
		}
	}()
	_ = f.cmd.Process.Signal(os.Interrupt)
	rest, _ := io.ReadAll(f.out)
	if err := f.cmd.Wait(); err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(rest)), "stand-in stopped after %d calls (%d faulted), %d connections", &calls, new(int), &conns); err != nil {
		return 0, 0, fmt.Errorf("serve-fake said %q: %w", rest, err)
	}
	return calls, conns, nil
}

// against runs openbind (or the floor, when floor) on input against a
// fresh stand-in, and checks that every row took one call.
func (b *bench) against(floor bool, input string, rows, workers int, fakeArgs []string, args ...string) (proc, int, error) {
	srv, err := b.startFake(fakeArgs...)
	if err != nil {
		return proc{}, 0, err
	}
	var p proc
	which := "openbind"
	if floor {
		which = "floor"
		self, serr := os.Executable()
		if serr != nil {
			return proc{}, 0, serr
		}
		p, err = b.process(self, "-floor", srv.URL, "-input", input, "-workers", strconv.Itoa(workers))
	} else {
		p, err = b.openbind(append([]string{"run", "--input", input, "--base-url", srv.URL}, args...)...)
	}
	calls, conns, serr := srv.stop()
	p.standInCPU = srv.cpu
	if err != nil {
		return p, 0, err
	}
	if serr != nil {
		return p, 0, serr
	}
	if p.code != 0 || calls != rows {
		return p, 0, fmt.Errorf("%s: exit %d, %d calls for %d rows\n%s%s", which, p.code, calls, rows, p.stdout, p.stderr)
	}
	return p, conns, nil
}
