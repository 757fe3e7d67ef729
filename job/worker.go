package job

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"

	"openbind/report"
	"openbind/wechat"
)

// cutOff is a call given up because the run stopped between its attempts.
type cutOff struct{ last error }

func (c *cutOff) Error() string {
	if c.last == nil {
		return "run stopped before the call was sent"
	}
	return "run stopped between retries"
}

func (c *cutOff) Unwrap() error { return c.last }

// renewError is a token error whose renewal failed: the row keeps the
// token's errcode, and its errmsg says why no fresh token came.
type renewError struct {
	token   error // the call's 40001, 40014 or 42001
	command error // the token command's failure
}

func (e *renewError) Error() string { return e.token.Error() + "; " + e.command.Error() }
func (e *renewError) Unwrap() error { return e.token }

// process sends one row and returns its outcome.
func (r *runner) process(ctx context.Context, t *task) taskResult {
	o := taskResult{i: t.i, kind: t.kind}
	rec := &o.rec
	*rec = report.Record{Line: t.row.Line, AppID: t.row.AppID, Group: t.row.Group}
	if t.kind == doDefer {
		rec.Status, rec.ErrMsg = report.Pending, t.why
		return o
	}
	if t.row.Token == "" {
		// An empty token cell: the token command gives one. Its failure is
		// no answer of WeChat's: a row whose state was unknown stays so.
		if r.cfg.TokenCommand == "" {
			// A done row whose token cell is blank now (done stays done).
			r.tokenFailed(t, &o, errEmptyToken)
			return o
		}
		token, err := r.freshToken(ctx, t.row.AppID)
		if err != nil {
			r.tokenFailed(t, &o, err)
			return o
		}
		t.row.Token, t.renewed = token, true
	}
	switch t.kind {
	case doCreate:
		r.create(ctx, t, &o)
	case doBind:
		r.bind(ctx, t, rec)
	case doLookup, doSettle:
		r.lookup(ctx, t, &o)
	}
	if rec.Status != report.Pending {
		rec.FinishedAt = time.Now()
	}
	return o
}

// errEmptyToken is a row to ask whose token cell is empty, with no token
// command to give one.
var errEmptyToken = errors.New("its access_token cell is empty (fill it, or use --token-command)")

// tokenFailed ends a row whose token could not be had: nothing was sent. A
// row done stays done, saying why it was not asked; a row in doubt keeps
// its record (skip); any other row fails, and its group waits.
func (r *runner) tokenFailed(t *task, o *taskResult, err error) {
	rec := &o.rec
	row := &r.st.rows[t.i]
	o.lookup, o.reason = lookupFailed, err.Error()
	switch {
	case row.status.Done():
		stillBound(o, "get not asked: "+err.Error())
	case row.doubt:
		o.skip = true
		rec.ErrMsg = "not asked: " + err.Error()
		r.cfg.Logger.Warn("a row in doubt could not be asked: its token command failed", "line", t.row.Line, "appid", t.row.AppID, "error", err.Error())
	default:
		rec.Status, rec.ErrMsg, rec.FinishedAt = report.Failed, err.Error(), time.Now()
	}
}

// stillBound makes o the record of a row done as already_bound whose open
// account is still unknown: done stays done, and its errmsg says why. Its
// group is the one of its earlier record, which the collector (the one
// reader of the results file during a run) fills in.
func stillBound(o *taskResult, why string) {
	o.rec.Status, o.rec.ErrCode, o.rec.OpenAppID = report.AlreadyBound, wechat.CodeAlreadyBound, ""
	o.rec.ErrMsg, o.rec.FinishedAt = "account has bound open; "+why, time.Now()
	o.prevGroup = true
}

// lookup asks get of a row whose state is unknown: done without its open
// account (doLookup), or a row a group must settle before it creates
// (doSettle). Found, the row is already_bound with it. Not bound (89002),
// the row is sent like any row not done: at once when it has no group,
// else through its group (again). Unanswered, a done row stays done
// saying why, a row in doubt stays in doubt (pending after its calls).
func (r *runner) lookup(ctx context.Context, t *task, o *taskResult) {
	rec := &o.rec
	row := &r.st.rows[t.i]
	var open string
	a, err := r.call(ctx, t, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Get(ctx, t.row.Token, t.row.AppID)
		return err
	})
	rec.Attempts += a.reached
	switch {
	case err == nil:
		o.lookup = lookupFound
		rec.Status, rec.OpenAppID, rec.ErrCode, rec.ErrMsg = report.AlreadyBound, open, wechat.CodeAlreadyBound, "bound already (get)"
	case wechat.IsCode(err, wechat.CodeNotBound):
		o.lookup = lookupNotBound
		if t.kind == doLookup && row.group < 0 {
			r.create(ctx, t, o) // its attempts add to the get's
			return
		}
		again := *t
		o.again, o.skip = &again, true
	default:
		o.lookup, o.reason = lookupFailed, r.errText(err)
		var co *cutOff
		if errors.As(err, &co) && co.last == nil {
			o.skip = true // never sent: the run is stopping
			return
		}
		if wechat.Unreachable(err) {
			r.unreached.Store(rec.AppID, err) // the row counts in the streak
		}
		if row.status.Done() {
			stillBound(o, "get failed: "+r.errText(err))
			return
		}
		rec.Status, rec.ErrCode = report.Pending, errCode(err)
		rec.ErrMsg = "whether an earlier call made an open account is unknown; get failed: " + r.errText(err)
	}
}

// create calls create, and on 89000 get to learn the open account the row
// is bound to; o.nothingMade says whether a failure left nothing behind. A
// group's leader has its intent recorded first (o.intent): killed during
// the call, the run leaves the row in doubt, and the next one asks before
// anyone creates.
func (r *runner) create(ctx context.Context, t *task, o *taskResult) {
	rec := &o.rec
	if r.st.rows[t.i].group >= 0 {
		in := report.Record{Line: t.row.Line, AppID: t.row.AppID, Group: t.row.Group, Status: report.Pending, Attempts: 1,
			ErrMsg: "create sent; its answer is not recorded (the run was stopped or killed during the call): the next run asks get first"}
		if err := r.journalIntent(t.i, in); err != nil {
			rec.Status, rec.ErrMsg = report.Pending, "not sent: the results file cannot take a write"
			return
		}
		o.intent = true
	}
	var open string
	a, err := r.call(ctx, t, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Create(ctx, t.row.Token, t.row.AppID)
		return err
	})
	rec.Attempts += a.reached
	switch {
	case err == nil:
		rec.Status, rec.OpenAppID = report.Created, open
	case wechat.IsCode(err, wechat.CodeAlreadyBound):
		rec.Status, rec.ErrCode, rec.ErrMsg = report.AlreadyBound, wechat.CodeAlreadyBound, describe(err, r.cfg.Timeout)
		rec.OpenAppID, rec.ErrMsg = r.getOpen(ctx, t, rec, rec.ErrMsg)
	default:
		r.fail(rec, err)
		if a.acted && rec.Status == report.Failed && rec.ErrCode != 0 {
			// The failure must stay in doubt (report.Record.InDoubt): an
			// earlier attempt's answer was lost.
			rec.ErrMsg = fmt.Sprintf("an earlier attempt's answer was lost: whether it made an open account is unknown; last: %s (errcode %d)", rec.ErrMsg, rec.ErrCode)
			rec.ErrCode = 0
		}
	}
	o.nothingMade = rec.Status == report.Failed && !a.acted && a.sent > 0
}

// bind binds a group's row to the group's open account. A row bound
// already (89000, maybe by an earlier attempt whose answer was lost) is
// bound when get says it is on the group's account, and already_bound,
// the group split, when it is on another.
func (r *runner) bind(ctx context.Context, t *task, rec *report.Record) {
	a, err := r.call(ctx, t, func(ctx context.Context) error {
		return r.cfg.API.Bind(ctx, t.row.Token, t.row.AppID, t.open)
	})
	rec.Attempts += a.reached
	switch {
	case err == nil:
		rec.Status, rec.OpenAppID = report.Bound, t.open
	case wechat.IsCode(err, wechat.CodeAlreadyBound):
		open, msg := r.getOpen(ctx, t, rec, describe(err, r.cfg.Timeout))
		switch {
		case open == t.open:
			rec.Status, rec.OpenAppID = report.Bound, open
		case open == "":
			rec.Status, rec.ErrCode, rec.ErrMsg = report.AlreadyBound, wechat.CodeAlreadyBound, msg
		default:
			rec.Status, rec.OpenAppID, rec.ErrCode = report.AlreadyBound, open, wechat.CodeAlreadyBound
			rec.ErrMsg = fmt.Sprintf("%s: bound already to %s, not to its group's open account %s", report.SplitMsg, open, t.open)
		}
	default:
		r.fail(rec, err)
		if rec.Status == report.Failed {
			// A failed bind names the open account it could not join:
			// that is how a bind's failure is told from a create's, whose
			// open_appid is always empty (see report.CallOf).
			rec.OpenAppID = t.open
			if what := report.BindRemedy(rec.ErrCode); what != "" {
				rec.ErrMsg += "; " + what
			}
		}
	}
}

// getOpen fetches the open account of a row that is bound already; its
// attempts add to rec's. If get fails the row stays already_bound, its
// open_appid empty, and msg says why.
func (r *runner) getOpen(ctx context.Context, t *task, rec *report.Record, msg string) (string, string) {
	var open string
	a, err := r.call(ctx, t, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Get(ctx, t.row.Token, t.row.AppID)
		return err
	})
	rec.Attempts += a.reached
	if err != nil {
		return "", msg + "; get failed: " + r.errText(err)
	}
	return open, msg
}

// fail records a row's error: failed with its errcode, or pending when
// the run stopped before the row could finish.
func (r *runner) fail(rec *report.Record, err error) {
	var co *cutOff
	switch {
	case errors.As(err, &co):
		rec.Status = report.Pending
		rec.ErrMsg = co.Error()
		if co.last != nil {
			rec.ErrCode = errCode(co.last)
			rec.ErrMsg += "; last: " + r.errText(co.last)
		}
	default:
		// 45009 too: the quota of a call made with an authorizer's token
		// is that account's own, so the row fails and the run goes on
		// (watchStreaks stops it when 20 rows in a row answer 45009).
		rec.Status, rec.ErrCode, rec.ErrMsg = report.Failed, errCode(err), describe(err, r.cfg.Timeout)
		if wechat.Unreachable(err) {
			r.unreached.Store(rec.AppID, err)
		}
	}
}

func (r *runner) errText(err error) string {
	if c := errCode(err); c != 0 {
		return describe(err, r.cfg.Timeout) + " (errcode " + strconv.Itoa(c) + ")"
	}
	return describe(err, r.cfg.Timeout)
}

// attempts is what the attempts of one call came to.
type attempts struct {
	sent int // attempts sent, each after its wait on the limiter
	// reached counts the attempts that reached a URL: those WeChat may
	// have received. The results' attempts column counts these: an
	// attempt that reached no URL is known not to have acted, and a row
	// whose attempts all reached none is not in doubt
	// (report.Record.InDoubt).
	reached int
	// acted says a failed attempt may have changed WeChat's state without
	// saying so (see mayHaveActed).
	acted bool
}

// call makes one call with its retries: each attempt waits on the shared
// limiter and has its own timeout; transient failures are retried after a
// backoff (its own, made at the first retry), up to MaxAttempts. A token
// error, with a token command, has the command asked once for the row and
// the call made anew with the fresh token (MaxAttempts again). A stop of
// the run between attempts gives a *cutOff. The calls in flight are not
// cancelled by a stop: they finish, bounded by the timeout.
func (r *runner) call(ctx context.Context, t *task, fn func(context.Context) error) (attempts, error) {
	var c retrying
	err := r.tries(ctx, t, &c, fn)
	if r.renewable(t, err) {
		token, terr := r.freshToken(ctx, t.row.AppID)
		if terr != nil {
			return c.attempts, &renewError{token: err, command: terr}
		}
		t.stale, t.row.Token, t.renewed = t.row.Token, token, true
		err = r.tries(ctx, t, &c, fn)
	}
	return c.attempts, err
}

// retrying is the state of a call across its attempts.
type retrying struct {
	attempts
	last error           // the last attempt's error
	b    backoff.BackOff // made at the first backoff
}

// renewable reports whether err is a token error that the token command,
// not asked yet for the row, may cure.
func (r *runner) renewable(t *task, err error) bool {
	return err != nil && wechat.IsTokenError(err) && r.cfg.TokenCommand != "" && !t.renewed
}

// tries makes the attempts of a call with the row's token as it stands.
// It gives up at once on an error that a fresh token may cure (renewable).
func (r *runner) tries(ctx context.Context, t *task, c *retrying, fn func(context.Context) error) error {
	for n := 1; ; n++ {
		if err := r.limiter.Wait(ctx); err != nil {
			return &cutOff{last: c.last}
		}
		c.sent++
		actx, cancel := context.WithTimeout(r.callCtx, r.cfg.Timeout)
		start := time.Now()
		err := fn(actx)
		if t.stale != "" {
			// The client scrubs the token of the call; an answer may echo
			// the row's earlier one too (Decision 8).
			err = wechat.Scrub(err, t.stale)
		}
		r.stats.observe(time.Since(start), err, n > 1)
		cancel()
		if reached(err) {
			c.reached++
		}
		if err == nil {
			return nil
		}
		c.last = err
		if isTooManyFiles(err) {
			// No fault of WeChat's: every call after it would fail too.
			r.stop(tooManyFiles(err))
			return &cutOff{last: err}
		}
		if mayHaveActed(err) {
			c.acted = true
		}
		if r.renewable(t, err) {
			return err
		}
		retry, why := shouldRetry(ctx, err)
		switch {
		case !retry && why != err: // transient, but the run is stopping
			return &cutOff{last: err}
		case !retry, n >= r.cfg.MaxAttempts:
			return err
		}
		if wechat.IsCode(err, wechat.CodeMinuteQuota) {
			// The limiter's pause is the wait, for every worker at once.
			if until, rate, slowed := r.limiter.SlowDown(); slowed {
				r.cfg.Logger.Warn("minute quota reached (errcode 45011): pausing every call, then going on slower", "line", t.row.Line,
					"until", until.Format(time.TimeOnly), "calls_per_second", math.Round(rate*10)/10)
			}
			continue
		}
		if c.b == nil {
			c.b = newBackOff(r.cfg.RetryBackoff)
		}
		d := c.b.NextBackOff()
		r.cfg.Logger.Debug("call failed; retrying", "line", t.row.Line, "attempt", n, "error", err.Error(), "backoff", d)
		if !sleep(ctx, d) {
			return &cutOff{last: err}
		}
	}
}

// sleep waits d unless ctx is done first; it reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
