package wechat

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"openbind/wechat/errcode"
)

// Error codes of the API that openbind acts on: the rows of errcode's
// table, by the names the client's callers use (errcode says what each
// means and its remedy).
const (
	CodeBusy                   = errcode.CodeBusy
	CodeInvalidCredential      = errcode.CodeInvalidCredential
	CodeInvalidAppID           = errcode.CodeInvalidAppID
	CodeInvalidToken           = errcode.CodeInvalidToken
	CodeTokenExpired           = errcode.CodeTokenExpired
	CodeDailyQuota             = errcode.CodeDailyQuota
	CodeMinuteQuota            = errcode.CodeMinuteQuota
	CodeUnauthorized           = errcode.CodeUnauthorized
	CodeIPNotAllowed           = errcode.CodeIPNotAllowed
	CodeAlreadyBound           = errcode.CodeAlreadyBound
	CodeSubjectMismatch        = errcode.CodeSubjectMismatch
	CodeNotBound               = errcode.CodeNotBound
	CodeNotCreatedByAPI        = errcode.CodeNotCreatedByAPI
	CodeBindLimit              = errcode.CodeBindLimit
	CodeNotCreatedOrUnverified = errcode.CodeNotCreatedOrUnverified
)

// APIError is an answer whose errcode is not 0.
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg)
}

// IsCode reports whether err is (or wraps) an *APIError with one of codes.
func IsCode(err error, codes ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.Code == c {
			return true
		}
	}
	return false
}

// IsTokenError reports whether err says the access token is invalid or
// expired (40001, 40014, 42001: errcode's class Token): only a fresh
// token helps.
func IsTokenError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && IsTokenCode(ae.Code)
}

// IsTokenCode reports whether code is one of IsTokenError's.
func IsTokenCode(code int) bool {
	return errcode.ClassOf(code) == errcode.Token
}

// HTTPError is an answer with an HTTP status other than 200.
type HTTPError struct {
	StatusCode int
}

func (e *HTTPError) Error() string { return fmt.Sprintf("HTTP %d", e.StatusCode) }

// BodyError is an HTTP 200 answer whose body could not be read or decoded:
// empty, HTML, truncated or invalid JSON, or cut off by the connection.
type BodyError struct {
	Reason string
	Err    error
}

func (e *BodyError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *BodyError) Unwrap() error { return e.Err }

// UnreachableError is an attempt that reached none of the base URLs:
// each one failed to connect (DNS, refused, connect timeout, TLS).
type UnreachableError struct {
	URLs []string // the base URLs, in the order they were tried
	Last error    // the last URL's failure
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("no URL could be reached (%s): %v", strings.Join(e.URLs, ", "), e.Last)
}

func (e *UnreachableError) Unwrap() error { return e.Last }

// ConnectTimeoutError is an attempt whose time ran out while it was still
// connecting (DNS, TCP or the TLS handshake): the request was not sent.
type ConnectTimeoutError struct{ Err error }

func (e *ConnectTimeoutError) Error() string { return "connect timeout: " + e.Err.Error() }
func (e *ConnectTimeoutError) Unwrap() error { return e.Err }
func (e *ConnectTimeoutError) Timeout() bool { return true }

// Unreachable reports whether err is a failure to reach a URL at all —
// DNS, a refused connection, a connect timeout, a proxy that cannot be
// reached, a TLS handshake that fails or whose certificate does not
// verify — after which the request has not been sent: the next URL may
// take it at once. A timeout, reset or close after connecting is not one
// (the request may have acted).
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var (
		ue *UnreachableError
		ct *ConnectTimeoutError
	)
	if errors.As(err, &ue) || errors.As(err, &ct) {
		return true
	}
	var (
		opErr  *net.OpError
		dnsErr *net.DNSError
	)
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return false // this machine's limit, not the URL's
	case errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect"):
		return true
	case errors.As(err, &dnsErr):
		return true
	}
	return IsTLSError(err)
}

// IsTLSError reports whether err is a failed TLS handshake: a certificate
// that does not verify, a server that does not speak TLS, an alert. (A
// handshake that times out is a connect timeout: see ConnectTimeoutError.)
func IsTLSError(err error) bool {
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
	)
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &recordErr) || errors.As(err, &alertErr) ||
		errors.Is(err, http.ErrSchemeMismatch)
}

// redactedToken replaces the value of access_token in every URL of an error.
const redactedToken = "REDACTED"

// redactError strips the access_token from a *url.Error (which carries the
// full request URL, a classic token leak) wherever it sits in err's chain.
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	// net/http allocates the *url.Error for this one call: edit it in place.
	ue.URL = sanitizeURL(ue.URL)
	return err
}

// sanitizeURL returns raw with the access_token query value replaced. A URL
// that does not parse is cut at its query, which is where the token sits.
func sanitizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			return raw[:i] + "?access_token=" + redactedToken
		}
		return raw
	}
	q := u.Query()
	if !q.Has("access_token") {
		return raw
	}
	q.Set("access_token", redactedToken)
	u.RawQuery = q.Encode()
	return u.String()
}
