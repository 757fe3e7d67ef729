package job

import (
	"io"
	"slices"

	"openbind/report"
)

// rewrite replaces the results file with its final form: one record per
// input row, in input order, then the records kept from other inputs (done,
// or in doubt), in file order and without a line. A row's record is copied
// from the journal with the row's current line: a done row keeps the group
// and appid of its record (done stays done), any other takes its input
// row's. Rows without one are written as invalid or pending. Every record
// written is counted into tally.
func (st *state) rewrite(j *report.Journal, tally *report.Tally) error {
	next, done, err := st.rowSource()
	if err != nil {
		return err
	}
	defer done()
	return j.Rewrite(tally, func(yield func(*report.Record, int64) error) error {
		var rec report.Record // one for every row: a row costs no allocation
		var from int64
		for {
			row, i, err := next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if rec, from, err = st.finalRecord(j, i, &row); err != nil {
				return err
			}
			if err := yield(&rec, from); err != nil {
				return err
			}
		}
		for _, off := range st.keptOffsets() {
			if rec, err = j.RecordAt(off); err != nil {
				return err
			}
			rec.Line = 0
			if err := yield(&rec, off); err != nil {
				return err
			}
		}
		return nil
	}, beforeReplace(j)...)
}

// keptOffsets are the offsets of the records kept after the input's rows,
// in file order.
func (st *state) keptOffsets() []int64 {
	offs := make([]int64, 0, len(st.kept))
	for _, k := range st.kept {
		if k.keep {
			offs = append(offs, k.off)
		}
	}
	slices.Sort(offs)
	return offs
}

// rowSource returns what the rewrite needs of each row, in input order:
// from memory when no row has a group (the appid and line are kept, and the
// text of malformed appids), else from the input file, read once more.
func (st *state) rowSource() (next func() (inputRow, int, error), done func(), err error) {
	if len(st.groups) > 0 {
		in, err := st.reopen()
		if err != nil {
			return nil, nil, err
		}
		return in.next, func() { in.Close() }, nil
	}
	i := 0
	return func() (inputRow, int, error) {
		if i == len(st.rows) {
			return inputRow{}, 0, io.EOF
		}
		r := &st.rows[i]
		row := inputRow{Line: int(r.line), AppID: r.appid.String()}
		if r.why == badAppID {
			row.AppID = shownAppID(st.badAppIDs[int32(i)])
		}
		i++
		return row, i - 1, nil
	}, func() {}, nil
}

// finalRecord is the final record of row i (in.Row row), and the offset of
// the journal's record it comes from when it differs from that one at most
// in line, appid and group (else -1: see report.Journal.Rewrite). A row whose token cell is empty now
// keeps a record in doubt (the next run must still settle it), saying that
// its token is missing.
func (st *state) finalRecord(j *report.Journal, i int, row *inputRow) (report.Record, int64, error) {
	r := &st.rows[i]
	if r.off >= 0 && (r.why == valid || (r.why == emptyToken && r.doubt)) {
		rec, err := j.RecordAt(r.off)
		if err != nil {
			return rec, -1, err
		}
		from := r.off
		rec.Line = row.Line
		if !rec.Status.Done() {
			rec.AppID, rec.Group = row.AppID, row.Group
		}
		if r.why != valid {
			rec.ErrMsg = r.why.message(0).Error() + "; earlier: " + rec.ErrMsg
			from = -1
		}
		return rec, from, nil
	}
	rec := report.Record{Line: row.Line, AppID: row.AppID, Group: row.Group, Status: report.Pending}
	if r.why != valid {
		rec.Status, rec.ErrMsg = report.Invalid, st.reason(i)
	}
	return rec, -1, nil
}

// summary counts the rows by the status they have now, without reading
// the results file (for a dry run, or when the file cannot be rewritten).
func (st *state) summary() report.Summary {
	t := report.NewTally()
	for i := range st.rows {
		t.Add(&report.Record{Line: int(st.rows[i].line), Status: st.statusOf(i)})
	}
	return t.Summary()
}
