package wechat

import (
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// NewHTTPClient returns the HTTP client for a pool of workers: it keeps one
// keep-alive connection per worker and no more (net/http keeps 2 idle by
// default, which makes a larger pool open and close a connection per
// call), honours
// HTTPS_PROXY/NO_PROXY, verifies TLS, speaks HTTP/2 where offered, and never
// follows a redirect (that would send the token's request elsewhere).
// It sets no overall timeout: each attempt carries its own deadline.
func NewHTTPClient(workers int) *http.Client {
	if workers < 1 {
		workers = 1
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// HTTPS_PROXY, HTTP_PROXY and NO_PROXY as http.ProxyFromEnvironment
	// reads them, but read now rather than once per process.
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConns = workers
	t.MaxIdleConnsPerHost = workers
	// A worker's next call can start before its last connection is back
	// in the pool (the transport returns it from another goroutine); then
	// it waits for one rather than dial one more.
	t.MaxConnsPerHost = workers
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
