package job

import (
	"fmt"
	"strings"
	"testing"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// downWorld is w with every address of its stand-in refusing connections.
func downWorld(t *testing.T, w *world, down bool) Config {
	t.Helper()
	for i := range w.srv.URLs() {
		if err := w.srv.SetReachable(i, !down); err != nil {
			t.Fatal(err)
		}
	}
	cfg := w.config()
	cfg.BaseURL = strings.Join(w.srv.URLs(), ",")
	return cfg
}

// F8: a rerun against the same dead address stops as the first run did
// (the streak of 20 counted again), and a row whose attempts reached no
// URL is known not to have acted: it is not in doubt, and does not make
// its group ask get (which cannot be answered either).
func TestRerunWhileUnreachable(t *testing.T) {
	for _, grouped := range []bool{false, true} {
		t.Run(fmt.Sprintf("grouped=%v", grouped), func(t *testing.T) {
			rows := make([]string, 50)
			for i := range rows {
				if grouped {
					rows[i] = fmt.Sprintf("g%d|", i/5)
				}
			}
			w := newWorld(t, groupInput(rows...))
			if _, err := w.srv.AddAddress("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			cfg := downWorld(t, w, true)
			for run := 1; run <= 2; run++ {
				res := w.run(t, cfg)
				if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "no URL of --base-url answered for 20 rows in a row") {
					t.Fatalf("run %d: stopped %v, counts %v", run, res.Stopped, res.Summary.Counts)
				}
				if c := res.Summary.Counts; c[report.Failed] < 20 {
					t.Errorf("run %d: counts %v", run, c)
				}
				for _, r := range w.results(t) {
					if r.InDoubt() {
						t.Errorf("run %d: line %d in doubt after reaching no URL: %+v", run, r.Line, r)
					}
				}
			}
			if n := len(w.srv.Calls()); n != 0 {
				t.Errorf("the stand-in saw %d calls", n)
			}
			// Up again: every row is done, each created once.
			cfg = downWorld(t, w, false)
			res := w.run(t, cfg)
			if res.Stopped != nil || !res.Summary.Complete() {
				t.Fatalf("stopped %v, counts %v, incomplete %v", res.Stopped, res.Summary.Counts, res.Summary.IncompleteGroups)
			}
			for _, r := range w.results(t) {
				if r.Status != report.Created && r.Status != report.Bound {
					t.Errorf("line %d: %s (%s)", r.Line, r.Status, r.ErrMsg)
				}
			}
		})
	}
}

// A row in doubt whose get reaches no URL counts in the unreachable
// streak like a row whose create reached none: 25 one-row groups whose
// creates lost their answers, asked again against a dead address, stop
// the run (exit 3) rather than end it with every group waiting (exit 1).
func TestSettleWhileUnreachable(t *testing.T) {
	rows := make([]string, 25)
	for i := range rows {
		rows[i] = fmt.Sprintf("g%d|faults=%s", i, wechattest.ResetAfter)
	}
	w := newWorld(t, groupInput(rows...))
	cfg := w.config()
	cfg.MaxAttempts = 1
	w.run(t, cfg)
	for _, r := range w.results(t) {
		if !r.InDoubt() {
			t.Fatalf("line %d not in doubt after a lost answer: %+v", r.Line, r)
		}
	}
	cfg = downWorld(t, w, true)
	res := w.run(t, cfg)
	if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "no URL of --base-url answered for 20 rows in a row") {
		t.Fatalf("stopped %v, counts %v", res.Stopped, res.Summary.Counts)
	}
	for _, r := range w.results(t) {
		if !r.InDoubt() {
			t.Errorf("line %d no longer in doubt although get was not answered: %+v", r.Line, r)
		}
	}
}
