package wechat

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// tokenMatcher finds the pieces of one token in texts.
type tokenMatcher struct {
	tok    []byte // the token, decoded
	n      int    // length of the pieces: pieceLen, or the whole token
	passes int    // decoding passes for a text
	grams  map[uint64][]int32
	bloom  [1 << 10]uint64 // bits hash>>48 of the grams
	pow    uint64          // hashMul^(n-1)
}

const hashMul = 0x100000001b3

func newTokenMatcher(token string) *tokenMatcher {
	d, passes := decodeAll(token, maxPasses)
	m := &tokenMatcher{tok: d.b, n: min(pieceLen, len(d.b)), passes: passes + extraPasses}
	if m.n == 0 {
		return m
	}
	m.pow = 1
	for range m.n - 1 {
		m.pow *= hashMul
	}
	m.grams = make(map[uint64][]int32, len(m.tok)-m.n+1)
	m.slide(m.tok, func(i int, h uint64) {
		m.grams[h] = append(m.grams[h], int32(i))
		m.bloom[h>>54] |= 1 << (h >> 48 & 63)
	})
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
	for _, at := range m.grams[h] {
		if bytes.Equal(w, m.tok[at:int(at)+m.n]) {
			return true
		}
	}
	return false
}

// scrub returns s with every piece of the token replaced by REDACTED: the
// union of the windows of the decoded text that are pieces of the decoded
// token is exactly the union of the stretches it shares with the token
// that are at least m.n long, and each such stretch goes, widened to whole
// characters, with the span of the original text it was decoded from.
func (m *tokenMatcher) scrub(s string) string {
	if m.n == 0 {
		return s
	}
	d, _ := decodeAll(s, m.passes)
	var spans [][2]int // of the original text, in order, disjoint
	add := func(from, to int) { // a stretch of d.b
		a, _ := d.span(from)
		_, b := d.span(to - 1)
		for a > 0 && !utf8.RuneStart(s[a]) {
			a--
		}
		for b < len(s) && !utf8.RuneStart(s[b]) {
			b++
		}
		if k := len(spans) - 1; k >= 0 && a <= spans[k][1] {
			spans[k][1] = max(spans[k][1], b)
			return
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
	if from < 0 {
		return s
	}
	add(from, to)
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString(redactedToken)
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}
