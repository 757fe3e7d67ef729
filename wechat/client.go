// Package wechat is the client of the WeChat open-platform account API that
// openbind drives: create, get and bind (/cgi-bin/open/*). It owns the wire
// types, the one place where an answer becomes a *APIError (checkResponse,
// which also refuses an answer that only looks like a success), the errors
// of the transport (*HTTPError, *BodyError, *UnreachableError), the base
// URLs and the failover from one to the next, and the redaction that keeps
// every access_token out of every error text (by name in URLs, by value in
// everything an answer or the transport says).
//
// Every answer of WeChat arrives as HTTP 200 with errcode/errmsg in a JSON
// body, so the classification reads the body, never only the HTTP status.
package wechat

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the production API host, the first of DefaultBaseURLs.
const DefaultBaseURL = "https://api.weixin.qq.com"

// The paths of the calls, relative to the base URL.
const (
	PathCreate = "/cgi-bin/open/create"
	PathGet    = "/cgi-bin/open/get"
	PathBind   = "/cgi-bin/open/bind"
)

// maxBody bounds how much of an answer is read; a real answer is < 200 bytes.
const maxBody = 64 << 10

// Client calls the open-platform account API at one base URL or several
// (failover, see call). It is safe for concurrent use.
type Client struct {
	bases []base
	cur   atomic.Int32 // the base in use: the last one that answered
	hc    *http.Client
	rt    http.RoundTripper // hc's transport: see do
	wait  Waiter            // nil: a failover does not wait
	// onFailover, when set, is told of each failover (see SetFailoverHook).
	onFailover func(from, to string, err error)

	mu sync.Mutex
	fo Failovers
}

// base is one base URL, as ParseBaseURL checked it (no query, no
// fragment: a path appends to it as it is).
type base struct {
	url string
}

// Waiter is the rate limit a failover waits on (the job's limiter): a
// call sent again to the next URL is a call like any other.
type Waiter interface {
	Wait(ctx context.Context) error
}

// Failovers is how often calls went on to the next URL, and when.
type Failovers struct {
	Count       int
	First, Last time.Time
	// From and To are the URLs of the last failover.
	From, To string
}

// NewClient returns a client for the API at baseURL, one URL or several
// separated by commas (DefaultBaseURLs when empty), that sends its requests
// through hc (see NewHTTPClient). Each URL must pass ParseBaseURL.
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURLs
	}
	us, err := ParseBaseURLs(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = NewHTTPClient(2)
	}
	c := &Client{hc: hc, rt: hc.Transport}
	if c.rt == nil {
		c.rt = http.DefaultTransport
	}
	for _, u := range us {
		c.bases = append(c.bases, base{url: u.String()})
	}
	return c, nil
}

// SetWaiter makes every failover wait on w first.
func (c *Client) SetWaiter(w Waiter) { c.wait = w }

// SetFailoverHook makes the client tell fn of each failover: the URL it
// left, the one it went on at, and why it left (token scrubbed). Calls
// that move on from a URL another call left already are not told again.
func (c *Client) SetFailoverHook(fn func(from, to string, err error)) { c.onFailover = fn }

// URLs returns the base URLs, in the order they are tried.
func (c *Client) URLs() []string {
	out := make([]string, len(c.bases))
	for i, b := range c.bases {
		out[i] = b.url
	}
	return out
}

// Failovers returns how often calls failed over so far.
func (c *Client) Failovers() Failovers {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fo
}

// Create calls createOpenAccount for the account that token belongs to and
// returns the new open platform appid. An account that is bound already
// answers 89000 (see IsCode).
func (c *Client) Create(ctx context.Context, token, appid string) (string, error) {
	return c.openAppID(ctx, PathCreate, token, appid)
}

// Get returns the open platform appid the account is bound to (89002 when
// it is not bound).
func (c *Client) Get(ctx context.Context, token, appid string) (string, error) {
	return c.openAppID(ctx, PathGet, token, appid)
}

// openAppID makes a call whose answer is an open platform appid.
func (c *Client) openAppID(ctx context.Context, path, token, appid string) (string, error) {
	ans, err := c.call(ctx, path, token, request{AppID: appid})
	return ans.OpenAppID, err
}

// Bind binds the account to the open platform account openAppID.
func (c *Client) Bind(ctx context.Context, token, appid, openAppID string) error {
	_, err := c.call(ctx, PathBind, token, request{AppID: appid, OpenAppID: openAppID})
	return err
}

// request is the JSON body of every call.
type request struct {
	AppID     string `json:"appid,omitempty"`
	OpenAppID string `json:"open_appid,omitempty"`
}

// call makes one attempt of a call: at the URL in use, and, when that
// URL cannot be reached (see Unreachable), at once at the next, and so on
// through every URL; the URL that answers is the one in use from then on.
// When none can be reached the error is an *UnreachableError. Every error
// has token scrubbed from its texts.
func (c *Client) call(ctx context.Context, path, token string, body request) (answer, error) {
	first := int(c.cur.Load())
	var (
		budget time.Duration
		last   error
	)
	if dl, ok := ctx.Deadline(); ok {
		budget = time.Until(dl)
	}
	// fresh is ctx with the attempt's whole time again: the URL before may
	// have spent it connecting, and the wait on the limiter is not part of
	// an attempt's time.
	fresh := func() (context.Context, context.CancelFunc) {
		if budget <= 0 {
			return ctx, func() {}
		}
		return context.WithTimeout(context.WithoutCancel(ctx), budget)
	}
	for k := range c.bases {
		i := (first + k) % len(c.bases)
		actx, cancel := ctx, context.CancelFunc(func() {})
		if k > 0 {
			if errors.Is(ctx.Err(), context.Canceled) {
				break // the caller gave up: no next URL
			}
			if c.wait != nil {
				wctx, wcancel := fresh()
				err := c.wait.Wait(wctx)
				wcancel()
				if err != nil {
					break
				}
			}
			actx, cancel = fresh()
		}
		ans, err := c.try(actx, i, path, token, body)
		cancel()
		if !Unreachable(err) {
			if k > 0 {
				c.failedOver(first, i, scrub(last, token))
			}
			return ans, scrub(err, token)
		}
		last = err
	}
	return answer{}, scrub(&UnreachableError{URLs: c.URLs(), Last: last}, token)
}

// failedOver makes base to the one in use, unless another call moved on
// from base from already; why is the failure at the URL before to.
func (c *Client) failedOver(from, to int, why error) {
	if !c.cur.CompareAndSwap(int32(from), int32(to)) {
		return
	}
	now := time.Now()
	c.mu.Lock()
	c.fo.Count++
	if c.fo.First.IsZero() {
		c.fo.First = now
	}
	c.fo.Last, c.fo.From, c.fo.To = now, c.bases[from].url, c.bases[to].url
	c.mu.Unlock()
	if c.onFailover != nil {
		c.onFailover(c.bases[from].url, c.bases[to].url, why)
	}
}

// try makes one request to base i. A timeout before the request had a
// connection (DNS, TCP, TLS: net/http then reports the context's
// deadline, not the dial) is a *ConnectTimeoutError: nothing was sent.
func (c *Client) try(ctx context.Context, i int, path, token string, body request) (answer, error) {
	var tr connTrace
	req, err := c.newRequest(httptrace.WithClientTrace(ctx, tr.hooks()), c.bases[i].url+path, token, body)
	if err != nil {
		return answer{}, err
	}
	ans, err := c.do(req, path)
	if err != nil && !tr.connected.Load() && isTimeout(err) {
		err = &ConnectTimeoutError{Err: err}
	}
	return ans, err
}

// connTrace records whether a request got a connection (a new one, or one
// from the pool): until then nothing of it was sent. (A request may also
// wait for a dial another request started: it is connecting all the same.)
type connTrace struct {
	connected atomic.Bool
}

func (t *connTrace) hooks() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { t.connected.Store(true) }}
}

// isTimeout reports whether err is a deadline or a timeout.
func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// requestHeader is the header of every request. Requests share it: neither
// the client nor the transport writes to a request's header.
var requestHeader = http.Header{
	"Content-Type": {"application/json"},
	"User-Agent":   {"openbind"},
}

func (c *Client) newRequest(ctx context.Context, endpoint, token string, body request) (*http.Request, error) {
	buf, err := body.encode()
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"?access_token="+url.QueryEscape(token), bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("new request: %w", redactError(err))
	}
	req.Header = requestHeader
	return req, nil
}

// encode is json.Marshal(r), written out for the usual case of appids of
// plain ASCII: json.Marshal's reflection was 2% of a --qps 0 run's CPU
// (scripts/bench -pprof, ~1 µs a call), this is a tenth of it.
// FuzzRequestEncode checks it against json.Marshal.
func (r request) encode() ([]byte, error) {
	if !plainASCII(r.AppID) || !plainASCII(r.OpenAppID) {
		return json.Marshal(r)
	}
	b := make([]byte, 0, 64)
	b = append(b, '{')
	if r.AppID != "" {
		b = append(b, `"appid":"`...)
		b = append(b, r.AppID...)
		b = append(b, '"')
	}
	if r.OpenAppID != "" {
		if r.AppID != "" {
			b = append(b, ',')
		}
		b = append(b, `"open_appid":"`...)
		b = append(b, r.OpenAppID...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// plainASCII reports whether s needs no escaping in a JSON string.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// do sends req and decodes its answer. The body is always drained and
// closed so that the connection goes back to the pool, on every path.
//
// It sends through the transport itself, not http.Client.Do: the client
// follows no redirect anyway (that would send the token's request
// elsewhere), has no cookie jar and no overall timeout (each attempt
// carries its own deadline), and Do's copy of the headers for redirects
// and its wrapping were 2% of a --qps 0 run's CPU (scripts/bench -pprof).
// An error is wrapped in a *url.Error as Do wraps it, its URL redacted,
// and a TLS record that starts "HTTP/" is http.ErrSchemeMismatch, as Do
// says it.
func (c *Client) do(req *http.Request, path string) (answer, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch // as Do says it: a plain-http server at an https URL
		}
		return answer{}, &url.Error{Op: urlErrorOp(req.Method), URL: sanitizeURL(req.URL.String()), Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	// Drain what is left (bounded) so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	if err != nil {
		return answer{}, &BodyError{Reason: "answer cut off", Err: redactError(err)}
	}
	return checkResponse(resp.StatusCode, data, path)
}

// urlErrorOp is the Op of the *url.Error that http.Client.Do would give.
func urlErrorOp(method string) string {
	return method[:1] + strings.ToLower(method[1:])
}
