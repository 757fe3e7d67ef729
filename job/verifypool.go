package job

// The pool of a verification: a producer reads the input again for the
// tokens, workers ask get through (*runner).call, one collector writes the
// report.

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"openbind/report"
	"openbind/wechat"
)

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
	row inputRow
}

type checked struct {
	k    int
	rec  report.VerifyRecord
	skip bool // never sent: the verification is stopping
}

func (v *verifier) pool(ctx context.Context) {
	r := v.runner
	r.startPool(ctx)
	defer r.endPool(ctx, func() bool { return true })
	checks := make(chan toCheck, r.cfg.Workers)
	results := make(chan checked, r.cfg.Workers)
	r.spawn(func() {
		defer close(checks)
		if err := v.produce(r.stopCtx, checks); err != nil {
			r.stop(stopFor(err, "stop.reading"))
		}
	})
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			defer r.guard()
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
			if !send(toCheck{k: k, row: inputRow{AppID: it.appid.String()}}) {
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
	var open string
	_, err := r.call(ctx, &t, func(ctx context.Context) (err error) {
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
		// 45009 is the account's own quota, and a URL out of reach is one
		// row's: the streaks of run stop the verification (streaks).
		if wechat.Unreachable(err) {
			r.unreached.Store(rec.AppID, err)
		}
	}
	return o
}

// collect is the one writer of the report and of the items' verdicts.
func (v *verifier) collect(results <-chan checked) {
	r := v.runner
	var s streaks // owned here, as a run's collector owns its own
	pending := 0
	failed := false
	flush := func() {
		if err := v.j.Flush(); err != nil && !failed {
			failed = true
			r.stop(stopFor(err, "stop.report", v.report))
		}
		pending = 0
	}
	for o := range results {
		if failed {
			continue
		}
		if err := v.j.Append(&o.rec); err != nil {
			failed = true
			r.stop(stopFor(err, "stop.report", v.report))
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
			s.tokens(r, &pr)
		} else {
			s.token = 0
		}
		if o.rec.Verdict != report.NotAsked {
			s.others(r, &pr)
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
