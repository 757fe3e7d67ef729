package job

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"openbind/wechat/errcode"
)

// shouldRetry is the one retry decision: whether a call that failed with
// err may succeed when sent again (the first rule of retryTable that
// matches err says). ctx is the run's context: once it is done nothing is
// retried, and a failure that would have been is returned as ctx's error;
// a definitive failure is returned as itself.
func shouldRetry(ctx context.Context, err error) (bool, error) {
	if err == nil || !transient(err) {
		return false, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	return true, err
}

// retryRule is a row of retryTable.
type retryRule struct {
	answer  string // what failed, as README's table says it
	retried string // README's "retried?" column: "yes…" or "no…"
	match   func(*failure) bool
}

// retryTable is README's "Faults and retries" table, row for row and word
// for word (TestRetryTableIsREADME compares them; TestRetryTableRows
// tests each row with the errors it stands for, TestErrcodesInRetryTable
// each code of errcode's table). The first row that matches an error
// decides; the order matters (a TLS failure is a failure to reach a URL,
// but one that a retry does not mend). WeChat's errcodes are decided by
// their class in errcode's table.
var retryTable = []retryRule{
	{"errcode -1 (system busy)", "yes, after a backoff", func(f *failure) bool { return f.is(errcode.Transient) }},
	{"errcode 45011 (minute quota)", "yes, after the shared pause (below)", func(f *failure) bool { return f.is(errcode.MinuteQuota) }},
	{"errcode 45009 (that account's daily quota)", "no: the row ends `failed` with 45009; 20 rows in a row stop the run", func(f *failure) bool { return f.is(errcode.DailyQuota) }},
	{"any other errcode: 89000 (then `get`), 40001, 40014, 42001 (after one `--token-command`), 40013, 48001, 61004, 89001–89004, 89036, …", "no: the row ends with it", func(f *failure) bool { return f.api != nil }},
	{"HTTP 429, HTTP 5xx except 501", "yes", func(f *failure) bool {
		return f.http != nil && (f.http.StatusCode == http.StatusTooManyRequests || (f.http.StatusCode >= 500 && f.http.StatusCode != http.StatusNotImplemented))
	}},
	{"any other HTTP status", "no", func(f *failure) bool { return f.http != nil }},
	{"HTTP 200 with an empty, HTML, truncated or non-JSON body, without `errcode`, or (create, get) without an `open_appid` of `wx` + 16 lowercase hex", "yes: a bad answer, never a success", func(f *failure) bool { return f.body != nil }},
	{"a TLS failure (handshake, certificate), at every URL", "no", func(f *failure) bool { return f.tls }},
	{"no URL reached: DNS, connection refused, connect timeout (each URL of `--base-url` tried at once in turn)", "yes, after a backoff; 20 rows in a row stop the run", func(f *failure) bool {
		return f.unreachable || f.refused || f.dns != nil
	}},
	{"a call cancelled (the run is stopping)", "no: the row is `pending`", func(f *failure) bool { return f.canceled }},
	{"connection reset or closed, an attempt's `--timeout`", "yes", func(f *failure) bool {
		return f.netErr || f.eof || f.unexpectedEOF || f.reset || f.deadline
	}},
	{"anything else", "no", func(*failure) bool { return true }},
}

// rule returns the row of retryTable that decides err.
func rule(err error) *retryRule {
	f := classify(err)
	for i := range retryTable {
		if retryTable[i].match(f) {
			return &retryTable[i]
		}
	}
	return &retryTable[len(retryTable)-1]
}

// transient reports whether err is a failure that a retry may not see.
func transient(err error) bool {
	return strings.HasPrefix(rule(err).retried, "yes")
}

// newBackOff returns the backoff of one row (backoff objects are not safe
// for concurrent use): exponential from base, doubling, ±50% jitter, capped
// at 30 s or 20 × base. Attempts, not time, bound the retries.
func newBackOff(base time.Duration) backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = base
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	b.MaxInterval = min(30*time.Second, 20*base)
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}
