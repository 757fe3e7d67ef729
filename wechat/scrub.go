package wechat

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Scrubbing by value: the client knows the token of each call, so every
// text that comes back from that call — the errmsg of an answer, the
// strings of a transport error — has the token replaced before anyone sees
// it, in every form a server or a library may echo it: raw, query-escaped
// (upper- and lower-case hex), path-escaped, JSON-escaped (with and without
// HTML escaping) and Go-quoted. Redaction by name (sanitizeURL) stays for
// the URL a *url.Error carries; this is what catches the rest (an answer
// "... url: /cgi-bin/open/create?access_token=<as received>").

// tokenForms are the forms of token to replace, longest first so that a
// form is never half-replaced through a shorter one.
func tokenForms(token string) []string {
	if token == "" {
		return nil
	}
	forms := []string{token, url.QueryEscape(token), url.PathEscape(token), lowerEscapes(url.QueryEscape(token)), lowerEscapes(url.PathEscape(token))}
	if b, err := json.Marshal(token); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(token) == nil {
		s := strings.TrimSpace(sb.String())
		forms = append(forms, s[1:len(s)-1])
	}
	q := strconv.Quote(token)
	forms = append(forms, q[1:len(q)-1])
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// ScrubToken returns s with every form of token replaced by REDACTED.
func ScrubToken(s, token string) string {
	forms := tokenForms(token)
	if len(forms) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, redactedToken)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// scrubbedError is an error of a call whose text has the call's token
// scrubbed; errors.As and errors.Is see the error it wraps.
type scrubbedError struct {
	err   error
	token string
}

func (e *scrubbedError) Error() string { return ScrubToken(e.err.Error(), e.token) }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub makes err, an error of a call made with token, safe to show: the
// texts of WeChat's answer (*APIError.Msg, *BodyError.Reason) are scrubbed
// in place, and everything else through the wrapper.
func scrub(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Msg = ScrubToken(ae.Msg, token)
	}
	var be *BodyError
	if errors.As(err, &be) {
		be.Reason = ScrubToken(be.Reason, token)
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		ue.Last = scrub(ue.Last, token)
	}
	return &scrubbedError{err: err, token: token}
}

// lowerEscapes returns s with the hex digits of its %XX escapes in lower
// case (some servers write them so).
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}
