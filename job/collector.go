package job

import (
	"errors"
	"fmt"
	"openbind/report"
	"openbind/wechat"
	"strings"
)

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
