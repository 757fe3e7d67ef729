package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"openbind/wechat/wechattest"
)

// standIn starts the stand-in of WeChat on loopback, in this process (for
// the measurements that need its record of arrival times; it stays small).
func standIn(record bool, latMin, latMax time.Duration) *wechattest.Server {
	srv := wechattest.New()
	srv.SetLearn(true)
	srv.SetRecord(record)
	srv.SetLatency(latMin, latMax)
	return srv.Start()
}

// arrivals returns when each call arrived, sorted.
func arrivals(srv *wechattest.Server) []time.Time {
	var at []time.Time
	for _, c := range srv.Calls() {
		at = append(at, c.Start)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at
}

// maxInWindow is the most arrivals in any window of length d.
func maxInWindow(at []time.Time, d time.Duration) int {
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// meanRate is the arrivals per second from the first to the last.
func meanRate(at []time.Time) float64 {
	if len(at) < 2 {
		return 0
	}
	return float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
}

// maxInClockSeconds is the most arrivals in one second of the clock.
func maxInClockSeconds(at []time.Time) int {
	per := map[int64]int{}
	best := 0
	for _, t := range at {
		per[t.Unix()]++
		best = max(best, per[t.Unix()])
	}
	return best
}

// paced runs rows = qps × seconds at --qps qps against an in-process
// stand-in answering in [latMin, latMax], and returns when each call
// arrived, and the stand-in.
func (b *bench) paced(name string, qps, seconds int, latMin, latMax time.Duration, args ...string) ([]time.Time, *wechattest.Server, error) {
	input, err := b.writeInput(name+".csv", qps*seconds)
	if err != nil {
		return nil, nil, err
	}
	srv := standIn(true, latMin, latMax)
	defer srv.Close()
	args = append([]string{"run", "--input", input, "--output", b.path(name + "-results.csv"), "--qps", fmt.Sprint(qps), "--base-url", srv.URL}, args...)
	p, err := b.openbind(args...)
	if err != nil {
		return nil, nil, err
	}
	if p.code != 0 {
		return nil, nil, fmt.Errorf("exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	return arrivals(srv), srv, nil
}

func measureRate(b *bench) error {
	const qps = 300
	at, _, err := b.paced("rate", qps, 20, time.Millisecond, 5*time.Millisecond, "--burst", "1")
	if err != nil {
		return err
	}
	mean := meanRate(at)
	fmt.Printf("rate: --qps %d --burst 1, %d calls: at most %d in any 1 s window (%d in any second of the clock), mean %.1f/s = %.2f%% of %d\n",
		qps, len(at), maxInWindow(at, time.Second), maxInClockSeconds(at), mean, 100*mean/qps, qps)
	return nil
}

func measureLatency(b *bench) error {
	const qps = 200
	at, srv, err := b.paced("latency", qps, 20, 700*time.Millisecond, time.Second)
	if err != nil {
		return err
	}
	mean := meanRate(at)
	fmt.Printf("latency: answers in 0.7-1 s, --qps %d with the default --workers: mean %.1f/s = %.2f%% of %d over %d calls; %d connections\n",
		qps, mean, 100*mean/qps, qps, len(at), srv.Conns())
	return nil
}

// fake is `openbind serve-fake` on a free loopback port, in a process of
// its own: this process stays small, so the RSS of the processes it starts
// is theirs (Linux carries a parent's peak RSS into a child's ru_maxrss).
type fake struct {
	cmd *exec.Cmd
	URL string
	out *bufio.Reader
}

func (b *bench) startFake() (*fake, error) {
	cmd := exec.Command(b.bin, "serve-fake", "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fake{cmd: cmd, out: bufio.NewReader(stdout)}
	line, err := f.out.ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 6 {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("serve-fake said %q: %v", line, err)
	}
	f.URL = fields[5]
	return f, nil
}

// stop stops the stand-in and returns the calls and connections it counted.
func (f *fake) stop() (calls, conns int, err error) {
	_ = f.cmd.Process.Signal(os.Interrupt)
	rest, _ := io.ReadAll(f.out)
	if err := f.cmd.Wait(); err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(rest)), "stand-in stopped after %d calls (%d faulted), %d connections", &calls, new(int), &conns); err != nil {
		return 0, 0, fmt.Errorf("serve-fake said %q: %w", rest, err)
	}
	return calls, conns, nil
}

func measureOverhead(b *bench) error {
	const n, workers, rounds = 100_000, 32, 9
	input, err := b.writeInput("overhead.csv", n)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var ob, bare []float64
	var obConns, bareConns int
	var obCPU, bareCPU time.Duration
	for round := range rounds {
		for _, which := range []string{"openbind", "bare"} {
			srv, err := b.startFake()
			if err != nil {
				return err
			}
			var p proc
			if which == "openbind" {
				out := b.path("overhead-results.csv")
				_ = os.Remove(out)
				p, err = b.openbind("run", "--input", input, "--output", out, "--qps", "0", "--workers", fmt.Sprint(workers), "--base-url", srv.URL)
			} else {
				p, err = b.process(self, "-bare", srv.URL, "-input", input, "-workers", fmt.Sprint(workers))
			}
			calls, conns, serr := srv.stop()
			if err != nil {
				return err
			}
			if serr != nil {
				return serr
			}
			if p.code != 0 || calls != n {
				return fmt.Errorf("%s: exit %d, %d calls for %d rows\n%s%s", which, p.code, calls, n, p.stdout, p.stderr)
			}
			rate := float64(n) / p.wall.Seconds()
			if which == "openbind" {
				ob = append(ob, rate)
				obConns = max(obConns, conns)
				obCPU += p.cpu
			} else {
				bare = append(bare, rate)
				bareConns = max(bareConns, conns)
				bareCPU += p.cpu
			}
			_ = round
		}
	}
	mo, mb := medianF(ob), medianF(bare)
	fmt.Printf("overhead: %d rows, --qps 0, %d workers, loopback: openbind %.0f rows/s, bare keep-alive client %.0f rows/s (medians of %d alternating runs): %.1f%%\n",
		n, workers, mo, mb, rounds, 100*mo/mb)
	fmt.Printf("overhead: openbind runs %s rows/s; bare %s rows/s\n", joinRates(ob), joinRates(bare))
	fmt.Printf("connections: openbind opened at most %d TCP connections for %d workers (bare client: %d)\n", obConns, workers, bareConns)
	fmt.Printf("cpu: openbind %.1f µs of CPU per row, the bare client %.1f µs (user+system of each process)\n",
		float64(obCPU.Microseconds())/float64(rounds*n), float64(bareCPU.Microseconds())/float64(rounds*n))
	return nil
}

func joinRates(v []float64) string {
	parts := make([]string, len(v))
	for i, r := range v {
		parts[i] = fmt.Sprintf("%.0f", r)
	}
	return strings.Join(parts, " ")
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// measureMemory runs a job of b.rows rows against the stand-in at --qps 0.
func measureMemory(b *bench) error {
	input, err := b.writeInput("memory.csv", b.rows)
	if err != nil {
		return err
	}
	srv, err := b.startFake()
	if err != nil {
		return err
	}
	out := b.path("memory-results.csv")
	p, err := b.openbind("run", "--input", input, "--output", out, "--qps", "0", "--base-url", srv.URL)
	calls, conns, serr := srv.stop()
	if err != nil {
		return err
	}
	if serr != nil {
		return serr
	}
	if p.code != 0 || calls != b.rows {
		return fmt.Errorf("exit %d, %d calls\n%s%s", p.code, calls, p.stdout, p.stderr)
	}
	fmt.Printf("memory: a %d-row run at --qps 0: peak RSS %s, %.1f s, %.0f rows/s, %d connections\n",
		b.rows, mb(p.maxRSS), p.wall.Seconds(), float64(b.rows)/p.wall.Seconds(), conns)
	return nil
}

// bareClient makes the calls openbind makes — create, and get on 89000 —
// for every row of input, with workers goroutines and a keep-alive
// client, and nothing else: the yardstick of openbind's overhead.
func bareClient(base, input string, workers int) error {
	f, err := os.Open(input)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	hc := &http.Client{Transport: tr}
	type row struct{ appid, token string }
	rows := make(chan row, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	call := func(path string, r row) (int, error) {
		body, _ := json.Marshal(map[string]string{"appid": r.appid})
		resp, err := hc.Post(base+path+"?access_token="+url.QueryEscape(r.token), "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var ans struct {
			ErrCode int `json:"errcode"`
		}
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		return ans.ErrCode, json.Unmarshal(data, &ans)
	}
	for range workers {
		wg.Go(func() {
			for r := range rows {
				code, err := call("/cgi-bin/open/create", r)
				if err == nil && code == 89000 {
					_, err = call("/cgi-bin/open/get", r)
				}
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rows <- row{strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])}
	}
	close(rows)
	wg.Wait()
	return firstErr
}

// process runs a command and measures it as openbind does.
func (b *bench) process(name string, args ...string) (proc, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	p := proc{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return p, err
	}
	p.code = cmd.ProcessState.ExitCode()
	p.maxRSS, p.cpu = usage(cmd.ProcessState)
	return p, nil
}
