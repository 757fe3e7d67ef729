package job

import (
	"errors"
	"strings"
	"testing"
)

// A group cell that looks like a token refuses the file, at the cell, and
// never shows it; real group names are read.
func TestGroupCellLikeAToken(t *testing.T) {
	const tok = "SECRETtok_9f8e7d6c5b4a39281706f5e4d3c2b1a0aaaaaaaaaaaaaaaa" // 58 characters
	long := "Ab_-" + strings.Repeat("x9", 40)                                // 84 characters
	head := "appid,access_token,group\n"
	tests := []struct {
		name      string
		data      string
		line, col int
		msg       string // "": read
	}{
		{"swapped columns", head + appA + ",shopA," + tok + "\n" + appB + ",shopA," + tok + "\n", 2, 26, "the group cell (58 characters, not shown) looks like an access token"},
		{"a long token-like group beside a token", head + appA + "," + tok + "x," + long + "\n", 2, 80, "the group cell (84 characters, not shown) looks like an access token"},
		{"a group that is another row's token", head + appA + "," + tok + ",店铺 A\n" + appB + ",other_" + tok + "," + tok + "\n", 3, 85, "the group cell (58 characters, not shown) is the access token of line 2"},
		{"a group that is a later row's token", head + appA + ",other_" + tok + "," + tok + "\n" + appB + "," + tok + ",g\n", 2, 85, "is the access token of line 3"},
		{"a group that is its own row's token", head + appA + "," + tok + "," + tok + "\n", 2, 79, "is the access token of line 2"},
		{"a group in quotes is the same cell", head + appA + ",shopA,\"" + tok + "\"\n", 2, 26, "looks like an access token"},
		{"Chinese name with spaces", head + appA + ",T1,通泰母婴 旗舰店 上海 第一分店 二零二四年 十二月 开业 的 那一家 店铺\n", 0, 0, ""},
		{"merchant id of 20 digits", head + appA + ",T1,12345678901234567890\n", 0, 0, ""},
		{"a long merchant id of digits", head + appA + ",T1," + strings.Repeat("1234567890", 7) + "\n", 0, 0, ""},
		{"short code", head + appA + ",T1,SH-0042_north\n", 0, 0, ""},
		{"code of 40 token characters beside a token", head + appA + "," + tok + ",north_region_flagship_store_shanghai_24\n", 0, 0, ""},
		{"code of 40 with spaces beside a short token", head + appA + ",T1,north region flagship store shanghai 24\n", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readInput(writeFile(t, "in.csv", tt.data), false)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v, want *InputError", err)
			}
			if ie.Line != tt.line || ie.Column != tt.col {
				t.Errorf("at %d:%d, want %d:%d (%v)", ie.Line, ie.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "columns swapped?") {
				t.Errorf("error %q, want it to say %q and ask about swapped columns", err, tt.msg)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "x9x9") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}
