package wechat_test

import (
	"encoding/json"
	"testing"

	"openbind/wechat"
)

// FuzzRequestEncode checks the request encoder against json.Marshal.
func FuzzRequestEncode(f *testing.F) {
	for _, s := range [][2]string{{"wx0123456789abcdef", ""}, {"wx0123456789abcdef", "wxf000000000000001"}, {"", ""}, {`we"ird\`, "<&>"}, {"中文", "\x01"}, {"\x7f", "\u2028"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, appid, open string) {
		want, _ := json.Marshal(struct {
			AppID     string `json:"appid,omitempty"`
			OpenAppID string `json:"open_appid,omitempty"`
		}{appid, open})
		got, err := wechat.EncodeRequestForTest(appid, open)
		if err != nil || string(got) != string(want) {
			t.Fatalf("encode(%q, %q) = %s, %v; json.Marshal gives %s", appid, open, got, err, want)
		}
	})
}
