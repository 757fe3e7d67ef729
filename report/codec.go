package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Writer encodes records as CSV lines, one line per record (an errmsg's line
// breaks become spaces, so that a torn write can only tear the last line).
type Writer struct {
	w      io.Writer
	buf    bytes.Buffer
	cw     *csv.Writer
	fields [numColumns]string
}

// NewWriter returns a Writer that writes to w. Each Write is one Write of w.
func NewWriter(w io.Writer) *Writer {
	e := &Writer{w: w}
	e.cw = csv.NewWriter(&e.buf)
	return e
}

// WriteHeader writes the header line.
func (e *Writer) WriteHeader() (int, error) {
	return e.writeFields(Columns)
}

// Write writes one record and returns the number of bytes written.
func (e *Writer) Write(r *Record) (int, error) {
	f := e.fields[:]
	f[colLine] = strconv.Itoa(r.Line)
	f[colAppID] = oneLine(r.AppID)
	f[colGroup] = oneLine(r.Group)
	f[colStatus] = r.Status.String()
	f[colOpenAppID] = oneLine(r.OpenAppID)
	f[colErrCode] = ""
	if r.ErrCode != 0 {
		f[colErrCode] = strconv.Itoa(r.ErrCode)
	}
	f[colErrMsg] = oneLine(r.ErrMsg)
	f[colAttempts] = strconv.Itoa(r.Attempts)
	f[colFinishedAt] = ""
	if !r.FinishedAt.IsZero() {
		f[colFinishedAt] = r.FinishedAt.UTC().Format(TimeFormat)
	}
	return e.writeFields(f)
}

func (e *Writer) writeFields(f []string) (int, error) {
	e.buf.Reset()
	if err := e.cw.Write(f); err != nil {
		return 0, err
	}
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return 0, err
	}
	return e.w.Write(e.buf.Bytes())
}

func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// Reader decodes a results file by header name: columns may come in any
// order, and unknown columns are ignored. appid and status are required.
type Reader struct {
	cr    *csv.Reader
	idx   [numColumns]int // column of each field, -1 when absent
	ncols int
	start int64 // offset of the last record read
	line  int   // line of the last record read
	canon bool
}

// ErrNotResults is returned (wrapped) for a file that is not a results file.
var ErrNotResults = errors.New("not a results file")

// NewReader reads the header from r. An empty r gives io.EOF.
func NewReader(r io.Reader) (*Reader, error) {
	d := &Reader{cr: csv.NewReader(r)}
	d.cr.ReuseRecord = true
	header, err := d.cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("header: %w", err)
	}
	for i := range d.idx {
		d.idx[i] = -1
	}
	d.ncols = len(header)
	d.canon = len(header) == numColumns
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for c, col := range Columns {
			if name == col {
				if d.idx[c] >= 0 {
					return nil, fmt.Errorf("line 1: column %q twice: %w", col, ErrNotResults)
				}
				d.idx[c] = i
				if c != i {
					d.canon = false
				}
			}
		}
	}
	if d.idx[colAppID] < 0 || d.idx[colStatus] < 0 {
		return nil, fmt.Errorf("line 1: no appid or status column: %w", ErrNotResults)
	}
	for _, i := range d.idx {
		if i < 0 {
			d.canon = false
		}
	}
	return d, nil
}

// Canonical reports whether the header is exactly Columns, the layout that
// Writer appends.
func (d *Reader) Canonical() bool { return d.canon }

// Offset is the byte offset of the last record read.
func (d *Reader) Offset() int64 { return d.start }

// Line is the line (1-based) on which the last record read starts.
func (d *Reader) Line() int { return d.line }

// InputOffset is the byte offset just after the last record read.
func (d *Reader) InputOffset() int64 { return d.cr.InputOffset() }

// Read decodes the next record; io.EOF at the end.
func (d *Reader) Read(r *Record) error {
	d.start = d.cr.InputOffset()
	f, err := d.cr.Read()
	if err != nil {
		return err
	}
	d.line, _ = d.cr.FieldPos(0)
	return d.decode(f, r)
}

func (d *Reader) decode(f []string, r *Record) error {
	get := func(c int) string {
		if i := d.idx[c]; i >= 0 {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	bad := func(c int, err error) error {
		_, col := d.cr.FieldPos(d.idx[c])
		return fmt.Errorf("line %d, column %d (%s): %w", d.line, col, Columns[c], err)
	}
	var err error
	*r = Record{AppID: get(colAppID), Group: get(colGroup), OpenAppID: get(colOpenAppID), ErrMsg: get(colErrMsg)}
	if r.Status, err = ParseStatus(get(colStatus)); err != nil {
		return bad(colStatus, err)
	}
	if r.Line, err = atoiOrZero(get(colLine)); err != nil {
		return bad(colLine, err)
	}
	if r.ErrCode, err = atoiOrZero(get(colErrCode)); err != nil {
		return bad(colErrCode, err)
	}
	if r.Attempts, err = atoiOrZero(get(colAttempts)); err != nil {
		return bad(colAttempts, err)
	}
	if s := get(colFinishedAt); s != "" {
		if r.FinishedAt, err = time.Parse(time.RFC3339, s); err != nil {
			return bad(colFinishedAt, err)
		}
	}
	return nil
}

func atoiOrZero(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}
