package job

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"openbind/wechat"
)

// timeoutErr is a net.Error that timed out, as a dial or read deadline gives.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// transportErr wraps err as net/http returns it: a *url.Error around a
// *net.OpError.
func transportErr(err error) error {
	return &url.Error{Op: "Post", URL: "https://api.weixin.qq.com/cgi-bin/open/create?access_token=REDACTED",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: err}}
}

func TestShouldRetry(t *testing.T) {
	api := func(code int) error { return &wechat.APIError{Code: code, Msg: "m"} }
	status := func(code int) error { return &wechat.HTTPError{StatusCode: code} }
	tests := []struct {
		name  string
		err   error
		retry bool
	}{
		{"no error", nil, false},
		{"-1 busy", api(-1), true},
		{"45011 minute quota", api(45011), true},
		{"45009 daily quota", api(45009), false},
		{"89000 already bound", api(89000), false},
		{"40001", api(40001), false},
		{"40014", api(40014), false},
		{"42001", api(42001), false},
		{"40013", api(40013), false},
		{"48001", api(48001), false},
		{"61004", api(61004), false},
		{"89001", api(89001), false},
		{"89002", api(89002), false},
		{"89003", api(89003), false},
		{"89004", api(89004), false},
		{"any other errcode", api(12345), false},
		{"wrapped errcode", fmt.Errorf("create: %w", api(-1)), true},
		{"HTTP 429", status(429), true},
		{"HTTP 500", status(500), true},
		{"HTTP 502", status(502), true},
		{"HTTP 503", status(503), true},
		{"HTTP 504", status(504), true},
		{"HTTP 501", status(501), false},
		{"HTTP 404", status(404), false},
		{"HTTP 400", status(400), false},
		{"HTTP 307", status(307), false},
		{"empty body", &wechat.BodyError{Reason: "empty answer"}, true},
		{"HTML body", &wechat.BodyError{Reason: "answer is an HTML page"}, true},
		{"truncated JSON", &wechat.BodyError{Reason: "answer is truncated JSON", Err: io.ErrUnexpectedEOF}, true},
		{"invalid JSON", &wechat.BodyError{Reason: "answer is not JSON"}, true},
		{"body cut off", &wechat.BodyError{Reason: "answer cut off", Err: io.ErrUnexpectedEOF}, true},
		{"connection refused", transportErr(os.NewSyscallError("connect", syscall.ECONNREFUSED)), true},
		{"connection reset", transportErr(os.NewSyscallError("read", syscall.ECONNRESET)), true},
		{"EOF", &url.Error{Op: "Post", URL: "u", Err: io.EOF}, true},
		{"unexpected EOF", &url.Error{Op: "Post", URL: "u", Err: io.ErrUnexpectedEOF}, true},
		{"attempt timeout", &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}, true},
		{"i/o timeout", transportErr(timeoutErr{}), true},
		{"DNS", &url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "no such host", Name: "api.weixin.qq.com"}}, true},
		{"unknown CA", &url.Error{Op: "Post", URL: "u", Err: x509.UnknownAuthorityError{}}, false},
		{"cancelled call", &url.Error{Op: "Post", URL: "u", Err: context.Canceled}, false},
		{"unknown error", errors.New("something else"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, err := shouldRetry(context.Background(), tt.err)
			if retry != tt.retry || err != tt.err {
				t.Errorf("shouldRetry(%v) = %v, %v; want %v, the error itself", tt.err, retry, err, tt.retry)
			}
			// Once the run is stopping nothing is retried: a transient
			// failure comes back as the context's error, a definitive one
			// as itself.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			retry, err = shouldRetry(ctx, tt.err)
			want := tt.err
			if tt.retry {
				want = context.Canceled
			}
			if retry || err != want {
				t.Errorf("stopping: shouldRetry = %v, %v; want false, %v", retry, err, want)
			}
		})
	}
}

func TestBackOff(t *testing.T) {
	base := 100 * time.Millisecond
	b := newBackOff(base)
	// Exponential ×2 with ±50% jitter, capped at 20 × base.
	interval := base
	for i := range 12 {
		d := b.NextBackOff()
		lo, hi := time.Duration(float64(interval)*0.5), time.Duration(float64(interval)*1.5)
		if d < lo || d > hi {
			t.Errorf("retry %d: backoff %s outside [%s, %s]", i+1, d, lo, hi)
		}
		interval = min(2*interval, 20*base)
	}
	// One per row: a second backoff starts from the base again.
	if d := newBackOff(base).NextBackOff(); d > time.Duration(float64(base)*1.5) {
		t.Errorf("a new row's first backoff is %s", d)
	}
	// Jitter: 50 first backoffs are not all equal.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[newBackOff(base).NextBackOff()] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct first backoffs in 50: no jitter", len(seen))
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&wechat.APIError{Code: -1, Msg: "system error"}, "system error"},
		{&wechat.HTTPError{StatusCode: 502}, "HTTP 502"},
		{&url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}, "timeout after 10s"},
		{transportErr(timeoutErr{}), "timeout after 10s"},
		{transportErr(os.NewSyscallError("read", syscall.ECONNRESET)), "connection reset"},
		{transportErr(os.NewSyscallError("connect", syscall.ECONNREFUSED)), "connection refused"},
		{&url.Error{Op: "Post", URL: "u", Err: io.EOF}, "connection closed before the answer"},
		{&wechat.BodyError{Reason: "answer cut off", Err: io.ErrUnexpectedEOF}, "connection lost while reading the answer"},
		{&wechat.BodyError{Reason: "answer is an HTML page"}, "answer is an HTML page"},
		{&url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "no such host", Name: "api.example"}}, "DNS: no such host: api.example"},
	}
	for _, tt := range tests {
		if got := describe(tt.err, 10*time.Second); got != tt.want {
			t.Errorf("describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
