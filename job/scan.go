package job

import "openbind/report"

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
	st.scanned, st.clean, st.scanTally, st.near = 0, true, report.NewTally(), 0
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
	// Record k of the final file is row k.
	i := st.lookupNear(a, st.scanned-1)
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
		return rec.Status == report.Invalid && rec.ErrMsg == r.why.message(int(r.ref)).Error()
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
