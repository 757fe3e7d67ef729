// Package wechattest is an in-process stand-in for the WeChat open-platform
// account endpoints (create, get, bind) over net/http: accounts with their
// tokens, legal subjects and own daily quotas, the open accounts they are
// bound to, the documented errcodes with errmsgs in the forms of WeChat's
// real answers (request ids; or the clean ones, for golden files), faults
// on demand (errcode -1, HTTP 5xx, latency, lost answers), and more than
// one address, each of which can be made to refuse connections (as
// api2.weixin.qq.com backs api.weixin.qq.com). The tests, `openbind demo`
// and `openbind serve-fake` use it.
//
// The stand-in keeps its own record of every call and of who is bound to
// what, so that a test can check a run's results against the truth.
package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"openbind/wechat"
	"openbind/wechat/errcode"
)

// Account is an authorizer account (Official Account or Mini Program) as the
// stand-in knows it.
type Account struct {
	AppID string
	Token string
	// Subject is the legal subject that owns the account; only accounts of
	// one subject can share an open account. Empty means its own subject.
	Subject string
	// OpenAppID, when set, is the open account the account is bound to
	// before the run (created through the API unless Manual is set).
	OpenAppID string
	// Manual marks OpenAppID as an open account not created through the API.
	Manual bool
	// Unverified makes a bind to the Manual open account answer 89036
	// (not created by the API, or not verified) rather than 89003.
	Unverified bool
	// Quota, when HasQuota, is the calls the account may make today (its
	// own quota: a call made with an authorizer's token spends the
	// authorizer's); the calls beyond answer 45009. See SetAccountQuota.
	Quota    int
	HasQuota bool
	// MiniProgram marks a Mini Program (else an Official Account): an
	// unverified open account takes at most BindLimit of them.
	MiniProgram bool
	// Code, when not 0, is the errcode every call of this account answers.
	Code int
	// StaleTokens are earlier tokens of the account: they answer 42001.
	StaleTokens []string
	// Faults are answered, in order, by this account's first calls.
	Faults []Fault
}

// Call is one request as the stand-in saw it.
type Call struct {
	Path  string
	AppID string    // the account the token belongs to; "" when the token is unknown
	Fault Fault     // the fault injected, "" for none
	Code  int       // the errcode answered when the answer was not a fault
	Acted bool      // the call changed the stand-in's state (created or bound)
	Start time.Time // when the request arrived
	At    time.Time // when it was answered
}

type account struct {
	Account
	faults []Fault // not yet answered
	used   int     // calls let through today, for the account's quota
}

// address is one of the addresses the stand-in listens on.
type address struct {
	addr string // host:port
	hs   *http.Server
	ln   net.Listener
}

// faultShare is the share of calls a fault kind takes.
type faultShare struct {
	kind Fault
	rate float64
}

type tokenRef struct {
	appid string
	stale bool // replaced by a newer token: answers 42001
}

type openAccount struct {
	appID      string
	subject    string
	byAPI      bool
	unverified bool
	made       bool // by a create call, not given before the run
	members    []string
	mps        int // Mini Programs among the members
}

// Server is the stand-in. Its zero value is not usable; call New.
type Server struct {
	// URL is the base URL (http://127.0.0.1:port) once Start has run.
	URL string

	addrs    []*address // guarded by mu
	closed   chan struct{}
	conns    atomic.Int64
	arrived  atomic.Int64
	inFlight atomic.Int64

	mu       sync.Mutex
	accounts map[string]*account // by appid
	tokens   map[string]tokenRef
	opens    map[string]*openAccount
	nextOpen uint64
	calls    []Call
	record   bool
	counts   map[string]int // by path
	faulted  int

	clean      bool   // errmsgs in the reference page's clean forms
	echo       bool   // errmsgs echo the request URL and the token
	answered   uint64 // error answers so far: varies their forms
	acctQuota  int    // each account's own daily quota; < 0: none
	rng        *rand.Rand
	faultMix   []faultShare
	latMin     time.Duration
	latMax     time.Duration
	learn      bool
	quotaLeft  int // calls left today; < 0: no daily quota
	bindLimit  int // Mini Programs an open account takes
	minuteMax  int // calls allowed per quota window; 0: no minute quota
	window     time.Duration
	windowAt   time.Time // start of the current quota window
	windowUsed int
}

// New returns a stand-in that knows accounts. It records every call; see
// SetRecord.
func New(accounts ...Account) *Server {
	s := &Server{
		closed:    make(chan struct{}),
		accounts:  make(map[string]*account),
		tokens:    make(map[string]tokenRef),
		opens:     make(map[string]*openAccount),
		counts:    make(map[string]int),
		record:    true,
		rng:       rand.New(rand.NewPCG(1, 2)),
		quotaLeft: -1,
		acctQuota: -1,
		bindLimit: DefaultBindLimit,
	}
	for _, a := range accounts {
		s.Add(a)
	}
	return s
}

// Add registers an account (replacing one with the same appid).
func (s *Server) Add(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(a)
}

func (s *Server) addLocked(a Account) {
	if a.Subject == "" {
		a.Subject = "subject of " + a.AppID
	}
	acct := &account{Account: a, faults: append([]Fault(nil), a.Faults...)}
	s.accounts[a.AppID] = acct
	if a.Token != "" {
		s.tokens[a.Token] = tokenRef{appid: a.AppID}
	}
	for _, t := range a.StaleTokens {
		s.tokens[t] = tokenRef{appid: a.AppID, stale: true}
	}
	if a.OpenAppID != "" {
		oa := s.opens[a.OpenAppID]
		if oa == nil {
			oa = &openAccount{appID: a.OpenAppID, subject: a.Subject, byAPI: !a.Manual, unverified: a.Unverified}
			s.opens[a.OpenAppID] = oa
		}
		oa.join(&acct.Account)
	}
}

func (oa *openAccount) join(a *Account) {
	oa.members = append(oa.members, a.AppID)
	if a.MiniProgram {
		oa.mps++
	}
}

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

// request is the JSON body of every call.
type request struct {
	AppID     string `json:"appid"`
	OpenAppID string `json:"open_appid"`
}

type answer struct {
	OpenAppID string `json:"open_appid,omitempty"`
	ErrCode   int    `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.arrived.Add(1)
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	switch r.URL.Path {
	case wechat.PathCreate, wechat.PathGet, wechat.PathBind:
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req request
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return
	}
	if len(data) > 0 && json.Unmarshal(data, &req) != nil {
		s.writeAnswer(w, r, answer{ErrCode: 47001, ErrMsg: "data format error"})
		return
	}
	token := r.URL.Query().Get("access_token")

	s.mu.Lock()
	appid, stale := s.resolveLocked(token, req.AppID)
	fault := s.pickFaultLocked(appid)
	lat := s.latMin
	if s.latMax > s.latMin {
		lat += time.Duration(s.rng.Int64N(int64(s.latMax - s.latMin)))
	}
	s.mu.Unlock()

	if lat > 0 && !s.sleep(r, lat) {
		return
	}
	if fault.beforeActing() {
		s.finish(Call{Path: r.URL.Path, AppID: appid, Fault: fault, Start: start})
		s.answerFault(w, r, fault, nil)
		return
	}
	s.mu.Lock()
	ans, acted := s.actLocked(r.URL.Path, token, appid, stale, req)
	s.mu.Unlock()
	s.finish(Call{Path: r.URL.Path, AppID: appid, Fault: fault, Code: ans.ErrCode, Acted: acted, Start: start})
	if fault != "" {
		s.answerFault(w, r, fault, &ans)
		return
	}
	s.writeAnswer(w, r, ans)
}

func (s *Server) finish(c Call) {
	c.At = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[c.Path]++
	if c.Fault != "" {
		s.faulted++
	}
	if s.record {
		s.calls = append(s.calls, c)
	}
}

// sleep waits d, or less if the client goes away; it reports whether the
// answer is still wanted.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closed:
		return false
	}
}

// resolveLocked returns the appid of the account that token belongs to, and
// whether the token has been replaced by a newer one.
func (s *Server) resolveLocked(token, bodyAppID string) (string, bool) {
	if ref, ok := s.tokens[token]; ok {
		return ref.appid, ref.stale
	}
	if s.learn && token != "" && bodyAppID != "" {
		if _, taken := s.accounts[bodyAppID]; !taken {
			s.addLocked(Account{AppID: bodyAppID, Token: token})
			return bodyAppID, false
		}
	}
	return "", false
}

// RotateToken gives appid's account the token next; its current token then
// answers 42001 (expired), as after a refresh by the platform.
func (s *Server) RotateToken(appid, next string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[appid]
	if a == nil {
		return fmt.Errorf("no account %s", appid)
	}
	if a.Token != "" {
		s.tokens[a.Token] = tokenRef{appid: appid, stale: true}
	}
	a.Token = next
	s.tokens[next] = tokenRef{appid: appid}
	return nil
}

func (s *Server) pickFaultLocked(appid string) Fault {
	switch {
	case s.quotaLeft == 0:
		return DailyQuota
	case s.quotaLeft > 0:
		s.quotaLeft--
	}
	if a := s.accounts[appid]; a != nil {
		limit := s.acctQuota
		if a.HasQuota {
			limit = a.Quota
		}
		if limit >= 0 && a.used >= limit {
			return DailyQuota
		}
		a.used++
	}
	if s.minuteMax > 0 {
		if at := time.Now().Truncate(s.window); !at.Equal(s.windowAt) {
			s.windowAt, s.windowUsed = at, 0
		}
		if s.windowUsed >= s.minuteMax {
			return MinuteQuota
		}
		s.windowUsed++
	}
	if a := s.accounts[appid]; a != nil && len(a.faults) > 0 {
		f := a.faults[0]
		a.faults = a.faults[1:]
		if f == None {
			return ""
		}
		return f
	}
	if len(s.faultMix) > 0 {
		x := s.rng.Float64()
		for _, f := range s.faultMix {
			if x < f.rate {
				return f.kind
			}
			x -= f.rate
		}
	}
	return ""
}

// actLocked answers a call as WeChat would and reports whether it changed
// the state.
func (s *Server) actLocked(path, token, appid string, stale bool, req request) (answer, bool) {
	a := s.accounts[appid]
	switch {
	case stale:
		return answer{ErrCode: wechat.CodeTokenExpired, ErrMsg: codeMsg(wechat.CodeTokenExpired)}, false
	case a == nil:
		if token == "" {
			return answer{ErrCode: 41001, ErrMsg: "access_token missing"}, false
		}
		return answer{ErrCode: wechat.CodeInvalidCredential, ErrMsg: codeMsg(wechat.CodeInvalidCredential)}, false
	case req.AppID != "" && req.AppID != a.AppID:
		return answer{ErrCode: wechat.CodeInvalidAppID, ErrMsg: codeMsg(wechat.CodeInvalidAppID)}, false
	case a.Code != 0:
		return answer{ErrCode: a.Code, ErrMsg: codeMsg(a.Code)}, false
	}
	switch path {
	case wechat.PathCreate:
		if a.OpenAppID != "" {
			return answer{ErrCode: wechat.CodeAlreadyBound, ErrMsg: codeMsg(wechat.CodeAlreadyBound)}, false
		}
		s.nextOpen++
		oa := &openAccount{
			appID:   fmt.Sprintf("wx%016x", 0xf0000000_00000000|s.nextOpen),
			subject: a.Subject,
			byAPI:   true,
			made:    true,
		}
		oa.join(&a.Account)
		s.opens[oa.appID] = oa
		a.OpenAppID = oa.appID
		return answer{OpenAppID: oa.appID, ErrMsg: "ok"}, true
	case wechat.PathGet:
		if a.OpenAppID == "" {
			return answer{ErrCode: wechat.CodeNotBound, ErrMsg: codeMsg(wechat.CodeNotBound)}, false
		}
		return answer{OpenAppID: a.OpenAppID, ErrMsg: "ok"}, false
	default:
		return s.bindLocked(a, req.OpenAppID)
	}
}

func (s *Server) bindLocked(a *account, openAppID string) (answer, bool) {
	oa := s.opens[openAppID]
	switch {
	case oa == nil:
		return answer{ErrCode: wechat.CodeInvalidAppID, ErrMsg: "invalid open_appid"}, false
	case a.OpenAppID != "":
		return answer{ErrCode: wechat.CodeAlreadyBound, ErrMsg: codeMsg(wechat.CodeAlreadyBound)}, false
	case oa.subject != a.Subject:
		return answer{ErrCode: wechat.CodeSubjectMismatch, ErrMsg: codeMsg(wechat.CodeSubjectMismatch)}, false
	case !oa.byAPI && oa.unverified:
		return answer{ErrCode: wechat.CodeNotCreatedOrUnverified, ErrMsg: codeMsg(wechat.CodeNotCreatedOrUnverified)}, false
	case !oa.byAPI:
		return answer{ErrCode: wechat.CodeNotCreatedByAPI, ErrMsg: codeMsg(wechat.CodeNotCreatedByAPI)}, false
	case a.MiniProgram && oa.mps >= s.bindLimit:
		return answer{ErrCode: wechat.CodeBindLimit, ErrMsg: codeMsg(wechat.CodeBindLimit)}, false
	}
	oa.join(&a.Account)
	a.OpenAppID = oa.appID
	return answer{ErrMsg: "ok"}, true
}

// codeMsg is the errmsg WeChat writes for code (errcode's table), without
// the request id that realForm adds.
func codeMsg(code int) string {
	if c := errcode.Of(code); c.Msg != "" {
		return c.Msg
	}
	return fmt.Sprintf("error %d", code)
}

// writeAnswer writes ans, its errmsg (of an error) in the real form
// unless the clean forms are on.
func (s *Server) writeAnswer(w http.ResponseWriter, r *http.Request, ans answer) {
	if ans.ErrCode != 0 {
		s.mu.Lock()
		s.answered++
		n, clean, echo := s.answered, s.clean, s.echo
		s.mu.Unlock()
		if !clean {
			ip, _, _ := net.SplitHostPort(r.RemoteAddr)
			ans.ErrMsg = realForm(ans.ErrCode, ans.ErrMsg, n, time.Now(), ip)
		}
		if echo {
			ans.ErrMsg += " url: " + r.URL.RequestURI() + " token: " + r.URL.Query().Get("access_token")
		}
	}
	writeJSON(w, ans)
}

func writeJSON(w http.ResponseWriter, ans answer) {
	data, _ := json.Marshal(ans)
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	_, _ = w.Write(data)
}
