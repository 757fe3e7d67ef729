package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"openbind/job"
	"openbind/locale"
)

// printPlan prints the plan of a dry run, the page a person signs off
// before the wave: how the file was read, what will be sent, what will not
// and why, the merchant groups, and how long it takes. (runCode chooses
// the exit code: 1 when rows are invalid.)
func printPlan(w io.Writer, lang locale.Lang, cfg *job.Config, p *job.Plan) {
	t := lang.Printer()
	fmt.Fprint(w, t.T("plan.head", cfg.Input, p.Rows, p.ToSend, p.Done, cfg.Output, p.Invalid))
	for _, r := range p.InvalidRows {
		fmt.Fprint(w, t.T("plan.invalid_row", r.Line, invalidReason(t, r)))
	}
	if n := p.Invalid - len(p.InvalidRows); n > 0 {
		fmt.Fprint(w, t.T("plan.more_invalid", n))
	}
	in := &p.Input
	if in.Workbook {
		fmt.Fprint(w, t.T("plan.file.xlsx", in.Sheet))
	} else {
		fmt.Fprint(w, t.T("plan.file.csv", in.Encoding, word(t, "plan.from", in.EncodingFrom), word(t, "plan.delim", in.Delimiter), word(t, "plan.ends", in.LineEnds)))
	}
	used := make([]string, len(in.Columns))
	for i, c := range in.Columns {
		used[i] = t.T("plan.column", c.Field, c.Number, c.Name)
	}
	fmt.Fprint(w, t.T("plan.columns", strings.Join(used, t.T("list.sep"))))
	if len(in.Ignored) > 0 {
		names := make([]string, len(in.Ignored))
		for i, n := range in.Ignored {
			names[i] = fmt.Sprintf("%q", n)
		}
		fmt.Fprint(w, t.T("plan.ignored", strings.Join(names, t.T("list.sep"))))
	}
	if in.LowerCased > 0 {
		fmt.Fprint(w, t.T("plan.lower", in.LowerCased, in.FirstLowerCased))
	}
	for _, warn := range in.Warnings {
		msg := warn.Msg
		if warn.Why != nil {
			msg = t.Error(warn.Why)
		}
		if warn.Line > 0 {
			fmt.Fprint(w, t.T("plan.warning.line", warn.Line, msg))
		} else {
			fmt.Fprint(w, t.T("plan.warning", msg))
		}
	}
	if in.MoreWarnings > 0 {
		fmt.Fprint(w, t.T("plan.warning.more", in.MoreWarnings))
	}
	if g := &p.GroupStats; p.Groups > 0 {
		fmt.Fprint(w, t.T("plan.groups", p.Groups, g.Rows, g.Largest, g.LargestRows))
		if g.Singletons > 0 {
			fmt.Fprint(w, t.T("plan.singletons", g.Singletons, g.Singleton))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprint(w, t.T("plan.no_groups"))
	}
	for _, names := range p.Spellings {
		fmt.Fprint(w, t.T("plan.spelling", names[0], quoteAll(names[1:], t.T("list.sep"))))
	}
	for _, m := range p.Moved {
		fmt.Fprint(w, t.T("plan.moved", m.Line, m.From, m.To, m.From))
	}
	if p.Lookups > 0 {
		fmt.Fprint(w, t.T("plan.lookups", p.Lookups))
	}
	if p.Kept > 0 {
		fmt.Fprint(w, t.T("plan.kept", cfg.Output, p.Kept))
	}
	if d, ok := p.Duration(); ok {
		fmt.Fprint(w, t.T("plan.time", d, p.QPS, p.Calls(), p.Workers, p.HoldsUpTo()))
	} else {
		fmt.Fprint(w, t.T("plan.time.unlimited", p.Calls(), p.Workers))
	}
}

// quoteAll quotes each of names, joined by sep.
func quoteAll(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, sep)
}

// word is job's word for a form of the input (a delimiter, "the bytes") in
// t's language: the message "<area>.<word>", or the word itself when the
// catalog has none.
func word(t *locale.Printer, area, w string) string {
	if s := t.T(area + "." + w); !strings.HasPrefix(s, "!(") {
		return s
	}
	return w
}

// invalidReason is why row r is invalid, in t's language.
func invalidReason(t *locale.Printer, r job.InvalidRow) string {
	if r.Why != nil {
		return t.Error(r.Why)
	}
	return r.Reason
}
