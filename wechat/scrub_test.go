package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"openbind/wechat"
	"openbind/wechat/wechattest"
)

// tokenForms are the forms in which a token may come back.
func tokenForms(tok string) []string {
	j, _ := json.Marshal(tok)
	return []string{tok, url.QueryEscape(tok), url.PathEscape(tok), string(j[1 : len(j)-1]),
		strings.ReplaceAll(url.QueryEscape(tok), "%2F", "%2f")}
}

func TestScrubToken(t *testing.T) {
	for _, tok := range []string{"SECRET001+tok/en=A&x%y", "plain0123456789", `q"uo\te<>`, "中文令牌/+"} {
		for _, form := range tokenForms(tok) {
			in := "before " + form + " after"
			if got := wechat.ScrubToken(in, tok); got != "before REDACTED after" {
				t.Errorf("ScrubToken(%q) = %q", in, got)
			}
		}
	}
	// Forms written by other encoders than Go's, spelt out (not derived
	// from tokenForms): Python's json.dumps, Java's, a 4-byte character.
	for _, c := range []struct{ tok, echoed string }{
		{"令牌SECRET", `\u4ee4\u724cSECRET`},
		{"令牌SECRET", `\u4EE4\u724CSECRET`},
		{"tok😀en", `tok\ud83d\ude00en`},
	} {
		if got := wechat.ScrubToken("a "+c.echoed+" b", c.tok); got != "a REDACTED b" {
			t.Errorf("ScrubToken(%q, %q) = %q", c.echoed, c.tok, got)
		}
	}
	if got := wechat.ScrubToken("nothing here", ""); got != "nothing here" {
		t.Errorf("an empty token changed the text: %q", got)
	}
}

// A server that echoes what it received — the URL, access_token and all,
// and the token itself — in errmsg, in an HTTP error, and in an answer
// that is not JSON: no form of the token is in what the client returns.
func TestTokensScrubbedByValue(t *testing.T) {
	tok := "SECRET001+tok/en=A&x%y"
	srv := wechattest.New(wechattest.Account{AppID: appA, Token: tok}, wechattest.Account{AppID: appB, Token: tokenB})
	srv.SetEcho(true)
	srv.Start()
	defer srv.Close()
	echoHTML := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<html>%s %s</html>", r.URL.RequestURI(), r.URL.Query().Get("access_token"))
	}))
	defer echoHTML.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		url  string
		call func(c *wechat.Client) error
	}{
		{"errmsg of create (40013)", srv.URL, func(c *wechat.Client) error { _, err := c.Create(ctx, tok, appB); return err }},
		{"errmsg of get (89002)", srv.URL, func(c *wechat.Client) error { _, err := c.Get(ctx, tok, appA); return err }},
		{"errmsg of bind", srv.URL, func(c *wechat.Client) error { return c.Bind(ctx, tok, appA, "wxf0000000000000ff") }},
		{"an HTML page", echoHTML.URL, func(c *wechat.Client) error { _, err := c.Get(ctx, tok, appA); return err }},
		{"a refused connection", "http://" + closedAddr(t), func(c *wechat.Client) error { _, err := c.Get(ctx, tok, appA); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(newClient(t, tt.url))
			if err == nil {
				t.Fatal("no error")
			}
			texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
			var ae *wechat.APIError
			if errors.As(err, &ae) {
				texts = append(texts, ae.Msg)
				if !strings.Contains(ae.Msg, "REDACTED") {
					t.Errorf("the stand-in did not echo the token: %q", ae.Msg)
				}
			}
			var be *wechat.BodyError
			if errors.As(err, &be) {
				texts = append(texts, be.Reason)
			}
			for _, text := range texts {
				for _, form := range tokenForms(tok) {
					if strings.Contains(text, form) {
						t.Errorf("%q holds the token as %q", text, form)
					}
				}
			}
		})
	}
}
