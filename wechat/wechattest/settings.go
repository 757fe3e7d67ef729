package wechattest

import (
	"math/rand/v2"
	"time"
)

// SetFaults makes a share rate (0..1) of all calls answer one of kinds,
// chosen at random with a generator seeded by seed. Faults scripted on an
// account come first.
func (s *Server) SetFaults(rate float64, seed uint64, kinds ...Fault) {
	mix := map[Fault]float64{}
	for _, k := range kinds {
		mix[k] += rate / float64(len(kinds))
	}
	s.SetFaultMix(seed, mix)
}

// SetFaultMix makes each kind fault its share (0..1) of all calls, chosen
// at random with a generator seeded by seed. The shares add up to at most 1.
func (s *Server) SetFaultMix(seed uint64, mix map[Fault]float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultMix = s.faultMix[:0]
	for _, k := range AllFaults { // a fixed order, for a repeatable sequence
		if r := mix[k]; r > 0 {
			s.faultMix = append(s.faultMix, faultShare{k, r})
		}
	}
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// SetLatency makes every answer wait a time drawn uniformly from [min, max].
func (s *Server) SetLatency(minimum, maximum time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latMin, s.latMax = minimum, max(minimum, maximum)
}

// DefaultBindLimit is how many Mini Programs an unverified open account
// takes (the API reference's note: at most 5).
const DefaultBindLimit = 5

// SetBindLimit sets how many Mini Programs an open account takes.
func (s *Server) SetBindLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindLimit = n
}

// SetDailyQuota lets n more calls through; every call after them answers
// 45009 (daily quota exhausted). n < 0 lifts the quota.
func (s *Server) SetDailyQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotaLeft = n
}

// SetAccountQuota gives every account without a quota of its own (see
// Account.Quota) n calls a day; the calls beyond answer 45009 for that
// account only. n < 0 lifts it.
func (s *Server) SetAccountQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acctQuota = n
}

// SetCleanForms makes the errmsgs the reference page's clean texts
// ("invalid appid"), for golden files; by default they come in the forms
// of WeChat's real answers, with request ids (see realForm).
func (s *Server) SetCleanForms(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clean = on
}

// SetEcho makes every error answer echo the request's URL as received
// (access_token and all) and the token itself in its errmsg, as a proxy
// or a debugging gateway may: a test that no token leaks by value.
func (s *Server) SetEcho(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = on
}

// SetMinuteQuota lets n calls through per window of the clock (a minute
// for WeChat); the calls beyond answer 45011 until the window turns.
// n <= 0 lifts the quota.
func (s *Server) SetMinuteQuota(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minuteMax, s.window, s.windowUsed = n, window, 0
}

// SetLearn makes an unknown token, presented with an appid in the body, a
// new account of that appid (for rehearsals with a real input file).
func (s *Server) SetLearn(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.learn = on
}

// SetRecord turns the per-call record (Calls) on or off; counts stay.
func (s *Server) SetRecord(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record = on
}
