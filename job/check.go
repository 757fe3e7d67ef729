package job

import (
	"fmt"
	"unicode/utf8"
)

// packedAppID is an authorizer appid packed into 8 bytes: "wx" and 16 lowercase
// hex digits.
type packedAppID uint64

// parseAppID packs s; ok is false when s is not "wx" + 16 lowercase hex.
// A digit's value comes from a table, without a branch: with random appids
// a branch on digit or letter is a coin toss for the processor, and it
// made this 5 to 7 times slower (200-340 ns against 33-45), a third of a
// resume, which parses each appid of the input and of the results.
func parseAppID(s string) (packedAppID, bool) {
	if len(s) != 18 || s[0] != 'w' || s[1] != 'x' {
		return 0, false
	}
	var v uint64
	var bad byte
	for i := 2; i < 18; i++ {
		d := hexValue[s[i]]
		bad |= d
		v = v<<4 | uint64(d&0xf)
	}
	if bad&0x80 != 0 {
		return 0, false
	}
	return packedAppID(v), true
}

// hexValue is the value of a lowercase hex digit; 0xff for any other byte.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

func (a packedAppID) String() string {
	const hex = "0123456789abcdef"
	var b [18]byte
	b[0], b[1] = 'w', 'x'
	for i := 17; i >= 2; i-- {
		b[i] = hex[a&0xf]
		a >>= 4
	}
	return string(b[:])
}

// Why a row is invalid.
type reason uint8

const (
	valid reason = iota
	badAppID
	emptyToken
	duplicate      // the same appid as an earlier line, with another token
	duplicateGroup // the same appid, with another group
	duplicateBoth  // the same appid, with another token and group
	repeated       // the same appid, token and group: counted once, no row
)

// badAppIDMessage is why the appid text is invalid, with the text shown
// (invisible characters made visible) when it is short enough to be an
// appid: a long one may be another column's data, a token even.
func badAppIDMessage(text string) string {
	const want = "want wx followed by 16 lowercase hex digits"
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "empty appid: " + want
	case n > 24:
		return fmt.Sprintf("invalid appid (%d characters, not shown; is the column another one?): %s", n, want)
	}
	return fmt.Sprintf("invalid appid %s: %s", visible(text), want)
}

// check returns why a row is invalid on its own (duplicates are found
// across rows), or valid.
func check(r *inputRow, tokenOptional bool) reason {
	if _, ok := parseAppID(r.AppID); !ok {
		return badAppID
	}
	if r.Token == "" && !tokenOptional {
		return emptyToken
	}
	return valid
}

func (w reason) message(first int) string {
	switch w {
	case badAppID:
		return "invalid appid: want wx followed by 16 lowercase hex digits"
	case emptyToken:
		return "empty access_token"
	case duplicate:
		return fmt.Sprintf("duplicate appid with another token; first on line %d; its token is used (the first line of an appid wins)", first)
	case duplicateGroup:
		return fmt.Sprintf("duplicate appid in another group; first on line %d; its group is used (the first line of an appid wins)", first)
	case duplicateBoth:
		return fmt.Sprintf("duplicate appid with another token and group; first on line %d; its token and group are used (the first line of an appid wins)", first)
	}
	return ""
}
