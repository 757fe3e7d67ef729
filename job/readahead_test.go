package job

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readRows gives every row in order, as reading them one by one does, and
// stops at the first error after the rows before it, across batch edges.
func TestReadRowsIsRead(t *testing.T) {
	for _, n := range []int{0, 1, readAheadBatch - 1, readAheadBatch, readAheadBatch + 1, 3*readAheadBatch + 7} {
		for _, bad := range []int{-1, 0, n / 2, n - 1} {
			if bad >= n {
				continue
			}
			t.Run(fmt.Sprintf("%d rows, bad at %d", n, bad), func(t *testing.T) {
				var b strings.Builder
				b.WriteString("appid,access_token\n")
				for i := range n {
					if i == bad {
						b.WriteString("wx0000000000000000,token,extra\n")
						continue
					}
					fmt.Fprintf(&b, "wx%016x,token-%d\n", i, i)
				}
				want, wantErr := readAll(t, b.String(), false)
				in, err := readerOf(strings.NewReader(b.String()), "in.csv", false)
				if err != nil {
					t.Fatal(err)
				}
				var got []inputRow
				err = readRows(in, func(r *inputRow) { got = append(got, *r) })
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("rows (-one by one +readRows):\n%s", diff)
				}
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Errorf("error %v, want %v", err, wantErr)
				}
			})
		}
	}
}
