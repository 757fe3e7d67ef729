package job

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"openbind/wechat/wechattest"
)

// BenchmarkRun is a whole run of 20,000 rows at --qps 0 against the
// stand-in on loopback (in this process): with -cpuprofile it shows where
// the CPU of a row goes, the stand-in's share included.
//
//	go test -run '^$' -bench Run -cpuprofile cpu.out ./job && go tool pprof -top cpu.out
func BenchmarkRun(b *testing.B) {
	const n = 20000
	input := filepath.Join(b.TempDir(), "accounts.csv")
	if err := os.WriteFile(input, benchInput(n), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		srv := wechattest.New()
		srv.SetLearn(true)
		srv.SetRecord(false)
		srv.Start()
		output := filepath.Join(b.TempDir(), "results.csv")
		b.StartTimer()
		res, err := Run(context.Background(), Config{Input: input, Output: output, Workers: 32, BaseURL: srv.URL, Timeout: 10 * time.Second})
		b.StopTimer()
		srv.Close()
		if err != nil || res.Sent() != n {
			b.Fatalf("err %v, sent %d", err, res.Sent())
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
