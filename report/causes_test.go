package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestStripRequestIDs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"account has bound open rid: 69d4d3a0-366d0172-47a37258", "account has bound open"},
		{"invalid credential, access_token is invalid or not latest, hints: [ req_id: kQw3Ha0611ns42 ]", "invalid credential, access_token is invalid or not latest"},
		{"api unauthorized hint: [Zp0Q4a0530vr45!]", "api unauthorized"},
		{" hint: [19Lk2a0848hb77] rid: 5f3ca0d1-45065ccc-359e2731", ""},
		{"access clientip is not registered requestIP: 203.0.113.7 rid: 5f9b8f0e-25dabd3d-23cb1a47", "access clientip is not registered requestIP: 203.0.113.7"},
		{"invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/AbCdEf123 rid: 697832c5-0a1b2c3d-4e5f6a7b",
			"invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/AbCdEf123"},
		{"system error, rid: 67219a88-6129ea89-48de5572", "system error"},
		{"system error rid:67d8aa01-6129ea89-48de5572", "system error"},
		{"reach max api daily quota limit", "reach max api daily quota limit"},
		{"system error req_id: abc123", "system error"},
		{"HTTP 502", "HTTP 502"},
		{"grid: 5 cells", "grid: 5 cells"}, // "rid:" inside a word is not a request id
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := StripRequestIDs(tt.in); got != tt.want {
				t.Errorf("StripRequestIDs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRIDTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"account has bound open rid: 69d4d3a0-366d0172-47a37258", time.Unix(0x69d4d3a0, 0)},
		{"system error, rid:5f3ca0d1-45065ccc-359e2731", time.Unix(0x5f3ca0d1, 0)},
		{"api unauthorized hint: [Zp0Q4a0530vr45!]", time.Time{}},
		{"no id", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := RIDTime(tt.in)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("RIDTime(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			}
		})
	}
}

// A cause's message is its most common one; one that was nothing but
// request ids gives way to any with words.
func TestCauseMessage(t *testing.T) {
	tally := NewTally()
	for i, msg := range []string{" hint: [19Lk2a0848hb77] rid: 5f3ca0d1-45065ccc-359e2731", " hint: [29Lk2a0848hb77]",
		"account has reached bind limit rid: 5f3ca0d2-45065ccc-359e2731", " rid: 5f3ca0d3-45065ccc-359e2731"} {
		tally.Add(&Record{Line: i + 2, Status: Failed, ErrCode: 89004, ErrMsg: msg})
	}
	s := tally.Summary()
	if len(s.Failures) != 1 || s.Failures[0].Msg != "account has reached bind limit" || s.Failures[0].Count != 4 {
		t.Errorf("causes %+v", s.Failures)
	}
	if got := s.Failures[0].OldestRID; !got.Equal(time.Unix(0x5f3ca0d1, 0)) {
		t.Errorf("oldest rid %v", got)
	}
}

func TestCallOf(t *testing.T) {
	tests := []struct {
		r    Record
		want string
	}{
		{Record{Status: Failed, ErrCode: 40001}, CallCreate},
		{Record{Status: Failed, Group: "m", ErrCode: 89001}, CallCreate}, // a group's leader
		{Record{Status: Failed, Group: "m", OpenAppID: "wxf000000000000001", ErrCode: 89001}, CallBind},
		{Record{Status: Invalid}, ""},
		{Record{Status: Created, OpenAppID: "wxf000000000000001"}, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.r), func(t *testing.T) {
			if got := CallOf(&tt.r); got != tt.want {
				t.Errorf("CallOf = %q, want %q", got, tt.want)
			}
		})
	}
}

// realForms are errmsgs of one errcode in the forms WeChat writes them,
// each with a new request id (api/real-answers.md).
func realForm(rng *rand.Rand, code int, at time.Time) string {
	rid := fmt.Sprintf("%08x-%08x-%08x", at.Unix(), rng.Uint32(), rng.Uint32())
	hint := fmt.Sprintf("%x", rng.Uint64())
	switch code {
	case 40001:
		if rng.IntN(2) == 0 {
			return "invalid credential, access_token is invalid or not latest, hints: [ req_id: " + hint + " ]"
		}
		return "invalid credential, access_token is invalid or not latest rid: " + rid
	case 61004:
		return fmt.Sprintf("access clientip is not registered requestIP: 203.0.113.%d rid: %s", 7+rng.IntN(2), rid)
	}
	return []string{"system error rid: ", "system error, rid: ", "system error rid:"}[rng.IntN(3)] + rid
}

// A run's failures in real forms: one cause per (call, errcode), each
// with its most common message without ids; kinds without an errcode by
// kind; the oldest rid's expiry; 61004's IPs in its remedy; the same in
// text, JSON and the page. Seeded.
func TestCausesOfRealForms(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	tally := NewTally()
	t0 := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	codes := []int{40001, 61004, -1}
	n := map[int]int{}
	for i := range 400 {
		r := Record{Line: i + 2, AppID: fmt.Sprintf("wx%016x", i), Status: Created, Attempts: 1, FinishedAt: t0}
		switch k := rng.IntN(5); k {
		case 0, 1, 2:
			code := codes[k]
			r.Status, r.ErrCode = Failed, code
			r.ErrMsg = realForm(rng, code, t0.Add(time.Duration(rng.IntN(3600))*time.Second))
			if code == -1 && rng.IntN(4) == 0 {
				r.Group, r.OpenAppID = "m", "wxf000000000000001" // a failed bind
				n[-2]++
			} else {
				n[code]++
			}
		case 3:
			r.Status, r.ErrMsg = Failed, "HTTP 502"
			n[502]++
		}
		tally.Add(&r)
	}
	// The oldest request of all, in a cause of its own.
	tally.Add(&Record{Line: 402, Status: Failed, ErrCode: 48001, Attempts: 1, FinishedAt: t0,
		ErrMsg: "api unauthorized rid: " + fmt.Sprintf("%08x", t0.Add(-time.Hour).Unix()) + "-00000000-00000000"})
	s := tally.Summary()
	type cause struct {
		call string
		code int
		msg  string
	}
	got := map[cause]int{}
	for _, f := range s.Failures {
		msg := f.Msg
		if f.Code == 61004 {
			msg = strings.TrimSuffix(strings.TrimSuffix(msg, "7"), "8") // either IP may be the most common
		}
		got[cause{f.Call, f.Code, msg}] = f.Count
		if f.Code == -1 && f.OldestRID.IsZero() {
			t.Errorf("cause %d: no rid time", f.Code)
		}
	}
	want := map[cause]int{
		{CallCreate, 61004, "access clientip is not registered requestIP: 203.0.113."}: n[61004],
		{CallCreate, -1, "system error"}:                                               n[-1],
		{CallBind, -1, "system error"}:                                                 n[-2],
		{CallCreate, 0, "HTTP 502"}:                                                    n[502],
	}
	want[cause{CallCreate, 48001, "api unauthorized"}] = 1
	for c, k := range got {
		if c.code == 40001 {
			if k != n[40001] || c.msg != "invalid credential, access_token is invalid or not latest" {
				t.Errorf("40001: %d rows %q, want %d", k, c.msg, n[40001])
			}
			delete(got, c)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("causes\n got %v\nwant %v", got, want)
	}
	// 61004: the most common message may name either IP; the remedy names both.
	for _, f := range s.Failures {
		if f.Code == 61004 && (!strings.Contains(f.Remedy(), "203.0.113.7") || !strings.Contains(f.Remedy(), "203.0.113.8")) {
			t.Errorf("61004 remedy %q", f.Remedy())
		}
	}
	var text, js, page bytes.Buffer
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHTML(&page, PageOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "html": page.String()} {
		if strings.Contains(out, "rid: ") || strings.Contains(out, "req_id") {
			t.Errorf("%s shows a request id:\n%s", name, out)
		}
		if !strings.Contains(out, "2026-12-04 02:00") && !strings.Contains(out, "2026-12-04T02:00") {
			t.Errorf("%s does not say when the oldest rid expires:\n%s", name, out)
		}
	}
	var j struct {
		Failures []struct {
			Call    string `json:"call"`
			ErrCode int    `json:"errcode"`
		} `json:"failures"`
	}
	if err := json.Unmarshal(js.Bytes(), &j); err != nil || len(j.Failures) != len(want)+1 {
		t.Errorf("JSON failures %+v, %v; want %d causes", j.Failures, err, len(want)+1)
	}
	if rows := strings.Count(page.String(), "<tr><td class=\"num\">"); rows != len(want)+1 {
		t.Errorf("the page's failure table has %d rows, want %d", rows, len(want)+1)
	}
}
