package wechattest

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Start serves the stand-in on a loopback port and sets URL.
func (s *Server) Start() *Server {
	u, err := s.AddAddress("127.0.0.1:0")
	if err != nil {
		panic("wechattest: " + err.Error())
	}
	s.URL = u
	return s
}

// AddAddress serves the stand-in on one more loopback address (port 0: a
// free one), with the same accounts, as api2.weixin.qq.com serves the
// same platform as api.weixin.qq.com; it returns the address's base URL.
func (s *Server) AddAddress(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	a := &address{addr: ln.Addr().String()}
	s.mu.Lock()
	s.addrs = append(s.addrs, a)
	s.mu.Unlock()
	s.serve(a, ln)
	return "http://" + a.addr, nil
}

func (s *Server) serve(a *address, ln net.Listener) {
	hs := &http.Server{Handler: s, ConnState: s.ConnState, ReadHeaderTimeout: 10 * time.Second}
	a.hs, a.ln = hs, ln
	go func() { _ = hs.Serve(ln) }()
}

// URLs returns the base URLs of the stand-in's addresses, in the order
// they were added.
func (s *Server) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.addrs))
	for i, a := range s.addrs {
		out[i] = "http://" + a.addr
	}
	return out
}

// SetReachable makes address i (0 for URL, as URLs lists them) refuse
// every connection (its port closed: connection refused) or listen again
// on the same port.
func (s *Server) SetReachable(i int, on bool) error {
	s.mu.Lock()
	if i < 0 || i >= len(s.addrs) {
		s.mu.Unlock()
		return fmt.Errorf("no address %d", i)
	}
	a := s.addrs[i]
	s.mu.Unlock()
	switch {
	case !on && a.hs != nil:
		_ = a.hs.Close() // the listener and every connection
		a.hs, a.ln = nil, nil
	case on && a.hs == nil:
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			return err
		}
		s.serve(a, ln)
	}
	return nil
}

// Close stops every address and releases hanging answers.
func (s *Server) Close() {
	s.Release()
	s.mu.Lock()
	addrs := s.addrs
	s.mu.Unlock()
	for _, a := range addrs {
		if a.hs != nil {
			_ = a.hs.Close()
		}
	}
}

// Release answers every hanging call (they see a closed connection).
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
}

// ConnState counts new connections; install it as http.Server.ConnState.
func (s *Server) ConnState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		s.conns.Add(1)
	}
}

// Conns is the number of TCP connections accepted so far.
func (s *Server) Conns() int64 { return s.conns.Load() }

// Arrived is the number of requests that have arrived, answered or not.
func (s *Server) Arrived() int64 { return s.arrived.Load() }

// InFlight is the number of requests not answered yet.
func (s *Server) InFlight() int64 { return s.inFlight.Load() }
