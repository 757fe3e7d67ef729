package wechat_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"openbind/wechat"
)

func TestProxyFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		target  string
		wantVia string // "" for a direct connection
	}{
		{"https through HTTPS_PROXY", map[string]string{"HTTPS_PROXY": "http://proxy.internal:3128"}, "https://api.weixin.qq.com/cgi-bin/open/create", "http://proxy.internal:3128"},
		{"lower case", map[string]string{"https_proxy": "http://proxy.internal:3128"}, "https://api.weixin.qq.com/cgi-bin/open/create", "http://proxy.internal:3128"},
		{"NO_PROXY", map[string]string{"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": ".qq.com"}, "https://api.weixin.qq.com/cgi-bin/open/create", ""},
		{"no proxy set", map[string]string{}, "https://api.weixin.qq.com/cgi-bin/open/create", ""},
		{"loopback never", map[string]string{"HTTP_PROXY": "http://proxy.internal:3128"}, "http://127.0.0.1:8089/cgi-bin/open/create", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			tr := wechat.NewHTTPClient(4).Transport.(*http.Transport)
			req, _ := http.NewRequest(http.MethodPost, tt.target, nil)
			u, err := tr.Proxy(req)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if u != nil {
				got = u.String()
			}
			if got != tt.wantVia {
				t.Errorf("proxy %q, want %q", got, tt.wantVia)
			}
		})
	}
}

func TestTLSIsVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler()) // a self-signed certificate
	defer srv.Close()
	c := newClient(t, srv.URL)
	_, err := c.Create(context.Background(), tokenA, appA)
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &unknown) && !errors.As(err, &verify) {
		t.Fatalf("err = %v, want a certificate verification error", err)
	}
}

func TestHTTP2WhereOffered(t *testing.T) {
	var proto atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int32(r.ProtoMajor))
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok","open_appid":"wxf000000000000001"}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	hc := wechat.NewHTTPClient(4)
	tr := hc.Transport.(*http.Transport)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c, err := wechat.NewClient(srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), tokenA, appA); err != nil {
		t.Fatal(err)
	}
	if proto.Load() != 2 {
		t.Errorf("HTTP/%d, want HTTP/2", proto.Load())
	}
}

// Every answer's body is drained and closed, errors included, so that
// the workers share a few keep-alive connections.
func TestConnectionsAreReused(t *testing.T) {
	var n atomic.Int32
	answers := []string{`{"errcode":-1,"errmsg":"system error"}`, `<html>502</html>`, `{"errcode":0,"open_appid":"wxf000000000000001"}`}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if i%3 == 2 {
			w.WriteHeader(http.StatusBadGateway)
		}
		_, _ = w.Write([]byte(answers[i%3]))
	}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newClient(t, srv.URL)
	for range 30 {
		_, _ = c.Create(context.Background(), tokenA, appA)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("%d connections for 30 sequential calls, want 1", got)
	}
}
