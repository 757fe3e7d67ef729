package job

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// BenchmarkRewrite is the final rewrite of a results file of 20,000 rows,
// every line copied from the journal: a row must cost no allocation.
func BenchmarkRewrite(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	input, output := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "results.csv")
	if err := os.WriteFile(input, benchInput(n), 0o600); err != nil {
		b.Fatal(err)
	}
	srv := wechattest.New()
	srv.SetLearn(true)
	srv.SetRecord(false)
	srv.Start()
	_, err := Run(context.Background(), Config{Input: input, Output: output, Workers: 32, BaseURL: srv.URL, Timeout: 10 * time.Second})
	srv.Close()
	if err != nil {
		b.Fatal(err)
	}
	st, err := loadInput(context.Background(), input, InputOptions{})
	if err != nil {
		b.Fatal(err)
	}
	j, err := report.OpenJournal(output, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	if _, err := st.scanResults(j); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := st.rewrite(j, report.NewTally()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
