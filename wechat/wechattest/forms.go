package wechattest

import (
	"fmt"
	"time"
)

// realForm is the errmsg of an error answer as WeChat writes it today and
// wrote it over the years (api/real-answers.md): the clean text with a
// request id appended — " rid: " (also ", rid: " and "rid:" without a
// space), " hint: [...]", ", hints: [ req_id: ... ]" — some with a URL
// or the caller's IP ("requestIP: ..."), a few with no id at all, and one
// with no text before its ids. n (the answer's number) picks among the
// forms of a code and makes the ids; at is the request's time, whose Unix
// seconds are the rid's first 8 hex digits; ip is the caller's address.
func realForm(code int, text string, n uint64, at time.Time, ip string) string {
	rid := fmt.Sprintf("%08x-%08x-%08x", uint32(at.Unix()), uint32(n*2654435761), uint32(n*40503+0x47a37258))
	hint := fmt.Sprintf("%08x%04x", uint32(n*2246822519), uint16(n))
	switch code {
	case 40001:
		if n%2 == 0 {
			return text + ", hints: [ req_id: " + hint + " ]"
		}
		return text + ", could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/AbCdEf123 rid: " + rid
	case 48001:
		if n%2 == 0 {
			return text + " hint: [" + hint + "!]"
		}
	case 89004:
		if n%2 == 0 {
			return " hint: [" + hint + "] rid: " + rid
		}
	case 61004:
		return text + " requestIP: " + ip + " rid: " + rid
	case 45009:
		if n%3 == 0 {
			return text // the rare form without an id
		}
	case 45011:
		text = "api minute-quota reach limit, must slower, retry next minute"
	}
	return text + [...]string{" rid: ", ", rid: ", " rid:"}[n%3] + rid
}
