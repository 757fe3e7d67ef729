package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"openbind/job"
)

// printPlan prints the plan of a dry run, the page a person signs off
// before the wave: how the file was read, what will be sent, what will not
// and why, the merchant groups, and how long it takes. (runCode chooses
// the exit code: 1 when rows are invalid.)
func printPlan(w io.Writer, cfg *job.Config, p *job.Plan) {
	fmt.Fprintf(w, "dry run: %s has %d rows: %d to send, %d already done in %s, %d invalid; nothing sent, nothing written\n",
		cfg.Input, p.Rows, p.ToSend, p.Done, cfg.Output, p.Invalid)
	for _, r := range p.InvalidRows {
		fmt.Fprintf(w, "  line %d: %s\n", r.Line, r.Reason)
	}
	if n := p.Invalid - len(p.InvalidRows); n > 0 {
		fmt.Fprintf(w, "  and %d more invalid rows\n", n)
	}
	in := &p.Input
	if in.Workbook {
		fmt.Fprintf(w, "file: .xlsx workbook, sheet %q\n", in.Sheet)
	} else {
		fmt.Fprintf(w, "file: CSV text, %s (told from %s), %s-separated, %s line ends\n", in.Encoding, in.EncodingFrom, in.Delimiter, in.LineEnds)
	}
	used := make([]string, len(in.Columns))
	for i, c := range in.Columns {
		used[i] = fmt.Sprintf("%s = column %d %q", c.Field, c.Number, c.Name)
	}
	fmt.Fprintf(w, "columns used: %s\n", strings.Join(used, ", "))
	if len(in.Ignored) > 0 {
		names := make([]string, len(in.Ignored))
		for i, n := range in.Ignored {
			names[i] = fmt.Sprintf("%q", n)
		}
		fmt.Fprintf(w, "columns ignored: %s\n", strings.Join(names, ", "))
	}
	if in.LowerCased > 0 {
		fmt.Fprintf(w, "appids: %d in upper case, read and recorded in lower case (first on line %d)\n", in.LowerCased, in.FirstLowerCased)
	}
	for _, warn := range in.Warnings {
		if warn.Line > 0 {
			fmt.Fprintf(w, "warning: line %d: %s\n", warn.Line, warn.Msg)
		} else {
			fmt.Fprintf(w, "warning: %s\n", warn.Msg)
		}
	}
	if in.MoreWarnings > 0 {
		fmt.Fprintf(w, "warning: and %d more of the same kinds\n", in.MoreWarnings)
	}
	if g := &p.GroupStats; p.Groups > 0 {
		fmt.Fprintf(w, "merchant groups: %d (%d rows); the largest %q has %d rows", p.Groups, g.Rows, g.Largest, g.LargestRows)
		if g.Singletons > 0 {
			fmt.Fprintf(w, "; %d of one row (first: %q)", g.Singletons, g.Singleton)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "merchant groups: none (every row gets an open account of its own)")
	}
	for _, names := range p.Spellings {
		fmt.Fprintf(w, "  group %q is also spelt %s: one group (names compare without case, width or spaces at their ends)\n", names[0], quoteAll(names[1:]))
	}
	for _, m := range p.Moved {
		fmt.Fprintf(w, "  line %d is done in group %q; its input row names group %q: it stays in %q (done stays done)\n", m.Line, m.From, m.To, m.From)
	}
	if p.Lookups > 0 {
		fmt.Fprintf(w, "%d done rows are bound already but their open account is unknown: each is asked get\n", p.Lookups)
	}
	if p.Kept > 0 {
		fmt.Fprintf(w, "%s keeps %d records of other inputs (another wave, or rows deleted from this one): kept after this input's rows, never sent\n", cfg.Output, p.Kept)
	}
	if d, ok := p.Duration(); ok {
		fmt.Fprintf(w, "time: at least %s at --qps %g (%d calls, one per row to send; retries add to it), with %d workers, which keep that rate while WeChat answers within %s\n",
			d, p.QPS, p.Calls(), p.Workers, p.HoldsUpTo())
	} else {
		fmt.Fprintf(w, "time: no rate limit (--qps 0): %d calls, %d at a time; WeChat's answers set the pace\n", p.Calls(), p.Workers)
	}
}

// quoteAll quotes each of names, comma-separated.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
