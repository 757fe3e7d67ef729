package job

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func sniffBytes(t *testing.T, data []byte, opts InputOptions) (form, error) {
	t.Helper()
	return sniff(bytes.NewReader(data), "in.csv", opts)
}

// randomHan returns n Han characters of GB2312's first level (the common
// ones), drawn from rng.
func randomHan(rng *rand.Rand, n int) string {
	dec := simplifiedchinese.GB18030.NewDecoder()
	var b []byte
	for range n {
		b = append(b, byte(0xb0+rng.IntN(0xd7-0xb0)), byte(0xa1+rng.IntN(0xfe-0xa1)))
	}
	s, err := dec.Bytes(b)
	if err != nil {
		panic(err)
	}
	return string(s)
}

// TestEncodingGenerated tells the encoding of seeded random files: Chinese
// group names in GB18030 are read as GB18030 (even when their bytes are
// valid UTF-8), a UTF-8 file with Chinese in it is never read as GBK.
func TestEncodingGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	enc := simplifiedchinese.GB18030.NewEncoder()
	validUTF8 := 0
	for k := range 500 {
		var text strings.Builder
		text.WriteString("appid,access_token,group\r\n")
		var groups []string
		for i := range 1 + rng.IntN(5) {
			g := randomHan(rng, 1+rng.IntN(6))
			groups = append(groups, g)
			fmt.Fprintf(&text, "wx%016x,T%d,%s\r\n", i, i, g)
		}
		gbBytes, err := enc.Bytes([]byte(text.String()))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("gb/%d", k), func(t *testing.T) {
			f, err := sniffBytes(t, gbBytes, InputOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if utf8.Valid(gbBytes) {
				validUTF8++
			}
			if f.enc != encGB18030 {
				// Decision 3: valid UTF-8 with CJK in it stays UTF-8.
				if sc, _ := scanText(bytes.NewReader(gbBytes)); utf8.Valid(gbBytes) && sc.cjk {
					return
				}
				t.Fatalf("%q read as %s", gbBytes, f.enc)
			}
			rows, err := readAll(t, string(gbBytes), false)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if r.Group != groups[i] {
					t.Errorf("group %q, want %q", r.Group, groups[i])
				}
			}
		})
		t.Run(fmt.Sprintf("utf8/%d", k), func(t *testing.T) {
			// The same text as UTF-8, with a remark that is not CJK at all.
			data := []byte(text.String() + "wx00000000000000ff,T,,Café ü\r\n")
			f, err := sniffBytes(t, data, InputOptions{})
			if err != nil || f.enc != encUTF8 {
				t.Fatalf("read as %v (%v), want UTF-8", f.enc, err)
			}
		})
	}
	t.Logf("%d of 500 GB18030 files were valid UTF-8 too", validUTF8)
}

func TestEncodingCases(t *testing.T) {
	gb := func(s string) string {
		b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	tests := []struct {
		name string
		data string
		opts InputOptions
		want encoding
		err  string
	}{
		{"ascii", "appid,access_token\nwx0000000000000001,T\n", InputOptions{}, encUTF8, ""},
		{"invisible characters only", "appid,access_token\n\u200bwx0000000000000001\u00a0,T\u3000\n", InputOptions{}, encUTF8, ""},
		{"GBK that is valid UTF-8", gb("appid,access_token,group\nwx0000000000000001,T,通泰母婴\n"), InputOptions{}, encGB18030, ""},
		{"GBK that is valid UTF-8, forced UTF-8", gb("appid,access_token,group\nwx0000000000000001,T,通泰母婴\n"), InputOptions{Encoding: "utf-8"}, encUTF8, ""},
		{"GBK", gb("appid,access_token,group\nwx0000000000000001,T,商户一\n"), InputOptions{}, encGB18030, ""},
		{"UTF-8 Chinese", "appid,access_token,group\nwx0000000000000001,T,通泰母婴\n", InputOptions{}, encUTF8, ""},
		{"UTF-8 BOM", "\ufeffappid,access_token,group\nwx0000000000000001,T,Zoé\n", InputOptions{}, encUTF8, ""},
		{"UTF-16 forced, no BOM", "a\x00p\x00p\x00i\x00d\x00\n\x00", InputOptions{Encoding: "utf-16"}, encUTF16LE, ""},
		{"UTF-16LE without BOM", "a\x00p\x00p\x00i\x00d\x00\n\x00", InputOptions{}, encUTF16LE, ""},
		{"UTF-16BE without BOM", "\x00a\x00p\x00p\x00i\x00d\x00\n", InputOptions{}, encUTF16BE, ""},
		{"forced GB18030, not GB18030", "appid\n\x81\n", InputOptions{Encoding: "gb18030"}, 0, "2:1: not GB18030 text"},
		{"Latin-1", "appid,access_token,group\nwx0000000000000001,T,Caf\xe9\n", InputOptions{}, 0, "2:25: the encoding cannot be told"},
		{"CR-only, Latin-1", "appid,group\rwx0000000000000001,Caf\xe9\r", InputOptions{}, 0, "2:23: the encoding cannot be told"},
		{"unknown name", "appid\n", InputOptions{Encoding: "latin1"}, 0, `InputEncoding "latin1": want utf-8, gb18030 or utf-16`},
		{"a chunk boundary inside a rune", "appid,group\n" + strings.Repeat("x", 256<<10-13) + "通泰\n", InputOptions{}, encUTF8, ""},
		{"a chunk boundary inside a GB character", gb("appid,group\n" + strings.Repeat("x", 256<<10-13) + "商户\n"), InputOptions{}, encGB18030, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := sniffBytes(t, []byte(tt.data), tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.enc != tt.want {
				t.Errorf("read as %v, want %v", f.enc, tt.want)
			}
		})
	}
}
