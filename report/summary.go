package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Summary is what a results file says, in aggregate.
type Summary struct {
	Rows     int
	Counts   map[Status]int
	Failures []Failure // failed and invalid rows by cause, most frequent first
	Attempts int       // calls recorded in the file's rows
}

// Failure is one cause of failed or invalid rows.
type Failure struct {
	Status Status
	Code   int    // WeChat errcode, 0 when none
	Msg    string // errmsg (for invalid rows, the kind of problem)
	Count  int
	Lines  []int // the first few input lines with it
}

// maxLines bounds Failure.Lines.
const maxLines = 10

// Tally builds a Summary from records.
type Tally struct {
	s     Summary
	index map[failKey]int
}

type failKey struct {
	status Status
	code   int
	msg    string
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{s: Summary{Counts: map[Status]int{}}, index: map[failKey]int{}}
}

// Add counts one record.
func (t *Tally) Add(r *Record) {
	t.s.Rows++
	t.s.Counts[r.Status]++
	t.s.Attempts += r.Attempts
	if r.Status != Failed && r.Status != Invalid {
		return
	}
	// An errmsg's detail after ";" (such as the line of a duplicate's
	// first row) does not split its cause.
	msg, _, _ := strings.Cut(r.ErrMsg, ";")
	k := failKey{r.Status, r.ErrCode, msg}
	i, ok := t.index[k]
	if !ok {
		i = len(t.s.Failures)
		t.index[k] = i
		t.s.Failures = append(t.s.Failures, Failure{Status: r.Status, Code: r.ErrCode, Msg: msg})
	}
	f := &t.s.Failures[i]
	f.Count++
	if len(f.Lines) < maxLines {
		f.Lines = append(f.Lines, r.Line)
	}
}

// Summary returns the tally so far.
func (t *Tally) Summary() Summary {
	s := t.s
	s.Counts = make(map[Status]int, len(t.s.Counts))
	for k, v := range t.s.Counts {
		s.Counts[k] = v
	}
	s.Failures = slices.Clone(t.s.Failures)
	slices.SortStableFunc(s.Failures, func(a, b Failure) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Status, b.Status)
	})
	return s
}

// Done is the number of rows done.
func (s *Summary) Done() int {
	return s.Counts[Created] + s.Counts[AlreadyBound] + s.Counts[Bound]
}

// WriteText writes the summary for people.
func (s *Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "rows\t%d\n", s.Rows)
	for _, st := range Statuses {
		if n := s.Counts[st]; n > 0 || st.Done() {
			fmt.Fprintf(tw, "  %s\t%d\n", st, n)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(w, "failures:")
		tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, f := range s.Failures {
			code := "-"
			if f.Code != 0 {
				code = fmt.Sprint(f.Code)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\tlines %s\n", f.Count, f.Status, code, f.Msg, joinLines(f.Lines, f.Count))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
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

// Summarize reads the results file at path and summarizes its rows: one
// per input line, the last record of each line winning (a file left by a
// killed run holds appended rows after the ones they replace).
func Summarize(path string) (Summary, error) {
	t := NewTally()
	ordered, prev := true, 0
	_, err := ReadFile(path, func(r *Record, _ int64) error {
		ordered = ordered && r.Line > prev
		prev = r.Line
		t.Add(r)
		return nil
	})
	if err != nil || ordered {
		return t.Summary(), err
	}
	// Lines repeat: count only each line's last record.
	last := map[int]int64{}
	if _, err := ReadFile(path, func(r *Record, off int64) error {
		last[r.Line] = off
		return nil
	}); err != nil {
		return Summary{}, err
	}
	t = NewTally()
	_, err = ReadFile(path, func(r *Record, off int64) error {
		if last[r.Line] == off {
			t.Add(r)
		}
		return nil
	})
	return t.Summary(), err
}

// WriteJSON writes the summary for machines.
func (s *Summary) WriteJSON(w io.Writer) error {
	type failure struct {
		Status  string `json:"status"`
		ErrCode int    `json:"errcode,omitempty"`
		ErrMsg  string `json:"errmsg"`
		Count   int    `json:"count"`
		Lines   []int  `json:"lines"`
	}
	out := struct {
		Rows     int            `json:"rows"`
		Statuses map[string]int `json:"statuses"`
		Done     int            `json:"done"`
		Failures []failure      `json:"failures"`
		Attempts int            `json:"attempts"`
	}{Rows: s.Rows, Statuses: map[string]int{}, Done: s.Done(), Failures: []failure{}, Attempts: s.Attempts}
	for _, st := range Statuses {
		out.Statuses[st.String()] = s.Counts[st]
	}
	for _, f := range s.Failures {
		out.Failures = append(out.Failures, failure{f.Status.String(), f.Code, f.Msg, f.Count, f.Lines})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
