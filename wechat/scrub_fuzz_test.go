package wechat_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"openbind/wechat"
)

// No piece of a token of 16 runes or more survives scrubbing, in any of
// the encoders' forms, whatever text is around it (cut off from the piece
// by a character no escape ends or starts with). Pieces are measured
// decoded: a piece that holds escapes of its own (%41, \u0041, &amp;) must
// be 16 bytes long decoded even when cut in the middle of one of them.
func FuzzScrubTokenPieces(f *testing.F) {
	f.Add(attackToken, uint(0), uint(20), uint8(3), `{"errmsg":"bad token `, `..."}`)
	f.Add(attackToken, uint(30), uint(20), uint8(8), "", "")
	f.Add("plain0123456789abcdef", uint(2), uint(16), uint8(1), "x", "y")
	f.Add("令牌令牌令牌令牌令牌令牌令牌令牌令牌", uint(1), uint(17), uint8(12), "令", "牌")
	f.Add("a+b+c+d+e+f+g+h+i+j+k+l", uint(0), uint(23), uint8(2), "+", "+")
	f.Fuzz(func(t *testing.T, tok string, from, n uint, enc uint8, before, after string) {
		r := []rune(tok)
		if !utf8.ValidString(tok) || len(r) < 16 || len(tok) > 200 {
			return
		}
		from %= uint(len(r) - 15)
		n = 16 + n%(uint(len(r))-from-15)
		piece := string(r[from : from+n])
		e := encoders[int(enc)%len(encoders)]
		in := before + "\x00" + e.enc(piece) + "\x00" + after
		got := wechat.ScrubToken(in, tok)
		// Every piece of 16 runes of piece, in that form, is gone.
		pr := []rune(piece)
		for i := 0; i+16 <= len(pr); i++ {
			w := string(pr[i : i+16])
			if d := len(wechat.DecodeForTest(w)); d < 16 || strings.ContainsAny(w, `%\\&`) && d < 16+9 {
				continue
			}
			form := e.enc(w)
			if strings.Contains(got, form) && !strings.Contains(before, form) && !strings.Contains(after, form) {
				t.Fatalf("%s: ScrubToken(%q, %q) = %q holds %q", e.name, in, tok, got, form)
			}
		}
	})
}
