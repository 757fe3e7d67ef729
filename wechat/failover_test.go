package wechat_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"openbind/wechat"
	"openbind/wechat/wechattest"
)

// closedAddr is a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

type countingWaiter struct{ n atomic.Int64 }

func (w *countingWaiter) Wait(context.Context) error { w.n.Add(1); return nil }

func TestFailover(t *testing.T) {
	srv := wechattest.New(wechattest.Account{AppID: appA, Token: tokenA}, wechattest.Account{AppID: appB, Token: tokenB}).Start()
	defer srv.Close()
	second, err := srv.AddAddress("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + closedAddr(t)
	tlsToPlain := strings.Replace(srv.URL, "http://", "https://", 1)
	tests := []struct {
		name      string
		urls      []string
		failovers int
		unreached bool
	}{
		{"the first answers", []string{srv.URL, closed}, 0, false},
		{"the first refuses", []string{closed, second}, 1, false},
		{"TLS fails at the first", []string{tlsToPlain, second}, 1, false},
		{"DNS fails at the first", []string{"https://nonexistent.invalid", srv.URL}, 1, false},
		{"every URL refuses", []string{closed, "http://" + closedAddr(t)}, 0, true},
		{"one URL, refusing", []string{closed}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, strings.Join(tt.urls, ","))
			w := &countingWaiter{}
			c.SetWaiter(w)
			var told []string
			c.SetFailoverHook(func(from, to string, err error) {
				if err == nil || strings.Contains(err.Error(), tokenA) {
					t.Errorf("told of a failover with error %v", err)
				}
				told = append(told, from+" "+to)
			})
			for i := range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err := c.Get(ctx, tokenA, appA)
				cancel()
				var ue *wechat.UnreachableError
				if got := errors.As(err, &ue); got != tt.unreached {
					t.Fatalf("call %d: %v; want unreachable %v", i, err, tt.unreached)
				}
				if tt.unreached && (len(ue.URLs) != len(tt.urls) || !wechat.Unreachable(err)) {
					t.Errorf("unreachable error %v: want every URL named", err)
				}
				if !tt.unreached && !wechat.IsCode(err, wechat.CodeNotBound) {
					t.Errorf("call %d: %v, want 89002 from the stand-in", i, err)
				}
			}
			// The URL that answered stays in use: one failover, however
			// many calls; each failover waited on the limiter.
			if f := c.Failovers(); f.Count != tt.failovers || (f.Count > 0 && (f.From != tt.urls[0] || f.To != tt.urls[1] || f.First.IsZero())) {
				t.Errorf("failovers %+v, want %d from %s", f, tt.failovers, tt.urls[0])
			}
			if len(told) != tt.failovers || (len(told) > 0 && told[0] != tt.urls[0]+" "+tt.urls[1]) {
				t.Errorf("the hook was told %q", told)
			}
			if tt.failovers > 0 && w.n.Load() != 1 {
				t.Errorf("%d waits on the limiter for one failover", w.n.Load())
			}
		})
	}
}

// A connect timeout at the first URL (its host never answers the SYN)
// goes to the second, which gets the attempt's whole time again.
func TestFailoverAfterConnectTimeout(t *testing.T) {
	srv := wechattest.New(wechattest.Account{AppID: appA, Token: tokenA}).Start()
	defer srv.Close()
	hc := wechat.NewHTTPClient(1)
	tr := hc.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.HasPrefix(addr, "blackhole.test:") {
			return dial(ctx, network, addr)
		}
		// As net.Dialer does, then the SYN is never answered.
		if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.ConnectStart != nil {
			trace.ConnectStart(network, addr)
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	c, err := wechat.NewClient("https://blackhole.test,"+srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, tokenA, appA); !wechat.IsCode(err, wechat.CodeNotBound) {
		t.Fatalf("Get: %v; want the second URL's 89002", err)
	}
	if f := c.Failovers(); f.Count != 1 {
		t.Errorf("failovers %+v", f)
	}
	// Every URL timing out while connecting: unreachable, not a timeout
	// of a call that may have acted.
	c, _ = wechat.NewClient("https://blackhole.test", hc)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.Get(ctx2, tokenA, appA); !wechat.Unreachable(err) {
		t.Errorf("Get: %v; want unreachable", err)
	}
}

// A create whose answer was lost at the first URL, which then goes down,
// is settled at the second as at the first: 89000, then get.
func TestFailoverSettlesALostCreate(t *testing.T) {
	srv := wechattest.New(wechattest.Account{AppID: appA, Token: tokenA, Faults: []wechattest.Fault{wechattest.ResetAfter}}).Start()
	defer srv.Close()
	if _, err := srv.AddAddress("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, strings.Join(srv.URLs(), ","))
	ctx := context.Background()
	if _, err := c.Create(ctx, tokenA, appA); err == nil || wechat.Unreachable(err) {
		t.Fatalf("first create: %v, want a lost answer", err)
	}
	if err := srv.SetReachable(0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, tokenA, appA); !wechat.IsCode(err, wechat.CodeAlreadyBound) {
		t.Fatalf("create again: %v, want 89000 from the second address", err)
	}
	open, err := c.Get(ctx, tokenA, appA)
	if err != nil || open != srv.BoundTo(appA) {
		t.Fatalf("get = %q, %v; the stand-in has %q", open, err, srv.BoundTo(appA))
	}
	if err := srv.SetReachable(0, true); err != nil {
		t.Fatal(err)
	}
	if f := c.Failovers(); f.Count != 1 {
		t.Errorf("failovers %+v", f)
	}
}
