package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"openbind/wechat"
	"openbind/wechat/errcode"
)

// failure is what classify learned of a call's error, in one walk of its
// chain: WeChat's errcode with its row of errcode's table, the HTTP
// status, an unreadable answer, and the kinds of network failure. Every
// decision about an error reads it: the retry table (retryTable), its
// errmsg (describe), its errcode (errCode), whether it may have acted
// (mayHaveActed) and its count (callOutcome), each in its own order.
type failure struct {
	err   error
	api   *wechat.APIError
	code  errcode.Code // api's row of the table (Final for a code it does not know)
	http  *wechat.HTTPError
	body  *wechat.BodyError
	renew *renewError
	unr   *wechat.UnreachableError
	dns   *net.DNSError

	tls           bool // a failed TLS handshake
	unreachable   bool // no URL reached (wechat.Unreachable)
	refused       bool // connection refused
	reset         bool // connection reset
	netErr        bool // a net.Error in the chain…
	timeout       bool // …that timed out
	deadline      bool // context.DeadlineExceeded
	canceled      bool // context.Canceled
	eof           bool // io.EOF
	unexpectedEOF bool // io.ErrUnexpectedEOF
}

// classify walks err's chain once; a nil err is a call that succeeded.
func classify(err error) *failure {
	f := &failure{err: err}
	if err == nil {
		return f
	}
	errors.As(err, &f.renew)
	errors.As(err, &f.unr)
	if errors.As(err, &f.api) {
		f.code = errcode.Of(f.api.Code)
	}
	errors.As(err, &f.http)
	if (f.api != nil || f.http != nil) && f.unr == nil {
		// An answer: every decision reads it before any network failure.
		return f
	}
	errors.As(err, &f.body)
	errors.As(err, &f.dns)
	var netErr net.Error
	f.netErr = errors.As(err, &netErr)
	f.timeout = f.netErr && netErr.Timeout()
	f.tls = wechat.IsTLSError(err)
	f.unreachable = wechat.Unreachable(err)
	f.refused = isConnRefused(err)
	f.reset = isConnReset(err)
	f.deadline = errors.Is(err, context.DeadlineExceeded)
	f.canceled = errors.Is(err, context.Canceled)
	f.eof = errors.Is(err, io.EOF)
	f.unexpectedEOF = errors.Is(err, io.ErrUnexpectedEOF)
	return f
}

// is reports whether f is an errcode of class c.
func (f *failure) is(c errcode.Class) bool { return f.api != nil && f.code.Class == c }

// errCode is the WeChat errcode of err, 0 when it has none.
func errCode(err error) int {
	if f := classify(err); f.api != nil {
		return f.api.Code
	}
	return 0
}

// describe is the errmsg of a failure without a WeChat errcode: what
// happened, in a few words, never with a token (the client redacts URLs).
func describe(err error, timeout time.Duration) string {
	f := classify(err)
	if f.renew != nil {
		return describe(f.renew.token, timeout) + "; " + f.renew.command.Error()
	}
	if f.unr != nil && f.unr.Last != nil {
		if last := classify(f.unr.Last); last.timeout || last.deadline {
			return fmt.Sprintf("connect timeout after %s", timeout)
		}
		return describe(f.unr.Last, timeout)
	}
	switch {
	case f.api != nil:
		return f.api.Msg
	case f.http != nil:
		return f.http.Error()
	case f.deadline, f.timeout:
		return fmt.Sprintf("timeout after %s", timeout)
	case f.reset:
		return "connection reset"
	case f.refused:
		return "connection refused"
	case f.body != nil:
		if f.unexpectedEOF || f.reset {
			return "connection lost while reading the answer"
		}
		return f.body.Reason
	case f.eof, f.unexpectedEOF:
		return "connection closed before the answer"
	case f.dns != nil:
		return "DNS: " + f.dns.Err + ": " + f.dns.Name
	case f.tls:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the failure without the request's URL
		}
		return "TLS: " + err.Error()
	}
	return err.Error()
}

// reached reports whether an attempt that ended with err reached a URL,
// so that WeChat may have received it: it succeeded, or failed after its
// connection was made. An attempt that reached no URL (DNS, refused,
// connect timeout, TLS handshake: wechat.Unreachable) or could not open a
// socket (too many open files) sent nothing.
func reached(err error) bool {
	return err == nil || !(wechat.Unreachable(err) || isTooManyFiles(err))
}

// mayHaveActed reports whether a failed attempt may have changed WeChat's
// state although it did not say so: its answer was lost or cut off, or a
// gateway answered for it. WeChat's own errcodes (every class of
// errcode's table), an attempt that reached no URL (a refused connection,
// a connect timeout) and a 429 say nothing was done.
func mayHaveActed(err error) bool {
	f := classify(err)
	switch {
	case err == nil, !reached(err):
		return false
	case f.api != nil:
		return false
	case f.http != nil:
		return f.http.StatusCode != http.StatusTooManyRequests
	case f.refused:
		return false
	}
	return f.dns == nil
}

// callOutcome names how a call ended, for counts: ok, errcode_N, http_N,
// bad_answer (an unreadable body), timeout or network.
func callOutcome(err error) string {
	f := classify(err)
	switch {
	case err == nil:
		return "ok"
	case f.api != nil:
		return fmt.Sprintf("errcode_%d", f.api.Code)
	case f.http != nil:
		return fmt.Sprintf("http_%d", f.http.StatusCode)
	case f.body != nil:
		return "bad_answer"
	case f.timeout, f.deadline:
		return "timeout"
	}
	return "network"
}
