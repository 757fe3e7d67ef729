package main

// Process tests of openbind verify, as a user runs it: kill -9 and a
// rerun, the locks (never the run's; its own report's), and a rehearsal
// against serve-fake with changes behind openbind's back.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"openbind/report"
)

func (w *procWorld) verifyCommand(extra ...string) (*exec.Cmd, *strings.Builder, *strings.Builder) {
	args := append([]string{"verify", "--input", w.input, "--output", w.output, "--base-url", w.srv.URL, "--retry-backoff", "1ms", "--progress", "none"}, extra...)
	cmd := exec.Command(w.bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func (w *procWorld) verify(extra ...string) (int, string, string) {
	w.t.Helper()
	cmd, stdout, stderr := w.verifyCommand(extra...)
	err := cmd.Run()
	return exitOf(w.t, err), stdout.String(), stderr.String()
}

// verdicts reads the report as a rerun would: the last verdict of each
// appid, and the number of records.
func verdicts(t *testing.T, path string) (map[string]report.Verdict, int) {
	t.Helper()
	got := map[string]report.Verdict{}
	n := 0
	if _, err := report.ReadVerify(path, func(r *report.VerifyRecord) error {
		n++
		got[r.AppID] = r.Verdict
		return nil
	}); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return got, n
}

// kill -9 during verify, then a rerun asks only the rows without a verdict
// (a torn last line of the report is cut off), until every row holds.
func TestVerifyKill9(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 400)
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("wave: exit %d\n%s\n%s", code, out, errOut)
	}
	w.srv.SetLatency(2*time.Millisecond, 6*time.Millisecond)
	rep := w.output + ".verify.csv"
	rng := rand.New(rand.NewPCG(testSeed(t), 2))
	kills := 0
	for k := range 3 {
		_, before := verdicts(t, rep)
		cmd, _, _ := w.verifyCommand("--qps", "0", "--workers", "4")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		want := before + 20 + rng.IntN(40)
		waitFor(t, "rows in the report", func() bool {
			_, n := verdicts(t, rep)
			return n >= want || len(exited) > 0
		})
		_ = cmd.Process.Signal(syscall.SIGKILL)
		if code := exitOf(t, <-exited); code == -int(syscall.SIGKILL) {
			kills++
		}
		if k == 1 {
			// A torn last line, as a kill during a write leaves.
			f, err := os.OpenFile(rep, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "5,%s,,wxf0000000", w.appids[3])
			f.Close()
		}
	}
	if kills < 2 {
		t.Fatalf("only %d verifies were killed; the test proves little", kills)
	}
	have, _ := verdicts(t, rep)
	left := 0
	for _, a := range w.appids {
		if v := have[a]; v == 0 || v == report.Unknown {
			left++
		}
	}
	// The calls a killed verify left in flight are not counted as the
	// rerun's.
	waitFor(t, "the killed verify's calls to end", func() bool { return w.srv.InFlight() == 0 })
	gets := w.srv.Count("/cgi-bin/open/get")
	code, out, errOut := w.verify("--qps", "0")
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	if asked := w.srv.Count("/cgi-bin/open/get") - gets; asked != left {
		t.Errorf("the rerun asked %d rows; %d had no verdict", asked, left)
	}
	if !strings.Contains(out, fmt.Sprintf("asked this time  %d\n", left)) || !strings.Contains(out, "holds            400\n") {
		t.Errorf("rerun said:\n%s", out)
	}
	// The report is final: one row per done row, in input order, all holding.
	var lines []int
	if _, err := report.ReadVerify(rep, func(r *report.VerifyRecord) error {
		if r.Verdict != report.Holds || r.OpenAppID != r.RecordedOpen || r.OpenAppID != w.srv.BoundTo(r.AppID) {
			return fmt.Errorf("line %d: %+v", r.Line, *r)
		}
		lines = append(lines, r.Line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 400 || lines[0] != 2 || lines[399] != 401 {
		t.Errorf("final report: %d rows, from line %d", len(lines), lines[0])
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] != lines[i-1]+1 {
			t.Fatalf("final report not in input order at line %d", lines[i])
		}
	}
	t.Logf("%d kills; the rerun asked %d rows", kills, left)
}

// verify never takes the run's lock: it runs while a run writes the
// results; a second verify of the same report exits 4 at once. (Not in
// parallel: "at once" is a second, and the first verify must outlast it.)
func TestVerifyLocks(t *testing.T) {
	w := newProcWorld(t, 200)
	w.srv.SetLatency(20*time.Millisecond, 20*time.Millisecond)
	run, runOut, runErr := w.command("--qps", "0", "--workers", "2")
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rows in the run's results", func() bool { _, n := w.journal(); return n >= 20 })

	// The first verify, slow: one worker.
	first, firstOut, firstErr := w.verifyCommand("--qps", "0", "--workers", "1")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	rep := w.output + ".verify.csv"
	waitFor(t, "the first verify's report", func() bool { _, n := verdicts(t, rep); return n >= 3 })
	start := time.Now()
	code, out, errOut := w.verify("--qps", "0")
	if code != 4 || time.Since(start) > time.Second {
		t.Errorf("second verify: exit %d after %s, want 4 within a second\n%s\n%s", code, time.Since(start), out, errOut)
	}
	if want := rep + ".lock"; !strings.Contains(errOut, want) || !strings.Contains(errOut, "locked by another verify") || out != "" {
		t.Errorf("second verify: stdout %q, stderr %q; want the lock file %s named", out, errOut, want)
	}
	if code := exitOf(t, first.Wait()); code != 0 {
		t.Fatalf("first verify: exit %d\n%s\n%s", code, firstOut, firstErr)
	}
	// The run held its lock all along.
	l := flock.New(w.output + ".lock")
	if ok, err := l.TryLock(); err != nil || ok {
		_ = l.Unlock()
		t.Fatalf("the run's lock was free after the verify (%v): the run ended too soon, the test proves little", err)
	}
	m := regexp.MustCompile(`asked this time  (\d+)`).FindStringSubmatch(firstOut.String())
	if m == nil || m[1] == "0" || !strings.Contains(firstOut.String(), "\n  moved            0\n") {
		t.Errorf("first verify said:\n%s", firstOut)
	}
	if code := exitOf(t, run.Wait()); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, runOut, runErr)
	}
	if counts := w.checkFinal(); counts[report.Created] != 200 {
		t.Errorf("run: %v", counts)
	}
}

// A rehearsal: serve-fake, a wave, SIGHUP makes 5 unbound and 5 moved
// behind openbind's back, verify finds exactly those.
func TestVerifyRehearsal(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP on Windows")
	}
	w := newProcWorld(t, 60)
	fake := exec.Command(w.bin, "serve-fake", "--addr", "127.0.0.1:0", "--accounts", w.input, "--unbind", "5", "--move", "5")
	stdout, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Process.Kill()
	said := bufio.NewReader(stdout)
	line, _ := said.ReadString('\n')
	fields := strings.Fields(line)
	if len(fields) < 6 {
		t.Fatalf("serve-fake said %q", line)
	}
	url := fields[5]
	if line, _ := said.ReadString('\n'); !strings.Contains(line, "send SIGHUP") {
		t.Fatalf("serve-fake said %q", line)
	}
	run := exec.Command(w.bin, "run", "--input", w.input, "--output", w.output, "--base-url", url, "--qps", "0", "--progress", "none")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	_ = fake.Process.Signal(syscall.SIGHUP)
	line, _ = said.ReadString('\n')
	if !strings.HasPrefix(line, "behind openbind's back: unbound 5 (wx") || !strings.Contains(line, "moved 5 to new open accounts (wx") {
		t.Fatalf("serve-fake said %q", line)
	}
	verify := exec.Command(w.bin, "verify", "--input", w.input, "--output", w.output, "--base-url", url, "--qps", "0", "--progress", "none")
	out, err := verify.Output()
	if code := exitOf(t, err); code != 1 {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	for _, want := range []string{"holds            50\n", "moved            5\n", "unbound          5\n", "unknown          0\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("verify said\n%s\nwant %q", out, want)
		}
	}
	t.Logf("serve-fake: %sverify:\n%s", line, out)
}

// SIGTERM during verify: the calls in flight finish, the report is
// rewritten (every done row, in input order; the rows not reached are
// unknown), exit 3; the rerun asks only those.
func TestVerifySIGTERM(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 150)
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("wave: exit %d\n%s\n%s", code, out, errOut)
	}
	w.srv.SetLatency(20*time.Millisecond, 20*time.Millisecond)
	rep := w.output + ".verify.csv"
	cmd, stdout, stderr := w.verifyCommand("--qps", "0", "--workers", "2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rows in the report", func() bool { _, n := verdicts(t, rep); return n >= 20 })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := exitOf(t, cmd.Wait()); code != 3 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout.String(), "stopped early: stopped by a signal") {
		t.Errorf("stdout:\n%s", stdout)
	}
	got, n := verdicts(t, rep)
	if n != 150 || len(got) != 150 {
		t.Fatalf("the report has %d records of %d rows; want one per done row", n, len(got))
	}
	left := 0
	for _, v := range got {
		if v == report.Unknown {
			left++
		}
	}
	if left == 0 || left == 150 {
		t.Fatalf("%d rows unknown after the stop; the test proves little", left)
	}
	gets := w.srv.Count("/cgi-bin/open/get")
	if code, out, errOut := w.verify("--qps", "0"); code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	if asked := w.srv.Count("/cgi-bin/open/get") - gets; asked != left {
		t.Errorf("the rerun asked %d rows, %d were unknown", asked, left)
	}
}
