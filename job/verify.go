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
	"log/slog"
	"os"
	"slices"
	"time"

	"openbind/locale"
	"openbind/report"
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

// runConfig is the run's Config of vc's settings.
func (vc *VerifyConfig) runConfig() Config {
	return Config{
		Input: vc.Input, Output: vc.Output, QPS: vc.QPS, Burst: vc.Burst, Workers: vc.Workers,
		MaxAttempts: vc.MaxAttempts, Timeout: vc.Timeout, RetryBackoff: vc.RetryBackoff, QuotaPause: vc.QuotaPause,
		BaseURL: vc.BaseURL, TokenCommand: vc.TokenCommand, TokenTimeout: vc.TokenTimeout,
		StaleTokenStreak: vc.StaleTokenStreak, Logger: vc.Logger, API: vc.API, Limiter: vc.Limiter, Progress: vc.Progress,
	}
}

// Validate checks vc's settings as Config.Validate does.
func (vc *VerifyConfig) Validate(stated func(field string) bool) error {
	if vc.Input == "" {
		return &ConfigError{Field: "Input", Err: fmt.Errorf("%w: the accounts file, for the tokens", ErrMissing)}
	}
	cfg := vc.runConfig()
	return cfg.Validate(stated)
}

// Verify asks, for every done row of the results (input rows and kept
// records alike), open/get with the row's own token, and records a
// verdict in the report. An error means nothing was asked (bad settings
// or input, an unreadable results file, a report locked by another
// verify).
func Verify(ctx context.Context, vc VerifyConfig) (*VerifyResult, error) {
	start := time.Now()
	if err := vc.Validate(nil); err != nil {
		return nil, err
	}
	cfg := vc.runConfig()
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
			return nil, &ConfigError{Field: "Report", Value: vc.Report, Err: locale.Errorf("want.report_own")}
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
	if err := checkOpenFiles(&cfg); err != nil {
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
	items := &verifyItems{strs: newStrTable(), kept: map[packedAppID]int32{}}
	last := make([]doneRecord, len(st.rows))
	kept := map[packedAppID]doneRecord{}
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
		return nil, locale.Errorf("verify.no_results")
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
		a packedAppID
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
