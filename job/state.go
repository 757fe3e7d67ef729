package job

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"

	"openbind/report"
)

// row is what a run keeps of an input row between reading it and writing
// the results: 32 bytes, no strings. The token stays in the input file and
// is read again when the row is sent.
type row struct {
	appid  AppID
	off    int64 // offset in the results file of the record the final file copies; -1: none
	line   int32
	ref    int32 // duplicate: line of the first row with the appid
	group  int32 // index of the row's merchant group in state.groupNames; -1: no group
	status report.Status
	why    reason
	doubt  bool // its record leaves open whether a call acted (report.Record.InDoubt)
	noOpen bool // done as already_bound, but its open account is unknown (get failed)
}

// state is the input, checked, with what the results file says of it.
type state struct {
	input         string
	tokenOptional bool
	rows          []row
	byAppID       []int32          // indexes of rows with a valid appid, sorted by appid (duplicates excluded)
	badAppIDs     map[int32]string // the text of appids that are not wx + 16 hex, by row
	opts          InputOptions
	inPlan        InputPlan // how the input was read, for the plan
	form          form      // how to read it again
	skipped       []int32   // lines that repeat an earlier line, in order
	// While the input is read: a hash of each row's token (not the token),
	// to tell a repeated line from a duplicate with another token.
	sums []uint64
	seed maphash.Seed

	// Merchant groups, by report.GroupKey of their names: the index of
	// each in groupNames (the first spelling met), and the other spellings
	// that fold to the same group.
	groups     map[string]int32
	groupNames []string
	spellings  map[int32][]string

	// kept are the records of appids that are not in the input: the offset
	// of each one's last record that matters, and whether it is kept (done,
	// or in doubt) after the input's rows.
	kept map[AppID]keptRecord
	// moved are done rows whose input names another group than their
	// record: the record keeps its group (done stays done).
	moved []MovedRow

	// What the scan of the results file found.
	scanned   int           // records read
	clean     bool          // the file is exactly the final file for the input as it stands
	scanTally *report.Tally // the file's records, while clean
}

// readInput reads and checks the whole input file. A file-level problem is
// an *InputError; a row's own problem makes it invalid.
func readInput(path string, tokenOptional bool) (*state, error) {
	return loadInput(context.Background(), path, InputOptions{TokenOptional: tokenOptional})
}

// loadInput is readInput with the options of the command line.
// Cancelling ctx (a signal) stops the reading: an endless input (a device,
// a pipe) does not keep a run from stopping.
func loadInput(ctx context.Context, path string, opts InputOptions) (*state, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	in, err := openInput(&stoppableFile{ctx: ctx, f: f}, path, opts)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st := &state{input: path, tokenOptional: opts.TokenOptional, groups: map[string]int32{}, spellings: map[int32][]string{}, badAppIDs: map[int32]string{}, kept: map[AppID]keptRecord{}}
	// One row per line at most: size the rows once, rather than let append
	// copy 32 MB per million rows on its way up (the pass that tells the
	// encoding counted the lines).
	st.rows = make([]row, 0, in.form.lines)
	st.sums = make([]uint64, 0, in.form.lines)
	st.seed = maphash.MakeSeed()
	for {
		r, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		st.add(&r)
	}
	if len(st.rows) == 0 {
		return nil, &InputError{File: path, Line: in.line, Err: errors.New("no data row: the file has a header and nothing under it; put the accounts under the header, one per line")}
	}
	st.inPlan, st.form, st.opts = in.Plan(), in.form, opts
	st.dedup()
	return st, nil
}

func (st *state) add(r *Row) {
	i := int32(len(st.rows))
	x := row{off: -1, line: int32(r.Line), group: -1, why: check(r, st.tokenOptional)}
	x.appid, _ = parseAppID(r.AppID)
	if x.why == badAppID {
		st.badAppIDs[i] = r.AppID
	}
	if r.Group != "" {
		x.group = st.addGroup(r.Group)
	}
	st.rows = append(st.rows, x)
	st.sums = append(st.sums, maphash.String(st.seed, r.Token))
}

// addGroup returns the index of the merchant group named name, adding it
// when it is new; names that fold to one key are one group.
func (st *state) addGroup(name string) int32 {
	key := report.GroupKey(name)
	gi, ok := st.groups[key]
	if !ok {
		gi = int32(len(st.groupNames))
		st.groups[key] = gi
		st.groupNames = append(st.groupNames, name)
		return gi
	}
	if name != st.groupNames[gi] && !slices.Contains(st.spellings[gi], name) && len(st.spellings[gi]) < maxSpellings {
		st.spellings[gi] = append(st.spellings[gi], name)
	}
	return gi
}

// maxSpellings bounds the other spellings kept of a group's name.
const maxSpellings = 5

// groupOf returns the index of the group a record names, or -1 when it
// names none of the input's groups.
func (st *state) groupOf(name string) int32 {
	if name == "" {
		return -1
	}
	if gi, ok := st.groups[report.GroupKey(name)]; ok {
		return gi
	}
	return -1
}

// keptRecord is what the scan keeps of the last record of an appid that
// is not in the input.
type keptRecord struct {
	off  int64
	keep bool // done or in doubt: copied after the input's rows
}

// indexed reports whether a row takes part in the results by its appid: a
// valid row, or one whose only fault is an empty token (it may be done
// already: done stays done).
func (w reason) indexed() bool { return w == valid || w == emptyToken }

// dedup applies Decision 2 to repeated appids: a later line identical to
// the first (appid, token and group) counts once, with a warning; one with
// another token or group is invalid, naming the first line, whose token and
// group are used. The rest are indexed by appid.
func (st *state) dedup() {
	idx := make([]int32, 0, len(st.rows))
	for i := range st.rows {
		if st.rows[i].why.indexed() {
			idx = append(idx, int32(i))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(st.rows[a].appid, st.rows[b].appid); c != 0 {
			return c
		}
		return int(a - b)
	})
	out := idx[:0]
	same := 0
	for k, i := range idx {
		if k > 0 && st.rows[idx[k-1]].appid == st.rows[i].appid {
			first := out[len(out)-1]
			r, f := &st.rows[i], &st.rows[first]
			r.ref = f.line
			switch token, group := st.sums[i] != st.sums[first], r.group != f.group; {
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
			continue
		}
		out = append(out, i)
	}
	st.sums = nil
	if same > 0 {
		out = st.dropRepeated(out)
	}
	st.byAppID = slices.Clip(out)
}

// dropRepeated removes the rows that repeat an earlier line, keeping their
// lines (the re-reads skip them), and maps the indexes idx to the rows
// that stay.
func (st *state) dropRepeated(idx []int32) []int32 {
	moved := make([]int32, len(st.rows))
	bad := make(map[int32]string, len(st.badAppIDs))
	n := int32(0)
	for i := range st.rows {
		r := st.rows[i]
		if r.why == repeated {
			moved[i] = -1
			st.skipped = append(st.skipped, r.line)
			st.inPlan.warn(int(r.line), fmt.Sprintf("the line repeats line %d (same appid, token and group): counted once", r.ref))
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
	for k, i := range idx {
		idx[k] = moved[i]
	}
	return idx
}

// reason is why row i is invalid, as results and plan say it.
func (st *state) reason(i int) string {
	r := &st.rows[i]
	if r.why == badAppID {
		return badAppIDMessage(st.badAppIDs[int32(i)])
	}
	return r.why.message(int(r.ref))
}

// lookup returns the index of the row with appid (see reason.indexed), or -1.
func (st *state) lookup(appid AppID) int {
	k, ok := slices.BinarySearchFunc(st.byAppID, appid, func(i int32, a AppID) int {
		return cmp.Compare(st.rows[i].appid, a)
	})
	if !ok {
		return -1
	}
	return int(st.byAppID[k])
}

// scanResults reads what the results file says: for each appid of the
// input, its last record that is final (done or failed). It also tells
// whether the file already is the final file, record for record.
func (st *state) scanResults(j *report.Journal) (report.ScanInfo, error) {
	st.beginScan()
	info, err := j.Scan(st.note)
	st.endScan(info)
	return info, err
}

func (st *state) beginScan() {
	st.scanned, st.clean, st.scanTally = 0, true, report.NewTally()
	st.moved = st.moved[:0]
	clear(st.kept)
}

func (st *state) endScan(info report.ScanInfo) {
	kept := 0
	for _, k := range st.kept {
		if k.keep {
			kept++
		}
	}
	st.clean = st.clean && st.scanned == len(st.rows)+kept && info.Canonical && info.TornBytes == 0
	for i := range st.rows {
		if r := &st.rows[i]; r.status.Done() && r.why == emptyToken {
			r.why = valid // done stays done, whatever its token cell holds now
		}
	}
}

// note takes in one record of the results file, in file order. The state
// of an appid is its last record that matters (report.Record.Matters).
func (st *state) note(rec *report.Record, off int64) error {
	if st.clean {
		if st.matches(st.scanned, rec) {
			st.scanTally.Add(rec)
		} else {
			st.clean = false
		}
	}
	st.scanned++
	a, ok := parseAppID(rec.AppID)
	if !ok || !rec.Matters() {
		return nil
	}
	i := st.lookup(a)
	if i < 0 {
		st.kept[a] = keptRecord{off: off, keep: rec.Status.Done() || rec.InDoubt()}
		return nil
	}
	r := &st.rows[i]
	r.status, r.off = rec.Status, off
	r.doubt, r.noOpen = rec.InDoubt(), rec.Status == report.AlreadyBound && rec.OpenAppID == ""
	if rec.Status.Done() && (rec.Group != "" || r.group >= 0) {
		st.noteMoved(i, rec.Group)
	}
	return nil
}

// noteMoved records, for the plan, a done row whose record names another
// group than its input row.
func (st *state) noteMoved(i int, recorded string) {
	r := &st.rows[i]
	in := ""
	if r.group >= 0 {
		in = st.groupNames[r.group]
	}
	if report.GroupKey(recorded) == report.GroupKey(in) || len(st.moved) >= maxInvalidRows {
		return
	}
	st.moved = append(st.moved, MovedRow{Line: int(r.line), From: recorded, To: in})
}

// matches reports whether rec is what the final file holds on row k, as far
// as the input says: same line and appid, and the status a row of that kind
// can have there.
func (st *state) matches(k int, rec *report.Record) bool {
	if k >= len(st.rows) {
		// After the input's rows: the records kept from other inputs.
		a, ok := parseAppID(rec.AppID)
		return ok && rec.Kept() && st.lookup(a) < 0 && (rec.Status.Done() || rec.InDoubt())
	}
	r := &st.rows[k]
	if int(r.line) != rec.Line {
		return false
	}
	if r.why == badAppID {
		return rec.Status == report.Invalid && rec.ErrMsg == st.reason(k)
	}
	if a, ok := parseAppID(rec.AppID); !ok || a != r.appid {
		return false
	}
	if r.why != valid && !(r.why == emptyToken && rec.Status.Done()) {
		return rec.Status == report.Invalid && rec.ErrMsg == r.why.message(int(r.ref))
	}
	return rec.Status.Final() && !(rec.Status == report.AlreadyBound && rec.OpenAppID == "")
}

// forget drops what a scan of the results file found.
func (st *state) forget() {
	for i := range st.rows {
		r := &st.rows[i]
		r.off, r.status, r.doubt, r.noOpen = -1, 0, false, false
	}
	clear(st.kept)
}

// statusOf is the status row i ends with when nothing more happens to it.
func (st *state) statusOf(i int) report.Status {
	r := &st.rows[i]
	switch {
	case r.why != valid:
		return report.Invalid
	case r.status != 0:
		return r.status
	}
	return report.Pending
}

// todo reports whether row i is to be sent: valid and not done.
func (st *state) todo(i int) bool {
	r := &st.rows[i]
	return r.why == valid && !r.status.Done()
}

// asksGet reports whether row i, done, is asked get this run: it is bound
// already but its open account is unknown (done stays done, and such a
// row is asked on every run until it has one: README "Results").
func (st *state) asksGet(i int) bool {
	r := &st.rows[i]
	return r.why == valid && r.noOpen && r.status.Done()
}

// Plan is what a run will do, as a dry run prints it: everything the run
// would do is there for a person to sign off.
type Plan struct {
	Input   InputPlan // how the file was read: form, columns, warnings
	Rows    int       // data rows of the input
	ToSend  int       // valid rows not done yet
	Done    int       // rows already done in the results file
	Invalid int
	Groups  int
	// GroupStats says how the merchant groups are made (see plan.go).
	GroupStats GroupStats
	// The pace of the run (set by Run): calls per second (0: no limit) and
	// calls in flight.
	QPS     float64
	Workers int
	// Lookups are done rows whose open account is unknown: asked get.
	Lookups int
	// Kept are the records of other inputs the results file keeps.
	Kept int
	// InvalidRows are the first invalid rows, with why.
	InvalidRows []InvalidRow
	// Spellings are groups named in several ways that fold to one (case,
	// full-width letters): each group's names, the first one first.
	Spellings [][]string
	// Moved are the first done rows whose input names another group than
	// their record, which they keep.
	Moved []MovedRow
}

// MovedRow is a done row whose input row names another group than its
// record: it stays in the group of its record (done stays done).
type MovedRow struct {
	Line     int
	From, To string // the group of its record, the group of its input row
}

// InvalidRow is an input row that will not be sent, and why.
type InvalidRow struct {
	Line   int
	Reason string
}

// maxInvalidRows bounds Plan.InvalidRows.
const maxInvalidRows = 20

func (st *state) plan() Plan {
	p := Plan{Input: st.inPlan, Rows: len(st.rows), Groups: len(st.groups), Moved: st.moved}
	p.GroupStats = st.groupStats()
	for _, k := range st.kept {
		if k.keep {
			p.Kept++
		}
	}
	for gi := range st.groupNames {
		if sp := st.spellings[int32(gi)]; len(sp) > 0 {
			p.Spellings = append(p.Spellings, append([]string{st.groupNames[gi]}, sp...))
		}
	}
	for i := range st.rows {
		switch r := &st.rows[i]; {
		case r.why != valid:
			p.Invalid++
			if len(p.InvalidRows) < maxInvalidRows {
				p.InvalidRows = append(p.InvalidRows, InvalidRow{int(r.line), st.reason(i)})
			}
		case st.todo(i):
			p.ToSend++
		default:
			p.Done++
			if st.asksGet(i) {
				p.Lookups++
			}
		}
	}
	return p
}

// inputStream reads the input file again, row by row, checking that it is
// the file read first. It reads the file in the form told the first time;
// a workbook is parsed again rather than kept decoded, so that the run
// keeps no token in memory whatever the input's form.
type inputStream struct {
	st   *state
	f    *os.File
	in   *InputReader
	i    int
	skip int // next of st.skipped
}

func (st *state) reopen() (*inputStream, error) {
	f, err := os.Open(st.input)
	if err != nil {
		return nil, &InputError{File: st.input, Err: unwrapPath(err)}
	}
	in, err := newInputReader(f, st.input, st.form, st.tokenOptional)
	if err != nil {
		f.Close()
		return nil, err
	}
	in.trusted = true
	return &inputStream{st: st, f: f, in: in}, nil
}

// errInputChanged means the input file changed while the run was going.
var errInputChanged = errors.New("the input file changed during the run; run again")

// next returns the next row and its index; io.EOF at the end.
func (s *inputStream) next() (Row, int, error) {
	r, err := s.in.Read()
	for err == nil && s.skip < len(s.st.skipped) && int(s.st.skipped[s.skip]) == r.Line {
		s.skip++
		r, err = s.in.Read()
	}
	if err == io.EOF {
		if s.i != len(s.st.rows) {
			return r, 0, &InputError{File: s.st.input, Err: errInputChanged}
		}
		return r, 0, io.EOF
	}
	if err != nil {
		return r, 0, err
	}
	i := s.i
	if i >= len(s.st.rows) || int(s.st.rows[i].line) != r.Line {
		return r, 0, &InputError{File: s.st.input, Line: r.Line, Err: errInputChanged}
	}
	if a, _ := parseAppID(r.AppID); a != s.st.rows[i].appid {
		return r, 0, &InputError{File: s.st.input, Line: r.Line, Err: errInputChanged}
	}
	s.i++
	return r, i, nil
}

func (s *inputStream) Close() error {
	s.in.Close()
	return s.f.Close()
}

// unwrapPath drops the *PathError's own copy of the path, which the
// InputError names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// stoppableFile is an input file whose reads fail once ctx is done.
type stoppableFile struct {
	ctx context.Context
	f   *os.File
}

func (s *stoppableFile) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading stopped: %w", context.Cause(s.ctx))
	}
	return s.f.Read(p)
}

func (s *stoppableFile) Seek(off int64, whence int) (int64, error) { return s.f.Seek(off, whence) }
