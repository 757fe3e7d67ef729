package report

import (
	"time"
)

// Summary is what a results file says, in aggregate, with what the run
// that wrote it measured when there was one.
type Summary struct {
	File     string
	Rows     int
	Counts   map[Status]int
	Failures []Failure // failed and invalid rows by cause, most frequent first
	Attempts int       // calls recorded in the file's rows
	// First and Last are the earliest and latest finished_at.
	First, Last time.Time
	// Merchant groups whose done rows name two open accounts or more
	// (split), and with a row not done or done without its open account
	// (incomplete), by name.
	SplitGroups      []string
	IncompleteGroups []string
	// Timeline is the rows finished over time, in equal bins from First
	// to Last (at most TimelineBins).
	Timeline []Bin
	// Active is the time rows were finishing: the spans of finished_at
	// split where no row finished for SessionGap (reruns from cron come
	// apart), added up; Sessions is how many spans.
	Active   time.Duration
	Sessions int
	// OtherCauses counts the rows of failure causes beyond MaxCauses.
	OtherCauses int
	// Kept counts, by status, the records of other inputs that the file
	// keeps after the rows of its input (no line): another wave's, or rows
	// deleted from the input. They are not rows of the input.
	Kept map[Status]int
	// OddLeaders are groups whose open account was made by one row while
	// every other row failed 89001 (another legal subject): the row that
	// made it is likely the one of another subject.
	OddLeaders []OddLeader
	Run        *Run // nil when summarizing a file
	// Verify is the last verification against WeChat (report --verify);
	// nil when none was given.
	Verify *VerifySummary
}

// Bin is a span of time and the rows finished in it.
type Bin struct {
	Start time.Time
	Width time.Duration
	Rows  int
}

// SessionGap is the pause in finished rows that separates two runs.
const SessionGap = time.Minute

// Limits of a summary's size, whatever the size of the file.
const (
	TimelineBins = 60
	MaxCauses    = 200
)

// Run is what one run measured.
type Run struct {
	Sent     int            // rows sent
	Calls    int            // calls made, retries included
	Retries  int            // calls that repeated a failed one
	Elapsed  time.Duration  // start to end of the run
	Latency  [3]float64     // p50, p95, p99 of the calls, in seconds
	Outcomes map[string]int // calls by outcome (see Outcome)
	Stopped  string         // why the run stopped early; "" when it did not
	// Stop is Stopped as an error, to say in a language (Printer.Error);
	// nil when the run did not stop early or when only Stopped is known.
	Stop  error
	Notes []string // what else people must know of the results file
	// Failovers is how often calls went on to the next URL of --base-url.
	Failovers Failovers
}

// Failovers is how often a run's calls failed over to the next URL, when,
// and between which URLs the last time.
type Failovers struct {
	Count       int
	First, Last time.Time
	From, To    string
}

// Failure is one cause of failed or invalid rows: failed rows by (call,
// errcode), or by (call, kind) when there is no errcode (see causes.go);
// invalid rows by the kind of problem.
type Failure struct {
	Status Status
	Call   string // CallCreate or CallBind; "" for invalid rows
	Code   int    // WeChat errcode, 0 when none
	// Msg is the cause's most common errmsg without its request ids (for
	// invalid rows, the kind of problem).
	Msg   string
	Count int
	Lines []int // the first few input lines with it
	// OldestRID is the time of the oldest request id among the cause's
	// rows (zero when none has one): WeChat support can look it up until
	// OldestRID + RIDLifetime.
	OldestRID time.Time
	// IPs are the distinct requestIPs the messages name (61004: the IPs
	// to whitelist).
	IPs []string
}

// RIDsExpire is when WeChat support can no longer look up the oldest
// request id of the cause; zero when none is known.
func (f *Failure) RIDsExpire() time.Time {
	if f.OldestRID.IsZero() {
		return time.Time{}
	}
	return f.OldestRID.Add(RIDLifetime)
}

// OddLeader is a group whose creating row looks of another legal subject
// than the rest.
type OddLeader struct {
	Group  string
	Line   int // the row that created the group's open account
	Others int // rows of the group that failed 89001
}

// maxLines bounds Failure.Lines.
const maxLines = 10

// Rate is the rows finished per second of active time.
func (s *Summary) Rate() float64 {
	return perSecond(s.Rows-s.Counts[Invalid]-s.Counts[Pending], s.Active)
}

// KeptRecords is the number of records kept from other inputs.
func (s *Summary) KeptRecords() int {
	n := 0
	for _, c := range s.Kept {
		n += c
	}
	return n
}

// Complete reports whether the file's input is finished: every row done,
// and every merchant group on one open account that every row confirms.
func (s *Summary) Complete() bool {
	return s.Done() == s.Rows && len(s.SplitGroups) == 0 && len(s.IncompleteGroups) == 0
}

// Done is the number of rows done.
func (s *Summary) Done() int {
	return s.Counts[Created] + s.Counts[AlreadyBound] + s.Counts[Bound]
}

// Remedy says, in plain words, what to do about rows that failed with f
// (remedy.go: by errcode's table).
func (f *Failure) Remedy() string { return f.remedy() }

// RIDsExpire is when the oldest request id of any cause expires for WeChat
// support; zero when none is known.
func (s *Summary) RIDsExpire() time.Time {
	var oldest time.Time
	for i := range s.Failures {
		if e := s.Failures[i].RIDsExpire(); !e.IsZero() && (oldest.IsZero() || e.Before(oldest)) {
			oldest = e
		}
	}
	return oldest
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
