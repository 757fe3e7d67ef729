// Package wechat is the client of the WeChat open-platform account API that
// openbind drives: create, get and bind (/cgi-bin/open/*). It owns the wire
// types, the one place where an answer becomes a *APIError, the errors of the
// transport (*HTTPError, *BodyError), and the redaction that keeps every
// access_token out of every error text.
//
// Every answer of WeChat arrives as HTTP 200 with errcode/errmsg in a JSON
// body, so the classification reads the body, never only the HTTP status.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// DefaultBaseURL is the production API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// The paths of the calls, relative to the base URL.
const (
	PathCreate = "/cgi-bin/open/create"
	PathGet    = "/cgi-bin/open/get"
	PathBind   = "/cgi-bin/open/bind"
)

// maxBody bounds how much of an answer is read; a real answer is < 200 bytes.
const maxBody = 64 << 10

// Client calls the open-platform account API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
	// The URL of each path up to the token's value, made once: building a
	// URL for every call costs more than the call's own encoding.
	prefix map[string]string
}

// NewClient returns a client for the API at baseURL (DefaultBaseURL when
// empty) that sends its requests through hc (see NewHTTPClient). baseURL must
// use https, except for loopback hosts, so that a token never crosses a
// network in clear text.
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = NewHTTPClient(2)
	}
	c := &Client{base: u, hc: hc, prefix: map[string]string{}}
	for _, p := range []string{PathCreate, PathGet, PathBind} {
		pu := *u
		pu.Path += p
		c.prefix[p] = pu.String() + "?access_token="
	}
	return c, nil
}

// ParseBaseURL checks a base URL: absolute, https (http only for
// 127.0.0.0/8, ::1 and localhost), no query, no user information.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("base URL %q: want https://host[:port]", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("base URL %q: user information is not allowed", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base URL %q: a query or fragment is not allowed", u.Redacted())
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("base URL %q: plain http is allowed only to loopback hosts (127.0.0.0/8, ::1, localhost); tokens must not cross a network in clear text", u.Redacted())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// IsLoopback reports whether host (no port) names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	var ans answer
	if err := c.call(ctx, path, token, request{AppID: appid}, &ans); err != nil {
		return "", err
	}
	if ans.OpenAppID == "" {
		return "", &BodyError{Reason: "answer without open_appid"}
	}
	return ans.OpenAppID, nil
}

// Bind binds the account to the open platform account openAppID.
func (c *Client) Bind(ctx context.Context, token, appid, openAppID string) error {
	var ans answer
	return c.call(ctx, PathBind, token, request{AppID: appid, OpenAppID: openAppID}, &ans)
}

// request is the JSON body of every call.
type request struct {
	AppID     string `json:"appid,omitempty"`
	OpenAppID string `json:"open_appid,omitempty"`
}

// answer is the JSON body of every answer.
type answer struct {
	ErrCode   *int   `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	OpenAppID string `json:"open_appid"`
}

func (c *Client) call(ctx context.Context, path, token string, body request, ans *answer) error {
	req, err := c.newRequest(ctx, path, token, body)
	if err != nil {
		return err
	}
	return c.do(req, ans)
}

// requestHeader is the header of every request. Requests share it: neither
// the client nor the transport writes to a request's header.
var requestHeader = http.Header{
	"Content-Type": {"application/json"},
	"User-Agent":   {"openbind"},
}

func (c *Client) newRequest(ctx context.Context, path, token string, body request) (*http.Request, error) {
	buf, err := body.encode()
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.prefix[path]+url.QueryEscape(token), bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("new request %s: %w", path, redactError(err))
	}
	req.Header = requestHeader
	return req, nil
}

// encode is json.Marshal(r), written out for the usual case of appids of
// plain ASCII: it runs for every call.
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

// bodyBuffers holds the buffers answers are read into.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// do sends req and decodes its answer into ans. The body is always drained
// and closed so that the connection goes back to the pool, on every path.
func (c *Client) do(req *http.Request, ans *answer) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return redactError(err)
	}
	bp := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(bp)
	data, eof, err := readBody(resp.Body, (*bp)[:0])
	*bp = data[:0]
	if !eof {
		// Drain what is left (bounded) so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	}
	_ = resp.Body.Close()
	if err != nil {
		return &BodyError{Reason: "answer cut off", Err: redactError(err)}
	}
	return checkResponse(resp, data, ans)
}

// readBody appends r to buf, up to maxBody bytes, and reports whether it
// read r to its end.
func readBody(r io.Reader, buf []byte) ([]byte, bool, error) {
	for len(buf) < maxBody {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), maxBody)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}

// checkResponse turns an HTTP answer into nil, *HTTPError, *BodyError or
// *APIError. It is the one place that reads errcode.
func checkResponse(resp *http.Response, data []byte, ans *answer) error {
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{StatusCode: resp.StatusCode}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &BodyError{Reason: "empty answer"}
	}
	if err := json.Unmarshal(data, ans); err != nil {
		reason := "answer is not JSON"
		var syn *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syn) && syn.Offset >= int64(len(data))):
			reason = "answer is truncated JSON"
		case looksLikeHTML(data):
			reason = "answer is an HTML page"
		}
		return &BodyError{Reason: reason, Err: err}
	}
	if ans.ErrCode != nil && *ans.ErrCode != 0 {
		return &APIError{Code: *ans.ErrCode, Msg: ans.ErrMsg}
	}
	return nil
}

func looksLikeHTML(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '<'
}
