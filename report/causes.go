package report

import (
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Causes: WeChat appends a request id to almost every errmsg, so no two
// failed rows carry the same text. A cause is (call, errcode), or, for a
// failure without an errcode, (call, the kind of failure: "HTTP 502",
// "timeout after 10s", "connection reset" …, openbind's own words); it
// shows its most common message with the request ids removed. The results
// keep each row's full errmsg: WeChat support asks for the rid.

// The calls a failed row's cause names.
const (
	CallCreate = "create"
	CallBind   = "bind"
)

// CallOf is the call that made r fail: bind or create ("" for a row that
// was never sent). The results file has no column for it, and needs none:
// a failed bind records the open account it could not join in
// open_appid, while a failed create has no open account to record (and a
// failed get leaves its row already_bound). So a failed row of a group
// with an open_appid is a bind; every other failed row is a create.
func CallOf(r *Record) string {
	switch {
	case r.Status != Failed:
		return ""
	case r.Group != "" && r.OpenAppID != "":
		return CallBind
	}
	return CallCreate
}

// Request ids in the forms WeChat writes them (api/real-answers.md):
// " rid: 69d4d3a0-366d0172-47a37258", ", rid: …", "rid:…" without a space,
// " hint: [Zp0Q4a0530vr45!]", ", hints: [ req_id: kQw3Ha0611ns42 ]", and a
// bare "req_id: …".
var (
	hintRE  = regexp.MustCompile(`\s*,?\s*\bhints?:\s*\[[^\]]*\]`)
	ridRE   = regexp.MustCompile(`\s*,?\s*\b(?:rid|req_id):\s*[0-9A-Za-z!_-]+`)
	ridTime = regexp.MustCompile(`\brid:\s*([0-9a-fA-F]{8})-[0-9a-fA-F]+`)
	ipRE    = regexp.MustCompile(`\brequestIP:\s*([0-9A-Fa-f.:]+)`)
)

// StripRequestIDs returns msg without its request ids. URLs, IPs
// (requestIP) and the rest of the text stay.
func StripRequestIDs(msg string) string {
	if !strings.Contains(msg, "rid:") && !strings.Contains(msg, "hint") && !strings.Contains(msg, "req_id") {
		return msg
	}
	msg = hintRE.ReplaceAllString(msg, "")
	msg = ridRE.ReplaceAllString(msg, "")
	return strings.TrimRight(strings.TrimSpace(msg), " ,")
}

// RIDTime is the time of the oldest request id in msg: the first 8 hex
// digits of a rid are the Unix time of the request.
func RIDTime(msg string) (time.Time, bool) {
	var oldest time.Time
	for _, m := range ridTime.FindAllStringSubmatch(msg, -1) {
		sec, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil || sec == 0 {
			continue
		}
		t := time.Unix(int64(sec), 0).UTC()
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest, !oldest.IsZero()
}

// RIDLifetime is how long WeChat support can look a request id up.
const RIDLifetime = 7 * 24 * time.Hour

// requestIPs returns the IPs of "requestIP: …" in msg.
func requestIPs(msg string) []string {
	var out []string
	for _, m := range ipRE.FindAllStringSubmatch(msg, -1) {
		ip := strings.TrimRight(m[1], ".:")
		if net.ParseIP(ip) != nil && !slices.Contains(out, ip) {
			out = append(out, ip)
		}
	}
	return out
}

// Bounds of what a cause keeps, whatever the number of its rows.
const (
	maxCauseMsgs = 64 // distinct messages counted per cause
	maxCauseIPs  = 20 // distinct requestIPs listed per cause
)

// causeDetail is what a Tally gathers of one cause beyond its count.
type causeDetail struct {
	msgs  map[string]int
	order []string // msgs in the order first seen, for ties
}

func (d *causeDetail) add(msg string) {
	if d.msgs == nil {
		d.msgs = map[string]int{}
	}
	if _, ok := d.msgs[msg]; !ok {
		if len(d.msgs) >= maxCauseMsgs {
			return
		}
		d.order = append(d.order, msg)
	}
	d.msgs[msg]++
}

// common is the most common message (the first seen among equals); a
// message that is nothing but request ids (WeChat sends some) comes last.
func (d *causeDetail) common() string {
	best, n := "", 0
	for _, m := range d.order {
		if m != "" && d.msgs[m] > n {
			best, n = m, d.msgs[m]
		}
	}
	return best
}
