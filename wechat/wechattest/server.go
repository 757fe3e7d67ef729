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
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
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
