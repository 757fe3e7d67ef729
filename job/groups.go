package job

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"openbind/report"
)

// Merchant groups: the rows that share a group (by report.GroupKey) end on
// one open account, and WeChat is the source of truth for which.
//
// A group's open account is any open account its done records name — rows
// of this input, rows whose record names the group though their input row
// no longer does, and records kept from other inputs. Records naming two
// are a split: the group's rows to do wait, and the summary names it.
//
// A group without an open account creates one, but first every member
// whose state is unknown is settled by get: a row whose earlier call may
// have acted (report.Record.InDoubt: a lost answer, a timeout, a kill —
// in any earlier run), and a row bound already whose open account is not
// recorded. A get that finds an open account makes it the group's; one
// that answers 89002 settles the row as not bound; a member that cannot be
// asked (its get fails, its token cannot be had) makes the group wait for
// a later run, never another row create. Then the first row (input order)
// creates it, or lends the one it turns out bound to; the others bind to
// it. If the first row cannot get an open account — a definitive answer of
// WeChat, after calls that cannot have acted — the next row takes its
// place; any other failure makes the group wait, and the leader's record
// stays in doubt for the next run to settle.

// taskKind is what a worker does for a row.
type taskKind uint8

const (
	doCreate taskKind = iota // create: a row without a group, or a group's leader
	doBind                   // bind to the group's open account
	doLookup                 // get the open account of a done row that has none recorded
	doSettle                 // get, before the group creates: is this row bound?
	doDefer                  // nothing: the group waits for a later run; record why
)

// lookupResult is what a get of a row whose state was unknown found.
type lookupResult uint8

const (
	lookupNone     lookupResult = iota // no get was asked
	lookupFound                        // bound: rec.OpenAppID
	lookupNotBound                     // 89002: not bound
	lookupFailed                       // no answer that settles it
)

// groupState is where a group stands in this run.
type groupState uint8

const (
	groupOpen     groupState = iota // no leader yet: the next row to come leads
	groupSettling                   // members in doubt are asked get first: the others wait
	groupLeading                    // a leader's call is in flight (or awaited): the others wait
	groupReady                      // the open account is known: rows bind to it
	groupStalled                    // settled by a later run: rows wait for it
)

type group struct {
	state    groupState
	open     string   // the group's open account, once known
	opens    []string // the open accounts its records and gets name
	settle   map[int]bool
	settling int    // gets asked (or to be) before the group may create
	leader   int    // the row leading now; -1
	why      string // groupStalled: why, for the rows' errmsg
	waiting  []task // rows waiting, in input order
}

func (g *group) addOpen(open string) {
	if !slices.Contains(g.opens, open) {
		g.opens = append(g.opens, open)
	}
}

// stall makes the group wait for a later run, for why (the first reason
// given is kept).
func (g *group) stall(why string) {
	if g.why == "" {
		g.why = why
	}
}

// splitWhy is the errmsg of a split group's rows that were not sent.
func splitWhy(opens []string) string {
	return fmt.Sprintf("%s: the group's rows are on %d open accounts (%s); nothing is bound until that is settled by hand", report.SplitMsg, len(opens), strings.Join(opens, ", "))
}

// scheduler holds the groups of a run and the rows they release. The
// producer hands it grouped rows; the collector tells it how leaders and
// gets ended; the dispatcher takes the rows it releases.
type scheduler struct {
	mu     sync.Mutex
	groups []*group // by the index of the group in state.groupNames
	// settleOf is the group that waits on the get of each row to settle.
	settleOf map[int]*group
	ready    []task        // released rows, first come first sent
	active   int           // groups whose gets or leader are in flight or awaited
	notify   chan struct{} // a row was released or a leader ended
}

// newScheduler makes the groups of the input, settled from what the
// results say.
func newScheduler(st *state, j *report.Journal) (*scheduler, error) {
	s := &scheduler{notify: make(chan struct{}, 1), settleOf: map[int]*group{}}
	if len(st.groupNames) == 0 {
		return s, nil
	}
	s.groups = make([]*group, len(st.groupNames))
	for gi := range s.groups {
		s.groups[gi] = &group{leader: -1, settle: map[int]bool{}}
	}
	// The open accounts the done rows of this input name, by the group of
	// their record; the rows bound without a known open account.
	for i := range st.rows {
		r := &st.rows[i]
		if !r.status.Done() || r.off < 0 {
			continue
		}
		rec, err := j.RecordAt(r.off)
		if err != nil {
			return nil, err
		}
		gi := st.groupOf(rec.Group)
		if in := r.group; in >= 0 && in != gi {
			// The input puts a done row in another group than its record
			// (a row moved, or a name read in another encoding): its open
			// account is its record's group's, so the input's group
			// cannot create one of its own without splitting a merchant.
			s.groups[in].stall(fmt.Sprintf("waiting: line %d of this group is done in group %q (its record), on %s; move it back, or take it out of this group, so that one merchant stays on one open account", r.line, rec.Group, cmp.Or(rec.OpenAppID, "an open account not recorded")))
		}
		if gi < 0 {
			continue
		}
		switch {
		case rec.OpenAppID != "":
			s.groups[gi].addOpen(rec.OpenAppID)
		case st.asksGet(i):
			// Asked get when the producer reaches it (arriveDone): every
			// row the group waits on must come.
			s.groups[gi].settle[i] = true
		}
	}
	// The records kept from other inputs.
	for _, off := range st.keptOffsets() {
		rec, err := j.RecordAt(off)
		if err != nil {
			return nil, err
		}
		gi := st.groupOf(rec.Group)
		if gi < 0 {
			continue
		}
		g := s.groups[gi]
		switch {
		case rec.Status.Done() && rec.OpenAppID != "":
			g.addOpen(rec.OpenAppID)
		default:
			g.stall(fmt.Sprintf("waiting: %s of its group (a row no longer in the input) may be bound already; put its row back in the input, so that the next run asks WeChat", rec.AppID))
		}
	}
	// The rows to do whose earlier calls may have acted.
	for i := range st.rows {
		r := &st.rows[i]
		if r.group < 0 || !r.doubt || r.status.Done() {
			continue
		}
		if r.why == valid {
			s.groups[r.group].settle[i] = true
			continue
		}
		s.groups[r.group].stall(fmt.Sprintf("waiting for line %d of its group: whether it made an open account is unknown, and it cannot be asked (%s)", r.line, r.why.message(int(r.ref))))
	}
	for _, g := range s.groups {
		switch {
		case len(g.opens) > 1:
			g.state, g.why = groupStalled, splitWhy(g.opens)
		case len(g.opens) == 1:
			g.state, g.open = groupReady, g.opens[0]
			clear(g.settle) // rows in doubt bind, which settles them
		case g.why != "":
			g.state = groupStalled
		case len(g.settle) > 0:
			g.state, g.settling = groupSettling, len(g.settle)
			s.active++
			for i := range g.settle {
				s.settleOf[i] = g
			}
		}
	}
	return s, nil
}
