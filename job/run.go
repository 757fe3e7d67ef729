// Package job is the batch job itself: it reads and checks the input rows,
// resumes from the results file, sends each row that is not done through a
// pool of workers under the shared rate limit, retries what is transient,
// decides the outcome of each row, and has the results file rewritten in
// input order at the end. After a wave, Verify (verify.go) asks WeChat
// whether the done rows are still bound as recorded, through the same
// machinery.
//
// One producer streams the input; a scheduler holds back the rows of a
// merchant group until the group's first row has its open account (see
// groups.go); a dispatcher hands the rows to the workers, which make the
// calls; one collector alone writes the results. A failed row is a value,
// not an error that cancels the pool.
package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"openbind/ratelimit"
	"openbind/report"
	"openbind/wechat"
)

// API is what the job needs of WeChat; *wechat.Client has it.
type API interface {
	Create(ctx context.Context, token, appid string) (string, error)
	Get(ctx context.Context, token, appid string) (string, error)
	Bind(ctx context.Context, token, appid, openAppID string) error
}

// Config is a run's settings; the zero values of the optional ones take
// the defaults of the command line.
type Config struct {
	Input   string // the accounts CSV
	Output  string // the results CSV (journal and final file)
	QPS     float64
	Burst   int
	Workers int // 0: DefaultWorkers(QPS, Burst)

	MaxAttempts  int           // attempts per call, at least 1
	Timeout      time.Duration // per attempt
	RetryBackoff time.Duration // first backoff; it doubles, with jitter
	BaseURL      string
	DryRun       bool
	SyncEvery    time.Duration // bound on how long a finished row waits for fsync
	// QuotaPause is how long a 45011 pauses every call; 0: until the next
	// minute of the clock, when WeChat's minute quota turns.
	QuotaPause time.Duration
	// TokenCommand, when set, is run (sh -c) for a fresh token: for rows
	// whose token cell is empty (the column may then be absent), and once
	// for a row whose call answers 40001, 40014 or 42001.
	TokenCommand string
	TokenTimeout time.Duration // bound on one run of TokenCommand
	// StaleTokenStreak is how many rows in a row may fail with an invalid
	// or expired token (40001, 40014, 42001) before the run stops: the
	// file's tokens are stale. 0: DefaultStaleTokenStreak; < 0: never.
	StaleTokenStreak int

	// InputEncoding (utf-8, gb18030, utf-16; "": told from the bytes) and
	// Sheet (of a workbook; "": the first) say how to read Input.
	InputEncoding string
	Sheet         string

	Logger   *slog.Logger
	API      API      // nil: a wechat.Client for BaseURL
	Limiter  Limiter  // nil: a ratelimit.Limiter of QPS and Burst
	Progress Progress // nil: none
}

// Progress is told how a run goes; the command line draws it.
type Progress interface {
	// Start is called once, with the number of rows to send.
	Start(toSend int)
	// Row is called as each row sent ends (done, failed or cut off).
	Row(rec *report.Record)
	// Stop is called once, when the last row has ended.
	Stop()
}

// Limiter is the rate limit every call waits on; *ratelimit.Limiter has it.
type Limiter interface {
	Wait(ctx context.Context) error
	// SlowDown is told of a 45011 (minute quota): it slows every caller,
	// and reports whether this 45011 did (the others of a burst do not).
	SlowDown() bool
}

// Defaults of Config.
const (
	DefaultQPS          = 10
	DefaultMaxAttempts  = 5
	DefaultTimeout      = 10 * time.Second
	DefaultRetryBackoff = 500 * time.Millisecond
	DefaultSyncEvery    = time.Second
	// DefaultStaleTokenStreak rows failing on their token, one after the
	// other, stop the run.
	DefaultStaleTokenStreak = 20
	// MaxLatency is the answer time the default pool must absorb at full rate.
	MaxLatency = time.Second
)

// DefaultWorkers sizes the pool by Little's law: enough calls in flight to
// keep qps when each takes MaxLatency, plus a quarter for the retries and
// the tail, plus the burst. With no rate limit it is 32.
func DefaultWorkers(qps float64, burst int) int {
	if qps <= 0 {
		return 32
	}
	n := int(math.Ceil(qps*MaxLatency.Seconds()*1.25)) + max(burst, 1)
	return min(max(n, 4), 10000)
}

// ConfigError is a bad setting: nothing was read or sent.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func (c *Config) setDefaults() error {
	if c.Input == "" {
		return &ConfigError{"--input is required (see openbind run --help)"}
	}
	if c.Output == "" {
		c.Output = "results.csv"
	}
	switch {
	case c.QPS < 0 || math.IsNaN(c.QPS) || math.IsInf(c.QPS, 0):
		return &ConfigError{fmt.Sprintf("--qps %v: want 0 (no limit) or more", c.QPS)}
	case c.Burst < 0:
		return &ConfigError{fmt.Sprintf("--burst %d: want 1 or more", c.Burst)}
	case c.Workers < 0:
		return &ConfigError{fmt.Sprintf("--workers %d: want 1 or more", c.Workers)}
	case c.MaxAttempts < 0:
		return &ConfigError{fmt.Sprintf("--max-attempts %d: want 1 or more", c.MaxAttempts)}
	case c.Timeout < 0:
		return &ConfigError{fmt.Sprintf("--timeout %s: want more than 0", c.Timeout)}
	}
	c.Burst = max(c.Burst, 1)
	if c.Workers == 0 {
		c.Workers = DefaultWorkers(c.QPS, c.Burst)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.SyncEvery <= 0 {
		c.SyncEvery = DefaultSyncEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Limiter == nil {
		l := ratelimit.New(c.QPS, c.Burst)
		l.SetPause(c.QuotaPause)
		c.Limiter = l
	}
	if c.TokenTimeout <= 0 {
		c.TokenTimeout = DefaultTokenTimeout
	}
	if c.StaleTokenStreak == 0 {
		c.StaleTokenStreak = DefaultStaleTokenStreak
	}
	if c.API == nil {
		cl, err := wechat.NewClient(c.BaseURL, wechat.NewHTTPClient(c.Workers))
		if err != nil {
			return &ConfigError{"--base-url: " + err.Error()}
		}
		cl.SetWaiter(c.Limiter) // a failover to the next URL is a call too
		lg, timeout := c.Logger, c.Timeout
		cl.SetFailoverHook(func(from, to string, err error) {
			lg.Warn("a base URL cannot be reached; going on at the next one", "from", from, "to", to, "error", describe(err, timeout))
		})
		c.API = cl
	} else if c.BaseURL != "" {
		if _, err := wechat.ParseBaseURLs(c.BaseURL); err != nil {
			return &ConfigError{"--base-url: " + err.Error()}
		}
	}
	same, err := samePath(c.Input, c.Output)
	if err == nil && same {
		return &ConfigError{fmt.Sprintf("--output %s is the input file", c.Output)}
	}
	return nil
}

func samePath(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// Result is what a run did.
type Result struct {
	Plan Plan // what there was to do when the run started
	// Summary is the results file as the run left it, with what the run
	// measured in Summary.Run (nil for a dry run).
	Summary report.Summary
	// Stopped says why the run stopped before the end (a signal, the daily
	// quota, an unwritable results file); nil when it ran to the end.
	Stopped error
}

// Sent is the number of rows the run sent.
func (r *Result) Sent() int {
	if r.Summary.Run == nil {
		return 0
	}
	return r.Summary.Run.Sent
}

// StopError says why a run stopped early; rows not finished are pending.
type StopError struct {
	Reason string
	Err    error
}

func (e *StopError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *StopError) Unwrap() error { return e.Err }

// Run runs the job: read and check the input, resume from the results,
// send what is not done, and rewrite the results in input order. Cancelling
// ctx stops dispatching; calls in flight finish (each bounded by Timeout)
// and the results are written. An error means nothing was sent (bad
// settings or input, a locked or unreadable results file) or, after the
// start, that the results could not be written.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	st, err := loadInput(ctx, cfg.Input, InputOptions{TokenOptional: cfg.TokenCommand != "", Encoding: cfg.InputEncoding, Sheet: cfg.Sheet})
	if err != nil && ctx.Err() != nil {
		// A signal while the input was read (an endless one: a device, a
		// pipe): nothing was sent.
		res := &Result{Stopped: &StopError{Reason: "stopped by a signal while the input was read; nothing was sent"}}
		res.Summary = report.NewTally().Summary()
		res.Summary.File = cfg.Output
		res.Summary.Run = (&stats{}).run(0, time.Since(start), res.Stopped)
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	logInput(cfg.Logger, cfg.Input, &st.inPlan)
	// The results file is the file the output names: symlinks followed, so
	// that the lock and the rewrite act on it and the link stays.
	path, err := resolveOutput(cfg.Output)
	if err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	if cfg.DryRun {
		res, err := dryRun(st, cfg.Output, path)
		if res != nil {
			res.Plan.QPS, res.Plan.Workers = cfg.QPS, cfg.Workers
		}
		return res, err
	}
	if err := checkOpenFiles(cfg.Workers); err != nil {
		return nil, err
	}
	// A file that is no results file is refused before its lock is made
	// beside it: it is left as it was, and nothing is added next to it.
	extra, err := report.CheckHeader(path)
	if err == nil {
		err = extraColumns(report.ScanInfo{Extra: extra})
	}
	if err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	unlock, err := lockOutput(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	j, err := openResults(st, &cfg, path)
	if err != nil && isNoRoom(err) {
		// No room for even the header: a run that cannot record sends
		// nothing, and says so as a stop (exit 3), not a usage error.
		res := &Result{Plan: st.plan(), Summary: st.summary()}
		res.Stopped = cannotRecord(cfg.Output, err)
		res.Summary.File = cfg.Output
		res.Summary.Run = (&stats{}).run(0, time.Since(start), res.Stopped)
		return res, nil
	}
	if err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	defer j.Close()

	res := &Result{Plan: st.plan()}
	r := &runner{cfg: cfg, st: st, j: j, limiter: cfg.Limiter, intents: make(chan intent)}
	r.stats.outcomes = map[string]int{}
	if r.sched, err = newScheduler(st, j); err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	for _, m := range res.Plan.Moved {
		cfg.Logger.Warn("a done row's input names another group than its record; it stays in the group of its record", "line", m.Line, "recorded_group", m.From, "input_group", m.To)
	}
	if toDo := res.Plan.ToSend + res.Plan.Lookups; toDo > 0 {
		// A run that cannot record sends nothing.
		if err := j.Probe(); err != nil {
			r.cause = cannotRecord(cfg.Output, err)
			r.journalErr = err
		} else {
			if p := cfg.Progress; p != nil {
				p.Start(toDo)
			}
			r.pool(ctx)
			if p := cfg.Progress; p != nil {
				p.Stop()
			}
		}
	}
	if c, ok := cfg.API.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections() // the final rewrite needs file descriptors
	}
	res.Summary, res.Stopped = r.finish()
	res.Summary.File = cfg.Output
	res.Summary.Run = r.stats.run(r.sent, time.Since(start), res.Stopped)
	res.Summary.Run.Notes = r.notes
	noteFailovers(cfg.API, res.Summary.Run)
	return res, nil
}

// cannotRecord is the stop of a run whose results file cannot take a
// write before its first call.
func cannotRecord(output string, err error) *StopError {
	return &StopError{Reason: "the results file " + output + " cannot take a write (is its disk full?); nothing was sent", Err: err}
}

// resolveOutput returns the path of the file that output names, with its
// symlinks followed; a dangling link names the file it would create.
func resolveOutput(output string) (string, error) {
	p := output
	for range 40 {
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", unwrapPath(err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", unwrapPath(err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return "", errors.New("too many levels of symbolic links")
}

// openResults opens the results file at path and reads what it says. A
// file whose header is not the one openbind writes is rewritten first,
// for appends.
func openResults(st *state, cfg *Config, path string) (*report.Journal, error) {
	for {
		removeStaleTemps(path, cfg.Logger)
		j, err := report.OpenJournal(path, cfg.SyncEvery)
		if err != nil {
			return nil, unwrapPath(err)
		}
		info, err := st.scanResults(j)
		if err == nil {
			err = extraColumns(info)
		}
		if err != nil {
			j.Close()
			return nil, err
		}
		if info.TornBytes > 0 && !info.Created {
			cfg.Logger.Warn("the results file ended in a torn line (an earlier run was killed, or its disk was full); cut it off", "file", cfg.Output, "bytes", info.TornBytes)
		}
		if info.Canonical {
			return j, nil
		}
		err = st.rewrite(j, report.NewTally())
		if cerr := j.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		st.forget()
	}
}

// extraColumns refuses a results file with columns openbind does not
// write (a person's notes): the final rewrite would drop them.
func extraColumns(info report.ScanInfo) error {
	if len(info.Extra) == 0 {
		return nil
	}
	return fmt.Errorf("it has columns openbind does not write (%s), which its rewrite would drop; move them to another file (or remove them), then run again", strings.Join(info.Extra, ", "))
}

// removeStaleTemps removes the temporary files of a final rewrite that a
// killed run left beside output (output.NNN.tmp). The caller holds the lock.
func removeStaleTemps(output string, lg *slog.Logger) {
	dir, base := filepath.Split(output)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		mid, ok := strings.CutPrefix(name, base+".")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if digits, ok := strings.CutSuffix(mid, ".tmp"); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			if os.Remove(filepath.Join(dir, name)) == nil {
				lg.Info("removed the temporary file of an interrupted rewrite", "file", filepath.Join(dir, name))
			}
		}
	}
}

// finish makes the results file final: synced, and rewritten in input
// order unless it is final already. It returns the summary of the file and
// why the run stopped early, if it did. When every row is recorded but the
// rewrite fails (no room for the second copy, no file descriptor), the
// journal stands as the results: complete, in finishing order; the run
// says so, and its outcome is the rows'.
func (r *runner) finish() (report.Summary, error) {
	stopped := r.stopCause()
	if r.journalErr != nil {
		// The results file cannot take more: keep what it holds.
		return r.st.summary(), stopped
	}
	if err := r.j.Sync(); err != nil {
		return r.st.summary(), &StopError{Reason: "cannot write the results file " + r.cfg.Output, Err: err}
	}
	if r.st.clean && r.sent == 0 {
		// Nothing changed and the file is already final: leave it be.
		return r.st.scanTally.Summary(), stopped
	}
	tally := report.NewTally()
	if err := r.st.rewrite(r.j, tally); err != nil {
		msg := fmt.Sprintf("the results file %s could not be rewritten in input order (%v); it holds every row recorded, in the order they finished, and the next run tidies it", r.cfg.Output, err)
		r.cfg.Logger.Warn(msg)
		r.notes = append(r.notes, msg)
		if isTooManyFiles(err) && stopped == nil {
			stopped = tooManyFiles(err)
		}
		return r.st.summary(), stopped
	}
	return tally.Summary(), stopped
}

// OutputError is a results file that cannot be opened or read at the start.
type OutputError struct {
	Path string
	Err  error
}

func (e *OutputError) Error() string {
	if errors.Is(e.Err, report.ErrNotResults) {
		return fmt.Sprintf("--output %s: %v; it is left as it is: name a new or empty file, or the results file of an earlier run", e.Path, e.Err)
	}
	return fmt.Sprintf("results file %s: %v", e.Path, e.Err)
}
func (e *OutputError) Unwrap() error { return e.Err }

func dryRun(st *state, output, path string) (*Result, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, &OutputError{Path: output, Err: fmt.Errorf("not a regular file: %w", report.ErrNotResults)}
	}
	st.beginScan()
	info, err := report.ReadFile(path, st.note)
	if err == nil {
		err = extraColumns(info)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, &OutputError{Path: output, Err: err}
	}
	st.endScan(info)
	return &Result{Plan: st.plan(), Summary: st.summary()}, nil
}

// runner is one run's pool.
type runner struct {
	cfg     Config
	st      *state
	j       *report.Journal
	limiter Limiter

	cancel  context.CancelCauseFunc
	stopCtx context.Context
	callCtx context.Context // the calls' parent: a stop does not cancel calls in flight
	cause   error           // why the run stopped early, once pool returns

	stats stats
	sched *scheduler

	// intents are the records a worker has the collector write before it
	// sends a call that may create an open account (see journalIntent).
	intents chan intent

	// Owned by the collector.
	sent          int
	journalErr    error
	tokenStreak   int      // rows failed on their token, one after the other
	quotaStreak   int      // rows failed with 45009, one after the other
	unreachStreak int      // rows that reached no URL, one after the other
	notes         []string // what the summary must say of the results file

	// unreached holds, by appid, the error of a row whose last call
	// reached no URL (set by fail, taken by the collector's watchStreaks).
	unreached sync.Map
}

// task is a row to send; the token lives only here.
type task struct {
	i       int
	row     Row
	kind    taskKind
	open    string // doBind: the group's open account
	why     string // doDefer: why the row waits
	renewed bool   // the token command gave row.Token
	stale   string // the row's token before the token command renewed it
}

type outcome struct {
	i     int
	kind  taskKind
	rec   report.Record
	clean bool // a failed create left nothing behind
	// lookup is what a get of a row whose state was unknown found.
	lookup lookupResult
	// again, when set, is the row to send once more: its get found it
	// no longer bound, so it is sent like any row not done.
	again *task
	// reason is, for a get that could not settle a row, why.
	reason string
	// prevGroup says the record keeps the group of the row's earlier
	// record (see stillBound).
	prevGroup bool
	// skip says there is nothing to record: the row goes on (again), or
	// its earlier record, in doubt, must stand (it could not be asked).
	skip bool
}

// intent is a record the collector writes before a call is sent; done
// gets the error of writing it.
type intent struct {
	i    int
	rec  report.Record
	done chan error
}

// stop stops dispatching for cause; the first cause is kept.
func (r *runner) stop(cause error) {
	r.cancel(cause)
}

// startPool makes the contexts of a pool (run's or verify's): the stop,
// which a signal or r.stop cancels, and the calls' parent, which a stop
// does not cancel (calls in flight finish, bounded by their timeout).
func (r *runner) startPool(ctx context.Context) {
	r.stopCtx, r.cancel = context.WithCancelCause(ctx)
	r.callCtx = context.WithoutCancel(r.stopCtx)
}

// endPool keeps why the pool stopped early: the first StopError, or a
// signal (ctx) while left says work was left.
func (r *runner) endPool(ctx context.Context, left func() bool) {
	var se *StopError
	switch cause := context.Cause(r.stopCtx); {
	case errors.As(cause, &se):
		r.cause = se
	case ctx.Err() != nil && left():
		r.cause = &StopError{Reason: "stopped by a signal"}
	}
	r.cancel(nil)
}

// stopCause is why the run stopped early, or nil.
func (r *runner) stopCause() error { return r.cause }

// pool sends the rows to do and records their outcomes; it sets r.cause
// when the run stopped before every row was finished.
func (r *runner) pool(ctx context.Context) {
	r.startPool(ctx)
	defer r.endPool(ctx, func() bool { return r.st.plan().ToSend > 0 })
	tasks := make(chan task, r.cfg.Workers)
	results := make(chan outcome, r.cfg.Workers)
	produced := make(chan task)
	go func() {
		defer close(produced)
		if err := r.produce(r.stopCtx, produced); err != nil {
			r.stop(&StopError{Reason: "stopped reading the input", Err: err})
		}
	}()
	go r.dispatch(r.stopCtx, produced, tasks)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			defer r.recoverPanic()
			for t := range tasks {
				if r.stopCtx.Err() != nil {
					continue // never sent: the final file says pending
				}
				o := r.process(r.stopCtx, &t)
				if o.rec.Status == report.Pending && o.rec.Attempts == 0 && t.kind != doDefer && r.stopCtx.Err() != nil {
					continue // stopped before its first call: nothing to record
				}
				results <- o
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	r.collect(results)
}

// recoverPanic turns a panic of a worker (a bug) into a stop of the run:
// what was recorded is kept, and no stack trace reaches the user.
func (r *runner) recoverPanic() {
	if v := recover(); v != nil {
		r.cfg.Logger.Error("internal error (a bug in openbind); stopping", "panic", fmt.Sprint(v))
		r.stop(&StopError{Reason: fmt.Sprintf("internal error (a bug in openbind: %v); the rows recorded are kept", v)})
	}
}

// produce streams the input again and hands every row to do to the
// dispatcher; a row of a group goes through the scheduler, which sends it
// at once or keeps it until its group's leader has ended.
func (r *runner) produce(ctx context.Context, out chan<- task) error {
	in, err := r.st.reopen()
	if err != nil {
		return err
	}
	defer in.Close()
	for {
		row, i, err := in.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		t, send := task{i: i, row: row}, true
		switch {
		case !r.st.todo(i):
			t, send = r.sched.arriveDone(r.st, t)
		case r.st.rows[i].group >= 0:
			t, send = r.sched.arrive(r.st, t)
		}
		if !send {
			continue
		}
		select {
		case out <- t:
		case <-ctx.Done():
			return nil
		}
	}
}

// dispatch hands the workers the rows the producer reads and those the
// scheduler releases (these first), until both are done.
func (r *runner) dispatch(ctx context.Context, produced <-chan task, tasks chan<- task) {
	defer close(tasks)
	in := produced
	for {
		t, ok := r.sched.pop()
		if !ok {
			if in == nil && r.sched.idle() {
				return
			}
			select {
			case t, ok = <-in:
				if !ok {
					in = nil
					continue
				}
			case <-r.sched.notify:
				continue
			case <-ctx.Done():
				return
			}
		}
		select {
		case tasks <- t:
		case <-ctx.Done():
			return
		}
	}
}

// maxUnflushed bounds the rows finished but not yet handed to the kernel.
const maxUnflushed = 16

// collect is the one writer of the results file and of the rows' state.
// A row is handed to the kernel as soon as no other row waits to be
// written, and every maxUnflushed rows when they come faster: a kill -9
// loses only what is in flight. (Batching writes further saved no
// measurable CPU: scripts/bench, --qps 0.) An intent is handed to the
// kernel before its worker goes on.
func (r *runner) collect(results <-chan outcome) {
	// The rows written but not yet flushed: their state changes only once
	// they are in the file.
	type written struct {
		o      outcome
		off    int64
		intent bool
	}
	var unflushed []written
	flush := func() {
		if err := r.j.Flush(); err != nil {
			r.journalFailed(err)
			return
		}
		for i := range unflushed {
			w := &unflushed[i]
			if w.intent {
				r.st.took(w.o.i, w.off, &w.o.rec)
				continue
			}
			r.record(&w.o, w.off)
		}
		unflushed = unflushed[:0]
	}
	for {
		select {
		case in := <-r.intents:
			if r.journalErr != nil {
				in.done <- r.journalErr
				continue
			}
			off, err := r.j.Append(&in.rec)
			if err != nil {
				r.journalFailed(err)
				in.done <- err
				continue
			}
			unflushed = append(unflushed, written{o: outcome{i: in.i, rec: in.rec}, off: off, intent: true})
			flush()
			in.done <- r.journalErr
		case o, ok := <-results:
			if !ok {
				if r.journalErr == nil && len(unflushed) > 0 {
					flush()
				}
				return
			}
			if o.skip {
				r.sched.ended(r.st, &o)
				continue
			}
			r.sent++
			if r.journalErr != nil {
				continue
			}
			if o.prevGroup {
				if prev, err := r.j.RecordAt(r.st.rows[o.i].off); err == nil {
					o.rec.Group, o.rec.AppID = prev.Group, prev.AppID
				}
			}
			off, err := r.j.Append(&o.rec)
			if err != nil {
				r.journalFailed(err)
				continue
			}
			unflushed = append(unflushed, written{o: o, off: off})
			if len(results) == 0 || len(unflushed) >= maxUnflushed {
				flush()
			}
		}
	}
}

// journalIntent has the collector write rec for row i, and waits until it
// is in the file: a kill -9 during the call that follows leaves the row in
// doubt (report.Record.InDoubt), and the next run asks get before its
// group creates anything.
func (r *runner) journalIntent(i int, rec report.Record) error {
	in := intent{i: i, rec: rec, done: make(chan error, 1)}
	r.intents <- in
	return <-in.done
}

func (r *runner) journalFailed(err error) {
	r.journalErr = err
	r.stop(&StopError{Reason: "cannot write the results file " + r.cfg.Output + "; stopped dispatching, the rows recorded so far are kept", Err: err})
}

// took takes in a record of row i written at off: the row's state is its
// last record that matters (report.Record.Matters); a pending record of a
// row never sent this run replaces what the final file shows of the row,
// unless the row is in doubt, which only a record that matters settles.
func (st *state) took(i int, off int64, rec *report.Record) {
	row := &st.rows[i]
	switch {
	case rec.Matters():
		row.off, row.status = off, rec.Status
		row.doubt, row.noOpen = rec.InDoubt(), rec.Status == report.AlreadyBound && rec.OpenAppID == ""
	case !row.doubt:
		row.off, row.status = off, rec.Status
	}
}

// record takes in a row's outcome, written at off in the results file.
func (r *runner) record(o *outcome, off int64) {
	rec := &o.rec
	r.st.took(o.i, off, rec)
	r.log(rec)
	r.watchTokens(rec)
	r.watchStreaks(rec)
	r.sched.ended(r.st, o)
	if p := r.cfg.Progress; p != nil {
		p.Row(rec)
	}
}

// watchTokens stops the run when too many rows in a row failed on their
// token: the file's tokens are stale, and going on would only burn quota.
func (r *runner) watchTokens(rec *report.Record) {
	if rec.Status == report.Pending {
		return
	}
	if rec.Status != report.Failed || !wechat.IsTokenCode(rec.ErrCode) {
		r.tokenStreak = 0
		return
	}
	r.tokenStreak++
	if n := r.cfg.StaleTokenStreak; n > 0 && r.tokenStreak == n {
		r.stop(&StopError{Reason: fmt.Sprintf("%d rows in a row failed with an invalid or expired access_token (40001, 40014, 42001): the tokens of %s look stale; refresh them and run again", n, r.cfg.Input)})
	}
}

// StreakLimit rows in a row answering 45009, or reaching no URL, stop the
// run.
const StreakLimit = 20

// watchStreaks stops the run when StreakLimit rows in a row answered 45009
// (one account's quota is its own; twenty in a row is the platform at its
// limit) or reached none of the base URLs (WeChat is out of reach from
// this machine: going on would only grind through the file). Rows count in
// the order they finish; any other outcome resets both counts.
func (r *runner) watchStreaks(rec *report.Record) {
	last, unreached := r.unreached.LoadAndDelete(rec.AppID)
	if rec.Status == report.Pending {
		return
	}
	failed := rec.Status == report.Failed
	r.quotaStreak = streak(r.quotaStreak, failed && rec.ErrCode == wechat.CodeDailyQuota)
	r.unreachStreak = streak(r.unreachStreak, failed && unreached)
	switch {
	case r.quotaStreak == StreakLimit:
		r.stop(&StopError{Reason: fmt.Sprintf("%d rows in a row answered errcode 45009 (daily quota): WeChat's quota is exhausted for today; run again tomorrow", StreakLimit)})
	case r.unreachStreak == StreakLimit:
		reason := fmt.Sprintf("WeChat cannot be reached from this machine: no URL of --base-url answered for %d rows in a row", StreakLimit)
		if err, ok := last.(error); ok {
			var ue *wechat.UnreachableError
			if errors.As(err, &ue) {
				reason += " (" + strings.Join(ue.URLs, ", ") + ")"
			}
			reason += "; last error: " + describe(err, r.cfg.Timeout) + "; check DNS, the firewall and the proxy (HTTPS_PROXY), then run again"
		}
		r.stop(&StopError{Reason: reason})
	}
}

func streak(n int, hit bool) int {
	if hit {
		return n + 1
	}
	return 0
}

func (r *runner) log(rec *report.Record) {
	lg := r.cfg.Logger
	switch {
	case rec.Status == report.Failed:
		if rec.ErrCode == 0 { // no errcode: 0 would read as WeChat's success
			lg.Warn("row failed", "line", rec.Line, "appid", rec.AppID, "errmsg", rec.ErrMsg, "attempts", rec.Attempts)
			break
		}
		lg.Warn("row failed", "line", rec.Line, "appid", rec.AppID, "errcode", rec.ErrCode, "errmsg", rec.ErrMsg, "attempts", rec.Attempts)
	case lg.Enabled(context.Background(), slog.LevelDebug): // the arguments cost, for every row
		lg.Debug("row finished", "line", rec.Line, "appid", rec.AppID, "status", rec.Status.String(), "open_appid", rec.OpenAppID, "attempts", rec.Attempts)
	}
}
