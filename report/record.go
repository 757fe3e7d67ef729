// Package report owns the results file of a run — its columns, the encoder
// that appends a row as each account finishes, the decoder that reads a
// file back by header name (tolerating a torn last line), the journal that
// keeps the file on disk and its final rewrite in input order — and what is
// made of it: the summary and the sign-off report (the Prometheus textfile
// is report/promfile). The
// verification report of `openbind verify` lives here too (verify.go), with
// the same discipline.
package report

import (
	"fmt"
	"strings"
	"time"
)

// Status is the outcome of a row.
type Status uint8

// The statuses, as README "Results" defines them. The zero value is no status.
const (
	_ Status = iota
	Created
	AlreadyBound
	Bound
	Failed
	Invalid
	Pending
)

var statusNames = [...]string{"", "created", "already_bound", "bound", "failed", "invalid", "pending"}

// Statuses lists every status in the order summaries show them.
var Statuses = []Status{Created, AlreadyBound, Bound, Failed, Invalid, Pending}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", s)
}

// Done reports whether a row with this status is finished: it is never
// sent again.
func (s Status) Done() bool { return s == Created || s == AlreadyBound || s == Bound }

// Final reports whether the status records the outcome of a call (done or
// failed), as opposed to invalid and pending, which say nothing about the
// account: the state of an appid is its last final row.
func (s Status) Final() bool { return s.Done() || s == Failed }

// ParseStatus returns the status named s (case-insensitive, trimmed).
func ParseStatus(s string) (Status, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range statusNames {
		if i > 0 && n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q", s)
}

// Columns are the columns of a results file, in the order openbind writes
// them. Readers find them by name.
var Columns = []string{"line", "appid", "group", "status", "open_appid", "errcode", "errmsg", "attempts", "finished_at"}

// Column indexes into Columns.
const (
	colLine = iota
	colAppID
	colGroup
	colStatus
	colOpenAppID
	colErrCode
	colErrMsg
	colAttempts
	colFinishedAt
	numColumns
)

// Matters reports whether the record says something of the account: a
// final status (done or failed), or calls sent that did not finish (a
// pending record with attempts). The state of an appid is its last record
// that matters; invalid records and pending ones never sent say nothing.
func (r *Record) Matters() bool {
	return r.Status.Final() || (r.Status == Pending && r.Attempts > 0)
}

// InDoubt reports whether the record leaves open whether a call acted on
// WeChat: calls were sent and the row ended without an answer of WeChat
// that settles it — pending after calls (cut off, or a call in flight when
// the run was killed), or failed without an errcode (a lost answer, a
// gateway's HTTP error, a timeout). A merchant group asks get of such a
// row before any other row creates an open account. The fact lives in the
// record's structure (status, errcode, attempts), never in its errmsg.
func (r *Record) InDoubt() bool {
	switch r.Status {
	case Pending:
		return r.Attempts > 0
	case Failed:
		return r.ErrCode == 0 && r.Attempts > 0
	}
	return false
}

// Kept reports whether the record is one of another input, kept after the
// rows of the current one: it has no line.
func (r *Record) Kept() bool { return r.Line == 0 }

// SplitMsg starts the errmsg of a group's row that turned out bound to
// another open account than its group's: the merchant's accounts are split.
const SplitMsg = "group split"

// IsSplit reports whether the record is a group's row found bound to
// another open account than its group's, or left waiting because its
// group's rows are on several (its errmsg starts with SplitMsg).
func (r *Record) IsSplit() bool { return strings.HasPrefix(r.ErrMsg, SplitMsg) }

// TimeFormat is the layout of finished_at: RFC 3339 in UTC, milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Record is one row of a results file.
type Record struct {
	Line       int // line of the account in the input file
	AppID      string
	Group      string
	Status     Status
	OpenAppID  string
	ErrCode    int // the WeChat errcode; 0 when there is none
	ErrMsg     string
	Attempts   int       // calls sent for the row by the run that wrote it
	FinishedAt time.Time // zero for rows never finished (invalid, pending)
}
