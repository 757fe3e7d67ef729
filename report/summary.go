package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary is what a results file says, in aggregate, with what the run
// that wrote it measured when there was one.
type Summary struct {
	File     string
	Rows     int
	Counts   map[Status]int
	Failures []Failure // failed and invalid rows by cause, most frequent first
	Attempts int       // calls recorded in the file's rows
	// First and Last are the earliest and latest finished_at.
	First, Last time.Time
	// Merchant groups whose done rows name two open accounts or more
	// (split), and with a row not done or done without its open account
	// (incomplete), by name.
	SplitGroups      []string
	IncompleteGroups []string
	// Timeline is the rows finished over time, in equal bins from First
	// to Last (at most TimelineBins).
	Timeline []Bin
	// Active is the time rows were finishing: the spans of finished_at
	// split where no row finished for SessionGap (reruns from cron come
	// apart), added up; Sessions is how many spans.
	Active   time.Duration
	Sessions int
	// OtherCauses counts the rows of failure causes beyond MaxCauses.
	OtherCauses int
	// Kept counts, by status, the records of other inputs that the file
	// keeps after the rows of its input (no line): another wave's, or rows
	// deleted from the input. They are not rows of the input.
	Kept map[Status]int
	// OddLeaders are groups whose open account was made by one row while
	// every other row failed 89001 (another legal subject): the row that
	// made it is likely the one of another subject.
	OddLeaders []OddLeader
	Run        *Run // nil when summarizing a file
	// Verify is the last verification against WeChat (report --verify);
	// nil when none was given.
	Verify *VerifySummary
}

// Bin is a span of time and the rows finished in it.
type Bin struct {
	Start time.Time
	Width time.Duration
	Rows  int
}

// SessionGap is the pause in finished rows that separates two runs.
const SessionGap = time.Minute

// Limits of a summary's size, whatever the size of the file.
const (
	TimelineBins = 60
	MaxCauses    = 200
)

// Run is what one run measured.
type Run struct {
	Sent     int            // rows sent
	Calls    int            // calls made, retries included
	Retries  int            // calls that repeated a failed one
	Elapsed  time.Duration  // start to end of the run
	Latency  [3]float64     // p50, p95, p99 of the calls, in seconds
	Outcomes map[string]int // calls by outcome (see Outcome)
	Stopped  string         // why the run stopped early; "" when it did not
	Notes    []string       // what else people must know of the results file
	// Failovers is how often calls went on to the next URL of --base-url.
	Failovers Failovers
}

// Failovers is how often a run's calls failed over to the next URL, when,
// and between which URLs the last time.
type Failovers struct {
	Count       int
	First, Last time.Time
	From, To    string
}

// Failure is one cause of failed or invalid rows: failed rows by (call,
// errcode), or by (call, kind) when there is no errcode (see causes.go);
// invalid rows by the kind of problem.
type Failure struct {
	Status Status
	Call   string // CallCreate or CallBind; "" for invalid rows
	Code   int    // WeChat errcode, 0 when none
	// Msg is the cause's most common errmsg without its request ids (for
	// invalid rows, the kind of problem).
	Msg   string
	Count int
	Lines []int // the first few input lines with it
	// OldestRID is the time of the oldest request id among the cause's
	// rows (zero when none has one): WeChat support can look it up until
	// OldestRID + RIDLifetime.
	OldestRID time.Time
	// IPs are the distinct requestIPs the messages name (61004: the IPs
	// to whitelist).
	IPs []string
}

// RIDsExpire is when WeChat support can no longer look up the oldest
// request id of the cause; zero when none is known.
func (f *Failure) RIDsExpire() time.Time {
	if f.OldestRID.IsZero() {
		return time.Time{}
	}
	return f.OldestRID.Add(RIDLifetime)
}

// OddLeader is a group whose creating row looks of another legal subject
// than the rest.
type OddLeader struct {
	Group  string
	Line   int // the row that created the group's open account
	Others int // rows of the group that failed 89001
}

// maxLines bounds Failure.Lines.
const maxLines = 10

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

// Rate is the rows finished per second of active time.
func (s *Summary) Rate() float64 {
	return perSecond(s.Rows-s.Counts[Invalid]-s.Counts[Pending], s.Active)
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

// KeptRecords is the number of records kept from other inputs.
func (s *Summary) KeptRecords() int {
	n := 0
	for _, c := range s.Kept {
		n += c
	}
	return n
}

// Complete reports whether the file's input is finished: every row done,
// and every merchant group on one open account that every row confirms.
func (s *Summary) Complete() bool {
	return s.Done() == s.Rows && len(s.SplitGroups) == 0 && len(s.IncompleteGroups) == 0
}

// Done is the number of rows done.
func (s *Summary) Done() int {
	return s.Counts[Created] + s.Counts[AlreadyBound] + s.Counts[Bound]
}

// Remedy says, in plain words, what to do about rows that failed with f
// (remedy.go: by errcode's table).
func (f *Failure) Remedy() string { return f.remedy() }

// WriteText writes the summary for people: counts, failures by cause,
// what the run measured, and what to do next.
func (s *Summary) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	name := s.File
	if name == "" {
		name = "results"
	}
	fmt.Fprintf(ew, "%s: %s, %d done\n", name, plural(s.Rows, "row"), s.Done())
	for _, st := range Statuses {
		fmt.Fprintf(ew, "  %-13s %8d\n", st, s.Counts[st])
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(ew, "failures by cause:")
		tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  rows\tstatus\tcall\terrcode\terrmsg (without request ids)\tlines\n")
		for _, f := range s.Failures {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", f.Count, f.Status, dash(f.Call), codeText(f.Code), f.Msg, joinLines(f.Lines, f.Count))
		}
		_ = tw.Flush()
		if exp := s.RIDsExpire(); !exp.IsZero() {
			fmt.Fprintf(ew, "  the results keep each row's full errmsg: WeChat support can look its request id (rid) up for 7 days; the oldest expires %s\n", exp.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if s.OtherCauses > 0 {
			fmt.Fprintf(ew, "  and %s with other causes\n", plural(s.OtherCauses, "row"))
		}
	}
	if n := s.KeptRecords(); n > 0 {
		var parts []string
		for _, st := range Statuses {
			if c := s.Kept[st]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, st))
			}
		}
		fmt.Fprintf(ew, "kept from other inputs (no line; never sent): %s: %s\n", plural(n, "record"), strings.Join(parts, ", "))
	}
	if n := len(s.SplitGroups); n > 0 {
		fmt.Fprintf(ew, "groups split (their done rows are on two open accounts or more): %d: %s\n", n, listNames(s.SplitGroups))
	}
	if n := len(s.IncompleteGroups); n > 0 {
		fmt.Fprintf(ew, "groups incomplete (a row not done, or its open account unknown): %d: %s\n", n, listNames(s.IncompleteGroups))
	}
	if r := s.Run; r != nil && r.Sent == 0 && r.Calls == 0 {
		fmt.Fprintf(ew, "this run: nothing left to send; checked in %s\n", r.Elapsed.Round(time.Millisecond))
	} else if r != nil {
		fmt.Fprintf(ew, "this run: sent %s in %s (%s) in %s: %.1f rows/s",
			plural(r.Sent, "row"), plural(r.Calls, "call"), pluralRetries(r.Retries), r.Elapsed.Round(time.Millisecond), perSecond(r.Sent, r.Elapsed))
		if r.Calls > 0 {
			fmt.Fprintf(ew, "; call latency p50 %s, p95 %s, p99 %s", seconds(r.Latency[0]), seconds(r.Latency[1]), seconds(r.Latency[2]))
		}
		fmt.Fprintln(ew)
		if f := r.Failovers; f.Count > 0 {
			fmt.Fprintf(ew, "failed over to the next URL %s (first at %s, last at %s UTC: %s unreachable, went on at %s)\n",
				times(f.Count), f.First.UTC().Format(time.TimeOnly), f.Last.UTC().Format(time.TimeOnly), f.From, f.To)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(ew, "note: %s\n", n)
		}
	} else if !s.First.IsZero() {
		fmt.Fprintf(ew, "finished between %s and %s: %s rows/s over %s of %s; %d calls recorded\n",
			s.First.UTC().Format(time.DateTime), s.Last.UTC().Format(time.DateTime), rateText(s.Rate()), s.Active, plural(s.Sessions, "run"), s.Attempts)
	}
	if next := s.Next(); len(next) > 0 {
		fmt.Fprintln(ew, "next:")
		for _, n := range next {
			fmt.Fprintf(ew, "  %s\n", n)
		}
	}
	if s.Verify != nil && ew.err == nil {
		return s.Verify.WriteText(w)
	}
	return ew.err
}

// Next lists what to do next: one line per remedy, most rows first.
func (s *Summary) Next() []string {
	var out []string
	if s.Run != nil && s.Run.Stopped != "" {
		out = append(out, fmt.Sprintf("the run stopped early (%s); %s pending: run the same command again to continue", s.Run.Stopped, plural(s.Counts[Pending], "row")))
	} else if n := s.Counts[Pending]; n > 0 {
		out = append(out, fmt.Sprintf("%s pending: run the same command again to continue", plural(n, "row")))
	}
	type step struct {
		rows   int
		status Status
		causes []string
	}
	var steps []*step
	byRemedy := map[string]*step{}
	var remedies []string
	for _, f := range s.Failures {
		r := f.Remedy()
		st := byRemedy[r]
		if st == nil {
			st = &step{status: f.Status}
			byRemedy[r] = st
			steps = append(steps, st)
			remedies = append(remedies, r)
		}
		st.rows += f.Count
		cause := f.Msg
		if f.Code != 0 {
			cause = fmt.Sprint(f.Code)
		}
		if f.Status != Invalid && !slices.Contains(st.causes, cause) {
			st.causes = append(st.causes, cause)
		}
	}
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(steps[b].rows, steps[a].rows) })
	for _, i := range order {
		st := steps[i]
		what := fmt.Sprintf("%s %s", plural(st.rows, "row"), st.status)
		if len(st.causes) > 0 {
			what += " with " + strings.Join(st.causes, ", ")
		}
		out = append(out, what+": "+remedies[i])
	}
	if n := len(s.SplitGroups); n > 0 {
		out = append(out, fmt.Sprintf("%s split: their rows are on two open accounts or more; move the odd ones by hand (unbind, then bind to the group's account) if the merchant needs one UnionID", plural(n, "group")))
	}
	if len(s.IncompleteGroups) > 0 && s.Done() == s.Rows {
		out = append(out, fmt.Sprintf("%s with a row bound already whose open account is unknown (get failed): run the same command again; it asks get once more", plural(len(s.IncompleteGroups), "group")))
	}
	for _, o := range s.OddLeaders {
		others := "the other row"
		if o.Others > 1 {
			others = fmt.Sprintf("the %d other rows", o.Others)
		}
		out = append(out, fmt.Sprintf("group %s: line %d made its open account and %s failed 89001 (another legal subject): line %d is likely the odd one, of another subject than the rest; take it out of the group and bind the others by hand", o.Group, o.Line, others, o.Line))
	}
	return out
}

// listNames lists the first names, and how many more there are.
func listNames(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}

// plural is "1 row", "2 rows".
// pluralRetries is "1 retry", "2 retries".
func pluralRetries(n int) string {
	if n == 1 {
		return "1 retry"
	}
	return fmt.Sprintf("%d retries", n)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// rateText shows a rate with two significant digits, at least one decimal.
func rateText(r float64) string {
	if r >= 10 || r == 0 {
		return fmt.Sprintf("%.1f", r)
	}
	return strconv.FormatFloat(r, 'g', 2, 64)
}

// RIDsExpire is when the oldest request id of any cause expires for WeChat
// support; zero when none is known.
func (s *Summary) RIDsExpire() time.Time {
	var oldest time.Time
	for i := range s.Failures {
		if e := s.Failures[i].RIDsExpire(); !e.IsZero() && (oldest.IsZero() || e.Before(oldest)) {
			oldest = e
		}
	}
	return oldest
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func codeText(code int) string {
	if code == 0 {
		return "-"
	}
	return fmt.Sprint(code)
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Microsecond).String()
}

func joinLines(lines []int, total int) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprint(l)
	}
	s := strings.Join(parts, ",")
	if total > len(lines) {
		s += fmt.Sprintf(" and %d more", total-len(lines))
	}
	return s
}

// errWriter keeps the first error of a series of writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
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

// WriteJSON writes the summary for machines: the same aggregates as
// WriteText.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s.jsonView())
}

type jsonFailure struct {
	Status  string `json:"status"`
	Call    string `json:"call,omitempty"`
	ErrCode int    `json:"errcode,omitempty"`
	// ErrMsg is the cause's most common errmsg, without request ids.
	ErrMsg     string     `json:"errmsg"`
	Count      int        `json:"count"`
	Lines      []int      `json:"lines"`
	Remedy     string     `json:"remedy"`
	IPs        []string   `json:"request_ips,omitempty"`
	RIDsExpire *time.Time `json:"oldest_rid_expires_at,omitempty"`
}

type jsonFailovers struct {
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	From  string    `json:"from"`
	To    string    `json:"to"`
}

type jsonOdd struct {
	Group  string `json:"group"`
	Line   int    `json:"line"`
	Others int    `json:"rows_failed_89001"`
}

type jsonBin struct {
	Start   time.Time `json:"start"`
	Seconds float64   `json:"seconds"`
	Rows    int       `json:"rows"`
}

type jsonRun struct {
	Sent       int            `json:"sent"`
	Calls      int            `json:"calls"`
	Retries    int            `json:"retries"`
	ElapsedSec float64        `json:"elapsed_seconds"`
	RowsPerSec float64        `json:"rows_per_second"`
	LatencySec map[string]any `json:"call_latency_seconds"`
	Outcomes   map[string]int `json:"calls_by_outcome"`
	Stopped    string         `json:"stopped,omitempty"`
	Failovers  *jsonFailovers `json:"failovers,omitempty"`
}

type jsonSummary struct {
	File       string         `json:"file,omitempty"`
	Rows       int            `json:"rows"`
	Done       int            `json:"done"`
	Statuses   map[string]int `json:"statuses"`
	Failures   []jsonFailure  `json:"failures"`
	Attempts   int            `json:"attempts"`
	First      *time.Time     `json:"first_finished_at,omitempty"`
	Last       *time.Time     `json:"last_finished_at,omitempty"`
	RowsPerSec float64        `json:"rows_per_second_finished"`
	ActiveSec  float64        `json:"active_seconds"`
	Sessions   int            `json:"runs"`
	Split      []string       `json:"split_groups"`
	Incomplete []string       `json:"incomplete_groups"`
	Timeline   []jsonBin      `json:"timeline"`
	Other      int            `json:"other_causes_rows,omitempty"`
	Kept       map[string]int `json:"kept_records"`
	OddFirst   []jsonOdd      `json:"odd_first_rows"`
	Run        *jsonRun       `json:"run,omitempty"`
	Next       []string       `json:"next"`
	Verify     *jsonVerify    `json:"verified_against_wechat,omitempty"`
}

func (s *Summary) jsonView() jsonSummary {
	out := jsonSummary{File: s.File, Rows: s.Rows, Done: s.Done(), Statuses: map[string]int{}, Failures: []jsonFailure{}, Attempts: s.Attempts, Next: s.Next(),
		Split: append([]string{}, s.SplitGroups...), Incomplete: append([]string{}, s.IncompleteGroups...),
		Timeline: []jsonBin{}, Other: s.OtherCauses, Kept: map[string]int{}, OddFirst: []jsonOdd{}}
	for st, n := range s.Kept {
		out.Kept[st.String()] = n
	}
	for _, o := range s.OddLeaders {
		out.OddFirst = append(out.OddFirst, jsonOdd{o.Group, o.Line, o.Others})
	}
	for _, b := range s.Timeline {
		out.Timeline = append(out.Timeline, jsonBin{b.Start.UTC(), b.Width.Seconds(), b.Rows})
	}
	if out.Next == nil {
		out.Next = []string{}
	}
	for _, st := range Statuses {
		out.Statuses[st.String()] = s.Counts[st]
	}
	for _, f := range s.Failures {
		jf := jsonFailure{Status: f.Status.String(), Call: f.Call, ErrCode: f.Code, ErrMsg: f.Msg, Count: f.Count, Lines: f.Lines, Remedy: f.Remedy(), IPs: f.IPs}
		if e := f.RIDsExpire(); !e.IsZero() {
			e = e.UTC()
			jf.RIDsExpire = &e
		}
		out.Failures = append(out.Failures, jf)
	}
	if !s.First.IsZero() {
		first, last := s.First.UTC(), s.Last.UTC()
		out.First, out.Last = &first, &last
		out.RowsPerSec, out.ActiveSec, out.Sessions = s.Rate(), s.Active.Seconds(), s.Sessions
	}
	if s.Verify != nil {
		out.Verify = s.Verify.jsonView()
	}
	if r := s.Run; r != nil {
		out.Run = &jsonRun{Sent: r.Sent, Calls: r.Calls, Retries: r.Retries, ElapsedSec: r.Elapsed.Seconds(),
			RowsPerSec: perSecond(r.Sent, r.Elapsed), Outcomes: r.Outcomes, Stopped: r.Stopped,
			LatencySec: map[string]any{"p50": r.Latency[0], "p95": r.Latency[1], "p99": r.Latency[2]}}
		if f := r.Failovers; f.Count > 0 {
			out.Run.Failovers = &jsonFailovers{f.Count, f.First.UTC(), f.Last.UTC(), f.From, f.To}
		}
	}
	return out
}
