package main

// Process tests of what a run does with the file --output names: files
// that are not results files, links, waves that share one results file,
// disks that fill up.

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// An existing --output that is not a results file is refused (exit 2),
// left byte for byte as it was, and nothing is sent; the dry run says the
// same. Only a missing or empty file is a new results file.
func TestOutputThatIsNotResults(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintf(zw, "line,appid,group,status\n")
	zw.Close()
	cases := []struct {
		name string
		data []byte
	}{
		{"text without a newline", []byte("my notes")},
		{"text with newlines", []byte("call the merchant on Monday\nthen Tuesday\n")},
		{"blank lines", []byte("\n\n\n")},
		{"a small binary", []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0}},
		{"gzip", gz.Bytes()},
		{"another CSV", []byte("appid,access_token\nwx0000000000000001,T1\n")},
		{"a torn header that is not openbind's", []byte("line,appid,grou,status")},
	}
	w := newProcWorld(t, 3)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "notes.txt")
			if err := os.WriteFile(out, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, dry := range []string{"", "--dry-run"} {
				args := []string{"run", "--input", w.input, "--output", out, "--base-url", w.srv.URL}
				if dry != "" {
					args = append(args, dry)
				}
				code, got := combined(t, exec.Command(w.bin, args...))
				if code != 2 {
					t.Errorf("%s: exit %d, want 2\n%s", dry, code, got)
				}
				if !strings.Contains(string(got), "it is left as it is") {
					t.Errorf("%s: the message does not say the file is left alone:\n%s", dry, got)
				}
				if data, _ := os.ReadFile(out); !bytes.Equal(data, c.data) {
					t.Errorf("%s: the file changed: %q", dry, data)
				}
				if _, err := os.Stat(out + ".lock"); err == nil {
					t.Errorf("%s: a lock file was made beside a file that is not a results file", dry)
				}
			}
		})
	}
	if n := w.srv.Count(""); n != 0 {
		t.Errorf("%d calls", n)
	}
	// An empty file, and a header torn at its creation, are new results files.
	for _, data := range [][]byte{nil, []byte(report.BOM + "line,appid,gr")} {
		out := filepath.Join(t.TempDir(), "results.csv")
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", out, "--base-url", w.srv.URL, "--qps", "0")
		if got, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%q: %v\n%s", data, err, got)
		}
	}
}

// --output may be a symlink: the lock and the rewrite act on the file it
// points to, and the link stays. Two names of one file — a symlink or a
// hard link — cannot run at once.
func TestOutputLinks(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 40)
	w.srv.SetLatency(20*time.Millisecond, 30*time.Millisecond)
	link := filepath.Join(w.dir, "link.csv")
	if err := os.Symlink("results.csv", link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", link, "--base-url", w.srv.URL, "--qps", "0")
	if got, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi, err)
	}
	if counts := w.checkFinal(); counts[report.Created] != 40 {
		t.Fatalf("counts %v", counts)
	}
	if _, err := os.Stat(w.output + ".lock"); err != nil {
		t.Errorf("no lock beside the file the link points to: %v", err)
	}
	if _, err := os.Stat(link + ".lock"); err == nil {
		t.Errorf("a lock beside the link: two names would take two locks")
	}

	hard := filepath.Join(w.dir, "hard.csv")
	more := newProcWorld(t, 200) // a slow second wave, to hold the lock
	more.srv.SetLatency(50*time.Millisecond, 60*time.Millisecond)
	for _, other := range []string{link, hard} {
		// A rewrite replaces the file: the hard link is made afresh, so
		// that both names name the file the first run holds.
		os.Remove(hard)
		if err := os.Link(w.output, hard); err != nil {
			t.Fatal(err)
		}
		first := exec.Command(w.bin, "run", "--input", more.input, "--output", w.output, "--base-url", more.srv.URL, "--qps", "0", "--workers", "2")
		mark := more.srv.Count("")
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the first run to call", func() bool { return more.srv.Count("") > mark })
		second := exec.Command(w.bin, "run", "--input", w.input, "--output", other, "--base-url", w.srv.URL, "--qps", "0")
		code, got := combined(t, second)
		if code != 4 {
			t.Errorf("%s while a run holds %s: exit %d, want 4\n%s", filepath.Base(other), filepath.Base(w.output), code, got)
		}
		_ = first.Process.Signal(syscall.SIGTERM)
		_ = first.Wait()
	}
}

// A symlink to a device is no results file.
func TestOutputLinkToDevice(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 2)
	link := filepath.Join(w.dir, "null.csv")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", link, "--base-url", w.srv.URL)
	code, got := combined(t, cmd)
	if code != 2 || !strings.Contains(string(got), "not a regular file") {
		t.Errorf("exit %d, want 2 and 'not a regular file':\n%s", code, got)
	}
	if w.srv.Count("") != 0 {
		t.Errorf("calls were sent")
	}
}

// Two waves in one results file: the first wave's records are kept after
// the second's rows, never sent again, and counted apart; a merchant
// group of the second wave binds to the open account recorded in the
// first. Rows deleted from an input keep their records too.
func TestWavesShareOneResultsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := openbindBin(t)
	var accounts []wechattest.Account
	waveA := "appid,access_token,group\n"
	waveB := "appid,access_token,group\n"
	for i := range 5 {
		a := wechattest.Account{AppID: fmt.Sprintf("wx%016x", 0xa0+i), Token: fmt.Sprintf("TA%d", i)}
		b := wechattest.Account{AppID: fmt.Sprintf("wx%016x", 0xb0+i), Token: fmt.Sprintf("TB%d", i)}
		group := ""
		if i == 0 {
			group, a.Subject, b.Subject = "Shop M", "m", "m"
		}
		accounts = append(accounts, a, b)
		waveA += fmt.Sprintf("%s,%s,%s\n", a.AppID, a.Token, group)
		if i == 0 {
			group = "shop m" // the same merchant, spelt another way
		}
		waveB += fmt.Sprintf("%s,%s,%s\n", b.AppID, b.Token, group)
	}
	srv := wechattest.New(accounts...).Start()
	t.Cleanup(srv.Close)
	inA, inB, out := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "results.csv")
	os.WriteFile(inA, []byte(waveA), 0o600)
	os.WriteFile(inB, []byte(waveB), 0o600)
	run := func(input string) string {
		t.Helper()
		cmd := exec.Command(bin, "run", "--input", input, "--output", out, "--base-url", srv.URL, "--qps", "0")
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(input), err, got)
		}
		return string(got)
	}
	run(inA)
	got := run(inB)
	if !strings.Contains(got, "kept from other inputs (no line; never sent): 5 records: 5 created") {
		t.Errorf("summary of wave B:\n%s", got)
	}
	if n := srv.Count("/cgi-bin/open/create"); n != 9 {
		t.Errorf("%d creates, want 9: the group's second row binds to the first wave's account", n)
	}
	if a, b := srv.BoundTo(accounts[0].AppID), srv.BoundTo(accounts[1].AppID); a == "" || a != b {
		t.Errorf("one merchant on %q and %q", a, b)
	}
	mark := srv.Count("")
	run(inA)
	run(inB)
	if n := srv.Count(""); n != mark {
		t.Errorf("%d calls after both waves were done", n-mark)
	}
	// Every done record is still there, and in its place: the input's rows
	// with their lines, the other wave's without.
	sum, err := report.Summarize(out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 5 || sum.Done() != 5 || sum.KeptRecords() != 5 || len(sum.SplitGroups) != 0 {
		t.Errorf("summary: %d rows, %d done, %d kept, split %v", sum.Rows, sum.Done(), sum.KeptRecords(), sum.SplitGroups)
	}
	// A row deleted from the input keeps its record.
	os.WriteFile(inB, []byte(strings.Join(strings.Split(waveB, "\n")[:3], "\n")+"\n"), 0o600)
	run(inB)
	if sum, _ := report.Summarize(out); sum.Rows != 2 || sum.KeptRecords() != 8 || sum.Kept[report.Created]+sum.Kept[report.Bound] != 8 {
		t.Errorf("after deleting rows: %d rows, kept %v", sum.Rows, sum.Kept)
	}
	if n := srv.Count(""); n != mark {
		t.Errorf("%d calls after rows were deleted", n-mark)
	}
}

// combined runs cmd and returns its exit code and its output.
func combined(t *testing.T, cmd *exec.Cmd) (int, string) {
	t.Helper()
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	return exitOf(t, cmd.Run()), b.String()
}

// mountSmallDisk mounts a tmpfs of size bytes (root only; the test skips
// elsewhere) and returns its directory.
func mountSmallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small disk here (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// A full disk: with room for the journal but not for the rewrite's second
// copy, the journal stands as the results and the exit code follows the
// rows, run after run (no cron loop of exit 3). On a disk already full a
// run sends nothing.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 600) // a journal of some 45 KB
	disk := mountSmallDisk(t, 64<<10)
	out := filepath.Join(disk, "results.csv")
	for range 2 {
		cmd := exec.Command(w.bin, "run", "--input", w.input, "--output", out, "--base-url", w.srv.URL, "--qps", "0", "--workers", "8")
		code, got := combined(t, cmd)
		if code != 0 || !strings.Contains(string(got), "could not be rewritten in input order") {
			t.Fatalf("exit %d, want 0 and a note that the journal stands:\n%s", code, got)
		}
	}
	sum, err := report.Summarize(out)
	if err != nil || sum.Done() != 600 {
		t.Fatalf("the journal holds %d done rows (%v)", sum.Done(), err)
	}
	if n := w.srv.Count("/cgi-bin/open/create"); n != 600 {
		t.Errorf("%d creates for 600 rows", n)
	}

	full := mountSmallDisk(t, 16<<10)
	filler, _ := os.Create(filepath.Join(full, "filler"))
	for {
		if _, err := filler.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	filler.Close()
	fresh := newProcWorld(t, 50)
	cmd := exec.Command(fresh.bin, "run", "--input", fresh.input, "--output", filepath.Join(full, "r.csv"), "--base-url", fresh.srv.URL, "--qps", "0")
	code, got := combined(t, cmd)
	if code != 3 || !strings.Contains(string(got), "nothing was sent") {
		t.Errorf("on a full disk: exit %d, want 3:\n%s", code, got)
	}
	if n := fresh.srv.Count(""); n != 0 {
		t.Errorf("%d calls sent on a full disk", n)
	}
}

// Too few file descriptors for --workers: refused before anything is
// sent, saying what to do.
func TestOpenFileLimit(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 10)
	cmd := exec.Command("sh", "-c", `ulimit -n 40 && exec "$0" "$@"`, w.bin, "run", "--input", w.input, "--output", w.output, "--base-url", w.srv.URL, "--workers", "64")
	code, got := combined(t, cmd)
	if code != 2 || !strings.Contains(string(got), "--workers 64: need about") || !strings.Contains(string(got), "lower it to") {
		t.Errorf("exit %d, want 2 and advice:\n%s", code, got)
	}
	if w.srv.Count("") != 0 {
		t.Errorf("calls were sent")
	}
}

// A kill -9 while a group's leader's create hangs, after it acted: the
// next run — its rows reordered — finds the intent recorded before the
// call, asks get first, and binds the others to the account the lost
// answer made.
func TestKill9DuringGroupLeaderCall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := openbindBin(t)
	accounts := []wechattest.Account{
		{AppID: "wx00000000000000a1", Token: "TA1", Subject: "m", Faults: []wechattest.Fault{wechattest.HangAfter}},
		{AppID: "wx00000000000000a2", Token: "TA2", Subject: "m"},
		{AppID: "wx00000000000000a3", Token: "TA3", Subject: "m"},
	}
	srv := wechattest.New(accounts...).Start()
	t.Cleanup(srv.Close)
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "results.csv")
	os.WriteFile(in, []byte("appid,access_token,group\nwx00000000000000a1,TA1,M\nwx00000000000000a2,TA2,M\nwx00000000000000a3,TA3,M\n"), 0o600)
	cmd := exec.Command(bin, "run", "--input", in, "--output", out, "--base-url", srv.URL, "--qps", "0", "--timeout", "30s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the leader's create to act and hang", func() bool { return srv.BoundTo("wx00000000000000a1") != "" })
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	made := srv.BoundTo("wx00000000000000a1")
	// The operator reorders the rows before the next run: the row in doubt
	// is no longer the group's first.
	os.WriteFile(in, []byte("appid,access_token,group\nwx00000000000000a2,TA2,M\nwx00000000000000a3,TA3,M\nwx00000000000000a1,TA1,M\n"), 0o600)
	cmd = exec.Command(bin, "run", "--input", in, "--output", out, "--base-url", srv.URL, "--qps", "0")
	if code, got := combined(t, cmd); code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, got)
	}
	for _, a := range accounts {
		if got := srv.BoundTo(a.AppID); got != made {
			t.Errorf("%s on %q, want %q: one merchant, one open account", a.AppID, got, made)
		}
	}
	if n := srv.Count("/cgi-bin/open/create"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// A huge input (a sparse file of a terabyte: a device or a pipe, which
// never ends, is refused before it is opened, see input_errors.txtar) does
// not keep a run from stopping on a signal: exit 3, nothing sent.
func TestEndlessInputStopsOnASignal(t *testing.T) {
	t.Parallel()
	unixOnly(t, "SIGTERM")
	w := newProcWorld(t, 1)
	huge := filepath.Join(w.dir, "huge.csv")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil {
		f.Close()
		t.Skipf("no sparse file of 1 TiB here: %v", err)
	}
	f.Close()
	for _, extra := range [][]string{nil, {"--dry-run"}} {
		t.Run(strings.Join(append([]string{"run"}, extra...), " "), func(t *testing.T) {
			stopOnSignalWhileReading(t, w, huge, extra)
		})
	}
	if w.srv.Count("") != 0 {
		t.Error("calls were sent")
	}
}

// stopOnSignalWhileReading signals a run that reads the input huge: it
// exits 3, and a dry run prints no plan (an empty one would say the file
// has no rows).
func stopOnSignalWhileReading(t *testing.T, w *procWorld, huge string, extra []string) {
	// A signal that comes before main has installed its handler kills the
	// process (exit -15): on a loaded machine that start can take long, so
	// such a try is made again, later.
	for wait := 300 * time.Millisecond; ; wait *= 2 {
		args := append([]string{"run", "--input", huge, "--output", w.output, "--base-url", w.srv.URL}, extra...)
		cmd := exec.Command(w.bin, args...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(wait)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan int, 1)
		go func() { done <- exitOf(t, cmd.Wait()) }()
		var code int
		select {
		case code = <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("the run did not stop on SIGTERM while reading an endless input")
		}
		if code == -int(syscall.SIGTERM) && wait < 10*time.Second {
			t.Logf("SIGTERM after %s came before the signal handler; again", wait)
			continue
		}
		if code != 3 {
			t.Errorf("exit %d, want 3", code)
		}
		if strings.Contains(stdout.String(), "dry run:") {
			t.Errorf("a plan printed for an input not read:\n%s", stdout.String())
		}
		break
	}
}

// A broken stdout never turns a verification into a usage error: with its
// summary going to a full disk, a verify whose every row holds exits 0.
func TestVerifyToAFullStdout(t *testing.T) {
	t.Parallel()
	unixOnly(t, "/dev/full")
	w := newProcWorld(t, 5)
	if code, out, errOut := w.run("--qps", "0"); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	cmd := exec.Command(w.bin, "verify", "--input", w.input, "--output", w.output, "--base-url", w.srv.URL, "--qps", "0")
	cmd.Stdout = full
	if code := exitOf(t, cmd.Run()); code != 0 {
		t.Errorf("verify with stdout on a full disk: exit %d, want 0", code)
	}
}
