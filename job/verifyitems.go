package job

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"openbind/report"
)

// What verify keeps of each done row, between reading the results and
// rewriting its report: about 72 bytes a row, the appids packed, the
// strings that repeat (groups, errmsgs) kept once. A moved row's errmsg is
// made from its two open accounts when it is written.

// openID is an open account's appid: packed when it is wx + 16 hex, else
// (odd > 0) the string odd of the verifier's table; none when both are 0.
type openID struct {
	a   packedAppID
	odd int32
}

// strTable keeps each string once and names it by a number (0: "").
// Workers read it while the collector adds to it: it has a lock.
type strTable struct {
	mu   sync.Mutex
	idx  map[string]int32
	list []string
}

func newStrTable() *strTable { return &strTable{idx: map[string]int32{}} }

func (t *strTable) id(s string) int32 {
	if s == "" {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.idx[s]; ok {
		return i
	}
	t.list = append(t.list, s)
	i := int32(len(t.list))
	t.idx[s] = i
	return i
}

func (t *strTable) str(i int32) string {
	if i == 0 {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.list[i-1]
}

func (t *strTable) open(s string) openID {
	if s == "" {
		return openID{}
	}
	if a, ok := parseAppID(s); ok && a != 0 {
		return openID{a: a}
	}
	return openID{odd: t.id(s)}
}

func (t *strTable) openText(o openID) string {
	switch {
	case o.odd > 0:
		return t.str(o.odd)
	case o.a == 0:
		return ""
	}
	return o.a.String()
}

// verifyItem is a done row of the results, and its verdict.
type verifyItem struct {
	appid    packedAppID
	recorded openID // the open account the results record
	open     openID // the open account WeChat showed
	checked  int64  // checked_at, Unix milliseconds; 0: not asked
	row      int32  // index in state.rows; -1: a kept record of another input
	line     int32
	group    int32 // in the table
	msg      int32 // errmsg, in the table
	errcode  int32
	verdict  report.Verdict
	got      bool // a verdict (this time's, or an earlier one kept)
	stale    bool // the earlier verdict was of another recorded open account
	ask      bool // asked this time
}

// verifyItems are the done rows: the input's, in input order, then the
// kept records, in file order.
type verifyItems struct {
	list []verifyItem
	strs *strTable
	kept map[packedAppID]int32 // index of each kept record's item
}

// record is item k as the report writes it.
func (v *verifyItems) record(k int) report.VerifyRecord {
	it := &v.list[k]
	r := report.VerifyRecord{Line: int(it.line), AppID: it.appid.String(), Group: v.strs.str(it.group),
		RecordedOpen: v.strs.openText(it.recorded), OpenAppID: v.strs.openText(it.open),
		Verdict: it.verdict, ErrCode: int(it.errcode), ErrMsg: v.strs.str(it.msg)}
	if it.checked != 0 {
		r.CheckedAt = time.UnixMilli(it.checked).UTC()
	}
	if it.verdict == report.Moved && r.ErrMsg == "" {
		r.ErrMsg = movedMsg(r.OpenAppID, r.RecordedOpen)
	}
	return r
}

// set takes in the verdict of r for item k.
func (v *verifyItems) set(k int, r *report.VerifyRecord) {
	it := &v.list[k]
	it.open, it.verdict, it.errcode = v.strs.open(r.OpenAppID), r.Verdict, int32(r.ErrCode)
	it.msg = 0
	if r.Verdict != report.Moved || r.ErrMsg != movedMsg(r.OpenAppID, r.RecordedOpen) {
		it.msg = v.strs.id(r.ErrMsg)
	}
	it.checked = 0
	if !r.CheckedAt.IsZero() {
		it.checked = r.CheckedAt.UnixMilli()
	}
	it.got = r.Verdict != 0
}

func movedMsg(open, recorded string) string {
	return fmt.Sprintf("bound to %s, not to the recorded %s", open, recorded)
}

// find returns the item of a report record, or -1: a row of the input by
// its appid, else a kept record.
func (v *verifyItems) find(st *state, appid string) int {
	a, ok := parseAppID(appid)
	if !ok {
		return -1
	}
	if i := st.lookup(a); i >= 0 {
		k, found := slices.BinarySearchFunc(v.list, int32(i), func(it verifyItem, row int32) int {
			if it.row < 0 {
				return 1 // the kept records come after the input's rows
			}
			return int(it.row - row)
		})
		if !found {
			return -1
		}
		return k
	}
	if k, ok := v.kept[a]; ok {
		return int(k)
	}
	return -1
}
