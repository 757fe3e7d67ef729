package promfile

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"openbind/report"
)

// MetricVerifyRows is the rows of the last verification by verdict.
const MetricVerifyRows = "openbind_verify_rows"

// WriteVerify writes what a verification left to path, as
// WriteRun does for a run (atomically, for node_exporter's textfile
// collector): openbind_verify_rows{verdict} and the run's openbind_last_*
// series, every metric labelled results=<results> and command="verify".
// Give it a file of its own: a run's metrics file is replaced by each run.
// The verification succeeded when every asked row holds and it did not
// stop early.
func WriteVerify(path, results string, s *report.VerifySummary, run *report.Run, now time.Time) error {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"results": results, "command": "verify"}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		reg.MustRegister(g)
		return g
	}
	rows := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricVerifyRows, Help: "Done rows of the results by verdict, as the last verification against WeChat left the report.", ConstLabels: labels}, []string{"verdict"})
	reg.MustRegister(rows)
	for _, v := range report.Verdicts {
		rows.WithLabelValues(v.String()).Set(float64(s.Counts[v]))
	}
	success := s.Complete()
	if run != nil {
		calls := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCalls, Help: "Calls the last verification made, by outcome.", ConstLabels: labels}, []string{"outcome"})
		reg.MustRegister(calls)
		for outcome, n := range run.Outcomes {
			calls.WithLabelValues(outcome).Set(float64(n))
		}
		gauge(MetricDuration, "How long the last verification took.").Set(run.Elapsed.Seconds())
		success = success && run.Stopped == ""
	}
	gauge(MetricLastRun, "When the last verification ended (Unix time).").Set(float64(now.Unix()))
	ok := 0.0
	if success {
		ok = 1
	}
	gauge(MetricSuccess, "1 when every row the last verification asked holds, else 0.").Set(ok)
	last, err := lastSuccess(path, results, "verify")
	if err != nil {
		return err
	}
	if success {
		last = float64(now.Unix())
	}
	if last > 0 {
		gauge(MetricLastSuccess, "When a verification last found every asked row holding (Unix time); kept across failed ones.").Set(last)
	}
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("metrics file: %w", err)
	}
	return nil
}
