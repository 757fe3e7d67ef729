package job

import (
	"fmt"
	"log/slog"
	"math"
	"openbind/locale"
	"strings"
	"time"
)

// GroupStats says how the merchant groups of an input are made, for the
// plan: a group much larger than the others, or many groups of one row,
// often mean a group column filled wrongly.
type GroupStats struct {
	Rows        int    // valid rows in a group
	Largest     string // the name of the largest group (the first of equals)
	LargestRows int
	Singletons  int    // groups of one valid row
	Singleton   string // the name of the first of them
}

func (st *state) groupStats() GroupStats {
	var g GroupStats
	if len(st.groups) == 0 {
		return g
	}
	size := make(map[int32]int, len(st.groups))
	for i := range st.rows {
		if r := &st.rows[i]; r.group >= 0 && r.why == valid {
			size[r.group]++
			g.Rows++
		}
	}
	first := int32(math.MaxInt32)
	single := int32(math.MaxInt32)
	for gi, name := range st.groupNames {
		leader := int32(gi) // groups are numbered in input order
		n := size[leader]
		if n > g.LargestRows || n == g.LargestRows && leader < first {
			g.Largest, g.LargestRows, first = name, n, leader
		}
		if n == 1 {
			g.Singletons++
			if leader < single {
				g.Singleton, single = name, leader
			}
		}
	}
	return g
}

// Calls is the number of calls the plan makes at least: one per row to
// send (create, or bind for a member of a group). Retries, and the get
// of a row already bound, add to it.
func (p *Plan) Calls() int { return p.ToSend }

// Duration is how long the wave takes at least at p.QPS; ok is false with
// no rate limit (the time is then WeChat's).
func (p *Plan) Duration() (d time.Duration, ok bool) {
	if p.QPS <= 0 {
		return 0, false
	}
	return seconds(float64(p.Calls())/p.QPS, time.Second), true
}

// seconds is s seconds rounded to round, at most the longest duration: a
// quotient of counts and rates never prints negative (an overflow would).
func seconds(s float64, round time.Duration) time.Duration {
	if !(s*float64(time.Second) < math.MaxInt64/2) { // NaN too
		return time.Duration(math.MaxInt64 / 2).Round(round)
	}
	return time.Duration(max(s, 0) * float64(time.Second)).Round(round)
}

// HoldsUpTo is the answer time up to which p.Workers keep p.QPS: beyond
// it, the workers, not the limit, set the pace.
func (p *Plan) HoldsUpTo() time.Duration {
	if p.QPS <= 0 {
		return 0
	}
	return seconds(float64(p.Workers)/p.QPS, 10*time.Millisecond)
}

// logInput writes the run's first lines: how the input was read, which
// columns were used and ignored, and what a person should know of it.
func logInput(lg *slog.Logger, file string, p *InputPlan) {
	attrs := []any{"file", file}
	if p.Workbook {
		attrs = append(attrs, "form", "xlsx", "sheet", p.Sheet)
	} else {
		attrs = append(attrs, "form", "csv", "encoding", p.Encoding, "encoding_from", p.EncodingFrom, "delimiter", p.Delimiter, "line_ends", p.LineEnds)
	}
	used := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		used[i] = fmt.Sprintf("%s=%q(%d)", c.Field, c.Name, c.Number)
	}
	attrs = append(attrs, "columns", strings.Join(used, " "), "ignored", strings.Join(quoted(p.Ignored), " "))
	lg.Info("input", attrs...)
	if p.LowerCased > 0 {
		lg.Info("appids in upper case are read in lower case", "rows", p.LowerCased, "first_line", p.FirstLowerCased)
	}
	for _, w := range p.Warnings {
		lg.Warn(w.Msg, "file", file, "line", w.Line)
	}
	if p.MoreWarnings > 0 {
		lg.Warn("more warnings about the input", "file", file, "count", p.MoreWarnings)
	}
}

func quoted(names []string) []string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = visible(n)
	}
	return q
}

// Plan is what a run will do, as a dry run prints it: everything the run
// would do is there for a person to sign off.
type Plan struct {
	Input   InputPlan // how the file was read: form, columns, warnings
	Rows    int       // data rows of the input
	ToSend  int       // valid rows not done yet
	Done    int       // rows already done in the results file
	Invalid int
	Groups  int
	// GroupStats says how the merchant groups are made (see plan.go).
	GroupStats GroupStats
	// The pace of the run (set by Run): calls per second (0: no limit) and
	// calls in flight.
	QPS     float64
	Workers int
	// Lookups are done rows whose open account is unknown: asked get.
	Lookups int
	// Kept are the records of other inputs the results file keeps.
	Kept int
	// InvalidRows are the first invalid rows, with why.
	InvalidRows []InvalidRow
	// Spellings are groups named in several ways that fold to one (case,
	// full-width letters): each group's names, the first one first.
	Spellings [][]string
	// Moved are the first done rows whose input names another group than
	// their record, which they keep.
	Moved []MovedRow
}

// MovedRow is a done row whose input row names another group than its
// record: it stays in the group of its record (done stays done).
type MovedRow struct {
	Line     int
	From, To string // the group of its record, the group of its input row
}

// InvalidRow is an input row that will not be sent, and why.
type InvalidRow struct {
	Line   int
	Reason string // the results' errmsg: English
	// Why is Reason as a message, for the plan in the language.
	Why *locale.Message
}

// maxInvalidRows bounds Plan.InvalidRows.
const maxInvalidRows = 20

func (st *state) plan() Plan {
	p := Plan{Input: st.inPlan, Rows: len(st.rows), Groups: len(st.groups), Moved: st.moved}
	p.GroupStats = st.groupStats()
	for _, k := range st.kept {
		if k.keep {
			p.Kept++
		}
	}
	for gi := range st.groupNames {
		if sp := st.spellings[int32(gi)]; len(sp) > 0 {
			p.Spellings = append(p.Spellings, append([]string{st.groupNames[gi]}, sp...))
		}
	}
	for i := range st.rows {
		switch r := &st.rows[i]; {
		case r.why != valid:
			p.Invalid++
			if len(p.InvalidRows) < maxInvalidRows {
				p.InvalidRows = append(p.InvalidRows, InvalidRow{int(r.line), st.reason(i), st.why(i)})
			}
		case st.todo(i):
			p.ToSend++
		default:
			p.Done++
			if st.asksGet(i) {
				p.Lookups++
			}
		}
	}
	return p
}
