package job

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"

	"openbind/wechat"
)

// shouldRetry is the one retry decision: whether a call that failed with
// err may succeed when sent again. ctx is the run's context: once it is
// done nothing is retried, and a failure that would have been is returned
// as ctx's error; a definitive failure is returned as itself.
//
// Retried: errcode -1 (busy) and 45011 (minute quota, after the shared
// limiter's pause); HTTP 429 and 5xx but 501; bodies that are empty, HTML,
// truncated or not JSON; connection refused, reset or closed, and the
// attempt's own timeout. Everything else is definitive: any other errcode
// (89000, 40001, 40013, 89001…), other HTTP statuses, TLS failures, and a
// cancelled call.
func shouldRetry(ctx context.Context, err error) (bool, error) {
	if err == nil || !transient(err) {
		return false, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	return true, err
}

// transient reports whether err is a failure that a retry may not see.
func transient(err error) bool {
	var (
		apiErr  *wechat.APIError
		httpErr *wechat.HTTPError
		bodyErr *wechat.BodyError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Code == wechat.CodeBusy || apiErr.Code == wechat.CodeMinuteQuota
	case errors.As(err, &httpErr):
		s := httpErr.StatusCode
		return s == http.StatusTooManyRequests || (s >= 500 && s != http.StatusNotImplemented)
	case errors.As(err, &bodyErr):
		return true
	case isTLSError(err), errors.Is(err, context.Canceled):
		return false
	}
	// The rest are transport errors: timeouts, resets, refused connections,
	// EOF, DNS. They say nothing about the account.
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		isConnReset(err) || isConnRefused(err) ||
		errors.Is(err, context.DeadlineExceeded)
}

func isTLSError(err error) bool {
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
	)
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &recordErr)
}

// describe is the errmsg of a failure without a WeChat errcode: what
// happened, in a few words, never with a token (the client redacts URLs).
func describe(err error, timeout time.Duration) string {
	var renew *renewError
	if errors.As(err, &renew) {
		return describe(renew.token, timeout) + "; " + renew.command.Error()
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
