package report

import (
	"openbind/locale"

	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteText writes the summary for people in English.
func (s *Summary) WriteText(w io.Writer) error { return s.WriteTextIn(w, locale.English) }

// WriteTextIn writes the summary for people in lang: counts, failures by
// cause, what the run measured, and what to do next.
func (s *Summary) WriteTextIn(w io.Writer, lang locale.Lang) error {
	p := lang.Printer()
	ew := &errWriter{w: w}
	name := s.File
	if name == "" {
		name = p.T("summary.results")
	}
	fmt.Fprint(ew, p.T("summary.head", name, s.Rows, s.Done()))
	for _, st := range Statuses {
		fmt.Fprint(ew, p.T("summary.status", st.String(), s.Counts[st], p.T("status.explain."+st.String())))
	}
	if len(s.Failures) > 0 {
		fmt.Fprint(ew, p.T("summary.causes"))
		rows := [][]string{strings.Split(strings.TrimSuffix(p.T("summary.causes.header"), "\n"), "\t")}
		for _, f := range s.Failures {
			rows = append(rows, []string{fmt.Sprintf("  %d", f.Count), f.Status.String(), dash(f.Call), codeText(f.Code), f.Msg, linesIn(p, f.Lines, f.Count)})
		}
		writeTable(ew, rows)
		if exp := s.RIDsExpire(); !exp.IsZero() {
			fmt.Fprint(ew, p.T("summary.rids", exp.UTC().Format("2006-01-02 15:04 UTC")))
		}
		if s.OtherCauses > 0 {
			fmt.Fprint(ew, p.T("summary.other_causes", s.OtherCauses))
		}
	}
	if n := s.KeptRecords(); n > 0 {
		var parts []string
		for _, st := range Statuses {
			if c := s.Kept[st]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, st))
			}
		}
		fmt.Fprint(ew, p.T("summary.kept", n, strings.Join(parts, p.T("list.sep"))))
	}
	if n := len(s.SplitGroups); n > 0 {
		fmt.Fprint(ew, p.T("summary.split", n, namesIn(p, s.SplitGroups)))
	}
	if n := len(s.IncompleteGroups); n > 0 {
		fmt.Fprint(ew, p.T("summary.incomplete", n, namesIn(p, s.IncompleteGroups)))
	}
	if r := s.Run; r != nil && r.Sent == 0 && r.Calls == 0 {
		fmt.Fprint(ew, p.T("summary.run.nothing", r.Elapsed.Round(time.Millisecond)))
	} else if r != nil {
		fmt.Fprint(ew, p.T("summary.run", p.T("n.rows", r.Sent), p.T("n.calls", r.Calls), p.T("n.retries", r.Retries),
			r.Elapsed.Round(time.Millisecond), perSecond(r.Sent, r.Elapsed)))
		if r.Calls > 0 {
			fmt.Fprint(ew, p.T("summary.run.latency", seconds(r.Latency[0]), seconds(r.Latency[1]), seconds(r.Latency[2])))
		}
		fmt.Fprintln(ew)
		if f := r.Failovers; f.Count > 0 {
			fmt.Fprint(ew, p.T("summary.failover", timesIn(p, f.Count), f.First.UTC().Format(time.TimeOnly), f.Last.UTC().Format(time.TimeOnly), f.From, f.To))
		}
		for _, n := range r.Notes {
			fmt.Fprint(ew, p.T("summary.note", n))
		}
	} else if !s.First.IsZero() {
		fmt.Fprint(ew, p.T("summary.finished", s.First.UTC().Format(time.DateTime), s.Last.UTC().Format(time.DateTime),
			rateText(s.Rate()), s.Active, s.Sessions, s.Attempts))
	}
	if next := s.next(p); len(next) > 0 {
		fmt.Fprint(ew, p.T("summary.next"))
		for _, n := range next {
			fmt.Fprintf(ew, "  %s\n", n)
		}
	}
	if s.Verify != nil && ew.err == nil {
		return s.Verify.WriteTextIn(w, p.Lang())
	}
	return ew.err
}

// Next lists what to do next, in English (the JSON report's "next"): one
// line per remedy, most rows first.
func (s *Summary) Next() []string { return s.next(locale.English.Printer()) }

// NextIn is Next in lang.
func (s *Summary) NextIn(lang locale.Lang) []string { return s.next(lang.Printer()) }

func (s *Summary) next(p *locale.Printer) []string {
	var out []string
	if s.Run != nil && s.Run.Stopped != "" {
		why := s.Run.Stopped
		if s.Run.Stop != nil {
			why = p.Error(s.Run.Stop)
		}
		out = append(out, p.T("next.stopped", why, s.Counts[Pending]))
	} else if n := s.Counts[Pending]; n > 0 {
		out = append(out, p.T("next.pending", n))
	}
	type step struct {
		rows   int
		status Status
		causes []string
	}
	var steps []*step
	byRemedy := map[string]*step{}
	var remedies []string
	for i := range s.Failures {
		f := &s.Failures[i]
		r := f.remedyIn(p)
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
		word := p.T("status.word." + st.status.String())
		what := p.T("next.rows", st.rows, word)
		if len(st.causes) > 0 {
			what = p.T("next.rows_with", st.rows, word, strings.Join(st.causes, p.T("list.sep")))
		}
		out = append(out, p.T("next.step", what, remedies[i]))
	}
	if n := len(s.SplitGroups); n > 0 {
		out = append(out, p.T("next.split", n))
	}
	if len(s.IncompleteGroups) > 0 && s.Done() == s.Rows {
		out = append(out, p.T("next.incomplete", len(s.IncompleteGroups)))
	}
	for _, o := range s.OddLeaders {
		out = append(out, p.T("next.odd", o.Group, o.Line, o.Others))
	}
	return out
}

// namesIn lists the first names, and how many more there are.
func namesIn(p *locale.Printer, names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, p.T("list.sep"))
	}
	return strings.Join(names[:most], p.T("list.sep")) + p.T("list.more", len(names)-most)
}

// linesIn is joinLines in p's language.
func linesIn(p *locale.Printer, lines []int, total int) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprint(l)
	}
	s := strings.Join(parts, ",")
	if total > len(lines) {
		s += p.T("list.more", total-len(lines))
	}
	return s
}

// timesIn is "once", "2 times".
func timesIn(p *locale.Printer, n int) string {
	if n == 1 {
		return p.T("n.once")
	}
	return p.T("n.times", n)
}

// listNames lists the first names, and how many more there are.
func listNames(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
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

// writeTable writes rows in columns two spaces apart, as text/tabwriter
// would, but measuring cells in terminal columns: a Chinese character
// takes two.
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], locale.Columns(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-locale.Columns(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(w, b.String())
}
