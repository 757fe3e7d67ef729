package wechattest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	"openbind/wechat"
)

// Fault is a way for a call to go wrong.
type Fault string

// The faults the stand-in can inject. Those marked "acts" change the state
// first and then lose the answer, as a real server does when a connection
// breaks after the work is done.
const (
	None        Fault = "none"         // no fault: answers as it should (to script a fault after it)
	Busy        Fault = "busy"         // errcode -1, system busy
	BadGateway  Fault = "502"          // HTTP 502 with an HTML page, as a gateway answers
	Unavailable Fault = "503"          // HTTP 503, empty body
	TooMany     Fault = "429"          // HTTP 429
	EmptyBody   Fault = "empty"        // HTTP 200 with an empty body
	HTMLBody    Fault = "html"         // HTTP 200 with an HTML page
	ResetBefore Fault = "reset-before" // connection reset before acting
	ResetAfter  Fault = "reset-after"  // acts, then the connection is reset
	Truncated   Fault = "truncated"    // acts, then the JSON answer is cut off
	Hang        Fault = "hang"         // never answers (until the client gives up)
	HangAfter   Fault = "hang-after"   // acts, then never answers
	MinuteQuota Fault = "45011"        // errcode 45011, minute quota
	DailyQuota  Fault = "45009"        // errcode 45009, daily quota
)

// AllFaults lists every fault kind.
var AllFaults = []Fault{None, Busy, BadGateway, Unavailable, TooMany, EmptyBody, HTMLBody,
	ResetBefore, ResetAfter, Truncated, Hang, HangAfter, MinuteQuota, DailyQuota}

// ParseFault returns the Fault named s.
func ParseFault(s string) (Fault, error) {
	for _, f := range AllFaults {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(AllFaults))
	for i, f := range AllFaults {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown fault %q (want one of %s)", s, strings.Join(names, ", "))
}

// beforeActing reports whether the fault replaces the work, rather than
// losing the answer of work done.
func (f Fault) beforeActing() bool {
	switch f {
	case "", None, ResetAfter, Truncated, HangAfter:
		return false
	}
	return true
}

// answerFault writes the fault's answer. done is the answer of the work
// done, for the faults that act first.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f Fault, done *answer) {
	switch f {
	case Busy:
		s.writeAnswer(w, r, answer{ErrCode: wechat.CodeBusy, ErrMsg: codeMsg(wechat.CodeBusy)})
	case MinuteQuota:
		s.writeAnswer(w, r, answer{ErrCode: wechat.CodeMinuteQuota, ErrMsg: codeMsg(wechat.CodeMinuteQuota)})
	case DailyQuota:
		s.writeAnswer(w, r, answer{ErrCode: wechat.CodeDailyQuota, ErrMsg: codeMsg(wechat.CodeDailyQuota)})
	case BadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
	case Unavailable:
		w.WriteHeader(http.StatusServiceUnavailable)
	case TooMany:
		w.WriteHeader(http.StatusTooManyRequests)
	case EmptyBody:
		w.WriteHeader(http.StatusOK)
	case HTMLBody:
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprint(w, "<html><body>system maintenance</body></html>\n")
	case ResetBefore, ResetAfter:
		reset(w)
	case Truncated:
		data, _ := json.Marshal(done)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Abort: the server closes the connection short of Content-Length.
		panic(http.ErrAbortHandler)
	case Hang, HangAfter:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		panic(http.ErrAbortHandler)
	}
}

// reset closes the connection with a TCP RST (SO_LINGER 0), so that the
// client sees "connection reset by peer" and no answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
