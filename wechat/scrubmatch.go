package wechat

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"
)

// tokenMatcher finds the pieces of one token in texts: every level of
// decoding of the text against every level of the token, so that a token
// that itself holds something that decodes ("%41") is found both as sent
// and as decoded, whole or in pieces.
type tokenMatcher struct {
	toks   [][]byte // the token and its decodings
	n      int      // length of the pieces: pieceLen, or the whole token
	passes int      // decoding passes for a text
	grams  map[uint64][]gram
	bloom  [1 << 10]uint64 // bits hash>>48 of the grams
	pow    uint64          // hashMul^(n-1)
}

// gram is where a window of n bytes is in the token: toks[lvl][at:at+n].
type gram struct{ lvl, at int32 }

const hashMul = 0x100000001b3

func newTokenMatcher(token string) *tokenMatcher {
	m := &tokenMatcher{n: len(token)}
	passes := levels(token, maxPasses, func(d *decoded) {
		m.toks = append(m.toks, d.b)
		m.n = min(m.n, len(d.b))
	})
	m.passes = passes + extraPasses
	m.n = min(m.n, pieceLen)
	if m.n == 0 {
		return m
	}
	m.pow = 1
	for range m.n - 1 {
		m.pow *= hashMul
	}
	m.grams = make(map[uint64][]gram)
	for lvl, tok := range m.toks {
		if m.n < pieceLen && len(tok) != m.n {
			continue // a short token is matched whole only
		}
		m.slide(tok, func(i int, h uint64) {
			m.grams[h] = append(m.grams[h], gram{int32(lvl), int32(i)})
			m.bloom[h>>54] |= 1 << (h >> 48 & 63)
		})
	}
	return m
}

// slide calls f with the start and the hash of every window of m.n bytes
// of b.
func (m *tokenMatcher) slide(b []byte, f func(i int, h uint64)) {
	if len(b) < m.n {
		return
	}
	var h uint64
	for _, c := range b[:m.n] {
		h = h*hashMul + uint64(c)
	}
	for i := 0; ; i++ {
		f(i, h)
		if i+m.n >= len(b) {
			return
		}
		h = (h-uint64(b[i])*m.pow)*hashMul + uint64(b[i+m.n])
	}
}

// isGram tells whether w, of m.n bytes, is a piece of the token.
func (m *tokenMatcher) isGram(w []byte, h uint64) bool {
	if m.bloom[h>>54]&(1<<(h>>48&63)) == 0 {
		return false
	}
	for _, g := range m.grams[h] {
		if bytes.Equal(w, m.toks[g.lvl][g.at:int(g.at)+m.n]) {
			return true
		}
	}
	return false
}

// scrub returns s with every piece of the token replaced by REDACTED. At
// each level of decoding, the union of the windows that are pieces of the
// token is exactly the union of the stretches the text shares with the
// token that are at least m.n long; each goes, widened to whole
// characters, with the span of s it was decoded from.
func (m *tokenMatcher) scrub(s string) string {
	if m.n == 0 {
		return s
	}
	var spans [][2]int // of s
	levels(s, m.passes, func(d *decoded) {
		add := func(from, to int) { // a stretch of d.b
			a, _ := d.span(from)
			_, b := d.span(to - 1)
			for k := 0; k < utf8.UTFMax-1 && a > 0 && !utf8.RuneStart(s[a]); k++ {
				a--
			}
			for k := 0; k < utf8.UTFMax-1 && b < len(s) && !utf8.RuneStart(s[b]); k++ {
				b++
			}
			spans = append(spans, [2]int{a, b})
		}
		from, to := -1, -1
		m.slide(d.b, func(i int, h uint64) {
			if !m.isGram(d.b[i:i+m.n], h) {
				return
			}
			if i > to {
				if from >= 0 {
					add(from, to)
				}
				from = i
			}
			to = i + m.n
		})
		if from >= 0 {
			add(from, to)
		}
	})
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		from, to := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= to; i++ {
			to = max(to, spans[i][1]) // overlaps or touches
		}
		b.WriteString(s[last:from])
		b.WriteString(redactedToken)
		last = to
	}
	b.WriteString(s[last:])
	return b.String()
}
