package job

import (
	"errors"
	"strings"

	"openbind/report"
	"openbind/wechat"
)

// maxUnflushed bounds the rows finished but not yet handed to the kernel.
const maxUnflushed = 16

// collector is the one writer of the results file and of the rows' state
// while a pool runs. Its fields belong to the goroutine that runs collect;
// the runner reads them once the pool has ended.
type collector struct {
	r          *runner
	sent       int   // rows sent and ended
	journalErr error // why the results file took no more writes
	streaks    streaks
	// unflushed are the rows written but not yet flushed: their state
	// changes only once they are in the file.
	unflushed []written
	// beforeIntent is, for each row whose intent is in the file and whose
	// result has not come yet, its state before the intent: a create
	// that reached no URL did not act, and the row's state goes back.
	beforeIntent map[int]row
}

// written is a record appended to the journal and not yet flushed.
type written struct {
	res    taskResult
	off    int64
	intent bool
}

// collect takes in the results of the workers and the intents they ask
// written. A row is handed to the kernel as soon as no other row waits to
// be written, and every maxUnflushed rows when they come faster: a kill -9
// loses only what is in flight. (Batching writes further saved no
// measurable CPU: scripts/bench, --qps 0.) An intent is handed to the
// kernel before its worker goes on.
func (c *collector) collect(results <-chan taskResult) {
	r := c.r
	for {
		select {
		case in := <-r.intents:
			if c.journalErr != nil {
				in.done <- c.journalErr
				continue
			}
			off, err := r.j.Append(&in.rec)
			if err != nil {
				c.journalFailed(err)
				in.done <- err
				continue
			}
			c.unflushed = append(c.unflushed, written{res: taskResult{i: in.i, rec: in.rec}, off: off, intent: true})
			c.flush()
			in.done <- c.journalErr
		case o, ok := <-results:
			if !ok {
				if c.journalErr == nil && len(c.unflushed) > 0 {
					c.flush()
				}
				return
			}
			if o.skip {
				r.sched.ended(r.st, &o)
				continue
			}
			c.sent++
			if c.journalErr != nil {
				continue
			}
			if o.prevGroup {
				if prev, err := r.j.RecordAt(r.st.rows[o.i].off); err == nil {
					o.rec.Group, o.rec.AppID = prev.Group, prev.AppID
				}
			}
			off, err := r.j.Append(&o.rec)
			if err != nil {
				c.journalFailed(err)
				continue
			}
			c.unflushed = append(c.unflushed, written{res: o, off: off})
			if len(results) == 0 || len(c.unflushed) >= maxUnflushed {
				c.flush()
			}
		}
	}
}

// flush hands the rows written to the kernel, then takes them in.
func (c *collector) flush() {
	if err := c.r.j.Flush(); err != nil {
		c.journalFailed(err)
		return
	}
	for i := range c.unflushed {
		w := &c.unflushed[i]
		if w.intent {
			if c.beforeIntent == nil {
				c.beforeIntent = map[int]row{}
			}
			c.beforeIntent[w.res.i] = c.r.st.rows[w.res.i]
			c.r.st.took(w.res.i, w.off, &w.res.rec)
			continue
		}
		c.takeIn(&w.res, w.off)
	}
	c.unflushed = c.unflushed[:0]
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

func (c *collector) journalFailed(err error) {
	c.journalErr = err
	c.r.stop(stopFor(err, "stop.cannot_write", c.r.cfg.Output))
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

// takeIn takes in a row's result, written at off in the results file.
func (c *collector) takeIn(o *taskResult, off int64) {
	r, rec := c.r, &o.rec
	if before, ok := c.beforeIntent[o.i]; ok {
		delete(c.beforeIntent, o.i)
		if rec.Attempts == 0 {
			// The create reached no URL: its intent says nothing.
			r.st.rows[o.i] = before
		}
	}
	r.st.took(o.i, off, rec)
	r.log(rec)
	c.streaks.tokens(r, rec)
	c.streaks.others(r, rec)
	r.sched.ended(r.st, o)
	if p := r.cfg.Progress; p != nil {
		p.Row(rec)
	}
}

// streaks count the rows that ended alike, one after the other, in the
// order they finish (Decision 5); a collector owns them.
type streaks struct {
	token   int // rows failed on their token
	quota   int // rows failed with 45009
	unreach int // rows that reached no URL
}

// tokens stops the run when too many rows in a row failed on their
// token: the file's tokens are stale, and going on would only burn quota.
func (s *streaks) tokens(r *runner, rec *report.Record) {
	if rec.Status == report.Pending {
		return
	}
	if rec.Status != report.Failed || !wechat.IsTokenCode(rec.ErrCode) {
		s.token = 0
		return
	}
	s.token++
	if n := r.cfg.StaleTokenStreak; n > 0 && s.token == n {
		r.stop(stopFor(nil, "stop.stale", n, r.cfg.Input))
	}
}

// StreakLimit rows in a row answering 45009, or reaching no URL, stop the
// run.
const StreakLimit = 20

// others stops the run when StreakLimit rows in a row answered 45009
// (one account's quota is its own; twenty in a row is the platform at its
// limit) or reached none of the base URLs (WeChat is out of reach from
// this machine: going on would only grind through the file). Rows count in
// the order they finish; any other outcome resets both counts.
func (s *streaks) others(r *runner, rec *report.Record) {
	last, unreached := r.unreached.LoadAndDelete(rec.AppID)
	if rec.Status == report.Pending && !unreached {
		return
	}
	// A row that reached no URL counts whatever it ends as: failed, or a
	// row whose get could not settle it (pending, or already_bound
	// without its open account).
	failed := rec.Status == report.Failed
	s.quota = streak(s.quota, failed && rec.ErrCode == wechat.CodeDailyQuota)
	s.unreach = streak(s.unreach, unreached)
	switch {
	case s.quota == StreakLimit:
		r.stop(stopFor(nil, "stop.quota", StreakLimit))
	case s.unreach == StreakLimit:
		err, ok := last.(error)
		if !ok {
			r.stop(stopFor(nil, "stop.unreach", StreakLimit))
			break
		}
		urls := ""
		var ue *wechat.UnreachableError
		if errors.As(err, &ue) {
			urls = " (" + strings.Join(ue.URLs, ", ") + ")"
		}
		r.stop(stopFor(nil, "stop.unreach.last", StreakLimit, urls, describe(err, r.cfg.Timeout)))
	}
}

func streak(n int, hit bool) int {
	if hit {
		return n + 1
	}
	return 0
}
