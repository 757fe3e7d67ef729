package job

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"

	"openbind/report"
)

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

	// col is what the collector owns; the runner reads it once pool has
	// returned.
	col   collector
	notes []string // what the summary must say of the results file

	// unreached holds, by appid, the error of a row whose last call
	// reached no URL (set by fail, taken by the collector's streaks).
	unreached sync.Map
}

// task is a row to send; the token lives only here.
type task struct {
	i       int
	row     inputRow
	kind    taskKind
	open    string // doBind: the group's open account
	why     string // doDefer: why the row waits
	renewed bool   // the token command gave row.Token
	stale   string // the row's token before the token command renewed it
}

// taskResult is what a worker hands the collector of one task.
type taskResult struct {
	i           int
	kind        taskKind
	rec         report.Record
	nothingMade bool // a failed create left nothing behind
	// intent says the collector wrote the create's intent first (see
	// journalIntent): the result must reach it, to settle that record.
	intent bool
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
		r.cause = stopFor(nil, "stop.signal")
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
	results := make(chan taskResult, r.cfg.Workers)
	produced := make(chan task)
	r.spawn(func() {
		defer close(produced)
		if err := r.produce(r.stopCtx, produced); err != nil {
			r.stop(stopFor(err, "stop.reading"))
		}
	})
	r.spawn(func() { r.dispatch(r.stopCtx, produced, tasks) })
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			defer r.guard()
			for t := range tasks {
				if r.stopCtx.Err() != nil {
					continue // never sent: the final file says pending
				}
				o := r.process(r.stopCtx, &t)
				if o.rec.Status == report.Pending && o.rec.Attempts == 0 && t.kind != doDefer && !o.intent && r.stopCtx.Err() != nil {
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
	r.col = collector{r: r}
	r.col.collect(results)
}

// spawn runs f in a goroutine of the pool, guarded (see guard).
func (r *runner) spawn(f func()) {
	go func() {
		defer r.guard()
		f()
	}()
}

// guard, deferred first in every goroutine of a pool, turns a panic (a
// bug) into a stop of the run: what was recorded is kept and the results
// are written; the *PanicError in the stop carries the stack, for the
// command line to write on stderr.
func (r *runner) guard() {
	if v := recover(); v != nil {
		pe := &PanicError{Value: v, Trace: debug.Stack()}
		r.cfg.Logger.Error("internal error (a bug in openbind); stopping", "panic", panicText(v))
		r.stop(&StopError{Err: pe})
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
