package job

import (
	"strings"
	"unicode/utf8"

	"openbind/locale"
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
// (invisible characters made visible) only when it is an appid mistyped:
// it starts with wx and is short enough. Anything else may be another
// column's data, a token even (the columns swapped), and is not shown.
func badAppIDMessage(text string) *locale.Message {
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return locale.Errorf("row.appid_empty")
	case shownAppID(text) == "":
		return locale.Errorf("row.appid_long", n)
	}
	return locale.Errorf("row.appid", visible(text))
}

// mistypedAppID reports whether text starts as an appid does (wx, in any
// case, after invisible characters).
func mistypedAppID(text string) bool {
	t := strings.TrimLeftFunc(text, invisible)
	return len(t) >= 2 && strings.EqualFold(t[:2], "wx")
}

// shownAppID is the text of an invalid appid as the results' appid cell
// holds it: the text of an appid mistyped, else nothing (see
// badAppIDMessage).
func shownAppID(text string) string {
	if utf8.RuneCountInString(text) > 24 || !mistypedAppID(text) {
		return ""
	}
	return text
}

// A group cell that looks like an access token: the columns swapped, or
// the token pasted into the group column. A merchant group's name has
// Chinese or spaces in it, or is a merchant id of digits, or a short code;
// WeChat's tokens are a hundred characters and more of [A-Za-z0-9_-].
// Such a cell is never shown, and the file is refused (input.go,
// state.go): its group would be written to the results, the summary and
// the sign-off page.
const (
	// tokenLikeLen is the shortest cell taken for a token: shorter is a
	// code, and a token field this short is no token.
	tokenLikeLen = 32
	// tokenSureLen is the length from which a token-like group cell is
	// refused whatever its row's token is.
	tokenSureLen = 64
)

// tokenLike reports whether s has a token's form: tokenLikeLen characters
// or more, all of [A-Za-z0-9_-], not all digits (a merchant id).
func tokenLike(s string) bool {
	if len(s) < tokenLikeLen {
		return false
	}
	digits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_', c == '-':
			digits = false
		default:
			return false
		}
	}
	return !digits
}

// groupIsToken reports whether a row's group cell is a token by its form
// alone: a long token-like cell, or a token-like one beside a token cell
// too short to be one (the columns swapped).
func groupIsToken(group, token string) bool {
	if !tokenLike(group) {
		return false
	}
	return len(group) >= tokenSureLen || token != "" && len(token) < tokenLikeLen
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

// message is why a row is invalid, first the line of its appid's first
// row; nil for a valid row. Its English is the results' errmsg.
func (w reason) message(first int) *locale.Message {
	switch w {
	case badAppID:
		return locale.Errorf("row.appid_invalid")
	case emptyToken:
		return locale.Errorf("row.token_empty")
	case duplicate:
		return locale.Errorf("row.duplicate", first)
	case duplicateGroup:
		return locale.Errorf("row.duplicate_group", first)
	case duplicateBoth:
		return locale.Errorf("row.duplicate_both", first)
	}
	return nil
}
