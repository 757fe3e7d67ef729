package wechat_test

import (
	"net/url"
	"strings"
	"testing"

	"openbind/wechat"
)

// Scrub runs on the texts of failures only, but a 3 MB errmsg must not
// take seconds: a normal errmsg, 3 MB of plain text with the token at the
// end, and 3 MB made of escapes (every pass of decoding has work to do).
func BenchmarkScrubToken(b *testing.B) {
	esc := url.QueryEscape(url.QueryEscape(attackToken))
	for _, bc := range []struct{ name, text string }{
		{"80 bytes", `invalid credential, access_token is invalid or not latest, rid: 6650a0b4-1a2b3c4d`},
		{"80 bytes with the token", "invalid credential " + url.QueryEscape(attackToken)},
		{"3 MB plain", strings.Repeat("invalid credential, rid: 6650a0b4-1a2b3c4d ", 3<<20/43) + attackToken},
		{"3 MB of escapes", strings.Repeat("%25E4%25BB%25A4+&amp;\\u4ee4 ", 3<<20/29) + esc},
		{"3 MB of token pieces", strings.Repeat(attackToken[:20]+" ", 3<<20/21)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				wechat.ScrubToken(bc.text, attackToken)
			}
		})
	}
}
