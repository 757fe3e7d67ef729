package report

import (
	"fmt"
	"strings"

	"openbind/wechat/errcode"
)

// Remedies: what people should do about failed rows. A failure with an
// errcode has the remedy errcode's table gives its code; the others are
// report's own keys below. Every English sentence of a remedy is here.

// report's own remedy keys, of failures that no errcode says.
const (
	remedyFixInput    = "remedy.fix_input"   // invalid rows
	remedyTLS         = "remedy.tls"         // a TLS handshake failed
	remedyUnreachable = "remedy.unreachable" // DNS, refused, connect timeout
)

// remedies are the English texts of the summary's remedies, by key
// (errcode's keys and report's own). A key with ".ips" appended is its
// text when the messages name the IPs that WeChat saw (61004); %s is them.
// They move to the locale catalog.
var remedies = map[string]string{
	remedyFixInput:                       "fix these rows of the input file, then run again",
	remedyTLS:                            "the TLS handshake with WeChat failed (retrying does not help): check the proxy (HTTPS_PROXY), the system's CA certificates and clock, then run again",
	remedyUnreachable:                    "WeChat could not be reached from this machine: check DNS, the firewall and the proxy (HTTPS_PROXY), then run again",
	errcode.RemedyTransient:              "transient (network, system busy, quota): run again",
	errcode.RemedyTokenStale:             "the access_token is invalid or expired: refresh the tokens (or use --token-command) and run again",
	errcode.RemedyAppIDMismatch:          "the appid is not the token's account: check the appid and its token",
	errcode.RemedySubjectMismatch:        "a different legal subject: these accounts cannot join this open account; bind them by hand",
	errcode.RemedyNotCreatedByAPI:        "the group's open account was not created through the API: bind these accounts by hand",
	errcode.RemedyNotCreatedOrUnverified: "the group's open account was not created through the API, or is not verified: verify it, or bind these accounts by hand",
	errcode.RemedyBindLimit:              "the open account has reached its bind limit (an unverified one takes 5 Mini Programs): verify it, or bind by hand",
	errcode.RemedyUnauthorized:           "the API is not authorized for your platform: check its permission sets (24, 25 or 60)",
	errcode.RemedyIPWhitelist:            "this machine's IP is not whitelisted: add it in the platform's settings",
	errcode.RemedyIPWhitelist + ".ips":   "this machine's IP is not whitelisted: add %s to the platform's IP whitelist, then run again",
	errcode.RemedyDailyQuota:             "these accounts' daily quota is exhausted (each account has its own): run again tomorrow, or reset an account's quota with /cgi-bin/component/clear_quota/v2 (10 resets a month per account)",
	errcode.RemedySeeReference:           "see WeChat's errcode reference, then run again",
}

// bindRemedies are what a failed bind's errmsg adds in the results, by
// errcode's key: said of the row, and in English whatever the language
// of the summary (the results stay as openbind's English reasons wrote
// them). A code without one adds nothing.
var bindRemedies = map[string]string{
	errcode.RemedySubjectMismatch: "its legal subject is not the group's: it cannot join this open account; bind it by hand to one of its own subject",
	errcode.RemedyNotCreatedByAPI: "the group's open account was not created through the API, so the API cannot bind to it: bind by hand",
	errcode.RemedyBindLimit:       "the group's open account has reached its limit (an unverified one takes 5 Mini Programs): verify it, then run again",
}

// BindRemedy says what the merchant must do about a bind that failed with
// code, for the row's errmsg; "" when there is nothing to add.
func BindRemedy(code int) string { return bindRemedies[errcode.Of(code).Remedy] }

// remedyKey is the key of f's remedy.
func (f *Failure) remedyKey() string {
	switch {
	case f.Status == Invalid:
		return remedyFixInput
	case f.Code != 0:
		return errcode.Of(f.Code).Remedy
	case strings.HasPrefix(f.Msg, "TLS: "):
		return remedyTLS
	case strings.HasPrefix(f.Msg, "DNS: "), f.Msg == "connection refused", strings.HasPrefix(f.Msg, "connect timeout"):
		return remedyUnreachable
	}
	return errcode.RemedyTransient
}

// remedy is the text of f's remedy.
func (f *Failure) remedy() string {
	key := f.remedyKey()
	if text, ok := remedies[key+".ips"]; ok && len(f.IPs) > 0 {
		return fmt.Sprintf(text, strings.Join(f.IPs, ", "))
	}
	return remedies[key]
}
