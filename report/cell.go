package report

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The text cells of a results file (group, errmsg, open_appid) are made safe
// for the people and programs that read them: no control character (an
// errmsg's escape codes never reach a terminal, line breaks never split a
// record), and no group or errmsg that Excel would run as a formula.

// BOM starts every results file, so that Excel shows Chinese as it is.
const BOM = "\ufeff"

// cellText returns s without control characters: tabs and line breaks
// become one space each, the others are dropped. Most cells hold none, and
// cost one pass over their bytes.
func cellText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || (c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// formulaStart reports whether Excel (or LibreOffice, WPS) would take a cell
// that starts with c for a formula; a leading quote is the escape itself.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\'':
		return true
	}
	return false
}

// safeCell is s as a free-text cell (group, errmsg) is written: without
// control characters, and with a leading ' when it would start a formula
// (or starts with ' itself), which unsafeCell removes again.
func safeCell(s string) string {
	s = cellText(s)
	if s != "" && formulaStart(s[0]) {
		return "'" + s
	}
	return s
}

// unsafeCell reads back a free-text cell written by safeCell.
func unsafeCell(s string) string {
	s = cellText(s)
	if len(s) > 1 && s[0] == '\'' && formulaStart(s[1]) {
		return s[1:]
	}
	return s
}

// GroupKey is the identity of a merchant group's name: trimmed (spaces and
// invisible characters at its ends), in Unicode NFKC and case-folded, so
// that "Shop A", "shop a" and "Ｓｈｏｐ Ａ" name one merchant.
func GroupKey(name string) string {
	name = strings.TrimFunc(cellText(name), invisible)
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(name)
	}
	return folder.String(norm.NFKC.String(name))
}

// folder is stateless and safe for concurrent use.
var folder = cases.Fold()

// invisible reports whether r is a space or a character that shows nothing
// (zero-width characters, a byte order mark).
func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}
