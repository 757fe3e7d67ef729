package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

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
