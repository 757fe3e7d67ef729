package wechattest

import "sort"

// Calls returns the calls seen so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsFor returns the calls made with appid's tokens.
func (s *Server) CallsFor(appid string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.AppID == appid {
			out = append(out, c)
		}
	}
	return out
}

// Count returns how many calls of path arrived (all paths when path is "").
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path != "" {
		return s.counts[path]
	}
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Faulted is the number of calls answered with a fault.
func (s *Server) Faulted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faulted
}

// BoundTo returns the open account appid is bound to ("" when none).
func (s *Server) BoundTo(appid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[appid]; a != nil {
		return a.OpenAppID
	}
	return ""
}

// Made reports whether the open account openAppID was made by a create
// call (rather than given before the run).
func (s *Server) Made(openAppID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa := s.opens[openAppID]
	return oa != nil && oa.made
}

// Members returns the accounts bound to the open account openAppID, sorted.
func (s *Server) Members(openAppID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa := s.opens[openAppID]
	if oa == nil {
		return nil
	}
	out := append([]string(nil), oa.members...)
	sort.Strings(out)
	return out
}
