package wechat

import (
	"strings"
	"unicode/utf8"
)

// decoded is a text with its escapes undone, each byte knowing the span of
// the original text it came from.
type decoded struct {
	b []byte
	// start[i], end[i]: the span of the original text b[i] comes from;
	// nil when b is the original text itself.
	start, end []int32
}

func (d *decoded) span(i int) (int, int) {
	if d.start == nil {
		return i, i + 1
	}
	return int(d.start[i]), int(d.end[i])
}

// maxPasses bounds the decoding of the token: a token that still changes
// after this many passes is an attack on the scrubber, not a token.
const maxPasses = 8

// extraPasses is how many more passes the text gets than the token took to
// settle: escaping applied up to extraPasses times comes undone.
const extraPasses = 4

// escapes is a set of kinds of escape a pass undoes.
type escapes uint8

const (
	percentEscapes   escapes = 1 << iota // %XX and '+' as a space
	backslashEscapes                     // \uXXXX, \xXX, \n, \" ...
	entityEscapes                        // &amp; &#43; &#x2B; ...
	allEscapes       = percentEscapes | backslashEscapes | entityEscapes
)

// decoders are the ways a text and a token are decoded: every kind of
// escape at once (escaping applied on top of another, a JSON string of a
// URL), and each kind alone, for a token that holds what looks like an
// escape of another kind ("%41" in the token, the text a JSON string).
var decoders = [...]escapes{allEscapes, percentEscapes, backslashEscapes, entityEscapes}

// levels calls f with s and with each of its decodings in turn, by each of
// the decoders, until one no longer changes it or after passes passes; it
// returns the largest number of passes that changed it.
func levels(s string, passes int, f func(d *decoded)) int {
	d0 := decoded{b: []byte(s)}
	f(&d0)
	most := 0
	for _, kinds := range decoders {
		d := d0
		n := 0
		for ; n < passes; n++ {
			next, changed := d.pass(kinds)
			if !changed {
				break
			}
			d = next
			f(&d)
		}
		most = max(most, n)
	}
	return most
}

// decodeAll is s with every kind of escape undone until it no longer
// changes (at most passes times).
func decodeAll(s string, passes int) decoded {
	d := decoded{b: []byte(s)}
	for range passes {
		next, changed := d.pass(allEscapes)
		if !changed {
			break
		}
		d = next
	}
	return d
}

// pass undoes one layer of the escapes of kinds: %XX (either case of hex), '+' as a
// space, the backslash escapes of JSON and Go (\uXXXX with surrogate pairs,
// \xXX, \n, \", ...) and HTML entities (&amp; &#43; &#x2B; ...).
func (d *decoded) pass(kinds escapes) (decoded, bool) {
	in := d.b
	if !hasEscape(in, kinds) {
		return *d, false
	}
	out := decoded{b: make([]byte, 0, len(in)), start: make([]int32, 0, len(in)), end: make([]int32, 0, len(in))}
	emit := func(bs []byte, from, to int) {
		s, _ := d.span(from)
		_, e := d.span(to - 1)
		for _, c := range bs {
			out.b = append(out.b, c)
			out.start = append(out.start, int32(s))
			out.end = append(out.end, int32(e))
		}
	}
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case kinds&percentEscapes != 0 && c == '%' && i+2 < len(in) && isHex(in[i+1]) && isHex(in[i+2]):
			buf[0] = unhex(in[i+1])<<4 | unhex(in[i+2])
			emit(buf[:1], i, i+3)
			i += 3
			continue
		case kinds&percentEscapes != 0 && c == '+':
			buf[0] = ' '
			emit(buf[:1], i, i+1)
			i++
			continue
		case kinds&backslashEscapes != 0 && c == '\\':
			if r, n := backslash(in[i:]); n > 0 {
				if r < 0 {
					buf[0] = byte(-r - 1)
					emit(buf[:1], i, i+n)
				} else {
					emit(buf[:utf8.EncodeRune(buf[:], r)], i, i+n)
				}
				i += n
				continue
			}
		case kinds&entityEscapes != 0 && c == '&':
			if r, n := entity(in[i:]); n > 0 {
				emit(buf[:utf8.EncodeRune(buf[:], r)], i, i+n)
				i += n
				continue
			}
		}
		emit(in[i:i+1], i, i+1)
		i++
	}
	return out, true
}

// hasEscape tells whether b holds anything a pass of kinds may decode.
func hasEscape(b []byte, kinds escapes) bool {
	for _, c := range b {
		switch c {
		case '%', '+':
			if kinds&percentEscapes != 0 {
				return true
			}
		case '\\':
			if kinds&backslashEscapes != 0 {
				return true
			}
		case '&':
			if kinds&entityEscapes != 0 {
				return true
			}
		}
	}
	return false
}

// backslash decodes the escape at the start of b: the rune and its length,
// a single byte (\xXX) as -byte-1, or length 0 when it is none.
func backslash(b []byte) (rune, int) {
	if len(b) < 2 {
		return 0, 0
	}
	switch b[1] {
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0
		}
		if 0xd800 <= r && r < 0xdc00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if r2, ok := hex4(b[8:]); ok && 0xdc00 <= r2 && r2 < 0xe000 {
				return (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000, 12
			}
		}
		if 0xd800 <= r && r < 0xe000 {
			return utf8.RuneError, 6
		}
		return r, 6
	case 'U':
		hi, ok1 := hex4(b[2:])
		lo, ok2 := hex4(b[min(6, len(b)):])
		if !ok1 || !ok2 {
			return 0, 0
		}
		if r := hi<<16 | lo; utf8.ValidRune(r) {
			return r, 10
		}
		return utf8.RuneError, 10
	case 'x':
		if len(b) >= 4 && isHex(b[2]) && isHex(b[3]) {
			return -rune(unhex(b[2])<<4|unhex(b[3])) - 1, 4
		}
		return 0, 0
	}
	if i := strings.IndexByte(`"\/'abfnrtv`, b[1]); i >= 0 {
		return rune("\"\\/'\a\b\f\n\r\t\v"[i]), 2
	}
	return 0, 0
}

// entity decodes the HTML entity at the start of b: the rune and its
// length, or length 0 when it is none.
func entity(b []byte) (rune, int) {
	end := -1
	for i := 1; i < len(b) && i < 12; i++ {
		if b[i] == ';' {
			end = i
			break
		}
	}
	if end < 2 {
		return 0, 0
	}
	name := string(b[1:end])
	switch name {
	case "amp":
		return '&', end + 1
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "quot":
		return '"', end + 1
	case "apos":
		return '\'', end + 1
	case "nbsp":
		return 0xa0, end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if digits == "" {
		return 0, 0
	}
	var r rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case '0' <= c && c <= '9':
			r = r*base + rune(c-'0')
		case base == 16 && isHex(c):
			r = r*base + rune(unhex(c))
		default:
			return 0, 0
		}
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, end + 1
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
