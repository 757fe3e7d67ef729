package wechattest

import (
	"fmt"
	"slices"
	"sort"
)

// Changes behind openbind's back, after a wave: someone unbinds an account
// in the console, or another tool moves it to another open account. A
// verification must find them.

// Unbind unbinds appid's account from its open account: get then answers
// 89002.
func (s *Server) Unbind(appid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[appid]
	switch {
	case a == nil:
		return fmt.Errorf("no account %s", appid)
	case a.OpenAppID == "":
		return fmt.Errorf("account %s is not bound", appid)
	}
	s.leaveLocked(a)
	return nil
}

// Move binds appid's account to the open account openAppID instead of its
// own; with openAppID empty, to a new open account (another tool made it).
// It returns the open account the account is on now.
func (s *Server) Move(appid, openAppID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[appid]
	if a == nil {
		return "", fmt.Errorf("no account %s", appid)
	}
	if openAppID == a.OpenAppID && openAppID != "" {
		return "", fmt.Errorf("account %s is on %s already", appid, openAppID)
	}
	oa := s.opens[openAppID]
	if openAppID == "" {
		s.nextOpen++
		oa = &openAccount{appID: fmt.Sprintf("wx%016x", 0xd0000000_00000000|s.nextOpen), subject: a.Subject, byAPI: true}
		s.opens[oa.appID] = oa
	}
	if oa == nil {
		return "", fmt.Errorf("no open account %s", openAppID)
	}
	if a.OpenAppID != "" {
		s.leaveLocked(a)
	}
	oa.join(&a.Account)
	a.OpenAppID = oa.appID
	return oa.appID, nil
}

func (s *Server) leaveLocked(a *account) {
	if oa := s.opens[a.OpenAppID]; oa != nil {
		if i := slices.Index(oa.members, a.AppID); i >= 0 {
			oa.members = slices.Delete(oa.members, i, i+1)
			if a.MiniProgram {
				oa.mps--
			}
		}
	}
	a.OpenAppID = ""
}

// Bound returns the appids of the accounts bound to an open account, sorted.
func (s *Server) Bound() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, a := range s.accounts {
		if a.OpenAppID != "" {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// ChangeBehind unbinds the first unbind bound accounts (in appid order) and
// moves the next move ones to new open accounts, as a rehearsal's changes
// behind openbind's back; it returns the appids unbound and moved.
func (s *Server) ChangeBehind(unbind, move int) (unbound, moved []string) {
	for _, id := range s.Bound() {
		switch {
		case len(unbound) < unbind:
			if s.Unbind(id) == nil {
				unbound = append(unbound, id)
			}
		case len(moved) < move:
			if _, err := s.Move(id, ""); err == nil {
				moved = append(moved, id)
			}
		}
	}
	return unbound, moved
}
