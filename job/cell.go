package job

import (
	"strconv"
	"strings"
	"unicode"
)

// invisible reports whether r is a character that shows nothing and that
// spreadsheets and copy-paste leave at the ends of cells: white space
// (NBSP and the ideographic space included), zero-width characters and
// the byte order mark.
func invisible(r rune) bool {
	switch r {
	case 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff:
		return true
	}
	return unicode.IsSpace(r)
}

// cleanCell is a cell as openbind reads it: invisible characters cut off
// its ends, an Excel ="..." wrapper removed, and NULL, \N and (null) (the
// empty cells of database exports) made empty.
func cleanCell(s string) string {
	if s == "" {
		return s
	}
	// The fast path: a cell of plain text, e.g. an appid or a token.
	if c, e := s[0], s[len(s)-1]; c > ' ' && c < 0x7f && e > ' ' && e < 0x7f && c != '=' && c != '\\' && c != '(' && c != 'N' && c != 'n' {
		return s
	}
	s = strings.TrimFunc(s, invisible)
	if len(s) >= 3 && s[0] == '=' && s[1] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimFunc(strings.ReplaceAll(s[2:len(s)-1], `""`, `"`), invisible)
	}
	if s == `\N` || strings.EqualFold(s, "NULL") || strings.EqualFold(s, "(null)") {
		return ""
	}
	return s
}

// visible quotes s for a message, with invisible and control characters
// escaped (\u200b), so that a person sees why a cell is wrong.
func visible(s string) string {
	return strconv.QuoteToGraphic(s)
}
