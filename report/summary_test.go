package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleSummary() Summary {
	t := NewTally()
	add := func(n int, r Record) {
		for range n {
			t.Add(&r)
			r.Line++
		}
	}
	add(5, Record{Line: 2, Status: Created, Attempts: 1, FinishedAt: t0})
	add(2, Record{Line: 10, Status: AlreadyBound, ErrCode: 89000, Attempts: 2, FinishedAt: t0.Add(2 * time.Second)})
	add(12, Record{Line: 20, Status: Failed, ErrCode: 42001, ErrMsg: "access_token expired", Attempts: 1, FinishedAt: t0.Add(time.Second)})
	add(1, Record{Line: 40, Status: Failed, ErrCode: 40001, ErrMsg: "invalid credential", Attempts: 1, FinishedAt: t0})
	add(3, Record{Line: 50, Status: Failed, ErrMsg: "HTTP 502", Attempts: 5, FinishedAt: t0})
	add(1, Record{Line: 60, Status: Invalid, ErrMsg: "duplicate appid; first on line 2"})
	add(1, Record{Line: 61, Status: Invalid, ErrMsg: "duplicate appid; first on line 3"})
	add(2, Record{Line: 70, Status: Pending})
	s := t.Summary()
	s.File = "results.csv"
	return s
}

func TestTally(t *testing.T) {
	s := sampleSummary()
	want := map[Status]int{Created: 5, AlreadyBound: 2, Failed: 16, Invalid: 2, Pending: 2}
	if diff := cmp.Diff(want, s.Counts); diff != "" || s.Rows != 27 || s.Done() != 7 {
		t.Errorf("rows %d done %d counts (-want +got):\n%s", s.Rows, s.Done(), diff)
	}
	if s.Attempts != 5+4+12+1+15 {
		t.Errorf("attempts %d", s.Attempts)
	}
	if !s.First.Equal(t0) || !s.Last.Equal(t0.Add(2*time.Second)) {
		t.Errorf("first %v last %v", s.First, s.Last)
	}
	// Most frequent first; a duplicate's line does not split its cause;
	// at most maxLines lines, with the count of the rest.
	got := []string{}
	for _, f := range s.Failures {
		got = append(got, f.Status.String()+"/"+codeText(f.Code)+"/"+f.Msg)
	}
	wantF := []string{"failed/42001/access_token expired", "failed/-/HTTP 502", "invalid/-/duplicate appid", "failed/40001/invalid credential"}
	if diff := cmp.Diff(wantF, got); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if f := s.Failures[0]; len(f.Lines) != maxLines || f.Lines[0] != 20 || joinLines(f.Lines, f.Count) != "20,21,22,23,24,25,26,27,28,29 and 2 more" {
		t.Errorf("lines %v", f.Lines)
	}
}

func TestNext(t *testing.T) {
	s := sampleSummary()
	want := []string{
		"2 rows pending: run the same command again to continue",
		"13 rows failed with 42001, 40001: the access_token is invalid or expired: refresh the tokens (or use --token-command) and run again",
		"3 rows failed with HTTP 502: transient (network, system busy, quota): run again",
		"2 rows invalid: fix these rows of the input file, then run again",
	}
	if diff := cmp.Diff(want, s.Next()); diff != "" {
		t.Errorf("next (-want +got):\n%s", diff)
	}
	s.Run = &Run{Stopped: "stopped by a signal"}
	if got := s.Next()[0]; got != "the run stopped early (stopped by a signal); 2 rows pending: run the same command again to continue" {
		t.Errorf("first step %q", got)
	}
}

func TestWriteText(t *testing.T) {
	s := sampleSummary()
	s.Run = &Run{Sent: 20, Calls: 40, Retries: 13, Elapsed: 2 * time.Second, Latency: [3]float64{0.012, 0.25, 1.5}}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"results.csv: 27 rows, 7 done\n",
		"  created              5\n",
		"  failed              16\n",
		"  12    failed   create  42001    access_token expired          20,21,22,23,24,25,26,27,28,29 and 2 more\n",
		"this run: sent 20 rows in 40 calls (13 retries) in 2s: 10.0 rows/s; call latency p50 12ms, p95 250ms, p99 1.5s\n",
		"next:\n  2 rows pending",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
}

func TestWriteJSON(t *testing.T) {
	s := sampleSummary()
	s.Run = &Run{Sent: 20, Calls: 40, Retries: 13, Elapsed: 2 * time.Second, Latency: [3]float64{0.012, 0.25, 1.5}, Outcomes: map[string]int{"ok": 7, "errcode_42001": 12}}
	var b bytes.Buffer
	if err := s.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows     int            `json:"rows"`
		Done     int            `json:"done"`
		Statuses map[string]int `json:"statuses"`
		Failures []struct {
			Status  string `json:"status"`
			ErrCode int    `json:"errcode"`
			Count   int    `json:"count"`
			Remedy  string `json:"remedy"`
		} `json:"failures"`
		Run struct {
			Calls    int                `json:"calls"`
			Latency  map[string]float64 `json:"call_latency_seconds"`
			Outcomes map[string]int     `json:"calls_by_outcome"`
		} `json:"run"`
		Next []string `json:"next"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Rows != 27 || got.Done != 7 || got.Statuses["bound"] != 0 || got.Statuses["failed"] != 16 || len(got.Statuses) != 6 {
		t.Errorf("counts %+v", got)
	}
	if got.Failures[0].ErrCode != 42001 || got.Failures[0].Count != 12 || !strings.Contains(got.Failures[0].Remedy, "refresh the tokens") {
		t.Errorf("failures %+v", got.Failures)
	}
	if got.Run.Calls != 40 || got.Run.Latency["p99"] != 1.5 || got.Run.Outcomes["errcode_42001"] != 12 || len(got.Next) != 4 {
		t.Errorf("run %+v next %v", got.Run, got.Next)
	}
}

func TestNextNamesSplitGroups(t *testing.T) {
	s := Summary{Counts: map[Status]int{}, SplitGroups: []string{"m1", "m2"}}
	next := s.Next()
	if len(next) != 1 || !strings.HasPrefix(next[0], "2 groups split: ") {
		t.Errorf("next %q", next)
	}
}
