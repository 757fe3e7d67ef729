package promfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"openbind/report"
)

// The time of the last successful verification survives a failed one, and
// is the verify's own: a run's series in the same file do not count.
func TestWriteVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify.prom")
	t1, t2 := time.Unix(1_790_000_000, 0), time.Unix(1_790_003_600, 0)
	steps := []struct {
		name   string
		counts map[report.Verdict]int
		run    *report.Run
		at     time.Time
		want   []string
	}{
		{"first, failing", map[report.Verdict]int{report.Holds: 3, report.Unbound: 1}, &report.Run{}, t1, []string{
			`openbind_last_run_success{command="verify",results="r.csv"} 0`, `openbind_verify_rows{command="verify",results="r.csv",verdict="unbound"} 1`}},
		{"success", map[report.Verdict]int{report.Holds: 4, report.NotAsked: 2}, &report.Run{}, t1, []string{
			`openbind_last_run_success{command="verify",results="r.csv"} 1`, `openbind_last_success_timestamp_seconds{command="verify",results="r.csv"} 1.79e+09`}},
		{"stopped early", map[report.Verdict]int{report.Holds: 4}, &report.Run{Stopped: "signal"}, t2, []string{
			`openbind_last_run_success{command="verify",results="r.csv"} 0`, `openbind_last_success_timestamp_seconds{command="verify",results="r.csv"} 1.79e+09`,
			`openbind_last_run_timestamp_seconds{command="verify",results="r.csv"} 1.7900036e+09`}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			sum := report.VerifySummary{Counts: s.counts}
			if err := WriteVerify(path, "r.csv", &sum, s.run, s.at); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			for _, w := range s.want {
				if !strings.Contains(string(data), w+"\n") {
					t.Errorf("no %s in\n%s", w, data)
				}
			}
			if s.name == "first, failing" && strings.Contains(string(data), MetricLastSuccess) {
				t.Errorf("a last success before any:\n%s", data)
			}
		})
	}
}
