package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"openbind/wechat"
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
	match   func(error) bool
}

// retryTable is README's "Faults and retries" table, row for row and word
// for word (TestRetryTableIsREADME compares them; TestRetryTableRows
// tests each row with the errors it stands for). The first row that
// matches an error decides; the order matters (a TLS failure is a failure
// to reach a URL, but one that a retry does not mend).
var retryTable = []retryRule{
	{"errcode -1 (system busy)", "yes, after a backoff", isCode(wechat.CodeBusy)},
	{"errcode 45011 (minute quota)", "yes, after the shared pause (below)", isCode(wechat.CodeMinuteQuota)},
	{"errcode 45009 (that account's daily quota)", "no: the row ends `failed` with 45009; 20 rows in a row stop the run", isCode(wechat.CodeDailyQuota)},
	{"any other errcode: 89000 (then `get`), 40001, 40014, 42001 (after one `--token-command`), 40013, 48001, 61004, 89001–89004, 89036, …", "no: the row ends with it", isAPIError},
	{"HTTP 429, HTTP 5xx except 501", "yes", func(err error) bool {
		s, ok := httpStatus(err)
		return ok && (s == http.StatusTooManyRequests || (s >= 500 && s != http.StatusNotImplemented))
	}},
	{"any other HTTP status", "no", func(err error) bool { _, ok := httpStatus(err); return ok }},
	{"HTTP 200 with an empty, HTML, truncated or non-JSON body, without `errcode`, or (create, get) without an `open_appid` of `wx` + 16 lowercase hex", "yes: a bad answer, never a success", func(err error) bool {
		var bodyErr *wechat.BodyError
		return errors.As(err, &bodyErr)
	}},
	{"a TLS failure (handshake, certificate), at every URL", "no", wechat.IsTLSError},
	{"no URL reached: DNS, connection refused, connect timeout (each URL of `--base-url` tried at once in turn)", "yes, after a backoff; 20 rows in a row stop the run", func(err error) bool {
		var dnsErr *net.DNSError
		return wechat.Unreachable(err) || isConnRefused(err) || errors.As(err, &dnsErr)
	}},
	{"a call cancelled (the run is stopping)", "no: the row is `pending`", func(err error) bool { return errors.Is(err, context.Canceled) }},
	{"connection reset or closed, an attempt's `--timeout`", "yes", func(err error) bool {
		var netErr net.Error
		return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
			isConnReset(err) || errors.Is(err, context.DeadlineExceeded)
	}},
	{"anything else", "no", func(error) bool { return true }},
}

// rule returns the row of retryTable that decides err.
func rule(err error) *retryRule {
	for i := range retryTable {
		if retryTable[i].match(err) {
			return &retryTable[i]
		}
	}
	return &retryTable[len(retryTable)-1]
}

// transient reports whether err is a failure that a retry may not see.
func transient(err error) bool {
	return strings.HasPrefix(rule(err).retried, "yes")
}

func isCode(code int) func(error) bool {
	return func(err error) bool { return wechat.IsCode(err, code) }
}

func isAPIError(err error) bool {
	var apiErr *wechat.APIError
	return errors.As(err, &apiErr)
}

func httpStatus(err error) (int, bool) {
	var httpErr *wechat.HTTPError
	if errors.As(err, &httpErr) {
		return httpErr.StatusCode, true
	}
	return 0, false
}

// isTLSError reports whether err is a failed TLS handshake.
func isTLSError(err error) bool { return wechat.IsTLSError(err) }

// describe is the errmsg of a failure without a WeChat errcode: what
// happened, in a few words, never with a token (the client redacts URLs).
func describe(err error, timeout time.Duration) string {
	var (
		renew *renewError
		unr   *wechat.UnreachableError
	)
	if errors.As(err, &renew) {
		return describe(renew.token, timeout) + "; " + renew.command.Error()
	}
	if errors.As(err, &unr) && unr.Last != nil {
		if isTimeout(unr.Last) || errors.Is(unr.Last, context.DeadlineExceeded) {
			return fmt.Sprintf("connect timeout after %s", timeout)
		}
		return describe(unr.Last, timeout)
	}
	var (
		apiErr  *wechat.APIError
		httpErr *wechat.HTTPError
		bodyErr *wechat.BodyError
		dnsErr  *net.DNSError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Msg
	case errors.As(err, &httpErr):
		return httpErr.Error()
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("timeout after %s", timeout)
	case isConnReset(err):
		return "connection reset"
	case isConnRefused(err):
		return "connection refused"
	case errors.As(err, &bodyErr):
		if errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err) {
			return "connection lost while reading the answer"
		}
		return bodyErr.Reason
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the answer"
	case errors.As(err, &dnsErr):
		return "DNS: " + dnsErr.Err + ": " + dnsErr.Name
	case isTLSError(err):
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the failure without the request's URL
		}
		return "TLS: " + err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// errCode is the WeChat errcode of err, 0 when it has none.
func errCode(err error) int {
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
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

// mayHaveActed reports whether a failed attempt may have changed WeChat's
// state although it did not say so: its answer was lost or cut off, or a
// gateway answered for it. WeChat's own errcodes, a refused connection and
// a 429 say nothing was done.
func mayHaveActed(err error) bool {
	var (
		apiErr  *wechat.APIError
		httpErr *wechat.HTTPError
	)
	switch {
	case err == nil:
		return false
	case errors.As(err, &apiErr):
		return false
	case errors.As(err, &httpErr):
		return httpErr.StatusCode != http.StatusTooManyRequests
	case isConnRefused(err):
		return false
	}
	var dnsErr *net.DNSError
	return !errors.As(err, &dnsErr)
}
