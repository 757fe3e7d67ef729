package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"openbind/wechat"
	"openbind/wechat/errcode"
)

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
