package job

import (
	"bytes"
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
	canonical := j.Canonical()
	var prefix []byte
	put := func(w *report.Writer, rec *report.Record, raw []byte) error {
		// A journal line that already says what the final file says is
		// copied as it is; anything else is encoded anew.
		prefix = report.AppendPrefix(prefix[:0], rec.Line, rec.AppID, rec.Group)
		var err error
		if canonical && raw != nil && bytes.HasPrefix(raw, prefix) && !bytes.HasSuffix(raw, []byte("\r\n")) {
			_, err = w.WriteLine(raw)
		} else {
			_, err = w.Write(rec)
		}
		if err == nil {
			tally.Add(rec)
		}
		return err
	}
	return report.Rewrite(j.Path(), func(w *report.Writer) error {
		for {
			row, i, err := next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			rec, raw, err := st.finalRecord(j, i, &row)
			if err != nil {
				return err
			}
			if err := put(w, &rec, raw); err != nil {
				return err
			}
		}
		for _, off := range st.keptOffsets() {
			rec, raw, err := j.RecordLineAt(off)
			if err != nil {
				return err
			}
			rec.Line = 0
			if err := put(w, &rec, raw); err != nil {
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
func (st *state) rowSource() (next func() (Row, int, error), done func(), err error) {
	if len(st.groups) > 0 {
		in, err := st.reopen()
		if err != nil {
			return nil, nil, err
		}
		return in.next, func() { in.Close() }, nil
	}
	i := 0
	return func() (Row, int, error) {
		if i == len(st.rows) {
			return Row{}, 0, io.EOF
		}
		r := &st.rows[i]
		row := Row{Line: int(r.line), AppID: r.appid.String()}
		if r.why == badAppID {
			row.AppID = st.badAppIDs[int32(i)]
		}
		i++
		return row, i - 1, nil
	}, func() {}, nil
}

// finalRecord is the final record of row i (in.Row row), and its line in the
// journal when it comes from there. A row whose token cell is empty now
// keeps a record in doubt (the next run must still settle it), saying that
// its token is missing.
func (st *state) finalRecord(j *report.Journal, i int, row *Row) (report.Record, []byte, error) {
	r := &st.rows[i]
	if r.off >= 0 && (r.why == valid || (r.why == emptyToken && r.doubt)) {
		rec, raw, err := j.RecordLineAt(r.off)
		if err != nil {
			return rec, nil, err
		}
		rec.Line = row.Line
		if !rec.Status.Done() {
			rec.AppID, rec.Group = row.AppID, row.Group
		}
		if r.why != valid {
			rec.ErrMsg = r.why.message(0) + "; earlier: " + rec.ErrMsg
			raw = nil
		}
		return rec, raw, nil
	}
	rec := report.Record{Line: row.Line, AppID: row.AppID, Group: row.Group, Status: report.Pending}
	if r.why != valid {
		rec.Status, rec.ErrMsg = report.Invalid, st.reason(i)
	}
	return rec, nil, nil
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
