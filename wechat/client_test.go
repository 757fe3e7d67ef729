package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"openbind/wechat"
	"openbind/wechat/wechattest"
)

const (
	appA   = "wx0123456789abcdef"
	tokenA = "SECRET-token-A-0123456789"
	appB   = "wx00000000000000bb"
	tokenB = "SECRET-token-B-0123456789"
)

func newClient(t *testing.T, url string) *wechat.Client {
	t.Helper()
	c, err := wechat.NewClient(url, wechat.NewHTTPClient(4))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateGetBind(t *testing.T) {
	srv := wechattest.New(
		wechattest.Account{AppID: appA, Token: tokenA, Subject: "S"},
		wechattest.Account{AppID: appB, Token: tokenB, Subject: "S"},
	).Start()
	defer srv.Close()
	c := newClient(t, srv.URL)
	ctx := context.Background()

	if _, err := c.Get(ctx, tokenA, appA); !wechat.IsCode(err, wechat.CodeNotBound) {
		t.Fatalf("Get before create: %v, want 89002", err)
	}
	open, err := c.Create(ctx, tokenA, appA)
	if err != nil || open == "" {
		t.Fatalf("Create = %q, %v", open, err)
	}
	if _, err := c.Create(ctx, tokenA, appA); !wechat.IsCode(err, wechat.CodeAlreadyBound) {
		t.Fatalf("second Create: %v, want 89000", err)
	}
	if got, err := c.Get(ctx, tokenA, appA); err != nil || got != open {
		t.Fatalf("Get = %q, %v; want %q", got, err, open)
	}
	if err := c.Bind(ctx, tokenB, appB, open); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if got := srv.Members(open); strings.Join(got, " ") != appB+" "+appA && strings.Join(got, " ") != appA+" "+appB {
		t.Errorf("members %v", got)
	}
}

func TestAnswersBecomeErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault wechattest.Fault
		code  int    // *APIError code, or
		http  int    // *HTTPError status, or
		body  string // *BodyError reason
	}{
		{"busy", wechattest.Busy, -1, 0, ""},
		{"minute quota", wechattest.MinuteQuota, 45011, 0, ""},
		{"daily quota", wechattest.DailyQuota, 45009, 0, ""},
		{"502 html", wechattest.BadGateway, 0, 502, ""},
		{"503", wechattest.Unavailable, 0, 503, ""},
		{"429", wechattest.TooMany, 0, 429, ""},
		{"empty body", wechattest.EmptyBody, 0, 0, "empty answer"},
		{"html body", wechattest.HTMLBody, 0, 0, "answer is an HTML page"},
		{"truncated", wechattest.Truncated, 0, 0, "answer cut off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wechattest.New(wechattest.Account{AppID: appA, Token: tokenA, Faults: []wechattest.Fault{tt.fault}}).Start()
			defer srv.Close()
			_, err := newClient(t, srv.URL).Create(context.Background(), tokenA, appA)
			var (
				ae *wechat.APIError
				he *wechat.HTTPError
				be *wechat.BodyError
			)
			switch {
			case tt.code != 0:
				if !errors.As(err, &ae) || ae.Code != tt.code {
					t.Errorf("err = %v, want errcode %d", err, tt.code)
				}
			case tt.http != 0:
				if !errors.As(err, &he) || he.StatusCode != tt.http {
					t.Errorf("err = %v, want HTTP %d", err, tt.http)
				}
			default:
				if !errors.As(err, &be) || be.Reason != tt.body {
					t.Errorf("err = %v, want body error %q", err, tt.body)
				}
			}
			if err != nil && strings.Contains(err.Error(), tokenA) {
				t.Errorf("error carries the token: %v", err)
			}
		})
	}
}

func TestTransportErrorsAreRedacted(t *testing.T) {
	// A port nobody listens on: *url.Error carries the whole URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx := context.Background()
	_, err = newClient(t, "http://"+addr).Create(ctx, tokenA, appA)
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if strings.Contains(err.Error(), tokenA) || !strings.Contains(err.Error(), "access_token=REDACTED") {
		t.Errorf("error %q: want the token replaced by REDACTED", err)
	}

	// A reset connection and a timeout.
	srv := wechattest.New(wechattest.Account{AppID: appA, Token: tokenA, Faults: []wechattest.Fault{wechattest.ResetBefore, wechattest.Hang}}).Start()
	defer srv.Close()
	c := newClient(t, srv.URL)
	for _, name := range []string{"reset", "timeout"} {
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_, err := c.Create(ctx, tokenA+"&x=1 odd", appA)
		cancel()
		if err == nil || strings.Contains(err.Error(), tokenA) {
			t.Errorf("%s: error %v (want one, without the token)", name, err)
		}
	}
}

func TestNoRedirects(t *testing.T) {
	var hits int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer ts.Close()
	_, err := newClient(t, ts.URL).Create(context.Background(), tokenA, appA)
	var he *wechat.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusTemporaryRedirect || hits != 1 {
		t.Errorf("err = %v after %d requests; want HTTP 307 after one", err, hits)
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://api.weixin.qq.com", true},
		{"https://api.weixin.qq.com/", true},
		{"http://127.0.0.1:8089", true},
		{"http://127.1.2.3:8089", true},
		{"http://[::1]:8089", true},
		{"http://localhost:8089", true},
		{"http://api.weixin.qq.com", false},
		{"http://10.0.0.1:8089", false},
		{"http://localhost.evil.example", false},
		{"ftp://127.0.0.1", false},
		{"api.weixin.qq.com", false},
		{"https://user:pw@api.weixin.qq.com", false},
		{"https://api.weixin.qq.com/?access_token=x", false},
		{"https://api.weixin.qq.com/?", false}, // "??access_token=" would escape redaction by name
		{"https://api.weixin.qq.com?", false},
		{"https://api.weixin.qq.com/#x", false},
		{"https://api.weixin.qq.com/#", false},
		{"https://api.weixin.qq.com/wechat/proxy", true},
		{"https://api.weixin.qq.com:8443", true},
		{"https://api.weixin.qq.com:8443x", false},
		{"https://api.weixin.qq.com:", false},
		{"http://user:pw@127.0.0.1:1:99", false}, // does not parse: url.Parse's error quotes it whole
		{"http://user:p%zzpw@127.0.0.1", false},  // nor this: its error quotes the escape
		{"http://user:p/pw@127.0.0.1", false},
		{"http://user:p?pw@127.0.0.1", false},
		{"http://user:p#pw@127.0.0.1", false},
		{"http://:pw@127.0.0.1", false},
		{"https://", false},
		{"https:///path", false},
		{"", false},
		{"https://api.weixin.qq.com/a b", false},
		{"mailto:pw@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := wechat.ParseBaseURL(tt.url)
			if (err == nil) != tt.ok {
				t.Errorf("ParseBaseURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("error shows the password: %v", err)
			}
			// A list is refused when any of its URLs is, and says no more.
			_, lerr := wechat.ParseBaseURLs("https://api.weixin.qq.com," + tt.url)
			if (lerr == nil) != tt.ok || (lerr != nil && strings.Contains(lerr.Error(), "pw")) {
				t.Errorf("ParseBaseURLs(…,%q) = %v", tt.url, lerr)
			}
		})
	}
}

func TestRequestEncoding(t *testing.T) {
	for _, r := range []struct{ appid, open string }{
		{"wx0123456789abcdef", ""},
		{"wx0123456789abcdef", "wxf000000000000001"},
		{"", ""},
		{"", "wxf000000000000001"},
		{`we"ird\`, "<&>"},
		{"中文", "\x01"},
	} {
		want, _ := json.Marshal(struct {
			AppID     string `json:"appid,omitempty"`
			OpenAppID string `json:"open_appid,omitempty"`
		}{r.appid, r.open})
		got, err := wechat.EncodeRequestForTest(r.appid, r.open)
		if err != nil || string(got) != string(want) {
			t.Errorf("encode(%q, %q) = %s, %v; want %s", r.appid, r.open, got, err, want)
		}
	}
}
