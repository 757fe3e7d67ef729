package job

import (
	"fmt"
	"slices"

	"openbind/report"
)

// arrive takes a grouped row to do, as the producer reaches it, and
// returns what to send for it now, if anything.
func (s *scheduler) arrive(st *state, t task) (task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arriveLocked(st, t)
}

func (s *scheduler) arriveLocked(st *state, t task) (task, bool) {
	g := s.groups[st.rows[t.i].group]
	switch g.state {
	case groupSettling:
		if g.settle[t.i] {
			t.kind = doSettle
			return t, true
		}
	case groupOpen:
		g.state, g.leader = groupLeading, t.i
		s.active++
		t.kind = doCreate
		return t, true
	case groupReady:
		t.kind, t.open = doBind, g.open
		return t, true
	case groupStalled:
		t.kind, t.why = doDefer, g.why
		return t, true
	}
	i := len(g.waiting)
	for i > 0 && g.waiting[i-1].i > t.i {
		i--
	}
	g.waiting = slices.Insert(g.waiting, i, t)
	return task{}, false
}

// arriveDone takes a row that is done, as the producer reaches it: one
// bound already without a recorded open account is asked get, which its
// group may be waiting for.
func (s *scheduler) arriveDone(st *state, t task) (task, bool) {
	if !st.asksGet(t.i) {
		return task{}, false
	}
	t.kind = doLookup
	if len(s.groups) == 0 {
		return t, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.settleOf[t.i]; g != nil && g.settle[t.i] {
		t.kind = doSettle
		return t, true
	}
	if st.rows[t.i].group >= 0 {
		// Its get may find it no longer bound: then it comes back as a
		// row of its group to do, and the dispatcher must wait for it.
		s.active++
	}
	return t, true
}

// groupOfRow returns the group waiting on row i's get, or the group of its
// input row.
func (s *scheduler) groupOfRow(st *state, i int) *group {
	if g := s.settleOf[i]; g != nil && g.settle[i] {
		return g
	}
	if gi := st.rows[i].group; gi >= 0 && len(s.groups) > 0 {
		return s.groups[gi]
	}
	return nil
}

// ended takes the outcome of a row's call.
func (s *scheduler) ended(st *state, o *taskResult) {
	if len(s.groups) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupOfRow(st, o.i)
	if g == nil {
		return
	}
	switch {
	case o.kind == doSettle && g.settle[o.i]:
		s.settled(st, g, o)
	case o.kind == doCreate && g.leader == o.i:
		s.led(g, o)
	case o.kind == doLookup:
		s.active--
		defer s.signal()
		switch o.lookup {
		case lookupFound:
			g.addOpen(o.rec.OpenAppID)
		case lookupNotBound:
			// No longer bound: sent like any row of its group to do.
			r := &st.rows[o.i]
			r.status, r.noOpen, r.doubt = report.Pending, false, false
			if t, ok := s.arriveLocked(st, *o.again); ok {
				s.ready = append(s.ready, t)
			}
		}
	}
}

// settled takes the get of a row its group waits on.
func (s *scheduler) settled(st *state, g *group, o *taskResult) {
	delete(g.settle, o.i)
	g.settling--
	switch o.lookup {
	case lookupFound:
		g.addOpen(o.rec.OpenAppID)
	case lookupNotBound:
		// Not bound: the row is one of the group's rows to do.
		st.rows[o.i].status, st.rows[o.i].noOpen, st.rows[o.i].doubt = report.Pending, false, false
		t := *o.again
		t.kind = doCreate
		i := len(g.waiting)
		for i > 0 && g.waiting[i-1].i > t.i {
			i--
		}
		g.waiting = slices.Insert(g.waiting, i, t)
	default:
		what := "whether it made an open account"
		if o.rec.Status.Done() {
			what = "which open account it is bound to"
		}
		g.stall(fmt.Sprintf("waiting for line %d of its group: get could not tell %s (%s); the next run asks again", o.rec.Line, what, o.reason))
	}
	if g.settling > 0 {
		return
	}
	s.active--
	switch {
	case g.why != "":
		s.release(g, groupStalled)
	case len(g.opens) > 1:
		g.why = splitWhy(g.opens)
		s.release(g, groupStalled)
	case len(g.opens) == 1:
		g.open = g.opens[0]
		s.release(g, groupReady)
	case len(g.waiting) > 0:
		s.lead(g)
	default:
		g.state = groupOpen
	}
	s.signal()
}

// lead makes the group's first waiting row its leader.
func (s *scheduler) lead(g *group) {
	next := g.waiting[0]
	g.waiting = g.waiting[1:]
	g.state, g.leader = groupLeading, next.i
	s.active++
	next.kind = doCreate
	s.ready = append(s.ready, next)
}

// release sends the group's waiting rows on as its state says: bind to
// its open account, or record why they wait.
func (s *scheduler) release(g *group, state groupState) {
	g.state = state
	for _, t := range g.waiting {
		if state == groupReady {
			t.kind, t.open = doBind, g.open
		} else {
			t.kind, t.why = doDefer, g.why
		}
		s.ready = append(s.ready, t)
	}
	g.waiting = nil
}

// led takes the outcome of the group's leader.
func (s *scheduler) led(g *group, o *taskResult) {
	rec := &o.rec
	g.leader = -1
	s.active--
	defer s.signal()
	switch {
	case rec.Status.Done() && rec.OpenAppID != "":
		g.addOpen(rec.OpenAppID)
		g.open = rec.OpenAppID
		s.release(g, groupReady)
	case rec.Status == report.Failed && o.nothingMade:
		// Nothing was left behind: the next row takes its place.
		if len(g.waiting) == 0 {
			g.state = groupOpen
			return
		}
		s.lead(g)
	default:
		why := fmt.Sprintf("waiting for line %d of its group: whether it made an open account is unknown (%s); the next run asks WeChat first", rec.Line, rec.ErrMsg)
		switch {
		case rec.Status == report.AlreadyBound:
			why = fmt.Sprintf("waiting for line %d of its group: it is bound already but get failed; the next run asks again", rec.Line)
		case rec.Attempts == 0:
			why = fmt.Sprintf("waiting for line %d of its group: it was not sent (%s); the next run tries again", rec.Line, rec.ErrMsg)
		}
		g.stall(why)
		s.release(g, groupStalled)
	}
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
