package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"openbind/wechat/wechattest"
)

// The tests of this package expect English, whatever the language of the
// machine they run on (a developer's LANG=zh_CN.UTF-8): the language's
// variables are unset for the test binary, but not for the binary run as
// testscript's openbind command (the scripts set their own).
func init() {
	if name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe"); name == "openbind" {
		return
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "OPENBIND_LANG"} {
		os.Unsetenv(v)
	}
}

// What machines read is the same in every language (Decision 11): the
// results file, the JSON report and the metrics file of one job run under
// --lang en and --lang zh-CN, byte for byte once the times are set aside;
// the summary for people is not.
func TestMachineOutputSameInEveryLanguage(t *testing.T) {
	mixed, err := os.ReadFile(filepath.Join("testdata", "accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A run that stops: 20 rows in a row answer 45009, and no row is left
	// (so that the stop is at the same row in both languages).
	quota := "appid,access_token,group,scenario\n"
	for i := range 20 {
		quota += fmt.Sprintf("wx%016x,T%d,,quota=0\n", 0x100+i, i)
	}
	for _, c := range []struct {
		name, input, summary string
		code                 int
	}{
		{"mixed", string(mixed), "行已完成", 1},
		{"stopped", quota, "连续 20 行返回 errcode 45009", 3},
	} {
		t.Run(c.name, func(t *testing.T) { machineOutputSame(t, []byte(c.input), c.summary, c.code) })
	}
}

func machineOutputSame(t *testing.T, in []byte, zhSummary string, wantCode int) {
	type outputs struct{ results, json, metrics, summary string }
	runIn := func(lang string) outputs {
		accounts, err := wechattest.ReadScenario(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		srv := wechattest.New(accounts...)
		srv.Start()
		defer srv.Close()
		dir := t.TempDir()
		input := filepath.Join(dir, "accounts.csv")
		if err := os.WriteFile(input, in, 0o644); err != nil {
			t.Fatal(err)
		}
		out, prom := filepath.Join(dir, "results.csv"), filepath.Join(dir, "run.prom")
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"openbind", "run", "--lang", lang, "--input", input, "--output", out, "--qps", "0", "--workers", "1", "--retry-backoff", "1ms",
			"--base-url", srv.URL, "--metrics-file", prom, "--progress", "none"}, &stdout, &stderr); code != wantCode {
			t.Fatalf("run: exit %d, want %d\n%s%s", code, wantCode, stdout.String(), stderr.String())
		}
		var js, jsErr bytes.Buffer
		if code := run(context.Background(), []string{"openbind", "--lang", lang, "report", "--format", "json", out}, &js, &jsErr); code != 0 {
			t.Fatalf("report: exit %d\n%s", code, jsErr.String())
		}
		res, _ := os.ReadFile(out)
		met, _ := os.ReadFile(prom)
		return outputs{string(res), strings.ReplaceAll(js.String(), dir, "DIR"), strings.ReplaceAll(string(met), dir, "DIR"), stdout.String()}
	}
	en, zh := runIn("en"), runIn("zh-CN")
	times := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	secondsJSON := regexp.MustCompile(`("(?:[a-z_]*seconds?[a-z_]*|p50|p95|p99|rows_per_second[a-z_]*)": )[-0-9.e+]+`)
	promTimes := regexp.MustCompile(`(?m)^(openbind_[a-z_]*(?:seconds|timestamp)[a-z_]*(?:\{[^}]*\})?) .*$`)
	// The timeline bins rows by the second they finished in.
	rids := regexp.MustCompile(`rid: ?[0-9a-f]{8}-`)
	timeline := regexp.MustCompile(`(?s)"timeline": \[.*?\n  \]`)
	norm := func(s string) string {
		s = timeline.ReplaceAllString(s, `"timeline": TIMELINE`)
		s = times.ReplaceAllString(s, "TIME")
		s = rids.ReplaceAllString(s, "rid: TIME-") // a request id starts with its Unix time
		s = secondsJSON.ReplaceAllString(s, "${1}N")
		return promTimes.ReplaceAllString(s, "$1 N")
	}
	for _, c := range []struct{ name, en, zh string }{
		{"results", en.results, zh.results}, {"JSON report", en.json, zh.json}, {"metrics", en.metrics, zh.metrics},
	} {
		if c.en == "" {
			t.Errorf("no %s", c.name)
		}
		if a, b := norm(c.en), norm(c.zh); a != b {
			al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
			for i := range min(len(al), len(bl)) {
				if al[i] != bl[i] {
					t.Errorf("the %s differ between en and zh-CN, first at line %d:\n en:    %s\n zh-CN: %s", c.name, i+1, al[i], bl[i])
					break
				}
			}
		}
	}
	if en.summary == zh.summary || !strings.Contains(zh.summary, zhSummary) {
		t.Errorf("the summary is not in Chinese under --lang zh-CN:\n%s", zh.summary)
	}
}
