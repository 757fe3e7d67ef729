package job

import (
	"context"
	"errors"
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

// process sends one row and returns its record: create, and on 89000 get
// to learn the open account it is bound to.
func (r *runner) process(ctx context.Context, t *task) report.Record {
	rec := report.Record{Line: t.row.Line, AppID: t.row.AppID, Group: t.row.Group}
	var open string
	err := r.call(ctx, t, &rec.Attempts, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Create(ctx, t.row.Token, t.row.AppID)
		return err
	})
	switch {
	case err == nil:
		rec.Status, rec.OpenAppID = report.Created, open
	case wechat.IsCode(err, wechat.CodeAlreadyBound):
		rec.Status, rec.ErrCode, rec.ErrMsg = report.AlreadyBound, wechat.CodeAlreadyBound, describe(err, r.cfg.Timeout)
		rec.OpenAppID, rec.ErrMsg = r.getOpen(ctx, t, &rec.Attempts, rec.ErrMsg)
	default:
		r.fail(&rec, err)
	}
	if rec.Status != report.Pending {
		rec.FinishedAt = time.Now()
	}
	return rec
}

// getOpen fetches the open account of a row that is bound already. If get
// fails the row stays already_bound, its open_appid empty, and msg says why.
func (r *runner) getOpen(ctx context.Context, t *task, attempts *int, msg string) (string, string) {
	var open string
	err := r.call(ctx, t, attempts, func(ctx context.Context) (err error) {
		open, err = r.cfg.API.Get(ctx, t.row.Token, t.row.AppID)
		return err
	})
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
	case wechat.IsCode(err, wechat.CodeDailyQuota):
		rec.Status, rec.ErrCode, rec.ErrMsg = report.Pending, wechat.CodeDailyQuota, describe(err, r.cfg.Timeout)
		r.stop(&StopError{Reason: "WeChat's daily quota is exhausted (errcode 45009); run again tomorrow"})
	default:
		rec.Status, rec.ErrCode, rec.ErrMsg = report.Failed, errCode(err), describe(err, r.cfg.Timeout)
	}
}

func (r *runner) errText(err error) string {
	if c := errCode(err); c != 0 {
		return describe(err, r.cfg.Timeout) + " (errcode " + itoa(c) + ")"
	}
	return describe(err, r.cfg.Timeout)
}

// call makes one call with its retries: each attempt waits on the shared
// limiter and has its own timeout; transient failures are retried after a
// backoff (its own, made at the first retry), up to MaxAttempts. A stop of
// the run between attempts gives a *cutOff. The calls in flight are not
// cancelled by a stop: they finish, bounded by the timeout.
func (r *runner) call(ctx context.Context, t *task, attempts *int, fn func(context.Context) error) error {
	var (
		last error
		b    backoff.BackOff
	)
	for n := 1; ; n++ {
		if err := r.limiter.Wait(ctx); err != nil {
			return &cutOff{last: last}
		}
		*attempts++
		actx, cancel := context.WithTimeout(r.callCtx, r.cfg.Timeout)
		start := time.Now()
		err := fn(actx)
		r.stats.observe(time.Since(start), err, n > 1)
		cancel()
		if err == nil {
			return nil
		}
		last = err
		retry, why := shouldRetry(ctx, err)
		switch {
		case !retry && why != err: // transient, but the run is stopping
			return &cutOff{last: err}
		case !retry, n >= r.cfg.MaxAttempts:
			return err
		}
		if wechat.IsCode(err, wechat.CodeMinuteQuota) {
			// The limiter's pause is the wait, for every worker at once.
			r.limiter.SlowDown()
			r.cfg.Logger.Warn("minute quota reached (errcode 45011): pausing every call, then slowing down", "line", t.row.Line)
			continue
		}
		if b == nil {
			b = newBackOff(r.cfg.RetryBackoff)
		}
		d := b.NextBackOff()
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
