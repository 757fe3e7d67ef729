package wechat_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"openbind/wechat"
)

// attackToken is the token of the report of leaks B2 and B3: a %XX, a '+'
// and a space that escape differently in every encoder, and non-ASCII.
const attackToken = "SECRETtok%41+b c令牌_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// encoders are the forms real servers and libraries echo a string in,
// written out here independently of the scrubber's decoder.
var encoders = []struct {
	name string
	enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"Go QueryEscape, Python quote_plus", url.QueryEscape},
	{"Go PathEscape", url.PathEscape},
	{"JS encodeURIComponent", func(s string) string { return percent(s, "-_.!~*'()", "%%%02X") }},
	{"Python quote(safe='')", func(s string) string { return percent(s, "-_.~", "%%%02X") }},
	{"Python quote (safe='/')", func(s string) string { return percent(s, "-_.~/", "%%%02X") }},
	{"lowercase hex", func(s string) string { return percent(s, "-_.~", "%%%02x") }},
	{"encodeURIComponent twice", func(s string) string {
		return percent(percent(s, "-_.!~*'()", "%%%02X"), "-_.!~*'()", "%%%02X")
	}},
	{"QueryEscape twice", func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }},
	{"QueryEscape three times", func(s string) string { return url.QueryEscape(url.QueryEscape(url.QueryEscape(s))) }},
	{"JSON", func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }},
	{`JSON \u lower`, func(s string) string { return jsonASCII(s, "\\u%04x") }},
	{`JSON \u upper`, func(s string) string { return jsonASCII(s, "\\u%04X") }},
	{"JSON of QueryEscape", func(s string) string { b, _ := json.Marshal(url.QueryEscape(s)); return string(b[1 : len(b)-1]) }},
	{"Go %q", func(s string) string { q := fmt.Sprintf("%q", s); return q[1 : len(q)-1] }},
	{"Go %+q", func(s string) string { q := fmt.Sprintf("%+q", s); return q[1 : len(q)-1] }},
	{"HTML", html.EscapeString},
	{"HTML numeric", func(s string) string { return entities(s, "&#%d;") }},
	{"HTML hex", func(s string) string { return entities(s, "&#x%X;") }},
	{"HTML of QueryEscape", func(s string) string { return html.EscapeString(url.QueryEscape(s)) }},
}

// percent escapes every byte of s but ASCII letters, digits and keep.
func percent(s, keep, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, format, c)
		}
	}
	return b.String()
}

// jsonASCII is s as Python's json.dumps writes it: non-ASCII as \u escapes.
func jsonASCII(s, format string) string {
	b, _ := json.Marshal(s)
	var out strings.Builder
	for _, r := range string(b[1 : len(b)-1]) {
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, format+format, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&out, format, r)
		}
	}
	return out.String()
}

// entities writes every character of s but letters and digits as an HTML
// character reference.
func entities(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, format, r)
		}
	}
	return b.String()
}

// runes is the piece of s from rune from, n runes long.
func runes(s string, from, n int) string {
	r := []rune(s)
	return string(r[from : from+n])
}

// Every escaping of the whole token and of a long enough piece of it —
// prefix, suffix, middle, across the %41 and the '+' — is redacted, and
// the text around it is kept.
func TestScrubTokenPieces(t *testing.T) {
	n := utf8.RuneCountInString(attackToken)
	pieces := []struct{ name, piece string }{
		{"whole", attackToken},
		{"prefix of 20 (a gateway cut the URL)", runes(attackToken, 0, 20)},
		{"suffix of 20", runes(attackToken, n-20, 20)},
		{"middle 16", runes(attackToken, 22, 16)},
		{"across the escape and the plus", runes(attackToken, 5, 14)},
		{"all but the first and last", runes(attackToken, 1, n-2)},
	}
	for _, e := range encoders {
		for _, p := range pieces {
			t.Run(e.name+"/"+p.name, func(t *testing.T) {
				in := `{"errcode":40001,"errmsg":"bad token: ` + e.enc(p.piece) + `... hint: [x]"}`
				want := `{"errcode":40001,"errmsg":"bad token: REDACTED... hint: [x]"}`
				if got := wechat.ScrubToken(in, attackToken); got != want {
					t.Errorf("ScrubToken(%q)\n = %q\nwant %q", in, got, want)
				}
			})
		}
	}
}

// Short pieces stay (they are not worth the false alarms: a hint, an
// appid), and a short token is matched whole only.
func TestScrubTokenShort(t *testing.T) {
	for _, c := range []struct{ in, tok, want string }{
		{"bad token: SECRETtok%41+b ", attackToken, "bad token: SECRETtok%41+b "}, // 15 bytes, 13 decoded
		{"bad token: SECRETtokA b c令", attackToken, "bad token: REDACTED"},        // 17 bytes decoded
		{"T1 T%31 T", "T1", "REDACTED REDACTED T"},
		{"a piece of a short token: SECRET0", "SECRET01", "a piece of a short token: SECRET0"},
		{"whole: SECRET01.", "SECRET01", "whole: REDACTED."},
		{"令牌 %E4%BB%A4%E7%89%8C", "令牌", "REDACTED REDACTED"},
		{"a cut escape: %E4%BB", "令牌", "a cut escape: %E4%BB"},
	} {
		if got := wechat.ScrubToken(c.in, c.tok); got != c.want {
			t.Errorf("ScrubToken(%q, %q) = %q, want %q", c.in, c.tok, got, c.want)
		}
	}
}

// A piece redacted in the middle of a multi-byte character takes the whole
// character: the text stays valid UTF-8.
func TestScrubTokenKeepsUTF8(t *testing.T) {
	tok := "令牌令牌令牌令牌令牌"
	for _, in := range []string{"x" + tok[1:] + "y", "牌令牌令牌令牌令牌令牌令"} {
		got := wechat.ScrubToken(in, tok)
		if !utf8.ValidString(got) || !strings.Contains(got, "REDACTED") {
			t.Errorf("ScrubToken(%q) = %q", in, got)
		}
	}
}
