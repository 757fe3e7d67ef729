package report

import (
	"fmt"
	"io"
	"openbind/locale"
	"slices"
	"strconv"
	"strings"
	"time"
)

// VerifySummary is what a verification report says, in aggregate: the
// rows by verdict, the exceptions with what to do about each, and the
// merchant groups whose members no longer share one open account.
type VerifySummary struct {
	File   string
	Rows   int
	Counts map[Verdict]int
	// First and Last are the earliest and latest checked_at.
	First, Last time.Time
	// Exceptions are the rows that are not holds, by verdict, in the
	// order of Verdicts.
	Exceptions []VerifyException
	// SplitGroups are the groups whose members WeChat shows on two open
	// accounts or more, or some bound and some on none, by name.
	SplitGroups []string
	// Asked is how many rows the verify that printed the summary asked
	// (-1 when the summary is made from a file alone).
	Asked int
}

// VerifyException is the rows of one verdict other than holds.
type VerifyException struct {
	Verdict Verdict
	Count   int
	Rows    []string // the first few, as "line N appid" or "appid (kept)"
}

// Remedy says what to do about the rows of the exception, in English
// (JSON's remedy).
func (e *VerifyException) Remedy() string { return e.RemedyIn(locale.English.Printer()) }

// RemedyIn is Remedy in p's language.
func (e *VerifyException) RemedyIn(p *locale.Printer) string {
	if !p.Has("verify.remedy." + e.Verdict.String()) {
		return ""
	}
	return p.T("verify.remedy." + e.Verdict.String())
}

// Complete reports whether every asked row holds: no moved, unbound or
// unknown row (not_asked rows do not count).
func (s *VerifySummary) Complete() bool {
	return s.Counts[Moved]+s.Counts[Unbound]+s.Counts[Unknown] == 0
}

// Holding is the number of rows that hold.
func (s *VerifySummary) Holding() int { return s.Counts[Holds] }

// maxExceptionRows bounds VerifyException.Rows.
const maxExceptionRows = 10

// verifyTally builds a VerifySummary from records, in report order.
type verifyTally struct {
	s      VerifySummary
	groups map[string]*verifyGroup
	order  []string
}

type verifyGroup struct {
	name    string
	opens   map[string]bool
	unbound bool
}

func newVerifyTally() *verifyTally {
	return &verifyTally{s: VerifySummary{Counts: map[Verdict]int{}, Asked: -1}, groups: map[string]*verifyGroup{}}
}

func (t *verifyTally) add(r *VerifyRecord) {
	t.s.Rows++
	t.s.Counts[r.Verdict]++
	if c := r.CheckedAt; !c.IsZero() {
		if t.s.First.IsZero() || c.Before(t.s.First) {
			t.s.First = c
		}
		if c.After(t.s.Last) {
			t.s.Last = c
		}
	}
	if r.Verdict != Holds {
		k := slices.IndexFunc(t.s.Exceptions, func(e VerifyException) bool { return e.Verdict == r.Verdict })
		if k < 0 {
			t.s.Exceptions = append(t.s.Exceptions, VerifyException{Verdict: r.Verdict})
			k = len(t.s.Exceptions) - 1
		}
		e := &t.s.Exceptions[k]
		e.Count++
		if len(e.Rows) < maxExceptionRows {
			e.Rows = append(e.Rows, rowName(r))
		}
	}
	if r.Group == "" {
		return
	}
	key := GroupKey(r.Group)
	g := t.groups[key]
	if g == nil {
		g = &verifyGroup{name: r.Group, opens: map[string]bool{}}
		t.groups[key] = g
		t.order = append(t.order, key)
	}
	switch r.Verdict {
	case Holds, Moved:
		if r.OpenAppID != "" {
			g.opens[r.OpenAppID] = true
		}
	case Unbound:
		g.unbound = true
	}
}

func rowName(r *VerifyRecord) string {
	if r.Line == 0 {
		return r.AppID + " (kept)"
	}
	return "line " + strconv.Itoa(r.Line) + " " + r.AppID
}

func (t *verifyTally) summary() VerifySummary {
	s := t.s
	slices.SortFunc(s.Exceptions, func(a, b VerifyException) int { return int(a.Verdict) - int(b.Verdict) })
	for _, k := range t.order {
		g := t.groups[k]
		if len(g.opens) > 1 || (g.unbound && len(g.opens) > 0) {
			s.SplitGroups = append(s.SplitGroups, g.name)
		}
	}
	return s
}

// SummarizeVerify reads the verification report at path: the last record
// of each row wins (a report left by a killed verify holds appended
// records after the ones they replace).
func SummarizeVerify(path string) (VerifySummary, error) {
	type key struct {
		line  int
		appid string
	}
	var recs []VerifyRecord
	at := map[key]int{}
	_, err := ReadVerify(path, func(r *VerifyRecord) error {
		k := key{line: r.Line}
		if r.Line == 0 {
			k = key{appid: r.AppID}
		}
		if i, ok := at[k]; ok {
			recs[i] = *r
			return nil
		}
		at[k] = len(recs)
		recs = append(recs, *r)
		return nil
	})
	if err != nil {
		return VerifySummary{}, err
	}
	t := newVerifyTally()
	for i := range recs {
		t.add(&recs[i])
	}
	s := t.summary()
	s.File = path
	return s, nil
}

// VerifyTally builds a VerifySummary from records, in report order.
type VerifyTally struct{ t *verifyTally }

// NewVerifyTally returns an empty VerifyTally.
func NewVerifyTally() *VerifyTally { return &VerifyTally{newVerifyTally()} }

// Add counts one record.
func (t *VerifyTally) Add(r *VerifyRecord) { t.t.add(r) }

// Summary is what the records added say.
func (t *VerifyTally) Summary() VerifySummary { return t.t.summary() }

// WriteText writes the summary for people in English.
func (s *VerifySummary) WriteText(w io.Writer) error { return s.WriteTextIn(w, locale.English) }

// WriteTextIn writes the summary for people in lang; the verdicts keep
// their words (the report's), glossed in a language other than English.
func (s *VerifySummary) WriteTextIn(w io.Writer, lang locale.Lang) error {
	p := lang.Printer()
	ew := &errWriter{w: w}
	name := s.File
	if name == "" {
		name = p.T("verify.the")
	}
	fmt.Fprint(ew, p.T("verify.head", name, s.Rows))
	if !s.First.IsZero() {
		fmt.Fprint(ew, p.T("verify.checked", s.First.UTC().Format("2006-01-02 15:04:05"), s.Last.UTC().Format("2006-01-02 15:04:05 UTC")))
	}
	fmt.Fprintln(ew)
	if s.Asked >= 0 {
		fmt.Fprint(ew, p.T("verify.asked", s.Asked))
	}
	for _, v := range Verdicts {
		fmt.Fprint(ew, p.T("verify.verdict", strings.ReplaceAll(v.String(), "_", " "), s.Counts[v], p.T("verify.explain."+v.String())))
	}
	if len(s.SplitGroups) > 0 {
		fmt.Fprint(ew, p.T("verify.split", len(s.SplitGroups), names(p, s.SplitGroups)))
		fmt.Fprint(ew, p.T("verify.split.todo"))
	}
	for _, e := range s.Exceptions {
		more := ""
		if n := e.Count - len(e.Rows); n > 0 {
			more = p.T("list.more", n)
		}
		fmt.Fprint(ew, p.T("verify.exception", e.Count, e.Verdict.String(), strings.Join(e.Rows, p.T("list.sep")), more))
		fmt.Fprint(ew, p.T("verify.todo", e.RemedyIn(p)))
	}
	if s.Complete() && s.Rows > 0 {
		fmt.Fprint(ew, p.T("verify.all_hold"))
	}
	return ew.err
}

// names is listNames in p's language.
func names(p *locale.Printer, names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, p.T("list.sep"))
	}
	return strings.Join(names[:most], p.T("list.sep")) + p.T("list.more", len(names)-most)
}

type jsonVerifyException struct {
	Verdict string   `json:"verdict"`
	Count   int      `json:"count"`
	Rows    []string `json:"rows"`
	Remedy  string   `json:"remedy"`
}

type jsonVerify struct {
	File       string                `json:"file,omitempty"`
	Rows       int                   `json:"rows"`
	Verdicts   map[string]int        `json:"verdicts"`
	First      *time.Time            `json:"first_checked_at,omitempty"`
	Last       *time.Time            `json:"last_checked_at,omitempty"`
	Exceptions []jsonVerifyException `json:"exceptions"`
	Split      []string              `json:"split_groups"`
	Holds      bool                  `json:"every_asked_row_holds"`
}

func (s *VerifySummary) jsonView() *jsonVerify {
	out := &jsonVerify{File: s.File, Rows: s.Rows, Verdicts: map[string]int{}, Exceptions: []jsonVerifyException{},
		Split: append([]string{}, s.SplitGroups...), Holds: s.Complete()}
	for _, v := range Verdicts {
		out.Verdicts[v.String()] = s.Counts[v]
	}
	for _, e := range s.Exceptions {
		out.Exceptions = append(out.Exceptions, jsonVerifyException{e.Verdict.String(), e.Count, e.Rows, e.Remedy()})
	}
	if !s.First.IsZero() {
		first, last := s.First.UTC(), s.Last.UTC()
		out.First, out.Last = &first, &last
	}
	return out
}

// VerdictCount is the rows of one verdict.
type VerdictCount struct {
	Verdict Verdict
	Count   int
}

// VerdictCounts are the rows by verdict, in the order of Verdicts.
func (s *VerifySummary) VerdictCounts() []VerdictCount {
	out := make([]VerdictCount, 0, len(Verdicts))
	for _, v := range Verdicts {
		out = append(out, VerdictCount{v, s.Counts[v]})
	}
	return out
}
