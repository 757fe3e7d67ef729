package job

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat"
	"openbind/wechat/wechattest"
)

func (w *world) verifyConfig() VerifyConfig {
	return VerifyConfig{
		Input: w.input, Output: w.output, QPS: 0, Workers: 4, BaseURL: w.srv.URL,
		MaxAttempts: 3, Timeout: 2 * time.Second, RetryBackoff: time.Millisecond, QuotaPause: 5 * time.Millisecond,
	}
}

func (w *world) verify(t *testing.T, cfg VerifyConfig) *VerifyResult {
	t.Helper()
	res, err := Verify(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// reportOf reads a verification report: one record per row, by appid.
func reportOf(t *testing.T, path string) ([]report.VerifyRecord, map[string]report.VerifyRecord) {
	t.Helper()
	var recs []report.VerifyRecord
	by := map[string]report.VerifyRecord{}
	if _, err := report.ReadVerify(path, func(r *report.VerifyRecord) error {
		recs = append(recs, *r)
		if _, dup := by[r.AppID]; dup {
			return fmt.Errorf("%s twice in the final report", r.AppID)
		}
		by[r.AppID] = *r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs, by
}

// Each row's verdict, after a wave and a change behind openbind's back.
func TestVerifyVerdicts(t *testing.T) {
	type change func(t *testing.T, srv *wechattest.Server, appid string)
	unbind := func(t *testing.T, srv *wechattest.Server, appid string) {
		if err := srv.Unbind(appid); err != nil {
			t.Fatal(err)
		}
	}
	move := func(t *testing.T, srv *wechattest.Server, appid string) {
		if _, err := srv.Move(appid, ""); err != nil {
			t.Fatal(err)
		}
	}
	rotate := func(t *testing.T, srv *wechattest.Server, appid string) {
		if err := srv.RotateToken(appid, "NEW-"+appid); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name     string
		scenario string
		change   change
		verdict  report.Verdict
		errcode  int
		errmsg   string
		calls    int // gets sent by verify
	}{
		{name: "holds", verdict: report.Holds, calls: 1},
		{name: "holds after a transient failure", scenario: "faults=none+busy", verdict: report.Holds, calls: 2},
		{name: "bound already before the wave", scenario: "bound", verdict: report.Holds, calls: 1},
		{name: "holds after the minute quota", scenario: "faults=none+45011", verdict: report.Holds, calls: 2},
		{name: "moved", change: move, verdict: report.Moved, errmsg: "bound to wxd", calls: 1},
		{name: "unbound", change: unbind, verdict: report.Unbound, errcode: wechat.CodeNotBound, errmsg: "account has not bound open", calls: 1},
		{name: "stale token", change: rotate, verdict: report.Unknown, errcode: wechat.CodeTokenExpired, errmsg: "access_token expired", calls: 1},
		{name: "no answer after the retries", scenario: "faults=none+502+502+502", verdict: report.Unknown, errmsg: "HTTP 502", calls: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const appid = "wx00000000000000a1"
			w := newWorld(t, "appid,access_token,scenario\n"+appid+",SECRET-a1,"+c.scenario+"\nwx00000000000000a2,SECRET-a2,\n")
			if res := w.run(t, w.config()); !res.Summary.Complete() {
				t.Fatalf("wave: %+v", res.Summary.Counts)
			}
			if c.change != nil {
				c.change(t, w.srv, appid)
			}
			before := w.srv.Count(wechat.PathGet)
			res := w.verify(t, w.verifyConfig())
			if got := w.srv.Count(wechat.PathGet) - before; got != c.calls+1 {
				t.Errorf("%d gets, want %d", got, c.calls+1)
			}
			_, by := reportOf(t, ReportPath(w.output))
			r := by[appid]
			if r.Verdict != c.verdict || r.ErrCode != c.errcode || !strings.Contains(r.ErrMsg, c.errmsg) {
				t.Errorf("got %s %d %q, want %s %d %q", r.Verdict, r.ErrCode, r.ErrMsg, c.verdict, c.errcode, c.errmsg)
			}
			if want := w.srv.BoundTo(appid); (c.verdict == report.Holds || c.verdict == report.Moved) && r.OpenAppID != want {
				t.Errorf("open_appid %q, the stand-in has %q", r.OpenAppID, want)
			}
			if r.RecordedOpen == "" || r.Line != 2 || r.CheckedAt.IsZero() {
				t.Errorf("record %+v", r)
			}
			if by["wx00000000000000a2"].Verdict != report.Holds {
				t.Errorf("the other row: %+v", by["wx00000000000000a2"])
			}
			if got, want := res.Summary.Complete(), c.verdict == report.Holds; got != want || res.Stopped != nil {
				t.Errorf("complete %v, stopped %v", got, res.Stopped)
			}
			if res.Summary.Asked != 2 {
				t.Errorf("asked %d", res.Summary.Asked)
			}
		})
	}
}

// A results file as waves leave it: done rows of all kinds, a failed and a
// pending row (not asked), a done row without its open account, kept
// records of another input (not_asked without a token command).
func TestVerifyResultsForms(t *testing.T) {
	w := newWorld(t, "appid,access_token,scenario\n"+
		"wx00000000000000b1,SECRET-b1,bound\n"+ // line 2: already_bound, open unknown
		"wx00000000000000b2,SECRET-b2,\n"+ // line 3: failed: not asked
		"wx00000000000000b3,SECRET-b3,\n"+ // line 4: created
		"wx00000000000000b4,SECRET-b4,\n") // line 5: pending
	// The kept records' accounts: the stand-in knows them, with tokens only
	// the command gives.
	for _, a := range []string{"wx00000000000000c1", "wx00000000000000c2"} {
		w.srv.Add(wechattest.Account{AppID: a, Token: "CMD-" + a})
		if _, err := w.srv.Move(a, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wechattest.New().Move("wx0000000000000000", ""); err == nil {
		t.Fatal("Move of an unknown account")
	}
	b3open, _ := w.srv.Move("wx00000000000000b3", "")
	c1open := w.srv.BoundTo("wx00000000000000c1")
	results := report.BOM + strings.Join(report.Columns, ",") + "\n" +
		"2,wx00000000000000b1,,already_bound,,89000,account has bound open; get failed: timeout,2,2026-11-30T10:00:00.000Z\n" +
		"3,wx00000000000000b2,,failed,,40001,invalid credential,1,2026-11-30T10:00:00.000Z\n" +
		"4,wx00000000000000b3,,created," + b3open + ",,,1,2026-11-30T10:00:00.000Z\n" +
		"5,wx00000000000000b4,,pending,,,,0,\n" +
		",wx00000000000000c1,old wave,created," + c1open + ",,,1,2026-11-01T10:00:00.000Z\n" +
		",wx00000000000000c2,old wave,created,WXF-not-packed,,,1,2026-11-01T10:00:00.000Z\n"
	if err := os.WriteFile(w.output, []byte(results), 0o644); err != nil {
		t.Fatal(err)
	}
	res := w.verify(t, w.verifyConfig())
	recs, by := reportOf(t, ReportPath(w.output))
	var order []string
	for _, r := range recs {
		order = append(order, fmt.Sprintf("%d %s %s", r.Line, r.AppID, r.Verdict))
	}
	if got, want := strings.Join(order, "; "), "2 wx00000000000000b1 holds; 4 wx00000000000000b3 holds; 0 wx00000000000000c1 not_asked; 0 wx00000000000000c2 not_asked"; got != want {
		t.Errorf("report:\n %s\nwant\n %s", got, want)
	}
	if r := by["wx00000000000000b1"]; r.RecordedOpen != "" || r.OpenAppID != w.srv.BoundTo("wx00000000000000b1") || r.OpenAppID == "" {
		t.Errorf("a done row without its open account holds with the one WeChat shows: %+v", r)
	}
	if r := by["wx00000000000000c1"]; r.Group != "old wave" || !r.CheckedAt.IsZero() {
		t.Errorf("kept: %+v", r)
	}
	if !res.Summary.Complete() || res.Summary.Counts[report.NotAsked] != 2 || res.Summary.Asked != 2 {
		t.Errorf("not_asked rows count against nothing: %+v", res.Summary)
	}
	after, err := os.ReadFile(w.output)
	if err != nil || string(after) != results {
		t.Fatalf("verify changed the results file (%v)", err)
	}

	// With a token command, the kept records are asked too: one holds, one
	// is on another open account than recorded.
	cfg := w.verifyConfig()
	cfg.TokenCommand = `echo "CMD-$OPENBIND_APPID"`
	before := w.srv.Count(wechat.PathGet)
	res = w.verify(t, cfg)
	if got := w.srv.Count(wechat.PathGet) - before; got != 2 {
		t.Errorf("%d gets: want the 2 kept records only", got)
	}
	_, by = reportOf(t, ReportPath(w.output))
	if by["wx00000000000000c1"].Verdict != report.Holds || by["wx00000000000000c2"].Verdict != report.Moved {
		t.Errorf("kept records: %+v", by)
	}
	if r := by["wx00000000000000c2"]; r.RecordedOpen != "WXF-not-packed" || r.ErrMsg != "bound to "+r.OpenAppID+", not to the recorded WXF-not-packed" {
		t.Errorf("an open_appid of another form: %+v", r)
	}
	if res.Summary.Complete() || res.Summary.Asked != 2 {
		t.Errorf("summary %+v", res.Summary)
	}
}

// A rerun asks only the rows without a verdict or unknown, and those
// whose recorded open account changed since; --again asks all.
func TestVerifyRerun(t *testing.T) {
	var in strings.Builder
	in.WriteString("appid,access_token\n")
	const n = 30
	for i := range n {
		fmt.Fprintf(&in, "wx%016x,SECRET-%d\n", 0xd0+i, i)
	}
	w := newWorld(t, in.String())
	w.run(t, w.config())
	rep := ReportPath(w.output)

	// The daily quota runs out after 5 gets: each account's 45009 leaves its
	// row unknown, 20 in a row stop the verify (the rows not reached are
	// unknown), and the rerun asks what is left.
	w.srv.SetDailyQuota(5)
	cfg := w.verifyConfig()
	cfg.Workers = 1
	res := w.verify(t, cfg)
	var se *StopError
	if !errors.As(res.Stopped, &se) || !strings.Contains(se.Reason, "45009") {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	if res.Summary.Counts[report.Holds] != 5 || res.Summary.Counts[report.Unknown] != n-5 {
		t.Errorf("counts %v", res.Summary.Counts)
	}
	recs, _ := reportOf(t, rep)
	notReached := 0
	for _, r := range recs {
		if r.Verdict == report.Unknown && r.ErrMsg == "not asked: the verification stopped before this row" {
			notReached++
		}
	}
	if notReached < 2 || len(recs) != n {
		t.Errorf("%d rows in the report, %d not reached", len(recs), notReached)
	}
	w.srv.SetDailyQuota(-1)
	steps := []struct {
		name  string
		edit  func()
		again bool
		gets  int
	}{
		{name: "the rows left", gets: n - 5},
		{name: "nothing left", gets: 0},
		{name: "a recorded open account changed", gets: 1, edit: func() {
			data, _ := os.ReadFile(rep)
			_, by := reportOf(t, rep)
			r := by[fmt.Sprintf("wx%016x", 0xd3)]
			data = []byte(strings.Replace(string(data), ","+r.RecordedOpen+",", ",wxf0000000000000aa,", 1))
			if err := os.WriteFile(rep, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "--again", again: true, gets: n},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.edit != nil {
				s.edit()
			}
			cfg := w.verifyConfig()
			cfg.Again = s.again
			before := w.srv.Count(wechat.PathGet)
			res := w.verify(t, cfg)
			if got := w.srv.Count(wechat.PathGet) - before; got != s.gets || res.Summary.Asked != s.gets {
				t.Errorf("%d gets, asked %d; want %d", got, res.Summary.Asked, s.gets)
			}
			if res.Summary.Counts[report.Holds] != n || res.Stopped != nil {
				t.Errorf("counts %v, stopped %v", res.Summary.Counts, res.Stopped)
			}
			if recs, _ := reportOf(t, rep); len(recs) != n {
				t.Errorf("%d rows in the report", len(recs))
			}
		})
	}
}

// The stale-token streak stops a verify as it stops a run.
func TestVerifyStaleTokens(t *testing.T) {
	var in strings.Builder
	in.WriteString("appid,access_token\n")
	for i := range 8 {
		fmt.Fprintf(&in, "wx%016x,SECRET-%d\n", 0xe0+i, i)
	}
	w := newWorld(t, in.String())
	w.run(t, w.config())
	for i := range 8 {
		if err := w.srv.RotateToken(fmt.Sprintf("wx%016x", 0xe0+i), fmt.Sprintf("NEW-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := w.verifyConfig()
	cfg.Workers, cfg.StaleTokenStreak = 1, 3
	res := w.verify(t, cfg)
	if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "look stale") {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	// The streak, and at most what was in flight or waiting for the
	// collector when it ended.
	if n := w.srv.Count(wechat.PathGet); n < 3 || n > 3+2*cfg.Workers {
		t.Errorf("%d gets for a streak of 3", n)
	}
	if res.Summary.Counts[report.Unknown] != 8 {
		t.Errorf("counts %v", res.Summary.Counts)
	}
}

// Settings and files that make verify ask nothing.
func TestVerifyRefuses(t *testing.T) {
	w := newWorld(t, "appid,access_token\nwx00000000000000f1,SECRET\n")
	cases := []struct {
		name string
		cfg  func(c *VerifyConfig)
		want string
	}{
		{"no results file", func(c *VerifyConfig) {}, "no such file: run openbind run first"},
		{"no input", func(c *VerifyConfig) { c.Input = "" }, "Input is required"},
		{"the report is the input", func(c *VerifyConfig) { c.Report = c.Input }, "is the input or the results file"},
		{"not a results file", func(c *VerifyConfig) {
			c.Output = filepath.Join(t.TempDir(), "notes.csv")
			_ = os.WriteFile(c.Output, []byte("name,notes\nx,y\n"), 0o644)
		}, "not a results file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := w.verifyConfig()
			c.cfg(&cfg)
			_, err := Verify(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
	if n := w.srv.Count(""); n != 0 {
		t.Errorf("%d calls", n)
	}
	// A report that is not one is left as it is.
	w.run(t, w.config())
	cfg := w.verifyConfig()
	cfg.Report = filepath.Join(t.TempDir(), "mine.csv")
	_ = os.WriteFile(cfg.Report, []byte("a,b\n1,2\n"), 0o644)
	if _, err := Verify(context.Background(), cfg); !errors.Is(err, report.ErrNotVerify) {
		t.Errorf("err %v", err)
	}
	if data, _ := os.ReadFile(cfg.Report); string(data) != "a,b\n1,2\n" {
		t.Errorf("the file was changed: %q", data)
	}
}

// WeChat out of reach stops a verify as it stops a run: 20 rows in a row
// that reached no URL.
func TestVerifyUnreachable(t *testing.T) {
	var in strings.Builder
	in.WriteString("appid,access_token\n")
	for i := range 40 {
		fmt.Fprintf(&in, "wx%016x,SECRET-%d\n", 0xf0+i, i)
	}
	w := newWorld(t, in.String())
	w.run(t, w.config())
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nobody listens there now
	cfg := w.verifyConfig()
	cfg.Workers, cfg.BaseURL = 2, dead.URL
	res := w.verify(t, cfg)
	if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "cannot be reached") {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	if res.Summary.Counts[report.Unknown] != 40 {
		t.Errorf("counts %v", res.Summary.Counts)
	}
}
