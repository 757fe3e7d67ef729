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
	"cmp"
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

// doneRecord is what verify keeps of an appid's last record that matters.
type doneRecord struct {
	open   openID
	off    int64
	group  int32
	status report.Status
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
	// The earlier verdicts: the last record of each row wins.
	j, scan, err := report.OpenVerifyJournal(reportPath, func(r *report.VerifyRecord) error {
		if k := items.find(st, r.AppID); k >= 0 {
			items.set(k, r)
			items.list[k].stale = items.strs.open(r.RecordedOpen) != items.list[k].recorded
		}
		return nil
	})
	if err != nil {
		return nil, &OutputError{Path: vc.Report, Err: err}
	}
	defer j.Close()
	if scan.TornBytes > 0 {
		cfg.Logger.Warn("the report ended in a torn line (an earlier verify was killed); cut it off", "file", vc.Report, "bytes", scan.TornBytes)
	}

	// Asked: the rows without a verdict or unknown, those whose recorded
	// open account changed since, the kept records a token command can
	// now ask; all of them again with --again. Until a row is asked again
	// its earlier verdict stands.
	toAsk := 0
	for k := range items.list {
		it := &items.list[k]
		if vc.Again || !it.got || it.stale || it.verdict == report.Unknown || (it.verdict == report.NotAsked && cfg.TokenCommand != "") {
			it.ask = true
			toAsk++
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
	tally := report.NewVerifyTally()
	for k := range items.list {
		if items.list[k].got {
			rec := items.record(k)
			tally.Add(&rec)
		}
	}
	res.Summary = tally.Summary()
	res.Summary.File, res.Summary.Asked = vc.Report, v.asked
	res.Run = r.stats.run(v.asked, time.Since(start), res.Stopped)
	res.Run.Notes = r.notes
	return res, nil
}

// readDone reads the results file at path, as a run would but without
// its lock and writing nothing, and returns its done rows: the input's, in
// input order, then the records kept from other inputs, in file order.
func readDone(st *state, path string) (*verifyItems, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file: %w", report.ErrNotResults)
	}
	items := &verifyItems{strs: newStrTable(), kept: map[AppID]int32{}}
	last := make([]doneRecord, len(st.rows))
	kept := map[AppID]doneRecord{}
	st.beginScan()
	info, err := report.ReadFile(path, func(rec *report.Record, off int64) error {
		if err := st.note(rec, off); err != nil {
			return err
		}
		a, ok := parseAppID(rec.AppID)
		if !ok || !rec.Matters() {
			return nil
		}
		d := doneRecord{status: rec.Status, off: off}
		if rec.Status.Done() {
			d.open, d.group = items.strs.open(rec.OpenAppID), items.strs.id(rec.Group)
		}
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
	n := 0
	for i := range st.rows {
		if last[i].status.Done() && st.rows[i].why == valid {
			n++
		}
	}
	for _, d := range kept {
		if d.status.Done() {
			n++
		}
	}
	items.list = make([]verifyItem, 0, n)
	for i := range st.rows {
		row, d := &st.rows[i], &last[i]
		if !d.status.Done() || row.why != valid {
			continue
		}
		items.list = append(items.list, verifyItem{row: int32(i), line: row.line, appid: row.appid, group: d.group, recorded: d.open})
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
	slices.SortFunc(ks, func(x, y keptItem) int { return cmp.Compare(x.d.off, y.d.off) })
	for _, k := range ks {
		items.kept[k.a] = int32(len(items.list))
		items.list = append(items.list, verifyItem{row: -1, appid: k.a, group: k.d.group, recorded: k.d.open})
	}
	return items, nil
}

// verifier is one verification's pool.
type verifier struct {
	*runner
	items  *verifyItems
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
	items := v.items.list
	k := 0 // items of input rows come first, in input order
	for k < len(items) && items[k].row >= 0 && !items[k].ask {
		k++
	}
	if k < len(items) && items[k].row >= 0 {
		in, err := v.st.reopen()
		if err != nil {
			return err
		}
		defer in.Close()
		for k < len(items) && items[k].row >= 0 {
			row, i, err := in.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if int32(i) != items[k].row {
				continue
			}
			if items[k].ask && !send(toCheck{k: k, row: row}) {
				return nil
			}
			k++
		}
	}
	for ; k < len(items); k++ {
		if it := &items[k]; it.ask {
			if !send(toCheck{k: k, row: Row{AppID: it.appid.String()}}) {
				return nil
			}
		}
	}
	return nil
}

// check asks get of one row and gives its verdict.
func (v *verifier) check(ctx context.Context, c *toCheck) checked {
	r := v.runner
	it := &v.items.list[c.k]
	o := checked{k: c.k, rec: v.items.record(c.k)}
	rec := &o.rec
	rec.OpenAppID, rec.Verdict, rec.ErrCode, rec.ErrMsg, rec.CheckedAt = "", 0, 0, "", time.Time{}
	t := task{i: int(it.row), row: c.row}
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
			rec.ErrMsg = movedMsg(open, rec.RecordedOpen)
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
		v.items.set(o.k, &o.rec)
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
	notReached := v.items.strs.id("not asked: the verification stopped before this row")
	for k := range v.items.list {
		if it := &v.items.list[k]; !it.got {
			it.verdict, it.msg, it.errcode, it.got = report.Unknown, notReached, 0, true
		}
	}
	return report.RewriteVerify(v.j.Path(), func(yield func(*report.VerifyRecord) error) error {
		for k := range v.items.list {
			rec := v.items.record(k)
			if err := yield(&rec); err != nil {
				return err
			}
		}
		return nil
	})
}
