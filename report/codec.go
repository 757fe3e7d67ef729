package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Writer encodes records as CSV lines, one line per record (an errmsg's line
// breaks become spaces, so that a torn write can only tear the last line).
// Fields are quoted as encoding/csv quotes them; the encoding is done here,
// into one buffer, because it runs for every row of a run.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer that writes to w. Each Write is one Write of w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// WriteHeader writes the header line, after a byte order mark.
func (e *Writer) WriteHeader() (int, error) {
	b := append(e.buf[:0], BOM...)
	for i, c := range Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, c)
	}
	e.buf = append(b, '\n')
	return e.w.Write(e.buf)
}

// Write writes one record and returns the number of bytes written.
func (e *Writer) Write(r *Record) (int, error) {
	b := appendPrefix(e.buf[:0], r.Line, r.AppID, r.Group)
	b = append(b, r.Status.String()...)
	b = append(b, ',')
	b = appendField(b, cellText(r.OpenAppID))
	b = append(b, ',')
	if r.ErrCode != 0 {
		b = strconv.AppendInt(b, int64(r.ErrCode), 10)
	}
	b = append(b, ',')
	b = appendField(b, safeCell(r.ErrMsg))
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	b = append(b, ',')
	if !r.FinishedAt.IsZero() {
		b = appendTime(b, r.FinishedAt)
	}
	e.buf = append(b, '\n')
	return e.w.Write(e.buf)
}

// appendTime appends t as TimeFormat says (UTC, milliseconds). (A
// hand-written formatter saved ~0.1 µs a row, which scripts/bench cannot
// tell from its noise.)
func appendTime(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, TimeFormat) }

// writeLine writes a record line exactly as given, as read from a
// canonical journal; it must end in a newline.
func (e *Writer) writeLine(line []byte) (int, error) {
	return e.w.Write(line)
}

// appendPrefix appends to b the start of the line Write gives a record
// with this line, appid and group: "line,appid,group,".
func appendPrefix(b []byte, line int, appid, group string) []byte {
	if line > 0 { // a kept record of another input has none
		b = strconv.AppendInt(b, int64(line), 10)
	}
	b = append(b, ',')
	b = appendField(b, cellText(appid))
	b = append(b, ',')
	b = appendField(b, safeCell(group))
	return append(b, ',')
}

// appendField appends one field as encoding/csv writes it.
func appendField(b []byte, f string) []byte {
	if !fieldNeedsQuotes(f) {
		return append(b, f...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
	return append(b, '"')
}

// fieldNeedsQuotes is encoding/csv's rule (Writer.fieldNeedsQuotes): a
// comma, quote or line break anywhere, `\.`, or a first rune that is a
// space (unicode.IsSpace: \v, \f, U+00A0 and U+3000 as well as ' ' and \t;
// FuzzAppendField found the ones this rule once missed).
func fieldNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
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
	extra []string // columns that are not Columns
}

// errNotUTF8 is a results file whose text is not UTF-8.
var errNotUTF8 = errors.New("not UTF-8 text: the file was saved in another encoding (GBK?); save it as \"CSV UTF-8\" and run again")

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
		return nil, fmt.Errorf("header: %w: %w", err, ErrNotResults)
	}
	for i := range d.idx {
		d.idx[i] = -1
	}
	d.ncols = len(header)
	d.canon = len(header) == numColumns
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, BOM)))
		known := false
		for c, col := range Columns {
			if name == col {
				known = true
				if d.idx[c] >= 0 {
					return nil, fmt.Errorf("line 1: column %q twice: %w", col, ErrNotResults)
				}
				d.idx[c] = i
				if c != i {
					d.canon = false
				}
			}
		}
		if !known {
			d.extra = append(d.extra, cellText(h))
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
	for _, c := range []int{colAppID, colGroup, colErrMsg, colOpenAppID} {
		if !utf8.ValidString(get(c)) {
			// Re-saved by a spreadsheet in a legacy encoding (GBK): its
			// group names would no longer name their merchants.
			return bad(c, errNotUTF8)
		}
	}
	*r = Record{AppID: cellText(get(colAppID)), Group: unsafeCell(get(colGroup)), OpenAppID: cellText(get(colOpenAppID)), ErrMsg: unsafeCell(get(colErrMsg))}
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
