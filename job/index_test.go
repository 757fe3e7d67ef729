package job

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAppIndex: with random appids, repeated lines (dropped) and
// duplicates (not indexed), lookup finds the first row of every appid and
// nothing for an appid not in the input, and lookupNear finds the same row
// whatever its guess.
func TestAppIndex(t *testing.T) {
	for _, n := range []int{1, 7, 1000, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 2))
			var b strings.Builder
			b.WriteString("appid,access_token\n")
			var ids []string
			first := map[string]int{} // appid → its row once repeated lines are dropped
			rowsSoFar := 0
			for i := range n {
				switch {
				case i > 0 && i%10 == 3: // a repeated line: dropped
					b.WriteString(ids[len(ids)-1] + ",tok-" + ids[len(ids)-1] + "\n")
					continue
				case i > 0 && i%10 == 6: // a duplicate with another token: a row, not indexed
					fmt.Fprintf(&b, "%s,other-%d\n", ids[rng.IntN(len(ids))], i)
				default:
					id := fmt.Sprintf("wx%016x", rng.Uint64())
					ids = append(ids, id)
					first[id] = rowsSoFar
					b.WriteString(id + ",tok-" + id + "\n")
				}
				rowsSoFar++
			}
			st := stateOf(t, b.String())
			if len(st.rows) != rowsSoFar {
				t.Fatalf("%d rows, want %d", len(st.rows), rowsSoFar)
			}
			for id, want := range first {
				a, _ := parseAppID(id)
				if got := st.lookup(a); got != want {
					t.Fatalf("lookup(%s) = %d, want %d", id, got, want)
				}
				for _, guess := range []int{want, want + 1, -1, 0, len(st.rows)} {
					if got := st.lookupNear(a, guess); got != want {
						t.Fatalf("lookupNear(%s, %d) = %d, want %d", id, guess, got, want)
					}
				}
			}
			for range 100 {
				a := packedAppID(rng.Uint64())
				if _, in := first[fmt.Sprintf("wx%016x", uint64(a))]; !in && (st.lookup(a) != -1 || st.lookupNear(a, 0) != -1) {
					t.Fatalf("an appid not in the input is found")
				}
			}
			for i, r := range st.rows {
				if r.off != -1 {
					t.Fatalf("row %d: off %d after reading, want -1", i, r.off)
				}
			}
		})
	}
}
