package job

// verify: after a wave, ask WeChat (open/get) whether every done row of
// the results is still bound as recorded. It reads the results file
// without its lock (the file is valid at every moment) and never writes
// it; it keeps its own report, under its own lock, with the results file's
// discipline (appended as rows finish, rewritten in input order at the
// end). Its calls go through the run's machinery: the one limiter,
// (*runner).call with its retries and token renewal, the stale-token
// streak, the input re-read for each row's token.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"openbind/report"
	"openbind/wechat"
)

// VerifyConfig is a verification's settings; the zero values of the
// optional ones take the defaults of the command line.
type VerifyConfig struct {
	Input  string // the accounts CSV: the tokens
	Output string // the results CSV, read only
	Report string // the verification report; "": Output + ".verify.csv"
	Again  bool   // ask every done row, not only those without a verdict or unknown

	QPS          float64
	Burst        int
	Workers      int
	MaxAttempts  int
	Timeout      time.Duration
	RetryBackoff time.Duration
	QuotaPause   time.Duration
	BaseURL      string
	TokenCommand string
	TokenTimeout time.Duration
	// StaleTokenStreak: as Config's.
	StaleTokenStreak int

	Logger   *slog.Logger
	API      API
	Limiter  Limiter
	Progress Progress
	// Now is the clock of checked_at; nil: time.Now.
	Now func() time.Time
}

// VerifyResult is what a verification did.
type VerifyResult struct {
	// Summary is the whole report as the verification left it (Asked is
	// the rows asked this time).
	Summary report.VerifySummary
	Run     *report.Run // what the calls measured
	Report  string      // the report file
	// Stopped says why it stopped before the end; nil when it did not.
	Stopped error
}

// VerifyLockError is a report whose lock another verify holds (or that
// could not be locked): nothing was asked. It wraps the *LockError.
type VerifyLockError struct {
	Report string
	Err    error
}

func (e *VerifyLockError) Error() string {
	var le *LockError
	if errors.As(e.Err, &le) && errors.Is(e.Err, ErrLocked) {
		return fmt.Sprintf("the report %s is locked by another verify (lock file %s); nothing was asked", e.Report, le.Path)
	}
	return e.Err.Error()
}

func (e *VerifyLockError) Unwrap() error { return e.Err }

// ReportPath is the default report of a results file.
func ReportPath(output string) string { return output + ".verify.csv" }

// verifyItem is a done row of the results, and its verdict.
type verifyItem struct {
	row int // index in state.rows; -1: a kept record of another input
	rec report.VerifyRecord
	ask bool // asked this time
	got bool // a verdict (this time's, or an earlier one kept)
}

// doneRecord is what verify keeps of an appid's last record that matters.
type doneRecord struct {
	status report.Status
	open   string
	group  string
	off    int64
}

// Verify asks, for every done row of the results (input rows and kept
// records alike), open/get with the row's own token, and records a
// verdict in the report. An error means nothing was asked (bad settings
// or input, an unreadable results file, a report locked by another
// verify).
func Verify(ctx context.Context, vc VerifyConfig) (*VerifyResult, error) {
	start := time.Now()
	cfg := Config{
		Input: vc.Input, Output: vc.Output, QPS: vc.QPS, Burst: vc.Burst, Workers: vc.Workers,
		MaxAttempts: vc.MaxAttempts, Timeout: vc.Timeout, RetryBackoff: vc.RetryBackoff, QuotaPause: vc.QuotaPause,
		BaseURL: vc.BaseURL, TokenCommand: vc.TokenCommand, TokenTimeout: vc.TokenTimeout,
		StaleTokenStreak: vc.StaleTokenStreak, Logger: vc.Logger, API: vc.API, Limiter: vc.Limiter, Progress: vc.Progress,
	}
	if cfg.Input == "" {
		return nil, &ConfigError{"--input is required: the accounts file, for the tokens (see openbind verify --help)"}
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	now := vc.Now
	if now == nil {
		now = time.Now
	}
	if vc.Report == "" {
		vc.Report = ReportPath(cfg.Output)
	}
	for _, other := range []string{cfg.Input, cfg.Output} {
		if same, err := samePath(vc.Report, other); err == nil && same {
			return nil, &ConfigError{fmt.Sprintf("--report %s is the input or the results file", vc.Report)}
		}
	}
	st, err := readInput(cfg.Input, cfg.TokenCommand != "")
	if err != nil {
		return nil, err
	}
	resultsPath, err := resolveOutput(cfg.Output)
	if err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	items, err := readDone(st, resultsPath)
	if err != nil {
		return nil, &OutputError{Path: cfg.Output, Err: err}
	}
	if err := checkOpenFiles(cfg.Workers); err != nil {
		return nil, err
	}
	reportPath, err := resolveOutput(vc.Report)
	if err != nil {
		return nil, &OutputError{Path: vc.Report, Err: err}
	}
	unlock, err := lockOutput(reportPath)
	if err != nil {
		return nil, &VerifyLockError{Report: vc.Report, Err: err}
	}
	defer unlock()
	earlier := map[string]report.VerifyRecord{}
	j, scan, err := report.OpenVerifyJournal(reportPath, func(r *report.VerifyRecord) error {
		earlier[r.AppID] = *r
		return nil
	})
	if err != nil {
		return nil, &OutputError{Path: vc.Report, Err: err}
	}
	defer j.Close()
	if scan.TornBytes > 0 {
		cfg.Logger.Warn("the report ended in a torn line (an earlier verify was killed); cut it off", "file", vc.Report, "bytes", scan.TornBytes)
	}

	toAsk := 0
	for k := range items {
		it := &items[k]
		e, ok := earlier[it.rec.AppID]
		switch {
		case vc.Again, !ok, e.Verdict == report.Unknown, e.RecordedOpen != it.rec.RecordedOpen,
			e.Verdict == report.NotAsked && cfg.TokenCommand != "":
			it.ask = true
			toAsk++
		default:
			it.rec.OpenAppID, it.rec.Verdict, it.rec.ErrCode, it.rec.ErrMsg, it.rec.CheckedAt = e.OpenAppID, e.Verdict, e.ErrCode, e.ErrMsg, e.CheckedAt
			it.got = true
		}
		if it.ask && ok {
			// Until it is asked again, the earlier verdict stands.
			it.rec.OpenAppID, it.rec.Verdict, it.rec.ErrCode, it.rec.ErrMsg, it.rec.CheckedAt = e.OpenAppID, e.Verdict, e.ErrCode, e.ErrMsg, e.CheckedAt
			it.got = e.Verdict != 0
		}
	}

	r := &runner{cfg: cfg, st: st, limiter: cfg.Limiter}
	r.stats.outcomes = map[string]int{}
	v := &verifier{runner: r, items: items, j: j, now: now, report: vc.Report}
	if toAsk > 0 {
		if p := cfg.Progress; p != nil {
			p.Start(toAsk)
		}
		v.pool(ctx)
		if p := cfg.Progress; p != nil {
			p.Stop()
		}
	}
	if c, ok := cfg.API.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	res := &VerifyResult{Report: vc.Report, Stopped: r.stopCause()}
	if err := v.finish(); err != nil {
		msg := fmt.Sprintf("the report %s could not be rewritten in input order (%v); it holds every row checked, in the order they finished, and the next verify tidies it", vc.Report, err)
		cfg.Logger.Warn(msg)
		r.notes = append(r.notes, msg)
	}
	recs := make([]report.VerifyRecord, 0, len(items))
	for k := range items {
		if items[k].got {
			recs = append(recs, items[k].rec)
		}
	}
	res.Summary = report.SummarizeVerifyRecords(recs)
	res.Summary.File, res.Summary.Asked = vc.Report, v.asked
	res.Run = r.stats.run(v.asked, time.Since(start), res.Stopped)
	res.Run.Notes = r.notes
	return res, nil
}

// readDone reads the results file at path, as a run would but without
// its lock and writing nothing, and returns its done rows: the input's, in
// input order, then the records kept from other inputs, in file order.
func readDone(st *state, path string) ([]verifyItem, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file: %w", report.ErrNotResults)
	}
	last := make(map[int]doneRecord)
	kept := map[AppID]doneRecord{}
	groups := map[string]string{} // one string per group name
	intern := func(s string) string {
		if g, ok := groups[s]; ok {
			return g
		}
		groups[s] = s
		return s
	}
	st.beginScan()
	info, err := report.ReadFile(path, func(rec *report.Record, off int64) error {
		if err := st.note(rec, off); err != nil {
			return err
		}
		a, ok := parseAppID(rec.AppID)
		if !ok || !rec.Matters() {
			return nil
		}
		d := doneRecord{status: rec.Status, open: rec.OpenAppID, group: intern(rec.Group), off: off}
		if i := st.lookup(a); i >= 0 {
			last[i] = d
		} else {
			kept[a] = d
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("no such file: run openbind run first, or name the results file with --output")
	}
	if err == nil {
		err = extraColumns(info)
	}
	if err != nil {
		return nil, err
	}
	st.endScan(info)
	var items []verifyItem
	for i := range st.rows {
		row := &st.rows[i]
		d, ok := last[i]
		if !ok || !d.status.Done() || row.why != valid {
			continue
		}
		items = append(items, verifyItem{row: i, rec: report.VerifyRecord{Line: int(row.line), AppID: row.appid.String(), Group: d.group, RecordedOpen: d.open}})
	}
	type keptItem struct {
		a AppID
		d doneRecord
	}
	var ks []keptItem
	for a, d := range kept {
		if d.status.Done() {
			ks = append(ks, keptItem{a, d})
		}
	}
	slices.SortFunc(ks, func(x, y keptItem) int { return int(x.d.off - y.d.off) })
	for _, k := range ks {
		items = append(items, verifyItem{row: -1, rec: report.VerifyRecord{AppID: k.a.String(), Group: k.d.group, RecordedOpen: k.d.open}})
	}
	return items, nil
}

// verifier is one verification's pool.
type verifier struct {
	*runner
	items  []verifyItem
	j      *report.VerifyJournal
	now    func() time.Time
	report string
	asked  int // rows asked and recorded (owned by the collector)
}

// check is one row to ask; the token lives only here.
type toCheck struct {
	k   int // index in items
	row Row
}

type checked struct {
	k    int
	rec  report.VerifyRecord
	skip bool // never sent: the verification is stopping
}

func (v *verifier) pool(ctx context.Context) {
	r := v.runner
	r.stopCtx, r.cancel = context.WithCancelCause(ctx)
	r.callCtx = context.WithoutCancel(r.stopCtx)
	defer func() {
		var se *StopError
		switch cause := context.Cause(r.stopCtx); {
		case errors.As(cause, &se):
			r.cause = se
		case ctx.Err() != nil:
			r.cause = &StopError{Reason: "stopped by a signal"}
		}
		r.cancel(nil)
	}()
	checks := make(chan toCheck, r.cfg.Workers)
	results := make(chan checked, r.cfg.Workers)
	go func() {
		defer close(checks)
		if err := v.produce(r.stopCtx, checks); err != nil {
			r.stop(&StopError{Reason: "stopped reading the input", Err: err})
		}
	}()
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			defer r.recoverPanic()
			for c := range checks {
				if r.stopCtx.Err() != nil {
					continue
				}
				o := v.check(r.stopCtx, &c)
				if o.skip {
					continue
				}
				results <- o
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	v.collect(results)
}

// produce reads the input again, for the tokens of the rows to ask, then
// hands over the kept records to ask (a token only from the command).
func (v *verifier) produce(ctx context.Context, out chan<- toCheck) error {
	send := func(c toCheck) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	k := 0 // items of input rows come first, in input order
	for k < len(v.items) && v.items[k].row >= 0 && !v.items[k].ask {
		k++
	}
	if k < len(v.items) && v.items[k].row >= 0 {
		in, err := v.st.reopen()
		if err != nil {
			return err
		}
		defer in.Close()
		for k < len(v.items) && v.items[k].row >= 0 {
			row, i, err := in.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if i != v.items[k].row {
				continue
			}
			if v.items[k].ask && !send(toCheck{k: k, row: row}) {
				return nil
			}
			k++
		}
	}
	for ; k < len(v.items); k++ {
		if it := &v.items[k]; it.ask {
			if !send(toCheck{k: k, row: Row{AppID: it.rec.AppID}}) {
				return nil
			}
		}
	}
	return nil
}

// check asks get of one row and gives its verdict.
func (v *verifier) check(ctx context.Context, c *toCheck) checked {
	r := v.runner
	it := &v.items[c.k]
	o := checked{k: c.k, rec: it.rec}
	rec := &o.rec
	rec.OpenAppID, rec.ErrCode, rec.ErrMsg = "", 0, ""
	t := task{i: it.row, row: c.row}
	if t.row.Token == "" {
		switch {
		case r.cfg.TokenCommand == "" && it.row < 0:
			rec.Verdict, rec.ErrMsg, rec.CheckedAt = report.NotAsked, "a record of another input: its token comes only from --token-command", time.Time{}
			return o
		case r.cfg.TokenCommand == "":
			rec.Verdict, rec.ErrMsg, rec.CheckedAt = report.Unknown, "not asked: its access_token cell is empty (give --token-command)", v.now()
			return o
		}
		token, err := r.freshToken(ctx, t.row.AppID)
		if err != nil {
			rec.Verdict, rec.ErrMsg, rec.CheckedAt = report.Unknown, "not asked: "+err.Error(), v.now()
			return o
		}
		t.row.Token, t.renewed = token, true
	}
	attempts := 0
	var open string
	err := r.call(ctx, &t, &attempts, nil, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Get(ctx, t.row.Token, t.row.AppID)
		return err
	})
	rec.CheckedAt = v.now()
	var co *cutOff
	switch {
	case err == nil:
		rec.OpenAppID = open
		rec.Verdict = report.Holds
		if rec.RecordedOpen != "" && open != rec.RecordedOpen {
			rec.Verdict = report.Moved
			rec.ErrMsg = fmt.Sprintf("bound to %s, not to the recorded %s", open, rec.RecordedOpen)
		}
	case wechat.IsCode(err, wechat.CodeNotBound):
		rec.Verdict, rec.ErrCode, rec.ErrMsg = report.Unbound, wechat.CodeNotBound, describe(err, r.cfg.Timeout)
	case errors.As(err, &co) && co.last == nil:
		o.skip = true // never sent: the verification is stopping
	default:
		rec.Verdict, rec.ErrCode, rec.ErrMsg = report.Unknown, errCode(err), describe(err, r.cfg.Timeout)
		if co != nil {
			rec.ErrMsg = co.Error() + "; last: " + rec.ErrMsg
		}
		if wechat.IsCode(err, wechat.CodeDailyQuota) {
			r.stop(&StopError{Reason: "WeChat's daily quota is exhausted (errcode 45009); run verify again tomorrow: it asks only the rows left"})
		}
	}
	return o
}

// collect is the one writer of the report and of the items' verdicts.
func (v *verifier) collect(results <-chan checked) {
	r := v.runner
	pending := 0
	failed := false
	flush := func() {
		if err := v.j.Flush(); err != nil && !failed {
			failed = true
			r.stop(&StopError{Reason: "cannot write the report " + v.report + "; stopped asking, the rows recorded so far are kept", Err: err})
		}
		pending = 0
	}
	for o := range results {
		if failed {
			continue
		}
		if err := v.j.Append(&o.rec); err != nil {
			failed = true
			r.stop(&StopError{Reason: "cannot write the report " + v.report + "; stopped asking, the rows recorded so far are kept", Err: err})
			continue
		}
		it := &v.items[o.k]
		it.rec, it.got = o.rec, true
		if o.rec.Verdict != report.NotAsked {
			v.asked++
		}
		pending++
		if len(results) == 0 || pending >= maxUnflushed {
			flush()
		}
		// The streak and the progress count as a run's rows do.
		status := report.Created
		if o.rec.Verdict != report.Holds {
			status = report.Failed
		}
		pr := report.Record{Line: o.rec.Line, AppID: o.rec.AppID, Status: status, ErrCode: o.rec.ErrCode, ErrMsg: o.rec.ErrMsg}
		if o.rec.Verdict == report.Unknown {
			r.watchTokens(&pr)
		} else {
			r.tokenStreak = 0
		}
		if o.rec.Verdict != report.Holds {
			r.cfg.Logger.Warn("row does not hold", "line", o.rec.Line, "appid", o.rec.AppID, "verdict", o.rec.Verdict.String(), "errcode", o.rec.ErrCode, "errmsg", o.rec.ErrMsg)
		}
		if p := r.cfg.Progress; p != nil {
			p.Row(&pr)
		}
	}
	if !failed && pending > 0 {
		flush()
	}
}

// finish rewrites the report in input order: every done row with its
// verdict, this time's or an earlier one; a row asked for the first time
// that the verification did not reach (it stopped early) is unknown.
func (v *verifier) finish() error {
	if err := v.j.Flush(); err != nil {
		return err
	}
	for k := range v.items {
		if it := &v.items[k]; !it.got {
			it.rec.Verdict, it.rec.ErrMsg, it.got = report.Unknown, "not asked: the verification stopped before this row", true
		}
	}
	return report.RewriteVerify(v.j.Path(), func(yield func(*report.VerifyRecord) error) error {
		for k := range v.items {
			if err := yield(&v.items[k].rec); err != nil {
				return err
			}
		}
		return nil
	})
}
