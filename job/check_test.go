package job

import (
	"strings"
	"testing"
)

// An invalid appid is shown only when it is an appid mistyped: a token in
// the appid column (the columns swapped) never reaches the results, the
// plan or the log.
func TestBadAppIDShowsNoToken(t *testing.T) {
	for _, tt := range []struct {
		text  string
		shown bool
	}{
		{"wx12345", true}, {"WX0000000000000000z", true}, {"\u200bwxbad", true},
		{"SECRETswap+/=秘", false}, {"abc", false}, {"12345", false},
		{"wx" + strings.Repeat("a", 30), false}, // long: another column's data
	} {
		msg := badAppIDMessage(tt.text).Error()
		if shown := strings.Contains(msg, visible(tt.text)); shown != tt.shown {
			t.Errorf("badAppIDMessage(%q) = %q: shown %v, want %v", tt.text, msg, shown, tt.shown)
		}
	}
}
