package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"openbind/report"
)

func TestProgressModes(t *testing.T) {
	tests := []struct {
		mode string
		want []string // in the output
		not  []string
	}{
		{progressBar, []string{"(5/5", "2 failed", "log line\n"}, nil},
		{progressPlain, []string{"progress: 5/5 rows (100.0%)", ", 2 failed\n", "log line\n"}, []string{"\r", "\x1b"}},
		{progressAuto, []string{"progress: 5/5 rows"}, []string{"\r"}}, // a buffer is no terminal
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			var out bytes.Buffer
			sink := &stderrSink{w: &out}
			p, err := newProgress(tt.mode, time.Hour, sink)
			if err != nil {
				t.Fatal(err)
			}
			p.Start(5)
			for i := range 5 {
				st := report.Created
				if i%2 == 1 {
					st = report.Failed
				}
				p.Row(&report.Record{Status: st})
			}
			_, _ = sink.Write([]byte("log line\n"))
			p.Stop()
			got := out.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q missing in %q", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("%q in %q", n, got)
				}
			}
		})
	}
	if p, err := newProgress(progressNone, time.Second, &stderrSink{}); p != nil || err != nil {
		t.Errorf("none: %v, %v", p, err)
	}
	if _, err := newProgress(progressPlain, 0, &stderrSink{}); err == nil {
		t.Error("a zero interval was accepted")
	}
}
