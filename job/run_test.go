package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// world is an input file and a stand-in that knows its accounts.
type world struct {
	srv    *wechattest.Server
	input  string
	output string
}

// newWorld writes input (with an optional scenario column, see
// wechattest.ReadScenario) and starts a stand-in with its accounts.
func newWorld(t *testing.T, input string) *world {
	t.Helper()
	accounts, err := wechattest.ReadScenario(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	srv := wechattest.New(accounts...).Start()
	srv.SetCleanForms(true) // the tests compare errmsgs; realforms_test.go runs on the real ones
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	w := &world{srv: srv, input: filepath.Join(dir, "accounts.csv"), output: filepath.Join(dir, "results.csv")}
	if err := os.WriteFile(w.input, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) config() Config {
	return Config{
		Input: w.input, Output: w.output, QPS: 0, Workers: 4, BaseURL: w.srv.URL,
		MaxAttempts: 3, Timeout: 2 * time.Second, RetryBackoff: time.Millisecond,
	}
}

func (w *world) run(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// results reads the results file; it must hold one row per line, in order.
func (w *world) results(t *testing.T) []report.Record {
	t.Helper()
	var recs []report.Record
	if _, err := report.ReadFile(w.output, func(r *report.Record, _ int64) error {
		recs = append(recs, *r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Line <= recs[i-1].Line {
			t.Fatalf("results not in input order: line %d after %d", recs[i].Line, recs[i-1].Line)
		}
	}
	return recs
}

// want is what a test checks of a record.
type want struct {
	Status   report.Status
	ErrCode  int
	Attempts int
	Open     bool // open_appid is the stand-in's own record of the account
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		scenario string
		want     want
	}{
		{"", want{report.Created, 0, 1, true}},
		{"bound", want{report.AlreadyBound, 89000, 2, true}},
		{"code=89001", want{report.Failed, 89001, 1, false}},
		{"mismatch", want{report.Failed, 40013, 1, false}},
		{"expired", want{report.Failed, 42001, 1, false}},
		{"unknown-token", want{report.Failed, 40001, 1, false}},
		{"code=40014", want{report.Failed, 40014, 1, false}},
		{"code=48001", want{report.Failed, 48001, 1, false}},
		{"code=61004", want{report.Failed, 61004, 1, false}},
		{"code=12345", want{report.Failed, 12345, 1, false}},
		{"faults=busy", want{report.Created, 0, 2, true}},
		{"faults=busy+busy", want{report.Created, 0, 3, true}},
		{"faults=busy+busy+busy", want{report.Failed, -1, 3, false}},
		{"faults=502", want{report.Created, 0, 2, true}},
		{"faults=503", want{report.Created, 0, 2, true}},
		{"faults=429", want{report.Created, 0, 2, true}},
		{"faults=empty", want{report.Created, 0, 2, true}},
		{"faults=html", want{report.Created, 0, 2, true}},
		{"faults=reset-before", want{report.Created, 0, 2, true}},
		// The answer is lost after the account was created: the retry sees
		// 89000 and get recovers the open account.
		{"faults=reset-after", want{report.AlreadyBound, 89000, 3, true}},
		{"faults=truncated", want{report.AlreadyBound, 89000, 3, true}},
		{"faults=502+502+502", want{report.Failed, 0, 3, false}},
		{"bound faults=busy+busy+busy", want{report.Failed, -1, 3, false}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			w := newWorld(t, "appid,access_token,scenario\n"+appA+",TOKEN-A,"+tt.scenario+"\n")
			w.run(t, w.config())
			recs := w.results(t)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			got := want{r.Status, r.ErrCode, r.Attempts, r.OpenAppID != "" && r.OpenAppID == w.srv.BoundTo(appA)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s\nrecord %+v", diff, r)
			}
			if calls := w.srv.Count(""); calls != tt.want.Attempts {
				t.Errorf("the stand-in saw %d calls, the attempts column says %d", calls, tt.want.Attempts)
			}
			if r.Status == report.Failed && r.ErrMsg == "" {
				t.Error("a failed row without errmsg")
			}
		})
	}
}

func TestErrmsgWithoutErrcode(t *testing.T) {
	tests := []struct {
		fault wechattest.Fault
		want  string
	}{
		{wechattest.BadGateway, "HTTP 502"},
		{wechattest.ResetBefore, "connection reset"},
		{wechattest.Hang, "timeout after 100ms"},
		{wechattest.EmptyBody, "empty answer"},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			w := newWorld(t, "appid,access_token\n"+appA+",TOKEN-A\n")
			w.srv.SetFaults(1, 1, tt.fault)
			cfg := w.config()
			cfg.MaxAttempts, cfg.Timeout = 1, 100*time.Millisecond
			w.run(t, cfg)
			r := w.results(t)[0]
			if r.Status != report.Failed || r.ErrCode != 0 || r.ErrMsg != tt.want {
				t.Errorf("record %+v, want failed, no errcode, errmsg %q", r, tt.want)
			}
		})
	}
}

func TestGetFailsAfter89000(t *testing.T) {
	// create: busy, 502, then 89000; get: busy, busy, then the answer.
	// Each call has its own three attempts.
	w := newWorld(t, "appid,access_token,scenario\n"+appA+",TOKEN-A,bound faults=busy+502+none+busy+busy\n")
	w.run(t, w.config())
	r := w.results(t)[0]
	if r.Status != report.AlreadyBound || r.OpenAppID != w.srv.BoundTo(appA) || r.Attempts != 6 {
		t.Errorf("record %+v", r)
	}

	w = newWorld(t, "appid,access_token,scenario\n"+appA+",TOKEN-A,bound faults=none+busy+busy+busy\n")
	cfg := w.config()
	w.run(t, cfg)
	r = w.results(t)[0]
	if r.Status != report.AlreadyBound || r.OpenAppID != "" || !strings.Contains(r.ErrMsg, "get failed: system error") {
		t.Errorf("record %+v: want already_bound, empty open_appid, errmsg saying get failed", r)
	}
	// The next run asks get once more (done stays done, but not without
	// its open account); a third sends nothing.
	res := w.run(t, cfg)
	r = w.results(t)[0]
	if r.Status != report.AlreadyBound || r.OpenAppID != w.srv.BoundTo(appA) || res.Plan.Lookups != 1 {
		t.Errorf("rerun: record %+v, plan %+v: want already_bound with its open account", r, res.Plan)
	}
	calls := len(w.srv.Calls())
	w.run(t, cfg)
	if n := len(w.srv.Calls()) - calls; n != 0 {
		t.Errorf("%d calls after the open account was recorded", n)
	}
}

// An already_bound row without its open account whose get answers 89002
// is no longer bound: it is sent like any row not done.
func TestLookupFindsTheRowUnbound(t *testing.T) {
	w := newWorld(t, "appid,access_token\n"+appA+",TOKEN-A\n")
	stale := report.BOM + "line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at\n" +
		"2," + appA + ",,already_bound,,89000,account has bound open; get failed: HTTP 502,2,2026-11-27T03:04:05.678Z\n"
	if err := os.WriteFile(w.output, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	w.run(t, w.config())
	r := w.results(t)[0]
	if r.Status != report.Created || r.OpenAppID != w.srv.BoundTo(appA) || r.Attempts != 2 {
		t.Errorf("record %+v: want created after get (89002) and create", r)
	}
}

// mixed is an input with every kind of row.
var mixed = "appid,access_token,group,scenario\n" +
	"wx0000000000000001,T1,,\n" + // 2 created
	"wx0000000000000002,T2,,bound\n" + // 3 already_bound
	"wx0000000000000003,T3,,code=89001\n" + // 4 failed
	"wxBAD,T4,,\n" + // 5 invalid
	"wx0000000000000005,,,\n" + // 6 invalid: empty token
	"wx0000000000000006,T6,,expired\n" + // 7 failed 42001
	"wx0000000000000001,T7,,\n" + // 8 invalid: duplicate
	",,,\n" + // 9 skipped
	"wx0000000000000008,T8,,faults=busy+busy+busy\n" // 10 failed -1 (3 attempts)

func TestRunAndResume(t *testing.T) {
	w := newWorld(t, mixed)
	res := w.run(t, w.config())
	want := map[report.Status]int{report.Created: 1, report.AlreadyBound: 1, report.Failed: 3, report.Invalid: 3}
	if diff := cmp.Diff(want, res.Summary.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if res.Sent() != 5 || res.Stopped != nil {
		t.Errorf("sent %d, stopped %v", res.Sent(), res.Stopped)
	}
	first := w.results(t)
	lines := []int{}
	for _, r := range first {
		lines = append(lines, r.Line)
	}
	if diff := cmp.Diff([]int{2, 3, 4, 5, 6, 7, 8, 10}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}

	// The rerun sends only the three failed rows; the busy one now succeeds.
	before := w.srv.Count("")
	res = w.run(t, w.config())
	if res.Sent() != 3 || w.srv.Count("")-before != 3 {
		t.Errorf("rerun sent %d rows, %d calls; want 3 and 3", res.Sent(), w.srv.Count("")-before)
	}
	for _, c := range w.srv.Calls()[before:] {
		if c.AppID == "wx0000000000000001" || c.AppID == "wx0000000000000002" {
			t.Errorf("a done row was sent again: %+v", c)
		}
	}
	second := w.results(t)
	if second[0] != first[0] || second[1] != first[1] {
		t.Errorf("done rows changed:\n%+v\n%+v", first[:2], second[:2])
	}
	if second[7].Status != report.Created {
		t.Errorf("line 10 after the rerun: %+v", second[7])
	}

	// Nothing left but definitive failures: a third run sends them again
	// and records them anew, and copies every other record as it stands
	// (a run with only done rows sends nothing and leaves the file be:
	// TestAllDoneLeavesFileAlone).
	w.srv.SetFaults(0, 1)
	res = w.run(t, w.config())
	if res.Sent() != 2 {
		t.Errorf("third run sent %d", res.Sent())
	}
	third := w.results(t)
	if len(third) != len(second) {
		t.Fatalf("third run: %d records, want %d", len(third), len(second))
	}
	for i, r := range third {
		was := second[i]
		switch {
		case was.Status == report.Failed:
			if r.Status != report.Failed || r.ErrCode != was.ErrCode || r.Attempts == 0 || r.FinishedAt.Before(was.FinishedAt) {
				t.Errorf("line %d sent again: %+v, was %+v", r.Line, r, was)
			}
		case r != was:
			t.Errorf("line %d changed by the third run: %+v, was %+v", r.Line, r, was)
		}
	}
}

func TestAllDoneLeavesFileAlone(t *testing.T) {
	w := newWorld(t, "appid,access_token\nwx0000000000000001,T1\nwx0000000000000002,T2\nwxbad,T3\n")
	w.run(t, w.config())
	before, _ := os.ReadFile(w.output)
	st1, _ := os.Stat(w.output)
	res := w.run(t, w.config())
	after, _ := os.ReadFile(w.output)
	st2, _ := os.Stat(w.output)
	if res.Sent() != 0 || !bytes.Equal(before, after) || !os.SameFile(st1, st2) || !st1.ModTime().Equal(st2.ModTime()) {
		t.Errorf("sent %d; file rewritten: %v; modified: %v", res.Sent(), !os.SameFile(st1, st2), !st1.ModTime().Equal(st2.ModTime()))
	}
	if res.Summary.Counts[report.Created] != 2 || res.Summary.Counts[report.Invalid] != 1 || res.Summary.Rows != 3 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func TestResumeFromTornJournal(t *testing.T) {
	w := newWorld(t, mixed)
	w.run(t, w.config())
	data, _ := os.ReadFile(w.output)
	// A killed run's journal: the final file, a row appended for line 4
	// (now created), and half a row.
	open := w.srv.BoundTo("wx0000000000000001")
	data = append(data, fmt.Sprintf("4,wx0000000000000003,,created,%s,,,1,2026-11-27T03:04:05.000Z\n7,wx000000", "wxf00000000000abcd")...)
	if err := os.WriteFile(w.output, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := w.srv.Count("")
	w.run(t, w.config())
	calls := w.srv.Calls()[before:]
	for _, c := range calls {
		if c.AppID == "wx0000000000000003" {
			t.Errorf("line 4 was sent again though the journal says created")
		}
	}
	recs := w.results(t)
	if len(recs) != 8 || recs[2].Status != report.Created || recs[2].OpenAppID != "wxf00000000000abcd" || recs[0].OpenAppID != open {
		t.Errorf("results after resume: %+v", recs)
	}
}

func TestInputChecksStopBeforeAnyCall(t *testing.T) {
	w := newWorld(t, "appid,access_token\nwx0000000000000001,T1\n")
	if err := os.WriteFile(w.input, []byte("appid,access_token\nwx0000000000000001,T1\nwx0000000000000002,T2,oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), w.config())
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 3 || !strings.Contains(err.Error(), w.input+":3:") {
		t.Fatalf("err = %v, want an *InputError naming line 3", err)
	}
	if n := w.srv.Count(""); n != 0 {
		t.Errorf("%d calls sent", n)
	}
	if _, err := os.Stat(w.output); !os.IsNotExist(err) {
		t.Errorf("results file created: %v", err)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	w := newWorld(t, mixed)
	cfg := w.config()
	cfg.DryRun = true
	res := w.run(t, cfg)
	want := Plan{Rows: 8, ToSend: 5, Invalid: 3, Workers: 4, InvalidRows: []InvalidRow{
		{Line: 5, Reason: `invalid appid "wxbad": want wx followed by 16 lowercase hex digits`},
		{Line: 6, Reason: "empty access_token"},
		{Line: 8, Reason: "duplicate appid with another token; first on line 2; its token is used (the first line of an appid wins)"},
	}}
	// How the file was read is checked in inputs_test.go; Why is Reason
	// for the plan's language (its English is Reason: below).
	if diff := cmp.Diff(want, res.Plan, cmpopts.IgnoreFields(Plan{}, "Input"), cmpopts.IgnoreFields(InvalidRow{}, "Why")); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	for _, r := range res.Plan.InvalidRows {
		if r.Why.Error() != r.Reason {
			t.Errorf("line %d: Why %q, Reason %q", r.Line, r.Why.Error(), r.Reason)
		}
	}
	if n := w.srv.Count(""); n != 0 {
		t.Errorf("%d calls", n)
	}
	if _, err := os.Stat(w.output); !os.IsNotExist(err) {
		t.Errorf("results file: %v", err)
	}
	if _, err := os.Stat(w.output + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file: %v", err)
	}
}

func TestDefaultWorkers(t *testing.T) {
	tests := []struct {
		qps   float64
		burst int
		want  int
	}{
		{0, 1, 32},
		{1, 1, 4},
		{10, 1, 14},
		{200, 1, 251},
		{300, 5, 380},
		// Past int's range, the pool is the most, never an overflow.
		{1e19, 1, 10000},
		{1e6, 1, 10000},
		{MaxQPS, 1, 10000},
		{10, math.MaxInt, 10000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.qps), func(t *testing.T) {
			got := defaultWorkers(tt.qps, tt.burst)
			if got != tt.want {
				t.Errorf("defaultWorkers(%v, %d) = %d, want %d", tt.qps, tt.burst, got, tt.want)
			}
			// Little's law: calls in flight ≥ rate × the longest answer
			// (up to MaxQPS: Validate refuses a faster rate).
			if tt.qps > 0 && tt.qps <= MaxQPS && float64(got) < tt.qps*MaxLatency.Seconds() {
				t.Errorf("%d workers cannot keep %v qps at %s", got, tt.qps, MaxLatency)
			}
		})
	}
}

// countingLimiter counts the waits.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.n.Add(1)
	return ctx.Err()
}

func (l *countingLimiter) SlowDown() (time.Time, float64, bool) { return time.Time{}, 0, false }

func TestEveryCallWaitsOnTheLimiter(t *testing.T) {
	w := newWorld(t, mixed)
	lim := &countingLimiter{}
	cfg := w.config()
	cfg.Limiter = lim
	w.run(t, cfg)
	if got, want := lim.n.Load(), int64(w.srv.Count("")); got != want || want == 0 {
		t.Errorf("%d waits for %d calls (create, get and every retry)", got, want)
	}
}

func TestResultsInAnotherColumnOrder(t *testing.T) {
	w := newWorld(t, "appid,access_token\nwx0000000000000001,T1\nwx0000000000000002,T2\n")
	// Saved from a spreadsheet: columns reordered, CRLF line ends, no BOM.
	foreign := "status,appid,line,open_appid\r\ncreated,wx0000000000000001,2,wxf00000000000abcd\r\n"
	if err := os.WriteFile(w.output, []byte(foreign), 0o644); err != nil {
		t.Fatal(err)
	}
	res := w.run(t, w.config())
	if res.Sent() != 1 || w.srv.CallsFor("wx0000000000000001") != nil {
		t.Errorf("sent %d; calls for the done row: %v", res.Sent(), w.srv.CallsFor("wx0000000000000001"))
	}
	data, _ := os.ReadFile(w.output)
	if !strings.HasPrefix(string(data), report.BOM+"line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at\n2,wx0000000000000001,,created,wxf00000000000abcd,,,0,\n3,wx0000000000000002,,created,") {
		t.Errorf("results:\n%s", data)
	}
	if strings.Contains(string(data), "\r") {
		t.Errorf("mixed line ends:\n%q", data)
	}
}

// A column a person added to the results (notes) would be lost by the
// rewrite: the run refuses the file, leaves it as it is and sends nothing.
func TestResultsWithAnExtraColumnAreRefused(t *testing.T) {
	w := newWorld(t, "appid,access_token\nwx0000000000000001,T1\nwx0000000000000002,T2\n")
	foreign := "status,appid,line,open_appid,notes\ncreated,wx0000000000000001,2,wxf00000000000abcd,called the merchant\n"
	if err := os.WriteFile(w.output, []byte(foreign), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []bool{false, true} {
		cfg := w.config()
		cfg.DryRun = dry
		_, err := Run(context.Background(), cfg)
		var oe *OutputError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), "notes") {
			t.Errorf("dry run %v: %v, want an OutputError naming the column", dry, err)
		}
	}
	if data, _ := os.ReadFile(w.output); string(data) != foreign {
		t.Errorf("the file changed:\n%s", data)
	}
	if n := len(w.srv.Calls()); n != 0 {
		t.Errorf("%d calls", n)
	}
}

// A done row whose token cell is blank now stays done (Decision 1); when
// its open account is unknown it cannot be asked, and says why, with no
// call and no token command run.
func TestDoneRowWithABlankToken(t *testing.T) {
	w := newWorld(t, "appid,access_token\n"+appA+",\n")
	earlier := report.BOM + "line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at\n" +
		"2," + appA + ",,already_bound,,89000,account has bound open; get failed: HTTP 502,2,2026-11-27T03:04:05.678Z\n"
	if err := os.WriteFile(w.output, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	res := w.run(t, w.config())
	r := w.results(t)[0]
	if r.Status != report.AlreadyBound || !strings.Contains(r.ErrMsg, "get not asked: its access_token cell is empty") || res.Plan.Invalid != 0 {
		t.Errorf("record %+v, plan %+v", r, res.Plan)
	}
	if n := len(w.srv.Calls()); n != 0 {
		t.Errorf("%d calls", n)
	}
}
