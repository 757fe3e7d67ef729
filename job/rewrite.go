package job

import (
	"io"
	"strconv"

	"openbind/report"
)

// rewrite replaces the results file with its final form: one record per
// input row, in input order. A row's record is copied from the journal
// (with the row's current line and group); rows without one are written as
// invalid or pending. Every record written is counted into tally.
func (st *state) rewrite(j *report.Journal, tally *report.Tally) error {
	in, err := st.reopen()
	if err != nil {
		return err
	}
	defer in.Close()
	return report.Rewrite(j.Path(), func(w *report.Writer) error {
		for {
			row, i, err := in.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			rec, err := st.record(j, i, &row)
			if err != nil {
				return err
			}
			if _, err := w.Write(&rec); err != nil {
				return err
			}
			tally.Add(&rec)
		}
	})
}

// record is the final record of row i (in.Row row).
func (st *state) record(j *report.Journal, i int, row *Row) (report.Record, error) {
	r := &st.rows[i]
	if r.off >= 0 && r.why == valid {
		rec, err := j.RecordAt(r.off)
		if err != nil {
			return rec, err
		}
		rec.Line, rec.AppID, rec.Group = row.Line, row.AppID, row.Group
		return rec, nil
	}
	rec := report.Record{Line: row.Line, AppID: row.AppID, Group: row.Group, Status: report.Pending}
	if r.why != valid {
		rec.Status, rec.ErrMsg = report.Invalid, r.why.message(int(r.ref))
	}
	return rec, nil
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

func itoa(n int) string { return strconv.Itoa(n) }
