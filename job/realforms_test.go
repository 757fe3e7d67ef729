package job

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat"
)

// realWorld is newWorld with the stand-in answering in WeChat's real
// forms (request ids in errmsg).
func realWorld(t *testing.T, input string) *world {
	t.Helper()
	w := newWorld(t, input)
	w.srv.SetCleanForms(false)
	return w
}

// 45009 is one account's: 10 accounts with an exhausted quota spread
// through 300 rows end failed with 45009, the 290 others done, the run not
// stopped (exit 1). Seeded: the positions change with the seed.
func TestQuotaIsPerAccount(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	exhausted := map[int]bool{}
	for len(exhausted) < 10 {
		exhausted[rng.IntN(300)] = true
	}
	w := realWorld(t, plainInput(300, func(i int) string {
		if exhausted[i] {
			return "quota=0"
		}
		return ""
	}))
	res := w.run(t, w.config())
	if res.Stopped != nil {
		t.Fatalf("stopped: %v", res.Stopped)
	}
	s := res.Summary
	if s.Done() != 290 || s.Counts[report.Failed] != 10 || s.Counts[report.Pending] != 0 {
		t.Fatalf("counts %v", s.Counts)
	}
	if len(s.Failures) != 1 || s.Failures[0].Code != wechat.CodeDailyQuota || s.Failures[0].Count != 10 ||
		!strings.Contains(s.Failures[0].Remedy(), "clear_quota") {
		t.Errorf("causes %+v", s.Failures)
	}
	for _, r := range w.results(t) {
		if got := exhausted[r.Line-2]; got != (r.Status == report.Failed) || (got && r.ErrCode != wechat.CodeDailyQuota) {
			t.Errorf("line %d: %s %d (exhausted: %v)", r.Line, r.Status, r.ErrCode, got)
		}
	}
}

// 20 rows in a row answering 45009 stop the run: the platform is at its
// limit. Any other outcome between them resets the count.
func TestDailyQuotaStreak(t *testing.T) {
	tests := []struct {
		name     string
		scenario func(i int) string
		stopped  bool
	}{
		{"20 in a row", func(int) string { return "quota=0" }, true},
		{"a good row resets the streak", func(i int) string {
			if i == 15 {
				return ""
			}
			return "quota=0"
		}, false},
		{"another failure resets it too", func(i int) string {
			if i%10 == 9 {
				return "code=89001"
			}
			return "quota=0"
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := realWorld(t, plainInput(30, tt.scenario))
			cfg := w.config()
			cfg.Workers = 1
			res := w.run(t, cfg)
			if (res.Stopped != nil) != tt.stopped {
				t.Fatalf("stopped: %v", res.Stopped)
			}
			failed, pending := res.Summary.Counts[report.Failed], res.Summary.Counts[report.Pending]
			if tt.stopped {
				if !strings.Contains(res.Stopped.Error(), "20 rows in a row answered errcode 45009") {
					t.Errorf("message: %v", res.Stopped)
				}
				// The one worker may have sent the next row while the
				// 20th was being recorded.
				if failed < 20 || failed > 22 || pending != 30-failed {
					t.Errorf("%d failed, %d pending", failed, pending)
				}
			} else if failed+res.Summary.Done() != 30 {
				t.Errorf("counts %v", res.Summary.Counts)
			}
		})
	}
}

// The backup domain: with the first address refusing, every call goes at
// once to the second and the run keeps using it; with both refusing, 20
// rows in a row reaching no URL stop the run, naming the URLs.
func TestUnreachableStreak(t *testing.T) {
	t.Run("first down", func(t *testing.T) {
		w := realWorld(t, plainInput(50, nil))
		if _, err := w.srv.AddAddress("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if err := w.srv.SetReachable(0, false); err != nil {
			t.Fatal(err)
		}
		cfg := w.config()
		cfg.BaseURL = strings.Join(w.srv.URLs(), ",")
		res := w.run(t, cfg)
		if res.Stopped != nil || res.Summary.Done() != 50 {
			t.Fatalf("stopped %v, counts %v", res.Stopped, res.Summary.Counts)
		}
		if f := res.Summary.Run.Failovers; f.Count != 1 || f.To != w.srv.URLs()[1] {
			t.Errorf("failovers %+v", f)
		}
		// Each failover is a call on the limiter: 50 creates, one failover.
		if got := res.Summary.Run.Calls; got != 50 {
			t.Errorf("%d calls", got)
		}
	})
	t.Run("every URL down", func(t *testing.T) {
		w := realWorld(t, plainInput(100, nil))
		if _, err := w.srv.AddAddress("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		urls := w.srv.URLs()
		for i := range urls {
			if err := w.srv.SetReachable(i, false); err != nil {
				t.Fatal(err)
			}
		}
		cfg := w.config()
		cfg.BaseURL = strings.Join(urls, ",")
		res := w.run(t, cfg)
		want := fmt.Sprintf("WeChat cannot be reached from this machine: no URL of --base-url answered for 20 rows in a row (%s); last error: connection refused", strings.Join(urls, ", "))
		if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), want) {
			t.Fatalf("stopped: %v; want %q", res.Stopped, want)
		}
		c := res.Summary.Counts
		// After the 20th, at most the rows already past the stop can fail:
		// one in each worker and one in each slot of the results channel
		// (its capacity is Workers), which a loaded machine can fill.
		if c[report.Failed] < 20 || c[report.Failed] > 20+2*cfg.Workers || c[report.Pending] != 100-c[report.Failed] {
			t.Errorf("counts %v", c)
		}
		if len(res.Summary.Failures) != 1 || res.Summary.Failures[0].Msg != "connection refused" || res.Summary.Failures[0].Code != 0 {
			t.Errorf("causes %+v", res.Summary.Failures)
		}
	})
	t.Run("a row that answers resets the streak", func(t *testing.T) {
		// The API answers every other row: no 20 in a row.
		w := realWorld(t, plainInput(60, nil))
		cfg := w.config()
		cfg.Workers = 1
		cfg.API = &flakyReach{API: mustClient(t, w.srv.URL), down: mustClient(t, "http://"+closedAddr(t))}
		res := w.run(t, cfg)
		if res.Stopped != nil || res.Summary.Counts[report.Failed] != 30 {
			t.Errorf("stopped %v, counts %v", res.Stopped, res.Summary.Counts)
		}
	})
}

// flakyReach sends the creates of odd appids to an address that refuses.
type flakyReach struct {
	API
	down API
}

func (f *flakyReach) Create(ctx context.Context, token, appid string) (string, error) {
	if appid[len(appid)-1]%2 == 1 {
		return f.down.Create(ctx, token, appid)
	}
	return f.API.Create(ctx, token, appid)
}

func mustClient(t *testing.T, base string) *wechat.Client {
	t.Helper()
	c, err := wechat.NewClient(base, wechat.NewHTTPClient(2))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A mixed run against answers of the real form: one cause per (call,
// errcode), whatever the request ids; the results keep every errmsg whole.
func TestCausesOfARealRun(t *testing.T) {
	scen := []string{"code=48001", "code=61004", "code=40001", "unknown-token", "code=89001", ""}
	w := realWorld(t, plainInput(120, func(i int) string { return scen[i%len(scen)] }))
	res := w.run(t, w.config())
	type cause struct {
		call string
		code int
	}
	got := map[cause]int{}
	for _, f := range res.Summary.Failures {
		got[cause{f.Call, f.Code}] = f.Count
		if strings.Contains(f.Msg, "rid:") || strings.Contains(f.Msg, "hint") {
			t.Errorf("cause %d shows a request id: %q", f.Code, f.Msg)
		}
	}
	want := map[cause]int{{"create", 48001}: 20, {"create", 61004}: 20, {"create", 40001}: 40, {"create", 89001}: 20}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("causes %v, want %v", got, want)
	}
	rids := 0
	for _, r := range w.results(t) {
		if strings.Contains(r.ErrMsg, "rid:") || strings.Contains(r.ErrMsg, "req_id") {
			rids++
		}
	}
	if rids < 60 {
		t.Errorf("%d errmsgs with a request id in the results", rids)
	}
}
