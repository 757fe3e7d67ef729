package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gofrs/flock"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rogpeppe/go-internal/testscript"

	"openbind/report"
	"openbind/report/promfile"
	"openbind/wechat/wechattest"
)

func TestMain(m *testing.M) {
	// Built with -race, each process would sleep a second at exit for
	// ThreadSanitizer's reports; the tests start hundreds.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	testscript.Main(m, map[string]func(){"openbind": main})
}

// update rewrites the golden files of the scripts (cmp's second file):
// go test -run TestScripts -update.
var update = flag.Bool("update", false, "update the golden files of testdata/script")

// TestScripts drives the real binary through the scripts in testdata/script.
// Beside testscript's own commands they have:
//
//	fake FILE [addrs=N] [SETTING...]  start a stand-in knowing FILE's accounts
//	                          (see wechattest.ReadScenario); $FAKE is its URL;
//	                          with addrs=N it listens on N addresses, $FAKE2…
//	                          and $FAKEURLS (all, comma-separated); $FAKEADDR
//	                          is the first's host:port
//	fakeset SETTING...        change the stand-in (see applySettings)
//	fakecalls                 print the stand-in's call counts
//	fakecheck RESULTS         check every done row against the stand-in
//	encode FILE ENC...        rewrite FILE with a UTF-8 BOM (bom), CRLF line
//	                          ends (crlf), as UTF-16LE (utf16) or Latin-1 (latin1)
//	status N CMD ARGS...      exec CMD and require exit status N
//	metrics FILE RESULTS      parse the metrics file FILE (expfmt) and check
//	                          its rows by status against the results file;
//	                          print the timestamps and the success flag
func TestScripts(t *testing.T) {
	t.Parallel()
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			env.Setenv("GORACE", os.Getenv("GORACE"))
			env.Values[fakeKey{}] = &fakeHolder{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fake":       cmdFake,
			"fakeset":    cmdFakeSet,
			"fakecalls":  cmdFakeCalls,
			"fakecheck":  cmdFakeCheck,
			"fakegroups": cmdFakeGroups,
			"encode":     cmdEncode,
			"status":     cmdStatus,
			"metrics":    cmdMetrics,
			"lockhold":   cmdLockHold,
		},
	})
}

type fakeKey struct{}

type fakeHolder struct{ srv *wechattest.Server }

func fakeOf(ts *testscript.TestScript) *wechattest.Server {
	h := ts.Value(fakeKey{}).(*fakeHolder)
	if h.srv == nil {
		ts.Fatalf("no stand-in: run fake first")
	}
	return h.srv
}

func cmdFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: fake FILE [SETTING...]")
	}
	accounts, err := wechattest.ReadScenario(strings.NewReader(ts.ReadFile(args[0])))
	ts.Check(err)
	srv := wechattest.New(accounts...)
	addrs := 1
	var settings []string
	for _, a := range args[1:] {
		if n, ok := strings.CutPrefix(a, "addrs="); ok {
			var err error
			addrs, err = strconv.Atoi(n)
			ts.Check(err)
			continue
		}
		settings = append(settings, a)
	}
	srv.Start()
	ts.Defer(srv.Close)
	for range addrs - 1 {
		_, err := srv.AddAddress("127.0.0.1:0")
		ts.Check(err)
	}
	applySettings(ts, srv, settings)
	ts.Value(fakeKey{}).(*fakeHolder).srv = srv
	urls := srv.URLs()
	ts.Setenv("FAKE", urls[0])
	ts.Setenv("FAKEADDR", strings.TrimPrefix(urls[0], "http://"))
	for i, u := range urls[1:] {
		ts.Setenv(fmt.Sprintf("FAKE%d", i+2), u)
	}
	ts.Setenv("FAKEURLS", strings.Join(urls, ","))
}

func cmdFakeSet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: fakeset SETTING...")
	}
	applySettings(ts, fakeOf(ts), args)
}

// applySettings applies settings of the stand-in: faults=RATE:KIND,KIND
// (a share of calls faulted), quota=N (calls left today, -1: none),
// latency=MIN-MAX, clean (errmsgs in the clean forms of the reference page
// rather than the real ones, with request ids), echo (errmsgs echo the URL
// and token received), accountquota=N (each account's own daily quota),
// down=I and up=I (address I, from 1, refuses connections or listens again;
// see fake's addrs=N);
// rotate=APPID:TOKEN, and changes behind openbind's back:
// unbind=APPID,… and move=APPID,… (each to a new open account).
func applySettings(ts *testscript.TestScript, srv *wechattest.Server, settings []string) {
	for _, s := range settings {
		key, val, _ := strings.Cut(s, "=")
		switch key {
		case "faults":
			rateText, kindsText, _ := strings.Cut(val, ":")
			rate, err := strconv.ParseFloat(rateText, 64)
			ts.Check(err)
			var kinds []wechattest.Fault
			for _, k := range strings.Split(kindsText, ",") {
				f, err := wechattest.ParseFault(k)
				ts.Check(err)
				kinds = append(kinds, f)
			}
			srv.SetFaults(rate, 42, kinds...)
		case "quota":
			n, err := strconv.Atoi(val)
			ts.Check(err)
			srv.SetDailyQuota(n)
		case "rotate":
			appid, token, _ := strings.Cut(val, ":")
			ts.Check(srv.RotateToken(appid, token))
		case "clean":
			srv.SetCleanForms(true)
		case "echo":
			srv.SetEcho(true)
		case "accountquota":
			n, err := strconv.Atoi(val)
			ts.Check(err)
			srv.SetAccountQuota(n)
		case "down", "up":
			i, err := strconv.Atoi(val)
			ts.Check(err)
			ts.Check(srv.SetReachable(i-1, key == "up"))
		case "unbind": // unbind=APPID,APPID…: behind openbind's back
			for _, id := range strings.Split(val, ",") {
				ts.Check(srv.Unbind(id))
			}
		case "move": // move=APPID,APPID…: each to a new open account
			for _, id := range strings.Split(val, ",") {
				_, err := srv.Move(id, "")
				ts.Check(err)
			}
		case "latency":
			lo, hi, _ := strings.Cut(val, "-")
			dlo, err := time.ParseDuration(lo)
			ts.Check(err)
			dhi, err := time.ParseDuration(hi)
			ts.Check(err)
			srv.SetLatency(dlo, dhi)
		default:
			ts.Fatalf("unknown stand-in setting %q", s)
		}
	}
}

func cmdFakeCalls(ts *testscript.TestScript, neg bool, args []string) {
	srv := fakeOf(ts)
	made := 0
	for _, c := range srv.Calls() {
		if c.Acted && c.Path == "/cgi-bin/open/create" {
			made++
		}
	}
	fmt.Fprintf(ts.Stdout(), "calls %d create %d get %d bind %d made %d\n", srv.Count(""),
		srv.Count("/cgi-bin/open/create"), srv.Count("/cgi-bin/open/get"), srv.Count("/cgi-bin/open/bind"), made)
}

// cmdFakeCheck checks a results file against the stand-in's own record:
// every done row names the open account the stand-in has the account on,
// and every account the stand-in bound during the test is done.
func cmdFakeCheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakecheck RESULTS")
	}
	srv := fakeOf(ts)
	done := map[string]bool{}
	rows := 0
	_, err := report.ReadFile(ts.MkAbs(args[0]), func(r *report.Record, _ int64) error {
		rows++
		if !r.Status.Done() {
			return nil
		}
		done[r.AppID] = true
		if want := srv.BoundTo(r.AppID); r.OpenAppID != want {
			return fmt.Errorf("line %d %s: %s with open_appid %q; the stand-in has it on %q", r.Line, r.AppID, r.Status, r.OpenAppID, want)
		}
		return nil
	})
	ts.Check(err)
	for _, c := range srv.Calls() {
		if c.Acted && !done[c.AppID] {
			ts.Fatalf("the stand-in bound %s, but the results do not say it is done", c.AppID)
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d rows checked, %d done\n", rows, len(done))
}

// cmdFakeGroups checks, against the stand-in, that no merchant group of
// the results is on two open accounts made by create calls, and prints how
// many groups it checked.
func cmdFakeGroups(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: fakegroups RESULTS")
	}
	srv := fakeOf(ts)
	opens := map[string]map[string]bool{}
	_, err := report.ReadFile(ts.MkAbs(args[0]), func(r *report.Record, _ int64) error {
		if r.Group == "" {
			return nil
		}
		k := report.GroupKey(r.Group)
		if opens[k] == nil {
			opens[k] = map[string]bool{}
		}
		if o := srv.BoundTo(r.AppID); o != "" && srv.Made(o) {
			opens[k][o] = true
		}
		return nil
	})
	ts.Check(err)
	split := 0
	for k, o := range opens {
		if len(o) > 1 {
			split++
			if !neg {
				ts.Logf("group %s is on %d open accounts made through the API", k, len(o))
			}
		}
	}
	switch {
	case split > 0 && !neg:
		ts.Fatalf("%d groups split", split)
	case split == 0 && neg:
		ts.Fatalf("no group split")
	}
	fmt.Fprintf(ts.Stdout(), "%d groups checked\n", len(opens))
}

func cmdEncode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: encode FILE bom|crlf...")
	}
	data := []byte(ts.ReadFile(args[0]))
	for _, enc := range args[1:] {
		switch enc {
		case "bom":
			data = append([]byte("\ufeff"), data...)
		case "crlf":
			data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		case "utf16":
			out := []byte{0xff, 0xfe}
			for _, r := range utf16.Encode([]rune(string(data))) {
				out = append(out, byte(r), byte(r>>8))
			}
			data = out
		case "latin1":
			var out []byte
			for _, r := range string(data) {
				out = append(out, byte(r))
			}
			data = out
		default:
			ts.Fatalf("unknown encoding %q", enc)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N CMD ARGS...")
	}
	var want int
	_, err := fmt.Sscan(args[0], &want)
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func cmdMetrics(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: metrics FILE RESULTS")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(f)
	ts.Check(err)
	sum, err := report.Summarize(ts.MkAbs(args[1]))
	ts.Check(err)
	rows := families[promfile.MetricRows]
	if rows == nil || len(rows.GetMetric()) != len(report.Statuses) {
		ts.Fatalf("%s: want a value of %s for each of the %d statuses", args[0], promfile.MetricRows, len(report.Statuses))
	}
	for _, m := range rows.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		st, err := report.ParseStatus(labels["status"])
		ts.Check(err)
		if got, want := m.GetGauge().GetValue(), float64(sum.Counts[st]); got != want {
			ts.Fatalf("%s{status=%q} = %v, the results file has %v", promfile.MetricRows, labels["status"], got, want)
		}
		if labels["results"] == "" {
			ts.Fatalf("%s without its results label", promfile.MetricRows)
		}
	}
	value := func(name string) string {
		mf := families[name]
		if mf == nil || len(mf.GetMetric()) != 1 {
			return "none"
		}
		return strconv.FormatFloat(mf.GetMetric()[0].GetGauge().GetValue(), 'f', -1, 64)
	}
	fmt.Fprintf(ts.Stdout(), "rows by status match %d rows\n", sum.Rows)
	fmt.Fprintf(ts.Stdout(), "success %s last_run %s last_success %s duration %s\n", value(promfile.MetricSuccess),
		value(promfile.MetricLastRun), value(promfile.MetricLastSuccess), value(promfile.MetricDuration))
	fmt.Fprintf(ts.Stdout(), "last success is this run: %v\n", value(promfile.MetricLastRun) == value(promfile.MetricLastSuccess))
	if calls := families[promfile.MetricCalls]; calls != nil {
		for _, m := range calls.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					fmt.Fprintf(ts.Stdout(), "calls %s %v\n", l.GetValue(), m.GetGauge().GetValue())
				}
			}
		}
	}
}

// cmdLockHold takes the lock of the results file FILE (FILE.lock) as a
// run does, and holds it until the script ends: the run under test finds
// it held.
func cmdLockHold(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lockhold FILE")
	}
	l := flock.New(ts.MkAbs(args[0]) + ".lock")
	ok, err := l.TryLock()
	ts.Check(err)
	if !ok {
		ts.Fatalf("%s.lock is held already", args[0])
	}
	ts.Defer(func() { _ = l.Unlock() })
}
