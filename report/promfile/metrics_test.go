package promfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"openbind/report"
)

func TestWriteRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "openbind.prom")
	// report's sample summary: 16 rows failed, none bound.
	s := report.Summary{File: "results.csv", Rows: 27, Counts: map[report.Status]int{
		report.Created: 5, report.AlreadyBound: 2, report.Failed: 16, report.Invalid: 2, report.Pending: 2}}
	s.Run = &report.Run{Elapsed: 3 * time.Second, Outcomes: map[string]int{"ok": 7, "errcode_42001": 12}}
	t1 := time.Unix(1_800_000_000, 0)
	done := report.Summary{Rows: 2, Counts: map[report.Status]int{report.Created: 2}, Run: &report.Run{}}

	// A success, then a failed run: the time of the success stays.
	if err := WriteRun(path, "w.csv", &done, t1); err != nil {
		t.Fatal(err)
	}
	if err := WriteRun(path, "w.csv", &s, t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{
		`openbind_rows{results="w.csv",status="failed"} 16`,
		`openbind_rows{results="w.csv",status="bound"} 0`,
		`openbind_calls{outcome="errcode_42001",results="w.csv"} 12`,
		`openbind_run_duration_seconds{results="w.csv"} 3`,
		`openbind_last_run_timestamp_seconds{results="w.csv"} 1.8000036e+09`,
		`openbind_last_run_success{results="w.csv"} 0`,
		`openbind_last_success_timestamp_seconds{results="w.csv"} 1.8e+09`,
	} {
		if !strings.Contains(string(data), want+"\n") {
			t.Errorf("missing %s in:\n%s", want, data)
		}
	}
	// Another wave's file does not lend its success; a stopped run is no
	// success even with every row done.
	stopped := done
	stopped.Run = &report.Run{Stopped: "stopped by a signal"}
	if err := WriteRun(path, "other.csv", &stopped, t1.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), "openbind_last_success_timestamp_seconds") || !strings.Contains(string(data), `openbind_last_run_success{results="other.csv"} 0`) {
		t.Errorf("other wave:\n%s", data)
	}
}
