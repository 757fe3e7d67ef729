package wechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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
	forms := []string{token, url.QueryEscape(token), url.PathEscape(token)}
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
	// JSON with every non-ASCII character escaped (\u4ee4), as Python's
	// json.dumps and most Java encoders write it, in either case of hex.
	if ascii := jsonASCII(token); ascii != "" {
		forms = append(forms, ascii, upperEscapes(ascii))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// tokenPattern matches every form of token; the hex digits of %XX escapes
// match in either case (servers write them either way).
func tokenPattern(token string) *regexp.Regexp {
	forms := tokenForms(token)
	if len(forms) == 0 {
		return nil
	}
	alts := make([]string, len(forms))
	for i, f := range forms {
		var b strings.Builder
		for j := 0; j < len(f); j++ {
			if f[j] == '%' && j+2 < len(f) && isHex(f[j+1]) && isHex(f[j+2]) {
				fmt.Fprintf(&b, "%%[%c%c][%c%c]", lower(f[j+1]), upper(f[j+1]), lower(f[j+2]), upper(f[j+2]))
				j += 2
				continue
			}
			b.WriteString(regexp.QuoteMeta(f[j : j+1]))
		}
		alts[i] = b.String()
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// ScrubToken returns s with every form of token replaced by REDACTED.
func ScrubToken(s, token string) string {
	re := tokenPattern(token)
	if re == nil {
		return s
	}
	return re.ReplaceAllLiteralString(s, redactedToken)
}

// jsonASCII is token as a JSON string body with its non-ASCII characters
// \u-escaped (surrogate pairs past U+FFFF), or "" when it has none.
func jsonASCII(token string) string {
	var b strings.Builder
	escaped := false
	for _, r := range token {
		switch {
		case r < utf8.RuneSelf:
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
			escaped = true
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
			escaped = true
		}
	}
	if !escaped {
		return ""
	}
	return b.String()
}

// upperEscapes is s with the hex digits of its \u escapes in upper case.
func upperEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+5 < len(b); i++ {
		if b[i] == '\\' && b[i+1] == 'u' {
			for j := i + 2; j < i+6; j++ {
				b[j] = upper(b[j])
			}
			i += 5
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - ('a' - 'A')
	}
	return c
}

// scrubbedError is an error of a call whose text has the call's token
// scrubbed; errors.As and errors.Is see the error it wraps.
type scrubbedError struct {
	err   error
	token string
}

func (e *scrubbedError) Error() string { return ScrubToken(e.err.Error(), e.token) }
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub is scrub for the callers that know of other tokens of a row than
// the one of its call (a token renewed between two attempts).
func Scrub(err error, token string) error { return scrub(err, token) }

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
