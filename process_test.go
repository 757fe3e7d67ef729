package main

// Tests of the real binary as a process: signals, kill -9, the lock, a
// results file that cannot grow. The binary is this test binary under the
// name "openbind" (testscript.Main runs main for that name).

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// seed is the seed of the tests that draw at random (kill points, quotas):
// go test -run TestKill9 -seed N . repeats a failure.
var seed = flag.Uint64("seed", 0, "seed of TestKill9, TestVerifyKill9 and TestQuotaOfTenAccounts (0: from the clock)")

// testSeed is -seed, or one from the clock; it is printed either way.
func testSeed(t *testing.T) uint64 {
	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (go test -run '^%s$' -seed %d .)", s, t.Name(), s)
	return s
}

// openbindBin returns a path that runs this test binary as openbind.
func openbindBin(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "openbind")
	if runtime.GOOS == "windows" {
		// A symlink needs a privilege there; a hard link of the same
		// volume does not (testscript.Main drops the .exe).
		bin += ".exe"
		if err := os.Link(exe, bin); err != nil {
			t.Skipf("cannot link the test binary as openbind: %v", err)
		}
		return bin
	}
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// procWorld is an input of n plain accounts and a stand-in that knows them.
type procWorld struct {
	t      *testing.T
	bin    string
	srv    *wechattest.Server
	dir    string
	input  string
	output string
	appids []string
}

func newProcWorld(t *testing.T, n int) *procWorld {
	t.Helper()
	return newProcWorldTokens(t, n, func(i int) string { return fmt.Sprintf("TOKEN-%d-secret", i) })
}

// newProcWorldTokens is newProcWorld with the token of row i given.
func newProcWorldTokens(t *testing.T, n int, token func(i int) string) *procWorld {
	t.Helper()
	w := &procWorld{t: t, bin: openbindBin(t), dir: t.TempDir()}
	w.input = filepath.Join(w.dir, "accounts.csv")
	w.output = filepath.Join(w.dir, "results.csv")
	var b bytes.Buffer
	b.WriteString("appid,access_token\n")
	var accounts []wechattest.Account
	for i := range n {
		a := wechattest.Account{AppID: fmt.Sprintf("wx%016x", 0xa000+i), Token: token(i)}
		accounts = append(accounts, a)
		w.appids = append(w.appids, a.AppID)
		fmt.Fprintf(&b, "%s,%s\n", a.AppID, a.Token)
	}
	if err := os.WriteFile(w.input, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	w.srv = wechattest.New(accounts...).Start()
	t.Cleanup(w.srv.Close)
	return w
}

func (w *procWorld) command(extra ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	args := append([]string{"run", "--input", w.input, "--output", w.output, "--base-url", w.srv.URL, "--retry-backoff", "1ms"}, extra...)
	cmd := exec.Command(w.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs openbind to its end and returns its exit code and output.
func (w *procWorld) run(extra ...string) (int, string, string) {
	w.t.Helper()
	cmd, stdout, stderr := w.command(extra...)
	err := cmd.Run()
	return exitOf(w.t, err), stdout.String(), stderr.String()
}

func exitOf(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	t.Fatal(err)
	return 0
}

// journal reads the results file as a next run would: for each appid its
// last record, and the number of records.
func (w *procWorld) journal() (map[string]report.Record, int) {
	w.t.Helper()
	last := map[string]report.Record{}
	n := 0
	_, err := report.ReadFile(w.output, func(r *report.Record, _ int64) error {
		n++
		if r.Status.Final() || last[r.AppID].Status == 0 {
			last[r.AppID] = *r
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		w.t.Fatal(err)
	}
	return last, n
}

// checkFinal checks the results file is final and true: one row per input
// line in input order, each done row on the open account the stand-in has
// it on, every account the stand-in bound done. It returns the counts.
func (w *procWorld) checkFinal() map[report.Status]int {
	w.t.Helper()
	counts := map[report.Status]int{}
	var recs []report.Record
	if _, err := report.ReadFile(w.output, func(r *report.Record, _ int64) error {
		recs = append(recs, *r)
		return nil
	}); err != nil {
		w.t.Fatal(err)
	}
	if len(recs) != len(w.appids) {
		w.t.Fatalf("%d results rows for %d input rows", len(recs), len(w.appids))
	}
	done := map[string]bool{}
	for i, r := range recs {
		if r.Line != i+2 || r.AppID != w.appids[i] {
			w.t.Fatalf("row %d is line %d %s, want line %d %s", i, r.Line, r.AppID, i+2, w.appids[i])
		}
		counts[r.Status]++
		if r.Status.Done() {
			done[r.AppID] = true
			if want := w.srv.BoundTo(r.AppID); r.OpenAppID != want {
				w.t.Errorf("line %d: %s with open_appid %q; the stand-in has %q", r.Line, r.Status, r.OpenAppID, want)
			}
		}
	}
	for _, c := range w.srv.Calls() {
		if c.Acted && !done[c.AppID] {
			w.t.Errorf("the stand-in bound %s, the results do not say it is done", c.AppID)
		}
	}
	return counts
}

// sentAfterDone fails the test if a call in calls went to an account that
// was known done.
func sentAfterDone(t *testing.T, calls []wechattest.Call, known map[string]report.Record) {
	t.Helper()
	for _, c := range calls {
		if r, ok := known[c.AppID]; ok && r.Status.Done() {
			t.Errorf("%s was sent again (%s) after the results recorded it %s", c.AppID, c.Path, r.Status)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestKill9(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 3000)
	w.srv.SetLatency(time.Millisecond, 4*time.Millisecond)
	// Transient faults, lost answers among them.
	w.srv.SetFaults(0.1, 7, wechattest.Busy, wechattest.BadGateway, wechattest.ResetBefore, wechattest.ResetAfter, wechattest.Truncated)
	rng := rand.New(rand.NewPCG(testSeed(t), 1))
	args := []string{"--qps", "0", "--workers", "16", "--max-attempts", "30", "--timeout", "2s"}

	known, n := w.journal()
	kills := 0
	for range 6 {
		mark := len(w.srv.Calls())
		cmd, _, _ := w.command(args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Killed at a random moment, or once it has recorded a random
		// number of rows, whichever comes first: a fast machine cannot
		// finish the job before the kills, a slow one is killed early.
		delay := time.Duration(20+rng.IntN(250)) * time.Millisecond
		rows := n + 1 + rng.IntN(300)
		deadline := time.Now().Add(delay)
		for time.Now().Before(deadline) && len(exited) == 0 {
			if _, now := w.journal(); now >= rows {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		if code := exitOf(t, <-exited); code == -int(syscall.SIGKILL) {
			kills++
		}
		sentAfterDone(t, w.srv.Calls()[mark:], known)
		known, n = w.journal()
	}
	if kills < 3 {
		t.Fatalf("only %d of the runs were killed before they finished; the test proves little", kills)
	}
	mark := len(w.srv.Calls())
	code, stdout, stderr := w.run(args...)
	if code != 0 {
		t.Fatalf("final run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	sentAfterDone(t, w.srv.Calls()[mark:], known)
	counts := w.checkFinal()
	if counts[report.Created]+counts[report.AlreadyBound] != len(w.appids) {
		t.Errorf("counts %v", counts)
	}
	if _, err := os.Stat(w.output + ".lock"); err != nil {
		t.Errorf("lock file: %v (it must never be deleted)", err)
	}
	t.Logf("%d kills; %d calls in all for %d rows; final: %v", kills, w.srv.Count(""), len(w.appids), counts)
}

// unixOnly skips a test of what Windows does not have.
func unixOnly(t *testing.T, what string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no " + what)
	}
}

func TestSIGTERM(t *testing.T) {
	t.Parallel()
	unixOnly(t, "SIGTERM to send (TestCtrlBreakStopsARun is its twin)")
	w := newProcWorld(t, 300)
	w.srv.SetLatency(150*time.Millisecond, 250*time.Millisecond)
	// The calls in flight finish and are recorded; none waits for its
	// --timeout, which is longer than the whole run would be.
	const timeout = 60 * time.Second
	cmd, stdout, stderr := w.command("--qps", "50", "--timeout", timeout.String())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "20 rows recorded", func() bool { _, n := w.journal(); return n >= 20 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	arrived := w.srv.Arrived()
	start := time.Now()
	code := exitOf(t, cmd.Wait())
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	if d := time.Since(start); d > timeout/2 {
		t.Errorf("took %s to stop: it waited for more than the calls in flight (answered within 250ms)", d)
	}
	if !strings.Contains(stdout.String(), "the run stopped early (stopped by a signal)") || !strings.Contains(stderr.String(), "stopping") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	counts := w.checkFinal() // the calls in flight finished and were recorded
	if counts[report.Pending] == 0 || counts[report.Created] < 20 || counts[report.Created]+counts[report.Pending] != 300 {
		t.Errorf("counts after SIGTERM: %v", counts)
	}
	// Dispatch stopped: at most the calls that left while the signal was
	// being delivered — on a loaded machine a few hundred milliseconds of
	// --qps 50 — where not stopping would send the 250-odd rows left.
	if after := w.srv.Arrived() - arrived; after > 15 {
		t.Errorf("%d calls arrived after the signal: dispatch did not stop", after)
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("%d rows pending: run the same command again", counts[report.Pending])) {
		t.Errorf("summary does not count the pending rows:\n%s", stdout)
	}

	known, _ := w.journal()
	mark := len(w.srv.Calls())
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	sentAfterDone(t, w.srv.Calls()[mark:], known)
	if counts := w.checkFinal(); counts[report.Created] != 300 {
		t.Errorf("after the rerun: %v", counts)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	unixOnly(t, "signals to send but Ctrl-Break (TestCtrlBreakStopsARun)")
	w := newProcWorld(t, 50)
	w.srv.SetFaults(1, 1, wechattest.Hang)
	// The calls hang until their --timeout (60 s): the first signal waits
	// for them, the second must not. "At once" is well short of that
	// timeout, however loaded the machine.
	const timeout = 60 * time.Second
	cmd, stdout, _ := w.command("--qps", "0", "--timeout", timeout.String())
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(t, "calls in flight", func() bool { return w.srv.InFlight() > 0 })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the first signal's notice", func() bool { return strings.Contains(stderr.String(), "stopping") })
	select {
	case err := <-exited:
		t.Fatalf("exited (%d) after one signal while calls were in flight\n%s\n%s", exitOf(t, err), stdout, stderr)
	case <-time.After(300 * time.Millisecond): // the calls in flight hang: it waits
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	code := exitOf(t, <-exited)
	if took := time.Since(start); code != 3 || took > timeout/2 {
		t.Fatalf("exit %d after %s, want 3 at once (the calls in flight hang for %s)\n%s\n%s", code, took, timeout, stdout, stderr)
	}
	if !strings.Contains(stderr.String(), "exiting now") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// The next run takes the file as it stands and finishes the job.
	w.srv.SetFaults(0, 1)
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	w.checkFinal()
}

func TestLock(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 100)
	// The first run's calls hang (before acting) until the test releases
	// them: it holds the lock for as long as the test needs, however slow
	// the machine.
	w.srv.SetFaults(1, 1, wechattest.Hang)
	first, stdout, stderr := w.command("--qps", "40", "--timeout", "10m")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- first.Wait() }()
	waitFor(t, "the first run's calls", func() bool { return w.srv.InFlight() > 0 })
	// The second run must not wait for the lock: it ends while the first
	// is held. It has a stand-in of its own, so that any call it sent
	// would show. No wall-clock bound: a loaded machine is slow, not wrong.
	other := wechattest.New().Start()
	defer other.Close()
	cmd, outBuf, errBuf := w.command("--qps", "0")
	cmd.Args[slices.Index(cmd.Args, w.srv.URL)] = other.URL
	code := exitOf(t, cmd.Run())
	out, errOut := outBuf.String(), errBuf.String()
	select {
	case <-firstDone:
		t.Errorf("the first run ended before the second: its calls were not held")
		firstDone <- nil
	default:
	}
	if code != 4 {
		t.Errorf("second run: exit %d, want 4", code)
	}
	if want := w.output + ".lock"; !strings.Contains(errOut, want) || out != "" {
		t.Errorf("second run: stdout %q, stderr %q; want the lock file %s named", out, errOut, want)
	}
	if n := other.Count(""); n != 0 {
		t.Errorf("the second run sent %d calls", n)
	}
	w.srv.SetFaults(0, 1)
	w.srv.Release() // the held calls fail before acting, and are retried
	if code := exitOf(t, <-firstDone); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if counts := w.checkFinal(); counts[report.Created] != 100 {
		t.Errorf("first run: %v", counts)
	}
	acted := 0
	for _, c := range w.srv.Calls() {
		if c.Fault == "" {
			acted++
		}
	}
	if acted != 100 {
		t.Errorf("%d answered calls for 100 rows", acted)
	}
}

func TestResultsFileCannotGrow(t *testing.T) {
	t.Parallel()
	unixOnly(t, "sh and ulimit -f")
	w := newProcWorld(t, 400)
	// A file size limit of 8 blocks: writes past it fail with EFBIG, as on a
	// full disk (Go ignores SIGXFSZ, so the write returns the error).
	args := []string{"run", "--input", w.input, "--output", w.output, "--base-url", w.srv.URL, "--qps", "0", "--workers", "4"}
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 8 && exec "$0" "$@"`, w.bin}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := exitOf(t, cmd.Run())
	if code != 3 || !strings.Contains(stdout.String(), "cannot write the results file") {
		t.Fatalf("exit %d, want 3 and a message\n%s\n%s", code, stdout.String(), stderr.String())
	}
	calls := w.srv.Count("")
	recorded, n := w.journal()
	if calls >= 400 || n < 10 {
		t.Fatalf("%d calls, %d rows recorded: the limit did not stop the run early", calls, n)
	}
	// Dispatch stopped at once: the calls not recorded are at most those
	// of the write that failed (16 rows at most, see job.maxUnflushed),
	// those waiting for the collector and those in flight (4 workers each).
	if unrecorded := calls - len(recorded); unrecorded > 16+4+4 {
		t.Errorf("%d calls not recorded", unrecorded)
	}
	for appid, r := range recorded {
		if r.Status.Done() && r.OpenAppID != w.srv.BoundTo(appid) {
			t.Errorf("recorded row damaged: %+v", r)
		}
	}
	// With room again the next run continues, sending nothing known done.
	mark := len(w.srv.Calls())
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	sentAfterDone(t, w.srv.Calls()[mark:], recorded)
	if counts := w.checkFinal(); counts[report.Created]+counts[report.AlreadyBound] != 400 {
		t.Errorf("after the rerun: %v", counts)
	}
}

// serve-fake serves the stand-in for rehearsals: it prints its address,
// learns tokens, injects the faults it is told, and reports when stopped.
func TestServeFake(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 200)
	fake := exec.Command(w.bin, "serve-fake", "--addr", "127.0.0.1:0", "--latency", "1ms-3ms", "--fault", "busy=0.2", "--fault", "reset-after=0.05", "--seed", "3")
	stdout, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var fakeErr bytes.Buffer
	fake.Stderr = &fakeErr
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Process.Kill()
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 6 || !strings.HasPrefix(fields[5], "http://127.0.0.1:") {
		t.Fatalf("serve-fake said %q (%v)", line, err)
	}
	url := fields[5]
	cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", w.output, "--base-url", url, "--qps", "0", "--retry-backoff", "1ms", "--max-attempts", "10")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	_ = fake.Process.Signal(os.Interrupt)
	rest, _ := io.ReadAll(out)
	if err := fake.Wait(); err != nil {
		t.Fatalf("serve-fake: %v", err)
	}
	// Its notice speaks of the stand-in, not of a run's results or --timeout.
	if notice := fakeErr.String(); !strings.Contains(notice, "stopping the stand-in") || strings.Contains(notice, "results") || strings.Contains(notice, "--timeout") {
		t.Errorf("serve-fake said on SIGINT: %q", notice)
	}
	var calls, faulted, conns int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(rest)), "stand-in stopped after %d calls (%d faulted), %d connections", &calls, &faulted, &conns); err != nil {
		t.Fatalf("serve-fake said %q: %v", rest, err)
	}
	if calls < 200 || faulted == 0 || conns == 0 {
		t.Errorf("%d calls, %d faulted, %d connections", calls, faulted, conns)
	}
	sum, err := report.Summarize(w.output)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done() != 200 || sum.Counts[report.AlreadyBound] == 0 {
		t.Errorf("counts %v: want 200 done, some already_bound after lost answers", sum.Counts)
	}

	// A bad setting is a usage error.
	bad := exec.Command(w.bin, "serve-fake", "--addr", "127.0.0.1:0", "--fault", "busy=2")
	if out, err := bad.CombinedOutput(); exitOf(t, err) != 2 || !strings.Contains(string(out), "the share is a number from 0 to 1") {
		t.Errorf("--fault busy=2: %v\n%s", err, out)
	}
	bad = exec.Command(w.bin, "serve-fake", "--addr", "0.0.0.0:0")
	if out, err := bad.CombinedOutput(); exitOf(t, err) != 2 || !strings.Contains(string(out), "loopback only") {
		t.Errorf("--addr 0.0.0.0: %v\n%s", err, out)
	}
}

// freeAddr is a loopback address nobody listens on (for now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve-fake with a second address and the first one down: a run given
// both URLs fails over at once, and every row is done (exit 0); each
// account's own quota (--account-quota) fails its rows with 45009 only.
func TestServeFakeFailover(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 40)
	first := freeAddr(t)
	fake := exec.Command(w.bin, "serve-fake", "--addr", first, "--second-addr", "127.0.0.1:0", "--down", "first")
	stdout, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Process.Kill()
	out := bufio.NewReader(stdout)
	var lines []string
	for range 3 {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("serve-fake said %q: %v", lines, err)
		}
		lines = append(lines, line)
	}
	hint := strings.TrimSpace(lines[2])
	base, ok := strings.CutPrefix(strings.TrimSuffix(hint, ")"), "(openbind run --base-url ")
	if !ok || !strings.HasPrefix(lines[0], "stand-in of WeChat refusing connections on http://"+first) || !strings.HasPrefix(base, "http://"+first+",http://127.0.0.1:") {
		t.Fatalf("serve-fake said %q", lines)
	}
	cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", w.output, "--base-url", base, "--qps", "0")
	res, err := cmd.CombinedOutput()
	if exitOf(t, err) != 0 || !strings.Contains(string(res), "created             40") || !strings.Contains(string(res), "failed over to the next URL once") {
		t.Fatalf("run: %v\n%s", err, res)
	}
	_ = fake.Process.Signal(os.Interrupt)
	_ = fake.Wait()

	// --account-quota: each account's own quota.
	w2 := newProcWorld(t, 5)
	fake = exec.Command(w2.bin, "serve-fake", "--addr", "127.0.0.1:0", "--account-quota", "0")
	stdout, _ = fake.StdoutPipe()
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Process.Kill()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	fields := strings.Fields(line)
	if len(fields) < 6 {
		t.Fatalf("serve-fake said %q", line)
	}
	cmd = exec.Command(w2.bin, "run", "--input", w2.input, "--output", w2.output, "--base-url", fields[5], "--qps", "0")
	res, err = cmd.CombinedOutput()
	if exitOf(t, err) != 1 || !strings.Contains(string(res), "failed               5") || !strings.Contains(string(res), "45009") {
		t.Errorf("run: %v\n%s", err, res)
	}
	_ = fake.Process.Signal(os.Interrupt)
	_ = fake.Wait()
}

// Every URL refusing: the run stops after 20 rows in a row reached no URL
// — exit 3 within a few seconds, nearly every row pending, saying WeChat
// cannot be reached and naming the URLs — where it used to grind through
// the whole file (200 rows: 1,000 calls, exit 1).
func TestUnreachableStopsTheRun(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 200)
	a, b := freeAddr(t), freeAddr(t)
	start := time.Now()
	cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", w.output, "--base-url", "http://"+a+",http://"+b, "--qps", "0", "--retry-backoff", "10ms")
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if code := exitOf(t, err); code != 3 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(string(out), "WeChat cannot be reached from this machine: no URL of --base-url answered for 20 rows in a row (http://"+a+", http://"+b+"); last error: connection refused") {
		t.Errorf("no word of WeChat out of reach:\n%s", out)
	}
	sum, err := report.Summarize(w.output)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[report.Pending] < 170 || sum.Counts[report.Failed] < 20 || sum.Done() != 0 {
		t.Errorf("counts %v: want nearly every row pending", sum.Counts)
	}
	if took > 15*time.Second {
		t.Errorf("took %s to give up", took)
	}
	t.Logf("stopped after %s: %v", took, sum.Counts)
}

// 45009 is one account's: 10 accounts with an exhausted quota spread
// through 300 rows end failed with 45009, the 290 others done, exit 1
// (it used to stop the whole run at the first one: exit 3, the rest
// pending). Seeded.
func TestQuotaOfTenAccounts(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(testSeed(t), 1))
	w := newProcWorld(t, 300)
	exhausted := map[string]bool{}
	for len(exhausted) < 10 {
		i := rng.IntN(300)
		exhausted[w.appids[i]] = true
		w.srv.Add(wechattest.Account{AppID: w.appids[i], Token: fmt.Sprintf("TOKEN-%d-secret", i), HasQuota: true})
	}
	code, stdout, stderr := w.run("--qps", "0")
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	sum, err := report.Summarize(w.output)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done() != 290 || sum.Counts[report.Failed] != 10 || len(sum.Failures) != 1 || sum.Failures[0].Code != 45009 {
		t.Errorf("counts %v, causes %+v", sum.Counts, sum.Failures)
	}
	_, err = report.ReadFile(w.output, func(r *report.Record, _ int64) error {
		if exhausted[r.AppID] != (r.Status == report.Failed && r.ErrCode == 45009) {
			t.Errorf("line %d %s: %s %d", r.Line, r.AppID, r.Status, r.ErrCode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A broken stdout or stderr never stops a run, and the exit code still
// says what became of the rows (issue 12 item 9): `openbind run ... 2>&1 |
// head -c 10` is not killed by SIGPIPE mid-run, and a stdout on a full
// disk does not turn a run that sent every row into exit 2.
func TestBrokenOutputs(t *testing.T) {
	t.Parallel()
	const n = 200
	tests := []struct {
		name           string
		stdout, stderr string // "pipe": a pipe closed after 10 bytes (both: one pipe, as 2>&1); "full": /dev/full
	}{
		{"2>&1 | head -c 10", "pipe", "pipe"},
		{"stdout | head -c 10", "pipe", ""},
		{"> /dev/full", "full", ""},
		{"2> /dev/full", "", "full"},
		{"> /dev/full 2>&1", "full", "full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.stdout == "full" || tt.stderr == "full") && !fileExists("/dev/full") {
				t.Skip("no /dev/full here")
			}
			w := newProcWorld(t, n)
			w.srv.SetLatency(2*time.Millisecond, 4*time.Millisecond)
			// Debug logs: a line per row on stderr, written all along the run.
			cmd, _, _ := w.command("--qps", "0", "--workers", "4", "--log-level", "debug", "--progress", "plain", "--progress-interval", "10ms")
			var pr *os.File
			open := func(kind string) io.Writer {
				switch kind {
				case "pipe":
					if pr == nil {
						r, pw, err := os.Pipe()
						if err != nil {
							t.Fatal(err)
						}
						pr = r
						t.Cleanup(func() { pw.Close() })
						return pw
					}
					return cmd.Stdout
				case "full":
					f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { f.Close() })
					return f
				}
				return io.Discard
			}
			cmd.Stdout = open(tt.stdout)
			cmd.Stderr = open(tt.stderr)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if pr != nil {
				// head -c 10: read 10 bytes, then go away while the run goes on.
				buf := make([]byte, 10)
				if _, err := io.ReadFull(pr, buf); err != nil {
					t.Fatal(err)
				}
				pr.Close()
				if w, ok := cmd.Stdout.(*os.File); ok {
					w.Close() // the parent's copy: the reader is gone for good
				}
			}
			code := exitOf(t, cmd.Wait())
			if code != 0 {
				t.Fatalf("exit %d, want 0 (every row done); -13 is death by SIGPIPE", code)
			}
			if counts := w.checkFinal(); counts[report.Created] != n {
				t.Errorf("counts %v", counts)
			}
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// report on a results file that a run is writing says that a run holds
// the lock, and never takes it (Decision 10): it does not even create a
// missing lock file.
func TestReportWhileARunWrites(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("only Linux lists the locks held (job.LockHeld)")
	}
	w := newProcWorld(t, 60)
	w.srv.SetLatency(40*time.Millisecond, 40*time.Millisecond)
	first, stdout, stderr := w.command("--qps", "30", "--workers", "2")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rows recorded", func() bool { _, n := w.journal(); return n >= 3 })
	report := func() (int, string, string) {
		cmd := exec.Command(w.bin, "report", w.output)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		return exitOf(t, cmd.Run()), out.String(), errOut.String()
	}
	code, out, errOut := report()
	if code != 0 || !strings.Contains(errOut, "a run holds the lock "+w.output+".lock") || !strings.Contains(out, "rows") {
		t.Errorf("report while a run writes: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if code := exitOf(t, first.Wait()); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, _, errOut := report(); strings.Contains(errOut, "holds the lock") {
		t.Errorf("after the run: %s", errOut)
	}
	// A results file without its lock file: report creates none.
	if err := os.Remove(w.output + ".lock"); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := report(); code != 0 || errOut != "" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(w.output + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("report created the lock file (%v): a reader must never take the lock", err)
	}
}

// syncBuffer is a buffer a test may read while a process writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
