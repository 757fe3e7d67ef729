package job

import (
	"math/bits"
	"openbind/locale"
	"slices"
)

// indexed reports whether a row takes part in the results by its appid: a
// valid row, or one whose only fault is an empty token (it may be done
// already: done stays done).
func (w reason) indexed() bool { return w == valid || w == emptyToken }

// appIndex finds the row of an appid: an open-addressing hash table (linear
// probing) of row indexes + 1 (0: an empty slot), at most 4/5 full: 4 to 8
// bytes a row, where a map would take 20 or more, and a sorted index
// binary searches that miss the cache at every step when appids are random.
type appIndex struct {
	slots []int32
	shift uint8 // 64 - log2(len(slots))
}

func newAppIndex(n int) appIndex {
	size := 8
	for size*4 < n*5 {
		size *= 2
	}
	return appIndex{slots: make([]int32, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

// home is the first slot of appid: Fibonacci hashing, which spreads
// appids in order as well as random ones.
func (x *appIndex) home(a packedAppID) int { return int((uint64(a) * 0x9e3779b97f4a7c15) >> x.shift) }

// find returns the slot holding the row of appid a among rows, or the
// empty slot where it goes.
func (x *appIndex) find(rows []row, a packedAppID) (slot int, found bool) {
	mask := len(x.slots) - 1
	for k := x.home(a); ; k = (k + 1) & mask {
		v := x.slots[k]
		if v == 0 {
			return k, false
		}
		if rows[v-1].appid == a {
			return k, true
		}
	}
}

// dedup applies Decision 2 to repeated appids: a later line identical to
// the first (appid, token and group) counts once, with a warning; one with
// another token or group is invalid, naming the first line, whose token and
// group are used. The rest are indexed by appid. While the input is read,
// each row's off holds the hash of its token (see add); dedup gives off
// back its meaning (no record yet: -1).
func (st *state) dedup() {
	n := 0
	for i := range st.rows {
		if st.rows[i].why.indexed() {
			n++
		}
	}
	st.index = newAppIndex(n)
	same := 0
	for i := range st.rows {
		r := &st.rows[i]
		if !r.why.indexed() {
			continue
		}
		slot, found := st.index.find(st.rows, r.appid)
		if !found {
			st.index.slots[slot] = int32(i) + 1
			continue
		}
		f := &st.rows[st.index.slots[slot]-1]
		r.ref = f.line
		switch token, group := r.off != f.off, r.group != f.group; {
		case token && group:
			r.why = duplicateBoth
		case group:
			r.why = duplicateGroup
		case token:
			r.why = duplicate
		default:
			r.why = repeated
			same++
		}
	}
	for i := range st.rows {
		st.rows[i].off = -1
	}
	if same > 0 {
		st.dropRepeated()
	}
}

// dropRepeated removes the rows that repeat an earlier line, keeping their
// lines (the re-reads skip them), and maps the index to the rows that stay.
func (st *state) dropRepeated() {
	moved := make([]int32, len(st.rows))
	bad := make(map[int32]string, len(st.badAppIDs))
	n := int32(0)
	for i := range st.rows {
		r := st.rows[i]
		if r.why == repeated {
			moved[i] = -1
			st.skipped = append(st.skipped, r.line)
			st.inPlan.warn(int(r.line), locale.Errorf("warn.repeat", r.ref))
			continue
		}
		moved[i] = n
		if text, ok := st.badAppIDs[int32(i)]; ok {
			bad[n] = text
		}
		st.rows[n] = r
		n++
	}
	st.rows = slices.Clip(st.rows[:n])
	st.badAppIDs = bad
	// Group indexes name groups (state.groupNames), not rows: they stay.
	// A repeated row was never indexed: every slot's row stays.
	for k, v := range st.index.slots {
		if v != 0 {
			st.index.slots[k] = moved[v-1] + 1
		}
	}
}

// lookup returns the index of the row with appid (see reason.indexed), or -1.
func (st *state) lookup(appid packedAppID) int {
	slot, found := st.index.find(st.rows, appid)
	if !found {
		return -1
	}
	return int(st.index.slots[slot] - 1)
}

// lookupNear is lookup that first tries row guess, and the row after the
// last one it found: the records of a results file come in input order as
// a rule (the final file of a run, and nearly so a journal), and then a
// scan costs no hash probe and no cache miss.
func (st *state) lookupNear(appid packedAppID, guess int) int {
	for _, i := range [2]int{guess, st.near} {
		if i >= 0 && i < len(st.rows) {
			if r := &st.rows[i]; r.appid == appid && r.why.indexed() {
				st.near = i + 1
				return i
			}
		}
	}
	i := st.lookup(appid)
	if i >= 0 {
		st.near = i + 1
	}
	return i
}
