package report

import (
	"encoding/json"
	"io"
	"time"
)

// WriteJSON writes the summary for machines: the same aggregates as
// WriteText.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s.jsonView())
}

type jsonFailure struct {
	Status  string `json:"status"`
	Call    string `json:"call,omitempty"`
	ErrCode int    `json:"errcode,omitempty"`
	// ErrMsg is the cause's most common errmsg, without request ids.
	ErrMsg     string     `json:"errmsg"`
	Count      int        `json:"count"`
	Lines      []int      `json:"lines"`
	Remedy     string     `json:"remedy"`
	IPs        []string   `json:"request_ips,omitempty"`
	RIDsExpire *time.Time `json:"oldest_rid_expires_at,omitempty"`
}

type jsonFailovers struct {
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	From  string    `json:"from"`
	To    string    `json:"to"`
}

type jsonOdd struct {
	Group  string `json:"group"`
	Line   int    `json:"line"`
	Others int    `json:"rows_failed_89001"`
}

type jsonBin struct {
	Start   time.Time `json:"start"`
	Seconds float64   `json:"seconds"`
	Rows    int       `json:"rows"`
}

type jsonRun struct {
	Sent       int            `json:"sent"`
	Calls      int            `json:"calls"`
	Retries    int            `json:"retries"`
	ElapsedSec float64        `json:"elapsed_seconds"`
	RowsPerSec float64        `json:"rows_per_second"`
	LatencySec map[string]any `json:"call_latency_seconds"`
	Outcomes   map[string]int `json:"calls_by_outcome"`
	Stopped    string         `json:"stopped,omitempty"`
	Failovers  *jsonFailovers `json:"failovers,omitempty"`
}

type jsonSummary struct {
	File       string         `json:"file,omitempty"`
	Rows       int            `json:"rows"`
	Done       int            `json:"done"`
	Statuses   map[string]int `json:"statuses"`
	Failures   []jsonFailure  `json:"failures"`
	Attempts   int            `json:"attempts"`
	First      *time.Time     `json:"first_finished_at,omitempty"`
	Last       *time.Time     `json:"last_finished_at,omitempty"`
	RowsPerSec float64        `json:"rows_per_second_finished"`
	ActiveSec  float64        `json:"active_seconds"`
	Sessions   int            `json:"runs"`
	Split      []string       `json:"split_groups"`
	Incomplete []string       `json:"incomplete_groups"`
	Timeline   []jsonBin      `json:"timeline"`
	Other      int            `json:"other_causes_rows,omitempty"`
	Kept       map[string]int `json:"kept_records"`
	OddFirst   []jsonOdd      `json:"odd_first_rows"`
	Run        *jsonRun       `json:"run,omitempty"`
	Next       []string       `json:"next"`
	Verify     *jsonVerify    `json:"verified_against_wechat,omitempty"`
}

func (s *Summary) jsonView() jsonSummary {
	out := jsonSummary{File: s.File, Rows: s.Rows, Done: s.Done(), Statuses: map[string]int{}, Failures: []jsonFailure{}, Attempts: s.Attempts, Next: s.Next(),
		Split: append([]string{}, s.SplitGroups...), Incomplete: append([]string{}, s.IncompleteGroups...),
		Timeline: []jsonBin{}, Other: s.OtherCauses, Kept: map[string]int{}, OddFirst: []jsonOdd{}}
	for st, n := range s.Kept {
		out.Kept[st.String()] = n
	}
	for _, o := range s.OddLeaders {
		out.OddFirst = append(out.OddFirst, jsonOdd{o.Group, o.Line, o.Others})
	}
	for _, b := range s.Timeline {
		out.Timeline = append(out.Timeline, jsonBin{b.Start.UTC(), b.Width.Seconds(), b.Rows})
	}
	if out.Next == nil {
		out.Next = []string{}
	}
	for _, st := range Statuses {
		out.Statuses[st.String()] = s.Counts[st]
	}
	for _, f := range s.Failures {
		jf := jsonFailure{Status: f.Status.String(), Call: f.Call, ErrCode: f.Code, ErrMsg: f.Msg, Count: f.Count, Lines: f.Lines, Remedy: f.Remedy(), IPs: f.IPs}
		if e := f.RIDsExpire(); !e.IsZero() {
			e = e.UTC()
			jf.RIDsExpire = &e
		}
		out.Failures = append(out.Failures, jf)
	}
	if !s.First.IsZero() {
		first, last := s.First.UTC(), s.Last.UTC()
		out.First, out.Last = &first, &last
		out.RowsPerSec, out.ActiveSec, out.Sessions = s.Rate(), s.Active.Seconds(), s.Sessions
	}
	if s.Verify != nil {
		out.Verify = s.Verify.jsonView()
	}
	if r := s.Run; r != nil {
		out.Run = &jsonRun{Sent: r.Sent, Calls: r.Calls, Retries: r.Retries, ElapsedSec: r.Elapsed.Seconds(),
			RowsPerSec: perSecond(r.Sent, r.Elapsed), Outcomes: r.Outcomes, Stopped: r.Stopped,
			LatencySec: map[string]any{"p50": r.Latency[0], "p95": r.Latency[1], "p99": r.Latency[2]}}
		if f := r.Failovers; f.Count > 0 {
			out.Run.Failovers = &jsonFailovers{f.Count, f.First.UTC(), f.Last.UTC(), f.From, f.To}
		}
	}
	return out
}
