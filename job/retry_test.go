package job

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"openbind/wechat"
	"openbind/wechat/errcode"
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
		{"TLS to a plain HTTP port", &url.Error{Op: "Post", URL: "u", Err: http.ErrSchemeMismatch}, false},
		{"TLS at every URL", &wechat.UnreachableError{URLs: []string{"a", "b"}, Last: &url.Error{Op: "Post", URL: "u", Err: x509.UnknownAuthorityError{}}}, false},
		{"no URL reached", &wechat.UnreachableError{URLs: []string{"a", "b"}, Last: transportErr(os.NewSyscallError("connect", syscall.ECONNREFUSED))}, true},
		{"connect timeout", &wechat.UnreachableError{URLs: []string{"a"}, Last: &wechat.ConnectTimeoutError{Err: context.DeadlineExceeded}}, true},
		{"89036", api(89036), false},
		{"no errcode", &wechat.BodyError{Reason: "answer without errcode"}, true},
		{"a bad open_appid", &wechat.BodyError{Reason: "answer with an open_appid that is not wx and 16 lowercase hex digits"}, true},
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
		{&wechat.UnreachableError{URLs: []string{"a", "b"}, Last: transportErr(os.NewSyscallError("connect", syscall.ECONNREFUSED))}, "connection refused"},
		{&wechat.UnreachableError{URLs: []string{"a"}, Last: &wechat.ConnectTimeoutError{Err: context.DeadlineExceeded}}, "connect timeout after 10s"},
		{&url.Error{Op: "Post", URL: "https://x/?access_token=REDACTED", Err: http.ErrSchemeMismatch}, "TLS: " + http.ErrSchemeMismatch.Error()},
	}
	for _, tt := range tests {
		if got := describe(tt.err, 10*time.Second); got != tt.want {
			t.Errorf("describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// README's "Faults and retries" table is retryTable, row for row and word
// for word.
func TestRetryTableIsREADME(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Faults and retries\n")
	if !ok {
		t.Fatal("README has no section Faults and retries")
	}
	_, table, ok := strings.Cut(section, "| answer | retried? |\n|---|---|\n")
	if !ok {
		t.Fatal("the section has no table | answer | retried? |")
	}
	var got [][2]string
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 2 {
			t.Fatalf("README row %q: want two cells", line)
		}
		got = append(got, [2]string{cells[0], cells[1]})
	}
	var want [][2]string
	for _, r := range retryTable {
		want = append(want, [2]string{r.answer, r.retried})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README's table differs from retryTable (-code +README):\n%s", diff)
	}
}

// Each row of retryTable decides the errors it stands for, and no earlier
// row takes them; shouldRetry says what the row's second cell says.
func TestRetryTableRows(t *testing.T) {
	refused := transportErr(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	examples := map[string][]error{
		"errcode -1":            {&wechat.APIError{Code: -1, Msg: "system error rid: 69d4d3a0-366d0172-47a37258"}},
		"errcode 45011":         {&wechat.APIError{Code: 45011}},
		"errcode 45009":         {&wechat.APIError{Code: 45009, Msg: "reach max api daily quota limit"}},
		"any other errcode":     {&wechat.APIError{Code: 89000}, &wechat.APIError{Code: 40001}, &wechat.APIError{Code: 42001}, &wechat.APIError{Code: 61004}, &wechat.APIError{Code: 89036}, &wechat.APIError{Code: 12345}},
		"HTTP 429":              {&wechat.HTTPError{StatusCode: 429}, &wechat.HTTPError{StatusCode: 500}, &wechat.HTTPError{StatusCode: 503}},
		"any other HTTP status": {&wechat.HTTPError{StatusCode: 501}, &wechat.HTTPError{StatusCode: 404}, &wechat.HTTPError{StatusCode: 302}},
		"HTTP 200":              {&wechat.BodyError{Reason: "empty answer"}, &wechat.BodyError{Reason: "answer without errcode"}, &wechat.BodyError{Reason: "answer cut off", Err: io.ErrUnexpectedEOF}},
		"a TLS failure":         {&url.Error{Op: "Post", URL: "u", Err: x509.UnknownAuthorityError{}}, &url.Error{Op: "Post", URL: "u", Err: http.ErrSchemeMismatch}, &wechat.UnreachableError{Last: &url.Error{Op: "Post", URL: "u", Err: x509.HostnameError{}}}},
		"no URL reached":        {&wechat.UnreachableError{Last: refused}, refused, &wechat.UnreachableError{Last: &wechat.ConnectTimeoutError{Err: context.DeadlineExceeded}}, &url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "no such host"}}},
		"a call cancelled":      {&url.Error{Op: "Post", URL: "u", Err: context.Canceled}},
		"connection reset":      {transportErr(os.NewSyscallError("read", syscall.ECONNRESET)), &url.Error{Op: "Post", URL: "u", Err: io.EOF}, &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}, transportErr(timeoutErr{})},
		"anything else":         {errors.New("something else")},
	}
	if len(examples) != len(retryTable) {
		t.Fatalf("%d rows with examples, %d rows in the table", len(examples), len(retryTable))
	}
	for i := range retryTable {
		row := &retryTable[i]
		t.Run(row.answer, func(t *testing.T) {
			var errs []error
			for prefix, es := range examples {
				if strings.HasPrefix(row.answer, prefix) {
					errs = es
				}
			}
			if len(errs) == 0 {
				t.Fatalf("no examples for row %q", row.answer)
			}
			for _, err := range errs {
				if got := rule(err); got != row {
					t.Errorf("%v is decided by %q", err, got.answer)
				}
				retry, _ := shouldRetry(context.Background(), err)
				if want := strings.HasPrefix(row.retried, "yes"); retry != want {
					t.Errorf("%v: retry %v, want %v", err, retry, want)
				}
			}
		})
	}
}

// Every code of errcode's table has its row in README's retry table (the
// row that decides it names the code, or a range that holds it), and
// that row retries it exactly when its class is one that is retried.
func TestErrcodesInRetryTable(t *testing.T) {
	for _, c := range errcode.All() {
		t.Run(c.Name, func(t *testing.T) {
			r := rule(fmt.Errorf("call: %w", &wechat.APIError{Code: c.Num, Msg: c.Msg}))
			if !strings.HasPrefix(r.answer, "errcode ") && !strings.HasPrefix(r.answer, "any other errcode") {
				t.Fatalf("%d is decided by %q, not a row of errcodes", c.Num, r.answer)
			}
			if !namesCode(r.answer, c.Num) {
				t.Errorf("%d (%s) is decided by the row %q, which does not name it", c.Num, c.Name, r.answer)
			}
			if retried := strings.HasPrefix(r.retried, "yes"); retried != c.Class.Retried() {
				t.Errorf("%d: README's row says %q, the class %s says retried %v", c.Num, r.retried, c.Class, c.Class.Retried())
			}
		})
	}
}

// namesCode reports whether a row of README's table names code: the
// number itself, or a range "a–b" that holds it.
func namesCode(answer string, code int) bool {
	for _, w := range strings.FieldsFunc(answer, func(r rune) bool { return strings.ContainsRune(" ,():`", r) }) {
		lo, hi, isRange := strings.Cut(w, "–")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if a <= code && code <= b {
			return true
		}
	}
	return false
}
