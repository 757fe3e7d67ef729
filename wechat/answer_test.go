package wechat_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"openbind/wechat"
)

// answerCases are bodies of HTTP 200 answers and what each must become.
// testdata/fuzz/FuzzCheckResponse holds each as a seed of FuzzCheckResponse.
var answerCases = []struct {
	name, path, body string
	open             string // a success's open_appid
	code             int    // an *APIError's errcode
	bad              bool   // a *BodyError
}{
	{"create ok", wechat.PathCreate, `{"open_appid":"wx03dd92428764e44c","errcode":0,"errmsg":"ok"}`, "wx03dd92428764e44c", 0, false},
	{"get ok", wechat.PathGet, `{"errcode":0,"errmsg":"ok","open_appid":"wxf000000000000001"}`, "wxf000000000000001", 0, false},
	{"bind ok", wechat.PathBind, `{"errcode":0,"errmsg":"ok"}`, "", 0, false},
	{"89000 with a rid", wechat.PathCreate, `{"errcode":89000,"errmsg":"account has bound open rid: 69d4d3a0-366d0172-47a37258"}`, "", 89000, false},
	{"an errcode with an open_appid", wechat.PathCreate, `{"errcode":-1,"errmsg":"system error","open_appid":"wx03dd92428764e44c"}`, "", -1, false},
	{"no errcode", wechat.PathCreate, `{"open_appid":"wx03dd92428764e44c","errmsg":"ok"}`, "", 0, true},
	{"no errcode, bind", wechat.PathBind, `{"errmsg":"ok"}`, "", 0, true},
	{"errcode null", wechat.PathBind, `{"errcode":null,"errmsg":"ok"}`, "", 0, true},
	{"errcode a string", wechat.PathBind, `{"errcode":"0","errmsg":"ok"}`, "", 0, true},
	{"empty object", wechat.PathGet, `{}`, "", 0, true},
	{"not-an-appid", wechat.PathCreate, `{"open_appid":"not-an-appid","errcode":0}`, "", 0, true},
	{"a formula", wechat.PathCreate, `{"open_appid":"=HYPERLINK(\"http://evil.example\",\"x\")","errcode":0}`, "", 0, true},
	{"an escape sequence", wechat.PathGet, `{"open_appid":"wx03dd92428764e4\u001b[2J","errcode":0}`, "", 0, true},
	{"upper-case hex", wechat.PathCreate, `{"open_appid":"wx03DD92428764E44C","errcode":0}`, "", 0, true},
	{"one digit short", wechat.PathCreate, `{"open_appid":"wx03dd92428764e44","errcode":0}`, "", 0, true},
	{"one digit long", wechat.PathCreate, `{"open_appid":"wx03dd92428764e44c0","errcode":0}`, "", 0, true},
	{"empty open_appid", wechat.PathCreate, `{"open_appid":"","errcode":0}`, "", 0, true},
	{"open_appid a number", wechat.PathGet, `{"open_appid":12,"errcode":0}`, "", 0, true},
	{"60 KB open_appid", wechat.PathCreate, `{"errcode":0,"open_appid":"wx` + strings.Repeat("a", 60<<10) + `"}`, "", 0, true},
	{"empty", wechat.PathCreate, ``, "", 0, true},
	{"blank", wechat.PathCreate, " \r\n", "", 0, true},
	{"HTML", wechat.PathCreate, `<html><body>system maintenance</body></html>`, "", 0, true},
	{"truncated", wechat.PathCreate, `{"open_appid":"wx03dd9242`, "", 0, true},
	{"not JSON", wechat.PathCreate, `errcode=0`, "", 0, true},
	{"an array", wechat.PathCreate, `[0]`, "", 0, true},
	{"JSON then garbage", wechat.PathCreate, `{"errcode":0,"open_appid":"wx03dd92428764e44c"} x`, "", 0, true},
	// Hostile forms json.Unmarshal read as successes: it matches keys
	// without regard to case and keeps the last of a repeated one.
	{"errcode twice, 0 last", wechat.PathCreate, `{"errcode":45009,"errcode":0,"errmsg":"x","open_appid":"wx00112233445566aa"}`, "", 0, true},
	{"ERRCODE 0 after a failure", wechat.PathCreate, `{"errcode":89001,"ERRCODE":0,"errmsg":"x","open_appid":"wx00112233445566aa"}`, "", 0, true},
	{"ErrCode alone", wechat.PathBind, `{"ErrCode":0,"errmsg":"ok"}`, "", 0, true},
	{"OPEN_APPID", wechat.PathCreate, `{"errcode":0,"OPEN_APPID":"wx00112233445566aa"}`, "", 0, true},
	{"open_appid twice", wechat.PathCreate, `{"errcode":0,"open_appid":"wxBAD","open_appid":"wx00112233445566aa"}`, "", 0, true},
	{"errmsg twice", wechat.PathBind, `{"errcode":0,"errmsg":"ok","errmsg":"ok"}`, "", 0, true},
	{"errcode -0", wechat.PathBind, `{"errcode":-0,"errmsg":"ok"}`, "", 0, true},
	{"errcode 0.0", wechat.PathBind, `{"errcode":0.0,"errmsg":"ok"}`, "", 0, true},
	{"errcode 0e0", wechat.PathBind, `{"errcode":0e0,"errmsg":"ok"}`, "", 0, true},
	{"errcode 2^64", wechat.PathBind, `{"errcode":18446744073709551616,"errmsg":"ok"}`, "", 0, true},
	{"errcode false", wechat.PathBind, `{"errcode":false}`, "", 0, true},
	{"errcode in an object", wechat.PathBind, `{"errcode":{"errcode":0}}`, "", 0, true},
	{"a BOM first", wechat.PathBind, "\ufeff{\"errcode\":0}", "", 0, true},
	{"two objects", wechat.PathBind, `{"errcode":0}{"errcode":0}`, "", 0, true},
	// What WeChat may add, or nest, is skipped.
	{"another key, nested", wechat.PathBind, `{"errcode":0,"errmsg":"ok","extra":{"errcode":40001,"a":[1,2]}}`, "", 0, false},
	{"errmsg with escapes", wechat.PathCreate, `{"errcode":40013,"errmsg":"invalid appid \"x\" \u4e2d rid: 6a1b2c3d-0e0f1a2b-3c4d5e6f"}`, "", 40013, false},
	{"errmsg null", wechat.PathBind, `{"errcode":0,"errmsg":null}`, "", 0, false},
	{"spaces and new lines", wechat.PathGet, "{\n  \"errcode\" : 0 ,\n  \"errmsg\" : \"ok\",\n  \"open_appid\" : \"wxf000000000000001\"\n}\n", "wxf000000000000001", 0, false},
}

func TestCheckResponse(t *testing.T) {
	for _, tt := range answerCases {
		t.Run(tt.name, func(t *testing.T) {
			open, err := wechat.CheckResponseForTest(200, []byte(tt.body), tt.path)
			var (
				ae *wechat.APIError
				be *wechat.BodyError
			)
			switch {
			case tt.bad:
				if !errors.As(err, &be) || open != "" {
					t.Fatalf("= %q, %v; want a *BodyError", open, err)
				}
				if len(err.Error()) > 200 || strings.Contains(err.Error(), "HYPERLINK") || strings.Contains(err.Error(), "\x1b") {
					t.Errorf("the error quotes the answer: %q", err)
				}
			case tt.code != 0:
				if !errors.As(err, &ae) || ae.Code != tt.code || open != "" {
					t.Fatalf("= %q, %v; want errcode %d", open, err, tt.code)
				}
			default:
				if err != nil || open != tt.open {
					t.Fatalf("= %q, %v; want %q", open, err, tt.open)
				}
			}
		})
	}
	// Any status but 200 is an *HTTPError, whatever the body says.
	var he *wechat.HTTPError
	if _, err := wechat.CheckResponseForTest(502, []byte(answerCases[0].body), wechat.PathCreate); !errors.As(err, &he) || he.StatusCode != 502 {
		t.Errorf("HTTP 502: %v", err)
	}
}

// FuzzCheckResponse: whatever the body, checkResponse returns a success
// only for errcode 0 and (create, get) a valid open_appid; every error is
// one of the three kinds, and a *BodyError's text never quotes the body.
func FuzzCheckResponse(f *testing.F) {
	// The seeds are in testdata/fuzz/FuzzCheckResponse: answerCases, and
	// a 404 whose body says success.
	paths := []string{wechat.PathCreate, wechat.PathGet, wechat.PathBind}
	f.Fuzz(func(t *testing.T, status int, body []byte, pi uint8) {
		path := paths[int(pi)%len(paths)]
		open, err := wechat.CheckResponseForTest(status, body, path)
		var (
			ae *wechat.APIError
			be *wechat.BodyError
			he *wechat.HTTPError
		)
		switch {
		case err == nil:
			if status != 200 {
				t.Fatalf("status %d is a success", status)
			}
			if path != wechat.PathBind && !wechat.ValidAppID(open) {
				t.Fatalf("success with open_appid %q", open)
			}
			if !strings.Contains(string(body), `"errcode"`) && !strings.Contains(string(body), `errcode`) {
				t.Fatalf("success without errcode: %q", body)
			}
		case errors.As(err, &he):
			if he.StatusCode != status || status == 200 {
				t.Fatalf("HTTPError %d for status %d", he.StatusCode, status)
			}
		case errors.As(err, &ae):
			if ae.Code == 0 || open != "" {
				t.Fatalf("APIError with errcode 0 or an open_appid: %v %q", ae, open)
			}
		case errors.As(err, &be):
			if open != "" || len(be.Error()) > 200 || !utf8.ValidString(be.Error()) {
				t.Fatalf("BodyError %q with open_appid %q", be.Error(), open)
			}
		default:
			t.Fatalf("error of no known kind: %T %v", err, err)
		}
	})
}
