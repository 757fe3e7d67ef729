package job

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// TestFormsGenerated writes seeded random accounts in every combination of
// encoding, delimiter, line end and Excel leftovers (invisible characters,
// ="..." wrappers, NULL, upper-case appids), and reads them back: the rows
// are the same whatever the form.
func TestFormsGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	pads := []string{"", " ", "\u200b", "\u00a0", "\u3000", "\ufeff", "\t"}
	pad := func(s, sep string) string {
		p := func() string {
			if p := pads[rng.IntN(len(pads))]; p != sep {
				return p
			}
			return ""
		}
		return p() + s + p()
	}
	for k := range 300 {
		sep := []string{",", "\t", ";"}[rng.IntN(3)]
		eol := []string{"\n", "\r\n", "\r"}[rng.IntN(3)]
		enc := []string{"utf-8", "utf-8 bom", "gb18030", "utf-16"}[rng.IntN(4)]
		var text strings.Builder
		text.WriteString(strings.Join([]string{"appid", "access_token", "group"}, sep) + eol)
		var want []inputRow
		for i := range 1 + rng.IntN(8) {
			appid := fmt.Sprintf("wx%016x", rng.Uint64())
			token := fmt.Sprintf("T%d_%x", i, rng.Uint64())
			var group string
			switch rng.IntN(4) {
			case 0:
				group = randomHan(rng, 1+rng.IntN(4))
			case 1:
				group = fmt.Sprintf("m%d", rng.IntN(3))
			}
			want = append(want, inputRow{Line: i + 2, AppID: appid, Token: token, Group: group})
			cells := []string{appid, token, group}
			if rng.IntN(4) == 0 {
				cells[0] = strings.ToUpper(appid)
			}
			if group == "" && rng.IntN(2) == 0 {
				cells[2] = []string{"NULL", `\N`, "(null)"}[rng.IntN(3)]
			}
			for c := range cells {
				switch rng.IntN(6) {
				case 0:
					cells[c] = `="` + cells[c] + `"`
				case 1:
					cells[c] = `"=""` + cells[c] + `"""`
				case 2:
					cells[c] = pad(cells[c], sep)
				}
			}
			if group == "" && rng.IntN(3) == 0 {
				cells = cells[:2] // a row cut after its last filled cell
			}
			text.WriteString(strings.Join(cells, sep) + eol)
		}
		s := text.String()
		var data []byte
		switch enc {
		case "utf-8":
			data = []byte(s)
		case "utf-8 bom":
			data = []byte("\ufeff" + s)
		case "gb18030":
			data, _ = simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		case "utf-16":
			data, _ = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		}
		t.Run(fmt.Sprintf("%d/%s/%q/%q", k, enc, sep, eol), func(t *testing.T) {
			got, err := readAll(t, string(data), false)
			if err != nil {
				t.Fatalf("%v\n%q", err, s)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				if enc == "gb18030" && utf8.Valid(data) {
					t.Skip("GB18030 bytes that are valid UTF-8 with CJK in it are UTF-8 (Decision 3)")
				}
				t.Errorf("rows (-want +got):\n%s\n%q", diff, s)
			}
		})
	}
}
