package report

import (
	"strings"

	"openbind/locale"
	"openbind/wechat/errcode"
)

// Remedies: what people should do about failed rows. A failure with an
// errcode has the remedy errcode's table gives its code; the others are
// report's own keys below. Their sentences, in every language, are the
// locale catalog's "remedy.*" messages.

// report's own remedy keys, of failures that no errcode says.
const (
	remedyFixInput    = "remedy.fix_input"   // invalid rows
	remedyTLS         = "remedy.tls"         // a TLS handshake failed
	remedyUnreachable = "remedy.unreachable" // DNS, refused, connect timeout
)

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

// remedy is the text of f's remedy, in English (the JSON report's).
func (f *Failure) remedy() string { return f.remedyIn(locale.English.Printer()) }

// remedyIn is f's remedy in p's language: the catalog's text of its key
// (errcode's key, or report's own above), or of key + ".ips" when the
// messages name the IPs WeChat saw (61004; its argument is them).
func (f *Failure) remedyIn(p *locale.Printer) string {
	key := f.remedyKey()
	if len(f.IPs) > 0 && p.Has(key+".ips") {
		return p.T(key+".ips", strings.Join(f.IPs, p.T("list.sep")))
	}
	return p.T(key)
}
