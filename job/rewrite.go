package job

import (
	"bytes"
	"io"

	"openbind/report"
)

// rewrite replaces the results file with its final form: one record per
// input row, in input order. A row's record is copied from the journal
// (with the row's current line and group); rows without one are written as
// invalid or pending. Every record written is counted into tally.
func (st *state) rewrite(j *report.Journal, tally *report.Tally) error {
	next, done, err := st.rowSource()
	if err != nil {
		return err
	}
	defer done()
	canonical := j.Canonical()
	var prefix []byte
	return report.Rewrite(j.Path(), func(w *report.Writer) error {
		for {
			row, i, err := next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			rec, raw, err := st.record(j, i, &row)
			if err != nil {
				return err
			}
			// A journal line whose line and group still hold is copied as
			// it is; anything else is encoded anew.
			prefix = report.AppendPrefix(prefix[:0], row.Line, row.AppID, row.Group)
			if canonical && bytes.HasPrefix(raw, prefix) {
				_, err = w.WriteLine(raw)
			} else {
				_, err = w.Write(&rec)
			}
			if err != nil {
				return err
			}
			tally.Add(&rec)
		}
	}, beforeReplace(j)...)
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

// record is the final record of row i (in.Row row), and its line in the
// journal when it comes from there.
func (st *state) record(j *report.Journal, i int, row *Row) (report.Record, []byte, error) {
	r := &st.rows[i]
	if r.off >= 0 && r.why == valid {
		rec, raw, err := j.RecordLineAt(r.off)
		if err != nil {
			return rec, nil, err
		}
		rec.Line, rec.AppID, rec.Group = row.Line, row.AppID, row.Group
		return rec, raw, nil
	}
	rec := report.Record{Line: row.Line, AppID: row.AppID, Group: row.Group, Status: report.Pending}
	if r.why != valid {
		rec.Status, rec.ErrMsg = report.Invalid, r.why.message(int(r.ref))
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
