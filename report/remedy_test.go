package report

import (
	"strings"
	"testing"

	"openbind/locale"
	"openbind/wechat/errcode"
)

// Every code of errcode's table has a remedy key with a text in the
// catalog (in every language: locale's TestCatalogComplete), and every
// remedy of the catalog is some failure's.
func TestRemedyOfEveryCode(t *testing.T) {
	en := locale.English.Printer()
	used := map[string]bool{remedyFixInput: true, remedyTLS: true, remedyUnreachable: true, errcode.RemedyTransient: true}
	for _, c := range errcode.All() {
		if !en.Has(c.Remedy) {
			t.Errorf("%d (%s): remedy key %q is not in the catalog", c.Num, c.Name, c.Remedy)
		}
		f := &Failure{Status: Failed, Code: c.Num}
		if got, want := f.Remedy(), en.T(c.Remedy); got != want {
			t.Errorf("%d: Remedy() = %q, want its key's text %q", c.Num, got, want)
		}
		used[c.Remedy] = true
		if en.Has(c.Remedy + ".ips") {
			used[c.Remedy+".ips"] = true
		}
	}
	for _, key := range locale.Keys() {
		if strings.HasPrefix(key, "remedy.") && !used[key] {
			t.Errorf("remedy %q is no failure's", key)
		}
	}
	for key := range bindRemedies {
		if !used[key] {
			t.Errorf("bind remedy %q is no code's", key)
		}
	}
}

// Each failure gets the remedy it got before the table: by errcode, by
// the kind of a failure without one, and the fix of invalid rows.
func TestRemedies(t *testing.T) {
	tests := []struct {
		name string
		f    Failure
		want string // a part of the remedy
	}{
		{"invalid", Failure{Status: Invalid, Code: 40001}, "fix these rows"},
		{"40001", Failure{Status: Failed, Code: 40001}, "refresh the tokens"},
		{"40014", Failure{Status: Failed, Code: 40014}, "refresh the tokens"},
		{"42001", Failure{Status: Pending, Code: 42001}, "refresh the tokens"},
		{"40013", Failure{Status: Failed, Code: 40013}, "not the token's account"},
		{"89001", Failure{Status: Failed, Code: 89001}, "a different legal subject"},
		{"89003", Failure{Status: Failed, Code: 89003}, "not created through the API: bind these"},
		{"89036", Failure{Status: Failed, Code: 89036}, "or is not verified"},
		{"89004", Failure{Status: Failed, Code: 89004}, "bind limit"},
		{"48001", Failure{Status: Failed, Code: 48001}, "permission sets"},
		{"61004", Failure{Status: Failed, Code: 61004}, "add it in the platform's settings"},
		{"61004 with IPs", Failure{Status: Failed, Code: 61004, IPs: []string{"203.0.113.7", "2001:db8::1"}}, "add 203.0.113.7, 2001:db8::1 to the platform's IP whitelist"},
		{"45009", Failure{Status: Failed, Code: 45009}, "clear_quota"},
		{"-1", Failure{Status: Pending, Code: -1}, "transient"},
		{"45011", Failure{Status: Pending, Code: 45011}, "transient"},
		{"89000", Failure{Status: Failed, Code: 89000}, "errcode reference"},
		{"89002", Failure{Status: Failed, Code: 89002}, "errcode reference"},
		{"unknown code", Failure{Status: Failed, Code: 12345}, "errcode reference"},
		{"TLS", Failure{Status: Failed, Msg: "TLS: x509: certificate signed by unknown authority"}, "TLS handshake"},
		{"DNS", Failure{Status: Failed, Msg: "DNS: no such host: api.weixin.qq.com"}, "could not be reached"},
		{"refused", Failure{Status: Failed, Msg: "connection refused"}, "could not be reached"},
		{"connect timeout", Failure{Status: Failed, Msg: "connect timeout after 10s"}, "could not be reached"},
		{"HTTP 502", Failure{Status: Failed, Msg: "HTTP 502"}, "transient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Remedy(); !strings.Contains(got, tt.want) {
				t.Errorf("Remedy() = %q, want it to hold %q", got, tt.want)
			}
		})
	}
}

func TestBindRemedy(t *testing.T) {
	for code, want := range map[int]string{
		89001: "its legal subject is not the group's",
		89003: "so the API cannot bind to it",
		89004: "has reached its limit",
		89036: "", 40001: "", 12345: "",
	} {
		if got := BindRemedy(code); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("BindRemedy(%d) = %q, want %q", code, got, want)
		}
	}
}
