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
	"os"
	"path/filepath"
	"strings"
	"time"

	"openbind/report"
)

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
		res := &Result{Stopped: stopFor(nil, "stop.signal_reading")}
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
	if err := checkOpenFiles(&cfg); err != nil {
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
			r.col.journalErr = err
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
	res.Summary.Run = r.stats.run(r.col.sent, time.Since(start), res.Stopped)
	res.Summary.Run.Notes = r.notes
	noteFailovers(cfg.API, res.Summary.Run)
	return res, nil
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
		j, err := report.OpenJournal(path, cfg.SyncEvery)
		if err != nil {
			return nil, unwrapPath(err)
		}
		for _, tmp := range j.RemovedTemps() {
			cfg.Logger.Info("removed the temporary file of an interrupted rewrite", "file", tmp)
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

// finish makes the results file final: synced, and rewritten in input
// order unless it is final already. It returns the summary of the file and
// why the run stopped early, if it did. When every row is recorded but the
// rewrite fails (no room for the second copy, no file descriptor), the
// journal stands as the results: complete, in finishing order; the run
// says so, and its outcome is the rows'.
func (r *runner) finish() (report.Summary, error) {
	stopped := r.stopCause()
	if r.col.journalErr != nil {
		// The results file cannot take more: keep what it holds.
		return r.st.summary(), stopped
	}
	if err := r.j.Sync(); err != nil {
		return r.st.summary(), stopFor(err, "stop.cannot_write_end", r.cfg.Output)
	}
	if r.st.clean && r.col.sent == 0 {
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
