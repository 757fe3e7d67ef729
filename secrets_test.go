package main

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// leakWorld is an input whose tokens are easy to find and hard to escape
// unchanged: they hold characters that URLs and JSON escape.
func leakWorld(t *testing.T, n int) (*procWorld, []string) {
	t.Helper()
	var tokens []string
	w := newProcWorldTokens(t, n, func(i int) string {
		tok := fmt.Sprintf("SECRET%03d+tok/en=%c&x%%y", i, 'A'+i%26)
		tokens = append(tokens, tok)
		return tok
	})
	return w, tokens
}

// leaks returns what of the tokens shows in out, as is or escaped.
func leaks(out string, tokens []string) []string {
	var found []string
	for _, tok := range tokens {
		for _, form := range []string{tok, url.QueryEscape(tok), url.PathEscape(tok), strings.ReplaceAll(tok, "&", `\u0026`), tok[:12]} {
			if strings.Contains(out, form) {
				found = append(found, form)
			}
		}
	}
	return found
}

// Every output of runs under every fault kind, at --log-level debug in
// text and JSON, holds no token: stdout, stderr, the results file, and
// the outputs of report and of a dry run.
func TestNoTokenInAnyOutput(t *testing.T) {
	t.Parallel()
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	type variant struct {
		name    string
		fault   wechattest.Fault
		baseURL string // when not the stand-in's
	}
	var variants []variant
	for _, f := range wechattest.AllFaults {
		variants = append(variants, variant{name: string(f), fault: f})
	}
	variants = append(variants,
		variant{name: "token command", fault: "renew"},
		variant{name: "connection refused", baseURL: "http://" + closed},
		variant{name: "TLS to a plain port", baseURL: "https://" + closed},
		variant{name: "plain http to a remote host", baseURL: "http://api.weixin.qq.com"},
		// Answers that echo the URL as received (access_token=…) and the
		// token itself in errmsg: scrubbed by value everywhere.
		variant{name: "echoed in errmsg", fault: "echo"},
		// A base URL ending in "?" once put every token in clear text
		// ("??access_token=" escaped redaction by name): refused now.
		variant{name: "trailing question mark", fault: "echo", baseURL: "?"},
		// A password in a URL that does not parse is never echoed.
		variant{name: "password in an unparsable URL", baseURL: "userinfo"},
	)
	for i, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			w, tokens := leakWorld(t, 12)
			var extra []string
			if v.fault == "renew" {
				// Every token is stale; the command gives the new ones.
				for _, appid := range w.appids {
					fresh := "RENEWED+" + appid + "&z%"
					if err := w.srv.RotateToken(appid, fresh); err != nil {
						t.Fatal(err)
					}
					tokens = append(tokens, fresh)
				}
				extra = []string{"--token-command", `echo "RENEWED+$OPENBIND_APPID&z%"`}
			} else if v.fault == "echo" {
				w.srv.SetEcho(true)
				w.srv.SetFaults(0.5, uint64(i), wechattest.Busy, wechattest.DailyQuota)
			} else if v.fault == wechattest.MinuteQuota {
				// 45011 comes from a quota: random ones would halve the
				// rate again and again down to its floor.
				w.srv.SetMinuteQuota(4, 100*time.Millisecond)
			} else {
				w.srv.SetFaults(0.5, uint64(i), v.fault)
			}
			base := w.srv.URL
			switch v.baseURL {
			case "":
			case "?":
				base = w.srv.URL + "/?"
			case "userinfo":
				base = "http://user:" + tokens[0] + "@127.0.0.1:1:99"
			default:
				base = v.baseURL
			}
			format := []string{"text", "json"}[i%2]
			var outputs []string
			for _, args := range [][]string{
				append([]string{"run", "--input", w.input, "--output", w.output, "--base-url", base, "--qps", "0", "--log-level", "debug", "--log-format", format,
					"--max-attempts", "3", "--retry-backoff", "1ms", "--timeout", "150ms", "--minute-quota-pause", "10ms"}, extra...),
				{"run", "--input", w.input, "--output", w.output, "--base-url", base, "--dry-run", "--log-level", "debug"},
				{"report", w.output},
				{"report", "--format", "json", w.output},
				{"report", "--format", "html", w.output},
			} {
				cmd := exec.Command(w.bin, args...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				_ = cmd.Run()
				outputs = append(outputs, stdout.String(), stderr.String())
			}
			results, _ := os.ReadFile(w.output)
			outputs = append(outputs, string(results))
			all := strings.Join(outputs, "\n")
			if found := leaks(all, tokens); len(found) > 0 {
				t.Errorf("tokens in the output: %q\n%s", found, all)
			}
			if v.fault == "echo" && v.baseURL == "" && !strings.Contains(string(results), "access_token=REDACTED") {
				t.Errorf("the stand-in echoed no URL: the test proves little\n%s", results)
			}
			if v.fault != "" && v.fault != wechattest.None && v.baseURL == "" && !strings.Contains(all, "level") {
				t.Errorf("no logs at all: the test proves little\n%s", all)
			}
			if v.fault == "renew" && !strings.Contains(string(results), ",created,") {
				t.Errorf("the renewed tokens did not work: the test proves little\n%s", results)
			}
		})
	}
}

// TestThirtyPercentFaults: a 1,000-row run against a stand-in that faults
// 30% of calls with every transient kind, and answers 45011 to the calls
// beyond its quota per window (a quota is what makes WeChat answer 45011),
// ends with every row right and exit 0.
func TestThirtyPercentFaults(t *testing.T) {
	t.Parallel()
	w := newProcWorld(t, 1000)
	kinds := []wechattest.Fault{wechattest.Busy, wechattest.BadGateway, wechattest.Unavailable, wechattest.TooMany,
		wechattest.EmptyBody, wechattest.HTMLBody, wechattest.ResetBefore, wechattest.ResetAfter, wechattest.Truncated,
		wechattest.Hang, wechattest.HangAfter}
	w.srv.SetFaults(0.3, 30, kinds...)
	w.srv.SetMinuteQuota(150, 250*time.Millisecond)
	w.srv.SetLatency(time.Millisecond, 3*time.Millisecond)
	code, stdout, stderr := w.run("--qps", "0", "--max-attempts", "12", "--timeout", "200ms", "--minute-quota-pause", "250ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	counts := w.checkFinal()
	if counts[report.Created]+counts[report.AlreadyBound] != 1000 {
		t.Errorf("counts %v", counts)
	}
	faulted := map[wechattest.Fault]int{}
	for _, c := range w.srv.Calls() {
		faulted[c.Fault]++
	}
	for _, k := range append(kinds, wechattest.MinuteQuota) {
		if faulted[k] == 0 {
			t.Errorf("no call faulted with %s", k)
		}
	}
	t.Logf("%d calls for 1000 rows, %d faulted; %v", w.srv.Count(""), w.srv.Faulted(), counts)
}
