package report

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// Tally builds a Summary from records.
type Tally struct {
	s       Summary
	index   map[failKey]int
	details []causeDetail          // by index into s.Failures
	groups  map[string]*groupTally // by GroupKey
	// finished counts rows by the second (or, past maxSeconds distinct
	// ones, the minute) they finished in.
	finished map[int64]int
	perMin   bool
}

// groupTally is what a summary keeps of a merchant group.
type groupTally struct {
	name       string // as first seen
	open       string // the first open account seen among its done rows
	split      bool   // done rows on two open accounts
	incomplete bool   // a row not done, or done without its open account
	created    int    // line of a row that created its open account; -1 several
	subject    int    // rows failed 89001
	others     int    // rows that neither created nor failed 89001
}

// maxSeconds bounds Tally.finished before it counts by the minute.
const maxSeconds = 100_000

type failKey struct {
	status Status
	call   string
	code   int
	msg    string // the kind, for a failure without an errcode
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{s: Summary{Counts: map[Status]int{}, Kept: map[Status]int{}}, index: map[failKey]int{}, groups: map[string]*groupTally{}, finished: map[int64]int{}}
}

// codeSubjectMismatch is WeChat's 89001: another legal subject.
const codeSubjectMismatch = 89001

// addGroup counts a record of a merchant group. A group is split when its
// done rows name two open accounts, whatever their errmsg says.
func (t *Tally) addGroup(r *Record) {
	key := GroupKey(r.Group)
	g := t.groups[key]
	if g == nil {
		g = &groupTally{name: r.Group}
		t.groups[key] = g
	}
	switch {
	case r.Status.Done() && r.OpenAppID == "":
		if !r.Kept() {
			g.incomplete = true
		}
	case r.Status.Done():
		if g.open == "" {
			g.open = r.OpenAppID
		} else if g.open != r.OpenAppID {
			g.split = true
		}
	case !r.Kept():
		g.incomplete = true
	}
	if r.Kept() {
		return
	}
	switch {
	case r.Status == Created && g.created == 0:
		g.created = r.Line
	case r.Status == Created:
		g.created = -1
	case r.Status == Failed && r.ErrCode == codeSubjectMismatch:
		g.subject++
	default:
		g.others++
	}
}

// Add counts one record.
func (t *Tally) Add(r *Record) {
	if r.Group != "" {
		t.addGroup(r)
	}
	if r.Kept() {
		t.s.Kept[r.Status]++
		return
	}
	t.s.Rows++
	t.s.Counts[r.Status]++
	t.s.Attempts += r.Attempts
	if f := r.FinishedAt; !f.IsZero() && r.Status.Final() {
		if t.s.First.IsZero() || f.Before(t.s.First) {
			t.s.First = f
		}
		if f.After(t.s.Last) {
			t.s.Last = f
		}
		t.countFinished(f)
	}
	if r.Status != Failed && r.Status != Invalid {
		return
	}
	// An errmsg's detail after ";" (such as the line of a duplicate's
	// first row) does not split its cause, nor does a request id.
	msg, _, _ := strings.Cut(r.ErrMsg, ";")
	msg = StripRequestIDs(msg)
	k := failKey{status: r.Status, call: CallOf(r), code: r.ErrCode, msg: msg}
	if r.Status == Failed && r.ErrCode != 0 {
		k.msg = "" // one cause per errcode, whatever its texts
	}
	i, ok := t.index[k]
	if !ok && len(t.s.Failures) >= MaxCauses {
		t.s.OtherCauses++
		return
	}
	if !ok {
		i = len(t.s.Failures)
		t.index[k] = i
		t.s.Failures = append(t.s.Failures, Failure{Status: r.Status, Call: k.call, Code: r.ErrCode, Msg: msg})
		t.details = append(t.details, causeDetail{})
	}
	f := &t.s.Failures[i]
	f.Count++
	if len(f.Lines) < maxLines {
		f.Lines = append(f.Lines, r.Line)
	}
	if k.msg == "" {
		t.details[i].add(msg)
	}
	if at, ok := RIDTime(r.ErrMsg); ok && (f.OldestRID.IsZero() || at.Before(f.OldestRID)) {
		f.OldestRID = at
	}
	for _, ip := range requestIPs(r.ErrMsg) {
		if len(f.IPs) < maxCauseIPs && !slices.Contains(f.IPs, ip) {
			f.IPs = append(f.IPs, ip)
		}
	}
}

func (t *Tally) countFinished(f time.Time) {
	key := f.Unix()
	if t.perMin {
		key -= key % 60
	}
	t.finished[key]++
	if !t.perMin && len(t.finished) > maxSeconds {
		t.perMin = true
		byMin := map[int64]int{}
		for sec, n := range t.finished {
			byMin[sec-sec%60] += n
		}
		t.finished = byMin
	}
}

// active adds up the spans in which rows finished, split at SessionGap.
func (t *Tally) active() (time.Duration, int) {
	if len(t.finished) == 0 {
		return 0, 0
	}
	unit := int64(1)
	if t.perMin {
		unit = 60
	}
	keys := make([]int64, 0, len(t.finished))
	for k := range t.finished {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var total int64
	sessions, start := 1, keys[0]
	for i := 1; i <= len(keys); i++ {
		if i == len(keys) || keys[i]-keys[i-1] > int64(SessionGap/time.Second) {
			total += keys[i-1] - start + unit
			if i < len(keys) {
				sessions++
				start = keys[i]
			}
		}
	}
	return time.Duration(total) * time.Second, sessions
}

// timeline bins the rows finished between first and last.
func (t *Tally) timeline() []Bin {
	if len(t.finished) == 0 {
		return nil
	}
	start := t.s.First.Truncate(time.Second)
	span := t.s.Last.Truncate(time.Second).Sub(start) + time.Second
	width := max(time.Second, (span+TimelineBins-1)/TimelineBins).Round(time.Second)
	if t.perMin {
		width = max(width, time.Minute).Round(time.Minute)
		start = start.Truncate(time.Minute)
	}
	n := int((span + width - 1) / width)
	if t.perMin {
		n = int((t.s.Last.Sub(start) + width) / width)
	}
	bins := make([]Bin, n)
	for i := range bins {
		bins[i] = Bin{Start: start.Add(time.Duration(i) * width), Width: width}
	}
	for sec, c := range t.finished {
		i := int(time.Unix(sec, 0).Sub(start) / width)
		bins[min(max(i, 0), n-1)].Rows += c
	}
	return bins
}

// Summary returns the tally so far.
func (t *Tally) Summary() Summary {
	s := t.s
	s.Counts = make(map[Status]int, len(t.s.Counts))
	for k, v := range t.s.Counts {
		s.Counts[k] = v
	}
	s.Kept = maps.Clone(t.s.Kept)
	s.SplitGroups, s.IncompleteGroups, s.OddLeaders = nil, nil, nil
	for _, g := range t.groups {
		if g.split {
			s.SplitGroups = append(s.SplitGroups, g.name)
		}
		if g.incomplete {
			s.IncompleteGroups = append(s.IncompleteGroups, g.name)
		}
		if g.created > 0 && g.subject > 0 && g.others == 0 {
			s.OddLeaders = append(s.OddLeaders, OddLeader{Group: g.name, Line: g.created, Others: g.subject})
		}
	}
	slices.Sort(s.SplitGroups)
	slices.Sort(s.IncompleteGroups)
	slices.SortFunc(s.OddLeaders, func(a, b OddLeader) int { return cmp.Compare(a.Group, b.Group) })
	s.Timeline = t.timeline()
	s.Active, s.Sessions = t.active()
	s.Failures = slices.Clone(t.s.Failures)
	for i := range s.Failures {
		if t.details[i].msgs != nil {
			s.Failures[i].Msg = t.details[i].common()
		}
		s.Failures[i].IPs = slices.Clone(s.Failures[i].IPs)
	}
	slices.SortStableFunc(s.Failures, func(a, b Failure) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Status, b.Status)
	})
	return s
}

// Summarize reads the results file at path and summarizes its rows: one
// per input line, and the records kept from other inputs (no line) one per
// appid; the last record of each wins (a file left by a killed run holds
// appended rows after the ones they replace).
func Summarize(path string) (Summary, error) {
	t := NewTally()
	// A final file has its lines in order, then its kept records, each
	// appid once: one pass counts it.
	ordered, prev, kept := true, 0, map[string]bool{}
	_, err := ReadFile(path, func(r *Record, _ int64) error {
		switch {
		case r.Kept():
			ordered = ordered && !kept[r.AppID]
			kept[r.AppID] = true
		default:
			ordered = ordered && r.Line > prev && len(kept) == 0
			prev = r.Line
		}
		t.Add(r)
		return nil
	})
	if err != nil || ordered {
		s := t.Summary()
		s.File = path
		return s, err
	}
	// Lines repeat: count only each line's (or kept appid's) last record.
	type key struct {
		line  int
		appid string
	}
	keyOf := func(r *Record) key {
		if r.Kept() {
			return key{appid: r.AppID}
		}
		return key{line: r.Line}
	}
	last := map[key]int64{}
	if _, err := ReadFile(path, func(r *Record, off int64) error {
		last[keyOf(r)] = off
		return nil
	}); err != nil {
		return Summary{}, err
	}
	t = NewTally()
	_, err = ReadFile(path, func(r *Record, off int64) error {
		if last[keyOf(r)] == off {
			t.Add(r)
		}
		return nil
	})
	s := t.Summary()
	s.File = path
	return s, err
}
