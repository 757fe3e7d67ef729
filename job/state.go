package job

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
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
	group  int32 // index of the group's first row; -1: no group
	status report.Status
	why    reason
}

// state is the input, checked, with what the results file says of it.
type state struct {
	input         string
	tokenOptional bool
	rows          []row
	byAppID       []int32 // indexes of valid rows, sorted by appid (duplicates excluded)
	groups        map[string]int32
	badAppIDs     map[int32]string // the text of appids that are not wx + 16 hex, by row

	// What the scan of the results file found.
	scanned   int           // records read
	clean     bool          // the file is exactly the final file for the input as it stands
	scanTally *report.Tally // the file's records, while clean
}

// readInput reads and checks the whole input file. A file-level problem is
// an *InputError; a row's own problem makes it invalid.
func readInput(path string, tokenOptional bool) (*state, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	// One row per line at most: size the rows once, rather than let append
	// copy 32 MB per million rows on its way up.
	lines, err := countLines(f)
	if err != nil {
		return nil, &InputError{File: path, Err: err}
	}
	in, err := NewInputReader(f, path, tokenOptional)
	if err != nil {
		return nil, err
	}
	st := &state{input: path, tokenOptional: tokenOptional, groups: map[string]int32{}, badAppIDs: map[int32]string{}}
	st.rows = make([]row, 0, lines)
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
	st.dedup()
	return st, nil
}

// countLines counts the line breaks of f (plus one for a last line without
// one) and seeks back to its start.
func countLines(f *os.File) (int, error) {
	buf := make([]byte, 256<<10)
	n, last := 0, byte('\n')
	for {
		k, err := f.Read(buf)
		if k > 0 {
			n += bytes.Count(buf[:k], []byte{'\n'})
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

func (st *state) add(r *Row) {
	i := int32(len(st.rows))
	x := row{off: -1, line: int32(r.Line), group: -1, why: check(r, st.tokenOptional)}
	x.appid, _ = parseAppID(r.AppID)
	if x.why == badAppID {
		st.badAppIDs[i] = r.AppID
	}
	if r.Group != "" {
		first, ok := st.groups[r.Group]
		if !ok {
			first = i
			st.groups[r.Group] = i
		}
		x.group = first
	}
	st.rows = append(st.rows, x)
}

// dedup makes every later row of a repeated appid invalid and indexes the
// rest by appid.
func (st *state) dedup() {
	idx := make([]int32, 0, len(st.rows))
	for i := range st.rows {
		if st.rows[i].why == valid {
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
	for k, i := range idx {
		if k > 0 && st.rows[idx[k-1]].appid == st.rows[i].appid {
			first := out[len(out)-1]
			st.rows[i].why = duplicate
			st.rows[i].ref = st.rows[first].line
			continue
		}
		out = append(out, i)
	}
	st.byAppID = slices.Clip(out)
}

// lookup returns the index of the valid row with appid, or -1.
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
}

func (st *state) endScan(info report.ScanInfo) {
	st.clean = st.clean && st.scanned == len(st.rows) && info.Canonical && info.TornBytes == 0
}

// note takes in one record of the results file, in file order.
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
	if !ok || !rec.Status.Final() {
		return nil
	}
	if i := st.lookup(a); i >= 0 {
		st.rows[i].status, st.rows[i].off = rec.Status, off
	}
	return nil
}

// matches reports whether rec is what the final file holds on row k, as far
// as the input says: same line and appid, and the status a row of that kind
// can have there.
func (st *state) matches(k int, rec *report.Record) bool {
	if k >= len(st.rows) {
		return false
	}
	r := &st.rows[k]
	if int(r.line) != rec.Line {
		return false
	}
	if r.why == badAppID {
		return rec.Status == report.Invalid && rec.ErrMsg == r.why.message(0)
	}
	if a, ok := parseAppID(rec.AppID); !ok || a != r.appid {
		return false
	}
	if r.why != valid {
		return rec.Status == report.Invalid && rec.ErrMsg == r.why.message(int(r.ref))
	}
	return rec.Status.Final()
}

// forget drops what a scan of the results file found.
func (st *state) forget() {
	for i := range st.rows {
		st.rows[i].off, st.rows[i].status = -1, 0
	}
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

// Plan is what a run will do, as a dry run prints it.
type Plan struct {
	Rows    int // data rows of the input
	ToSend  int // valid rows not done yet
	Done    int // rows already done in the results file
	Invalid int
	Groups  int
	// InvalidRows are the first invalid rows, with why.
	InvalidRows []InvalidRow
}

// InvalidRow is an input row that will not be sent, and why.
type InvalidRow struct {
	Line   int
	Reason string
}

// maxInvalidRows bounds Plan.InvalidRows.
const maxInvalidRows = 20

func (st *state) plan() Plan {
	p := Plan{Rows: len(st.rows), Groups: len(st.groups)}
	for i := range st.rows {
		switch r := &st.rows[i]; {
		case r.why != valid:
			p.Invalid++
			if len(p.InvalidRows) < maxInvalidRows {
				p.InvalidRows = append(p.InvalidRows, InvalidRow{int(r.line), r.why.message(int(r.ref))})
			}
		case st.todo(i):
			p.ToSend++
		default:
			p.Done++
		}
	}
	return p
}

// inputStream reads the input file again, row by row, checking that it is
// the file read first.
type inputStream struct {
	st *state
	f  *os.File
	in *InputReader
	i  int
}

func (st *state) reopen() (*inputStream, error) {
	f, err := os.Open(st.input)
	if err != nil {
		return nil, &InputError{File: st.input, Err: unwrapPath(err)}
	}
	in, err := NewInputReader(f, st.input, st.tokenOptional)
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

func (s *inputStream) Close() error { return s.f.Close() }

// unwrapPath drops the *PathError's own copy of the path, which the
// InputError names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
