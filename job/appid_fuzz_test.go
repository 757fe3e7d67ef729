package job

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseAppID checks the table-driven parseAppID against strconv: "wx"
// and 16 lowercase hex digits, their value; nothing else.
func FuzzParseAppID(f *testing.F) {
	for _, s := range []string{"wx0123456789abcdef", "wxffffffffffffffff", "wx0000000000000000", "wx0123456789ABCDEF", "wx0123456789abcdeg", "wx+123456789abcdef", "wx0123456789abcde", "WX0123456789abcdef", "wx0123456789abcd\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseAppID(s)
		digits, isWX := strings.CutPrefix(s, "wx")
		v, err := strconv.ParseUint(digits, 16, 64)
		want := isWX && len(digits) == 16 && err == nil && strings.ToLower(digits) == digits && !strings.ContainsAny(digits, "+-_xX")
		if ok != want || (ok && uint64(got) != v) {
			t.Fatalf("parseAppID(%q) = %x, %v; strconv says %x, %v", s, uint64(got), ok, v, want)
		}
		if ok && got.String() != s {
			t.Fatalf("String() = %q, want %q", got.String(), s)
		}
	})
}
