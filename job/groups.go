package job

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"openbind/report"
	"openbind/wechat"
)

// Merchant groups: the rows that share a group end on one open account.
// The first row of a group (input order) creates it, or lends the one it
// is bound to already; the others wait for it and then bind to it. If the
// first row cannot get an open account — a definitive answer of WeChat
// that left nothing behind — the next row of the group takes its place.
// If its failure may have left an open account behind (an answer lost,
// retries given up), the group waits for the next run, which asks again
// and settles it: a second open account for one merchant is never made.

// taskKind is what a worker does for a row.
type taskKind uint8

const (
	doCreate taskKind = iota // create: a row without a group, or a group's leader
	doBind                   // bind to the group's open account
	doLookup                 // get the open account of a group's row bound in an earlier run
	doDefer                  // nothing: the group waits for the next run; record why
)

// groupState is where a group stands in this run.
type groupState uint8

const (
	groupOpen    groupState = iota // no leader yet: the next row to come leads
	groupLeading                   // a leader's call is in flight (or awaited): the others wait
	groupReady                     // the open account is known: rows bind to it
	groupStalled                   // settled by the next run: rows wait for it
)

type group struct {
	state   groupState
	open    string // the group's open account, once known
	lookup  int    // a row done in an earlier run whose open account must be got first; -1
	leader  int    // the row leading now; -1
	why     string // groupStalled: why, for the rows' errmsg
	waiting []task // rows waiting for the leader, in input order
}

// splitMsg starts the errmsg of a group's row that turned out bound to
// another open account than its group's.
const splitMsg = report.SplitMsg

// scheduler holds the groups of a run and the rows they release. The
// producer hands it grouped rows; the collector tells it how leaders
// ended; the dispatcher takes the rows it releases.
type scheduler struct {
	mu     sync.Mutex
	groups map[int32]*group // by the index of the group's first row
	ready  []task           // released rows, first come first sent
	active int              // groups whose leader is in flight or awaited
	notify chan struct{}    // a row was released or a leader ended
}

// newScheduler makes the groups that have rows to do, settled from what
// the results say: a group whose rows bound to an open account, or whose
// row created or lent one, is ready with it.
func newScheduler(st *state, j *report.Journal) (*scheduler, error) {
	s := &scheduler{groups: map[int32]*group{}, notify: make(chan struct{}, 1)}
	if len(st.groups) == 0 {
		return s, nil
	}
	type anchor struct {
		bound, created, lent string
		lentAt               int // an already_bound row of the group, first in input order
	}
	anchors := map[int32]*anchor{}
	for i := range st.rows {
		r := &st.rows[i]
		if r.group < 0 || r.why != valid {
			continue
		}
		if st.todo(i) {
			if s.groups[r.group] == nil {
				s.groups[r.group] = &group{lookup: -1, leader: -1}
			}
			continue
		}
		rec, err := j.RecordAt(r.off)
		if err != nil {
			return nil, err
		}
		a := anchors[r.group]
		if a == nil {
			a = &anchor{lentAt: -1}
			anchors[r.group] = a
		}
		switch {
		case rec.Status == report.Bound && a.bound == "":
			a.bound = rec.OpenAppID
		case rec.Status == report.Created && a.created == "":
			a.created = rec.OpenAppID
		case rec.Status == report.AlreadyBound && a.lentAt < 0 && !strings.HasPrefix(rec.ErrMsg, splitMsg):
			a.lent, a.lentAt = rec.OpenAppID, i
		}
	}
	for gi, g := range s.groups {
		a := anchors[gi]
		switch {
		case a == nil:
		case a.bound != "":
			g.state, g.open = groupReady, a.bound
		case a.created != "":
			g.state, g.open = groupReady, a.created
		case a.lentAt >= 0 && a.lent != "":
			g.state, g.open = groupReady, a.lent
		case a.lentAt >= 0:
			// Bound in an earlier run, but get failed then: ask again
			// before anyone binds or creates.
			g.state, g.lookup = groupLeading, a.lentAt
			s.active++
		}
	}
	return s, nil
}

// arrive takes a grouped row to do, as the producer reaches it, and
// returns what to send for it now, if anything.
func (s *scheduler) arrive(st *state, t task) (task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[st.rows[t.i].group]
	switch g.state {
	case groupOpen:
		g.state, g.leader = groupLeading, t.i
		s.active++
		t.kind = doCreate
		return t, true
	case groupReady:
		t.kind, t.open = doBind, g.open
		return t, true
	case groupStalled:
		t.kind, t.open = doDefer, g.why
		return t, true
	}
	g.waiting = append(g.waiting, t)
	return task{}, false
}

// arriveDone takes a row that is done, as the producer reaches it: the
// anchor of a group whose open account must be got first is looked up.
func (s *scheduler) arriveDone(st *state, t task) (task, bool) {
	gi := st.rows[t.i].group
	if gi < 0 {
		return task{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[gi]
	if g == nil || g.lookup != t.i {
		return task{}, false
	}
	g.leader = t.i
	t.kind = doLookup
	return t, true
}

// ended takes the outcome of a group's leader (create or lookup) of row
// i; clean says a failure left nothing behind.
func (s *scheduler) ended(st *state, i int, clean bool, rec *report.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[st.rows[i].group]
	if g == nil || g.leader != i {
		return
	}
	g.leader = -1
	switch {
	case rec.Status.Done() && rec.OpenAppID != "":
		g.state, g.open = groupReady, rec.OpenAppID
		for _, t := range g.waiting {
			t.kind, t.open = doBind, g.open
			s.ready = append(s.ready, t)
		}
		g.waiting = nil
	case rec.Status == report.Failed && clean:
		// Nothing was left behind: the next row takes its place.
		if len(g.waiting) == 0 {
			g.state = groupOpen
			break
		}
		next := g.waiting[0]
		g.waiting = g.waiting[1:]
		g.leader = next.i
		next.kind = doCreate
		s.ready = append(s.ready, next)
		s.signal()
		return // still leading
	default:
		g.state = groupStalled
		g.why = fmt.Sprintf("waiting for line %d of its group: whether it made an open account is unknown (an answer was lost); the next run settles it", rec.Line)
		if rec.Status == report.AlreadyBound {
			g.why = fmt.Sprintf("waiting for line %d of its group: it is bound already but get failed; run again", rec.Line)
		}
		for _, t := range g.waiting {
			t.kind, t.open = doDefer, g.why
			s.ready = append(s.ready, t)
		}
		g.waiting = nil
	}
	s.active--
	s.signal()
}

func (s *scheduler) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// pop returns the next released row.
func (s *scheduler) pop() (task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ready) == 0 {
		return task{}, false
	}
	t := s.ready[0]
	s.ready = s.ready[1:]
	return t, true
}

// idle reports whether no row can be released any more, once the
// producer is done: no released row is left and no leader is awaited.
func (s *scheduler) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ready) == 0 && s.active == 0
}

// mayHaveActed reports whether a failed attempt may have changed WeChat's
// state although it did not say so: its answer was lost or cut off, or a
// gateway answered for it. WeChat's own errcodes, a refused connection and
// a 429 say nothing was done.
func mayHaveActed(err error) bool {
	var (
		apiErr  *wechat.APIError
		httpErr *wechat.HTTPError
	)
	switch {
	case err == nil:
		return false
	case errors.As(err, &apiErr):
		return false
	case errors.As(err, &httpErr):
		return httpErr.StatusCode != http.StatusTooManyRequests
	case isConnRefused(err):
		return false
	}
	var dnsErr *net.DNSError
	return !errors.As(err, &dnsErr)
}
