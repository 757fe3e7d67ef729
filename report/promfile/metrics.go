// Package promfile writes the Prometheus textfile of a run and of a
// verification (--metrics-file), for node_exporter's textfile collector,
// and reads back the time of the last success from it. It lives apart
// from report so that job, which only makes the summaries, does not pull
// in client_golang: only the command line writes metrics.
package promfile

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"openbind/report"
)

// Metric names of the metrics file.
const (
	MetricRows        = "openbind_rows"
	MetricCalls       = "openbind_calls"
	MetricDuration    = "openbind_run_duration_seconds"
	MetricLastRun     = "openbind_last_run_timestamp_seconds"
	MetricLastSuccess = "openbind_last_success_timestamp_seconds"
	MetricSuccess     = "openbind_last_run_success"
)

// WriteRun writes what a run left to path in the Prometheus text format,
// atomically (a temporary file, then a rename), for node_exporter's
// textfile collector. Every metric carries the label results=<results>,
// so that the files of several waves can sit in one directory.
//
// The run succeeded when every row is done and it did not stop early; the
// time of the last success is carried over from the file's previous
// content when this run did not succeed.
func WriteRun(path, results string, s *report.Summary, now time.Time) error {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"results": results}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		reg.MustRegister(g)
		return g
	}

	rows := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricRows, Help: "Rows of the results file by status, as the last run left it.", ConstLabels: labels}, []string{"status"})
	reg.MustRegister(rows)
	for _, st := range report.Statuses {
		rows.WithLabelValues(st.String()).Set(float64(s.Counts[st]))
	}
	calls := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCalls, Help: "Calls the last run made, by outcome (ok, errcode_N, http_N, bad_answer, timeout, network).", ConstLabels: labels}, []string{"outcome"})
	reg.MustRegister(calls)
	success := s.Done() == s.Rows
	if r := s.Run; r != nil {
		for outcome, n := range r.Outcomes {
			calls.WithLabelValues(outcome).Set(float64(n))
		}
		gauge(MetricDuration, "How long the last run took.").Set(r.Elapsed.Seconds())
		success = success && r.Stopped == ""
	}
	gauge(MetricLastRun, "When the last run ended (Unix time).").Set(float64(now.Unix()))
	ok := 0.0
	if success {
		ok = 1
	}
	gauge(MetricSuccess, "1 when the last run left every row done, else 0.").Set(ok)
	last, err := lastSuccess(path, results, "")
	if err != nil {
		return err
	}
	if success {
		last = float64(now.Unix())
	}
	if last > 0 {
		gauge(MetricLastSuccess, "When a run last left every row done (Unix time); kept across failed runs.").Set(last)
	}
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("metrics file: %w", err)
	}
	return nil
}

// lastSuccess reads, from the metrics file at path, the time of the last
// success of command ("" for run, "verify") on results; 0 when it holds
// none. A file that is not ours, or damaged, holds none: it is about to be
// replaced anyway.
func lastSuccess(path, results, command string) (float64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("metrics file: %w", err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(f)
	if err != nil || families[MetricLastSuccess] == nil {
		return 0, nil
	}
	for _, m := range families[MetricLastSuccess].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if l["results"] == results && l["command"] == command {
			return m.GetGauge().GetValue(), nil
		}
	}
	return 0, nil
}
