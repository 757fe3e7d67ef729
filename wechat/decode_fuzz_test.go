package wechat_test

import (
	"encoding/json"
	"testing"

	"openbind/wechat"
)

// FuzzDecodeAnswer checks the answer decoder's fast path against
// json.Unmarshal: whatever it takes, json.Unmarshal takes too and reads
// the same. (What it leaves goes to json.Unmarshal itself.)
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
		ok, code, msg, open := wechat.DecodeAnswerForTest(data)
		if !ok {
			return
		}
		var want struct {
			ErrCode   *int   `json:"errcode"`
			ErrMsg    string `json:"errmsg"`
			OpenAppID string `json:"open_appid"`
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast path took %q, which json.Unmarshal refuses: %v", data, err)
		}
		if (code == nil) != (want.ErrCode == nil) || (code != nil && *code != *want.ErrCode) || msg != want.ErrMsg || open != want.OpenAppID {
			t.Fatalf("%q: fast path read errcode %v errmsg %q open_appid %q; json.Unmarshal %v %q %q", data, deref(code), msg, open, deref(want.ErrCode), want.ErrMsg, want.OpenAppID)
		}
	})
}

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
