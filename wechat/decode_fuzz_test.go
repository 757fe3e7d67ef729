package wechat_test

import (
	"encoding/json"
	"testing"

	"openbind/wechat"
)

// FuzzDecodeAnswer checks the answer decoder's two readers. Whatever the
// fast path takes, strictDecode takes too and reads the same; whatever
// strictDecode takes, json.Unmarshal takes too and reads the same (strict
// is json with fewer forms, never other values).
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{
		`{"errcode":0,"errmsg":"ok","open_appid":"wx0123456789abcdef"}`,
		`{"errcode":89000,"errmsg":"account has bound open rid: 6a1b2c3d-0e0f1a2b-3c4d5e6f"}`,
		`{"errcode":0,"errmsg":"ok"}`,
		` { "errcode" : -1 , "errmsg" : "system error" } ` + "\n",
		`{"open_appid":"wx0123456789abcdef","errcode":0}`,
		`{"errcode":0,"errcode":40001}`,
		`{"ErrCode":0}`,
		`{"errcode":0.0}`,
		`{"errcode":-0}`,
		`{"errcode":01}`,
		`{"errcode":1e3}`,
		`{"errcode":"0"}`,
		`{"errcode":null}`,
		`{"errcode":9999999999999999999}`,
		`{"errmsg":"a\"b"}`,
		`{"errmsg":"中文"}`,
		`{"x":{"errcode":0}}`,
		`{"extra":12,"errcode":0}`,
		`{"errcode":0}garbage`,
		`{"errcode":0,}`,
		`{}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scode, smsg, sopen, serr := wechat.StrictDecodeForTest(data)
		if ok, code, msg, open := wechat.DecodeAnswerForTest(data); ok {
			if serr != nil {
				t.Fatalf("fast path took %q, which strictDecode refuses: %v", data, serr)
			}
			if !same(code, scode) || msg != smsg || open != sopen {
				t.Fatalf("%q: fast path read errcode %v errmsg %q open_appid %q; strictDecode %v %q %q", data, deref(code), msg, open, deref(scode), smsg, sopen)
			}
		}
		if serr != nil {
			return
		}
		var want struct {
			ErrCode   *int   `json:"errcode"`
			ErrMsg    string `json:"errmsg"`
			OpenAppID string `json:"open_appid"`
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("strictDecode took %q, which json.Unmarshal refuses: %v", data, err)
		}
		if !same(scode, want.ErrCode) || smsg != want.ErrMsg || sopen != want.OpenAppID {
			t.Fatalf("%q: strictDecode read errcode %v errmsg %q open_appid %q; json.Unmarshal %v %q %q", data, deref(scode), smsg, sopen, deref(want.ErrCode), want.ErrMsg, want.OpenAppID)
		}
	})
}

func same(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestFastDecodeTakesWeChatsForms: the answers WeChat gives take the fast
// path (else FuzzDecodeAnswer would pass on a path never taken).
func TestFastDecodeTakesWeChatsForms(t *testing.T) {
	for _, tc := range []struct {
		body       string
		code       int
		msg, appid string
	}{
		{`{"errcode":0,"errmsg":"ok","open_appid":"wx0123456789abcdef"}`, 0, "ok", "wx0123456789abcdef"},
		{`{"open_appid":"wx0123456789abcdef","errcode":0,"errmsg":"ok"}`, 0, "ok", "wx0123456789abcdef"},
		{`{"errcode":89000,"errmsg":"account has bound open rid: 6a1b2c3d-0e0f1a2b-3c4d5e6f"}`, 89000, "account has bound open rid: 6a1b2c3d-0e0f1a2b-3c4d5e6f", ""},
		{`{"errcode":-1,"errmsg":"system error, hints: [ req_id: aBcD ]"}`, -1, "system error, hints: [ req_id: aBcD ]", ""},
		{"{\"errcode\": 0, \"errmsg\": \"ok\"}\n", 0, "ok", ""},
	} {
		t.Run(tc.body, func(t *testing.T) {
			ok, code, msg, open := wechat.DecodeAnswerForTest([]byte(tc.body))
			if !ok || code == nil || *code != tc.code || msg != tc.msg || open != tc.appid {
				t.Fatalf("fast path: %v %v %q %q", ok, deref(code), msg, open)
			}
		})
	}
}
