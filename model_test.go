package main

// A model-based test of the promises a results file keeps across runs:
// random sequences of runs over changing inputs — rows removed, put back,
// reordered, tokens rotated, group names spelt another way, two waves
// sharing one results file, merchant groups spread across both — with
// faults on (lost answers among them) and kill -9 at random moments,
// checked after every run against the stand-in's own record of who is
// bound to what. Some runs find WeChat out of reach (every address
// refusing), some are stopped by SIGTERM: the exit code must follow the
// rows, and a run that reached nothing leaves no row in doubt.
//
//	go test -run TestModelRuns .                          # the short form
//	go test -run TestModelRuns -model.steps 400 -timeout 0 .   # a long one
//	go test -run TestModelRuns -model.seed 42 .            # a failure again

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"openbind/report"
	"openbind/wechat/wechattest"
)

var (
	modelSteps = flag.Int("model.steps", 14, "runs in TestModelRuns")
	modelSeed  = flag.Uint64("model.seed", 0, "seed of TestModelRuns (0: from the clock)")
)

type modelRow struct {
	appid, token, group string
}

type runModel struct {
	t       *testing.T
	rng     *rand.Rand
	bin     string
	srv     *wechattest.Server
	out     string
	inputs  [2]string
	rows    [2][]modelRow // each wave's input, in order
	removed [2][]modelRow
	later   [2][]modelRow     // rows not yet added to the wave
	groupOf map[string]string // appid → its merchant (group key)
	token   map[string]string // appid → its current token
	known   map[string]report.Record
	kills   int
}

func TestModelRuns(t *testing.T) {
	t.Parallel()
	seed := *modelSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (go test -run TestModelRuns -model.seed %d .)", seed, seed)
	m := newModel(t, seed)
	for step := range *modelSteps {
		m.mutate()
		how := runPlain
		switch k := m.rng.IntN(10); {
		case k < 3:
			how = runKilled
		case k == 3:
			how = runTerminated
		case k < 6:
			how = runDead
		}
		doubt := m.inDoubt()
		code, out := m.runWave(m.rng.IntN(2), how)
		when := fmt.Sprintf("step %d (seed %d, %s, exit %d)", step, seed, how, code)
		m.check(when)
		if how == runDead {
			for appid, now := range m.inDoubt() {
				if now && !doubt[appid] {
					m.t.Fatalf("%s: %s in doubt after a run that reached no URL (%+v)\n%s", when, appid, m.known[appid], out)
				}
			}
		}
	}
	// Settle: every row back in its wave with its current token, no faults,
	// no kills. Both waves must end done, each merchant on one account.
	m.srv.SetFaults(0, 0)
	for w := range 2 {
		m.rows[w] = append(append(m.rows[w], m.removed[w]...), m.later[w]...)
		m.removed[w], m.later[w] = nil, nil
		for i := range m.rows[w] {
			m.rows[w][i].token = m.token[m.rows[w][i].appid]
		}
	}
	for range 2 {
		for w := range 2 {
			m.runWave(w, runPlain)
			m.check(fmt.Sprintf("settling (seed %d)", seed))
		}
	}
	for w := range 2 {
		if code, out := m.runWave(w, runPlain); code != 0 {
			t.Fatalf("wave %d does not end done (seed %d): exit %d\n%s", w, seed, code, out)
		}
	}
	t.Logf("%d runs, %d killed; %d calls", *modelSteps+6, m.kills, m.srv.Count(""))
}

func newModel(t *testing.T, seed uint64) *runModel {
	m := &runModel{t: t, rng: rand.New(rand.NewPCG(seed, 7)), bin: openbindBin(t), groupOf: map[string]string{}, token: map[string]string{}, known: map[string]report.Record{}}
	dir := t.TempDir()
	m.out = filepath.Join(dir, "results.csv")
	m.inputs = [2]string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")}
	var accounts []wechattest.Account
	for i := range 60 {
		appid := fmt.Sprintf("wx%016x", m.rng.Uint64())
		group := ""
		if i < 44 {
			group = fmt.Sprintf("Shop %c", 'A'+i/4) // 11 merchants of 4 accounts
		}
		a := wechattest.Account{AppID: appid, Token: fmt.Sprintf("T%d-%s", i, strings.Repeat("x", 40)), Subject: group}
		accounts = append(accounts, a)
		m.groupOf[appid], m.token[appid] = report.GroupKey(group), a.Token
		// Merchants A–C in wave a, D–E in wave b, F–K across both.
		w := 0
		switch {
		case group == "":
			w = i % 2
		case i/4 >= 3 && i/4 < 5:
			w = 1
		case i/4 >= 5:
			w = i % 2
		}
		m.rows[w] = append(m.rows[w], modelRow{appid, a.Token, group})
	}
	// Each wave starts with a third of its rows; the others come later,
	// a few at a time (rows added to an input between runs).
	for w := range 2 {
		m.rng.Shuffle(len(m.rows[w]), func(i, j int) { m.rows[w][i], m.rows[w][j] = m.rows[w][j], m.rows[w][i] })
		n := len(m.rows[w]) / 3
		m.later[w], m.rows[w] = m.rows[w][n:], m.rows[w][:n]
	}
	m.srv = wechattest.New(accounts...)
	m.srv.SetLatency(2*time.Millisecond, 15*time.Millisecond)
	m.srv.SetFaults(0.25, seed, wechattest.Busy, wechattest.BadGateway, wechattest.ResetBefore, wechattest.ResetAfter, wechattest.Truncated)
	m.srv.Start()
	t.Cleanup(m.srv.Close)
	return m
}

// mutate changes one wave's input as an operator would between runs.
func (m *runModel) mutate() {
	w := m.rng.IntN(2)
	rows := m.rows[w]
	switch k := m.rng.IntN(7); {
	case k == 0 && len(rows) > 1: // a row taken out
		i := m.rng.IntN(len(rows))
		m.removed[w] = append(m.removed[w], rows[i])
		m.rows[w] = slices.Delete(rows, i, i+1)
	case k == 1 && len(m.removed[w]) > 0: // a row put back, at the end
		m.rows[w] = append(rows, m.removed[w][0])
		m.removed[w] = m.removed[w][1:]
	case k == 2: // rows reordered
		m.rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	case k == 3: // a group name spelt another way
		i := m.rng.IntN(len(rows))
		if g := rows[i].group; g != "" {
			if m.rng.IntN(2) == 0 {
				rows[i].group = strings.ToUpper(g)
			} else {
				rows[i].group = "  " + strings.ToLower(g)
			}
		}
	case k == 4: // a token rotated overnight; the input has it, or not yet
		i := m.rng.IntN(len(rows))
		next := fmt.Sprintf("R%d-%s", m.rng.Uint32(), strings.Repeat("y", 40))
		if err := m.srv.RotateToken(rows[i].appid, next); err != nil {
			m.t.Fatal(err)
		}
		m.token[rows[i].appid] = next
		if m.rng.IntN(2) == 0 {
			rows[i].token = next
		}
	case k == 5: // a stale token fixed
		for i := range rows {
			rows[i].token = m.token[rows[i].appid]
		}
	}
	if n := min(len(m.later[w]), m.rng.IntN(5)); n > 0 { // rows added
		m.rows[w] = append(m.rows[w], m.later[w][:n]...)
		m.later[w] = m.later[w][n:]
	}
}

// runHow is how a run of the model goes.
type runHow string

const (
	runPlain      runHow = "plain"
	runKilled     runHow = "kill -9"     // at a random moment
	runTerminated runHow = "SIGTERM"     // at a random moment
	runDead       runHow = "unreachable" // every address refuses
)

// inDoubt is the set of appids whose state the results leave in doubt.
func (m *runModel) inDoubt() map[string]bool {
	doubt := map[string]bool{}
	if _, err := report.ReadFile(m.out, func(r *report.Record, _ int64) error {
		if r.Matters() {
			doubt[r.AppID] = r.InDoubt()
		}
		return nil
	}); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.t.Fatal(err)
	}
	return doubt
}

// runWave runs wave w as how says.
func (m *runModel) runWave(w int, how runHow) (int, string) {
	m.t.Helper()
	var b bytes.Buffer
	b.WriteString("appid,access_token,group\n")
	for _, r := range m.rows[w] {
		fmt.Fprintf(&b, "%s,%s,%s\n", r.appid, r.token, r.group)
	}
	if err := os.WriteFile(m.inputs[w], b.Bytes(), 0o600); err != nil {
		m.t.Fatal(err)
	}
	if how == runDead {
		if err := m.srv.SetReachable(0, false); err != nil {
			m.t.Fatal(err)
		}
		defer func() {
			if err := m.srv.SetReachable(0, true); err != nil {
				m.t.Fatal(err)
			}
		}()
	}
	mark := len(m.srv.Calls())
	cmd := exec.Command(m.bin, "run", "--input", m.inputs[w], "--output", m.out, "--base-url", m.srv.URL,
		"--qps", "0", "--workers", "4", "--max-attempts", "3", "--retry-backoff", "1ms", "--timeout", "2s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	switch how {
	case runKilled:
		time.Sleep(time.Duration(2+m.rng.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
	case runTerminated:
		time.Sleep(time.Duration(2+m.rng.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	code := exitOf(m.t, cmd.Wait())
	if code == -int(syscall.SIGKILL) {
		m.kills++
	}
	if code == 2 || code == 4 || (code > 4) {
		m.t.Fatalf("wave %d: exit %d\n%s", w, code, out.String())
	}
	if how == runDead && len(m.srv.Calls()) != mark {
		m.t.Fatalf("wave %d: the stand-in saw calls while it refused every connection", w)
	}
	// A SIGTERM that comes before main has set its handlers (the first
	// milliseconds of the process) ends it as the signal's default does.
	if how != runKilled && code != -int(syscall.SIGTERM) {
		m.checkExit(w, code, out.String())
	}
	// No row known done (with its open account) was sent again.
	for _, c := range m.srv.Calls()[mark:] {
		if r, ok := m.known[c.AppID]; ok && r.Status.Done() && r.OpenAppID != "" {
			m.t.Fatalf("%s was sent again (%s) after the results recorded it %s on %s\n%s", c.AppID, c.Path, r.Status, r.OpenAppID, out.String())
		}
	}
	return code, out.String()
}

// check checks the results file against the stand-in.
func (m *runModel) check(when string) {
	m.t.Helper()
	last := map[string]report.Record{}
	if _, err := report.ReadFile(m.out, func(r *report.Record, _ int64) error {
		if r.Matters() {
			last[r.AppID] = *r
		}
		return nil
	}); err != nil && !errors.Is(err, os.ErrNotExist) { // killed before it made the file
		m.t.Fatalf("%s: %v", when, err)
	}
	for appid, r := range m.known {
		if r.Status.Done() && !last[appid].Status.Done() {
			m.t.Fatalf("%s: the done record of %s is lost (now %+v)", when, appid, last[appid])
		}
	}
	for appid, r := range last {
		if r.Status.Done() && r.OpenAppID != "" && r.OpenAppID != m.srv.BoundTo(appid) {
			m.t.Fatalf("%s: %s recorded on %s; WeChat has it on %q", when, appid, r.OpenAppID, m.srv.BoundTo(appid))
		}
	}
	m.known = last
	opens := map[string]map[string]bool{}
	for appid, g := range m.groupOf {
		if g == "" {
			continue
		}
		if opens[g] == nil {
			opens[g] = map[string]bool{}
		}
		if o := m.srv.BoundTo(appid); o != "" && m.srv.Made(o) {
			opens[g][o] = true
		}
	}
	for g, o := range opens {
		if len(o) > 1 {
			m.t.Fatalf("%s: merchant %q is on %d open accounts made by create calls: %v", when, g, len(o), o)
		}
	}
}

// checkExit checks that a run's exit code follows the rows of wave w in
// the results: 0 every row done; 1 a row failed or invalid, or a group's
// row left pending (its group waits); 3 only for a run stopped early (a
// signal, or WeChat out of reach), which leaves rows not done.
func (m *runModel) checkExit(w, code int, out string) {
	m.t.Helper()
	in := map[string]bool{}
	for _, r := range m.rows[w] {
		in[r.appid] = true
	}
	var done, notDone, failed, waiting, loose int
	if _, err := report.ReadFile(m.out, func(r *report.Record, _ int64) error {
		if r.Kept() || !in[r.AppID] {
			return nil
		}
		switch {
		case r.Status.Done():
			done++
			return nil
		case r.Status == report.Failed || r.Status == report.Invalid:
			failed++
		case r.Group != "":
			waiting++
		default:
			loose++
		}
		notDone++
		return nil
	}); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.t.Fatal(err)
	}
	ok := false
	switch code {
	case 0:
		ok = notDone == 0
	case 1:
		ok = loose == 0 && failed+waiting > 0
	case 3:
		ok = true // stopped early: what was recorded is kept
	}
	if !ok {
		m.t.Fatalf("wave %d: exit %d with %d done, %d failed or invalid, %d pending in a group, %d pending alone\n%s", w, code, done, failed, waiting, loose, out)
	}
}
