package report

// The verification report of `openbind verify`: its columns, the encoder
// that appends a row as each check finishes, the reader (by header name,
// tolerating a torn last line), the journal that keeps it on disk, and its
// final rewrite in input order. It follows the results file's discipline:
// a byte order mark, safe cells, one line per row, an atomic rewrite.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Verdict is what a verification found of a done row.
type Verdict uint8

// The verdicts (README "After the wave: verify"). The zero value is no
// verdict yet.
const (
	_        Verdict = iota
	Holds            // bound as recorded
	Moved            // bound to another open account
	Unbound          // 89002: bound to none
	Unknown          // could not be asked: token, network, quota, after retries
	NotAsked         // a kept record of another input, and no token command
)

var verdictNames = [...]string{"", "holds", "moved", "unbound", "unknown", "not_asked"}

// Verdicts lists every verdict in the order summaries show them.
var Verdicts = []Verdict{Holds, Moved, Unbound, Unknown, NotAsked}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", v)
}

// Exception reports whether the verdict is one the exit code counts
// against the sign-off: moved, unbound or unknown.
func (v Verdict) Exception() bool { return v == Moved || v == Unbound || v == Unknown }

// ParseVerdict returns the verdict named s (case-insensitive, trimmed).
func ParseVerdict(s string) (Verdict, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range verdictNames {
		if i > 0 && n == s {
			return Verdict(i), nil
		}
	}
	return 0, fmt.Errorf("unknown verdict %q", s)
}

// VerifyColumns are the columns of a verification report, in the order
// openbind writes them. Readers find them by name.
var VerifyColumns = []string{"line", "appid", "group", "recorded_open_appid", "open_appid", "verdict", "errcode", "errmsg", "checked_at"}

// VerifyRecord is one row of a verification report.
type VerifyRecord struct {
	Line         int // line of the row in the input; 0 for a kept record of another input
	AppID        string
	Group        string
	RecordedOpen string // the open account the results file records
	OpenAppID    string // the open account WeChat shows now ("" when none, or not asked)
	Verdict      Verdict
	ErrCode      int
	ErrMsg       string
	CheckedAt    time.Time // zero when not asked
}

// verifyHeaderLine is the header Writer writes: a byte order mark, then
// VerifyColumns.
func verifyHeaderLine() []byte {
	b := []byte(BOM)
	for i, c := range VerifyColumns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, c)
	}
	return append(b, '\n')
}

// AppendVerify appends the line of r (with its newline) to b.
func AppendVerify(b []byte, r *VerifyRecord) []byte {
	b = appendPrefix(b, r.Line, r.AppID, r.Group)
	b = appendField(b, cellText(r.RecordedOpen))
	b = append(b, ',')
	b = appendField(b, cellText(r.OpenAppID))
	b = append(b, ',')
	b = append(b, r.Verdict.String()...)
	b = append(b, ',')
	if r.ErrCode != 0 {
		b = strconv.AppendInt(b, int64(r.ErrCode), 10)
	}
	b = append(b, ',')
	b = appendField(b, safeCell(r.ErrMsg))
	b = append(b, ',')
	if !r.CheckedAt.IsZero() {
		b = appendTime(b, r.CheckedAt)
	}
	return append(b, '\n')
}

// verifyDecoder decodes the records of a report by header name.
type verifyDecoder struct {
	idx   [9]int
	ncols int
}

func newVerifyDecoder(header []string) (*verifyDecoder, error) {
	d := &verifyDecoder{ncols: len(header)}
	for i := range d.idx {
		d.idx[i] = -1
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, BOM)))
		for c, col := range VerifyColumns {
			if name == col {
				if d.idx[c] >= 0 {
					return nil, fmt.Errorf("line 1: column %q twice: %w", col, ErrNotVerify)
				}
				d.idx[c] = i
			}
		}
	}
	if d.idx[1] < 0 || d.idx[5] < 0 {
		return nil, fmt.Errorf("line 1: no appid or verdict column: %w", ErrNotVerify)
	}
	return d, nil
}

// ErrNotVerify is returned (wrapped) for a file that is not a
// verification report.
var ErrNotVerify = errors.New("not a verification report")

func (d *verifyDecoder) decode(f []string, r *VerifyRecord) error {
	get := func(c int) string {
		if i := d.idx[c]; i >= 0 && i < len(f) {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	var err error
	*r = VerifyRecord{AppID: cellText(get(1)), Group: unsafeCell(get(2)), RecordedOpen: cellText(get(3)), OpenAppID: cellText(get(4)), ErrMsg: unsafeCell(get(7))}
	if r.Verdict, err = ParseVerdict(get(5)); err != nil {
		return err
	}
	if r.Line, err = atoiOrZero(get(0)); err != nil {
		return fmt.Errorf("line: %w", err)
	}
	if r.ErrCode, err = atoiOrZero(get(6)); err != nil {
		return fmt.Errorf("errcode: %w", err)
	}
	if s := get(8); s != "" {
		if r.CheckedAt, err = time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("checked_at: %w", err)
		}
	}
	return nil
}

// complete reports whether a record read from a last line without its
// newline holds what its verdict needs: a check has its time.
func (r *VerifyRecord) complete() bool {
	return r.Verdict != 0 && (r.Verdict == NotAsked || !r.CheckedAt.IsZero())
}

// VerifyScan tells what ReadVerify found.
type VerifyScan struct {
	Records   int
	TornBytes int64 // bytes of a torn last line, not passed to fn
	end       int64 // end of the last line passed to fn (a kept tail: size)
	tailKept  bool
}

// ReadVerify reads the verification report at path, calling fn with each
// record in file order. A last line without its newline is taken when it
// is a complete record and skipped as torn otherwise. A missing file is
// os.ErrNotExist; an empty one has no records.
func ReadVerify(path string, fn func(r *VerifyRecord) error) (VerifyScan, error) {
	if err := lookFirst(path, ErrNotVerify); err != nil {
		return VerifyScan{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return VerifyScan{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return VerifyScan{}, err
	}
	res, err := scanVerify(f, st.Size(), fn)
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

func scanVerify(f io.ReaderAt, size int64, fn func(r *VerifyRecord) error) (VerifyScan, error) {
	var res VerifyScan
	end, err := lastNewline(f, size)
	if err != nil {
		return res, err
	}
	if end == 0 {
		h := verifyHeaderLine()
		buf := make([]byte, min(size, int64(len(h))))
		_, _ = f.ReadAt(buf, 0)
		if size > 0 && (size >= int64(len(h)) || !(bytes.HasPrefix(h, buf) || bytes.HasPrefix(h[len(BOM):], buf))) {
			return res, fmt.Errorf("line 1: no line break, and not the start of a report header: %w", ErrNotVerify)
		}
		res.TornBytes = size
		return res, nil
	}
	cr := csv.NewReader(bufio.NewReaderSize(io.NewSectionReader(f, 0, end), 64<<10))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return res, fmt.Errorf("header: %w: %w", err, ErrNotVerify)
	}
	dec, err := newVerifyDecoder(header)
	if err != nil {
		return res, err
	}
	cr.FieldsPerRecord = dec.ncols
	var rec VerifyRecord
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if err := dec.decode(fields, &rec); err != nil {
			line, _ := cr.FieldPos(0)
			return res, fmt.Errorf("line %d: %w", line, err)
		}
		res.Records++
		if err := fn(&rec); err != nil {
			return res, err
		}
	}
	res.end = end
	if end == size {
		return res, nil
	}
	buf := make([]byte, size-end)
	if _, err := f.ReadAt(buf, end); err != nil && err != io.EOF {
		return res, err
	}
	tr := csv.NewReader(bytes.NewReader(buf))
	tr.FieldsPerRecord = dec.ncols
	if fields, err := tr.Read(); err == nil && dec.decode(fields, &rec) == nil && rec.complete() {
		res.Records++
		res.tailKept, res.end = true, size
		return res, fn(&rec)
	}
	res.TornBytes = size - end
	return res, nil
}

// VerifyJournal is the verification report while a verify writes it: the
// records of earlier verifications, then one appended line per row as its
// check finishes.
type VerifyJournal struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	buf  []byte
}

// OpenVerifyJournal opens the report at path for appending, creating it
// when missing, after reading its records (fn, as ReadVerify). A torn last
// line is cut off; a report whose header is not the one openbind writes is
// rewritten first (from its records, as RewriteVerify does). The caller
// holds the report's lock.
func OpenVerifyJournal(path string, fn func(r *VerifyRecord) error) (*VerifyJournal, VerifyScan, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, VerifyScan{}, irregular(path, fi.Mode(), ErrNotVerify)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, VerifyScan{}, err
	}
	fail := func(err error) (*VerifyJournal, VerifyScan, error) {
		f.Close()
		return nil, VerifyScan{}, err
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	h := verifyHeaderLine()
	head := make([]byte, len(h))
	n, _ := f.ReadAt(head, 0)
	// Only a report of another layout, to be rewritten, is kept whole.
	canonical := n == len(h) && bytes.Equal(head, h)
	var recs []VerifyRecord
	res, err := scanVerify(f, st.Size(), func(r *VerifyRecord) error {
		if !canonical {
			recs = append(recs, *r)
		}
		return fn(r)
	})
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	switch {
	case res.end == 0:
		// Empty, or a torn header: start afresh.
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
		if _, err := f.Write(h); err != nil {
			return fail(err)
		}
	case !canonical:
		// Another layout (a person's spreadsheet saved it): rewrite it.
		f.Close()
		if err := RewriteVerify(path, func(yield func(*VerifyRecord) error) error {
			for i := range recs {
				if err := yield(&recs[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, res, err
		}
		if f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0o644); err != nil {
			return nil, res, err
		}
	case res.tailKept:
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fail(err)
		}
	case res.end < st.Size():
		if err := f.Truncate(res.end); err != nil {
			return fail(fmt.Errorf("cut torn line off %s: %w", path, err))
		}
	}
	return &VerifyJournal{path: path, f: f, bw: bufio.NewWriterSize(f, 16<<10)}, res, nil
}

// Append buffers one record at the end of the report; Flush hands it to
// the kernel.
func (j *VerifyJournal) Append(r *VerifyRecord) error {
	j.buf = AppendVerify(j.buf[:0], r)
	_, err := j.bw.Write(j.buf)
	return err
}

// Flush hands the buffered records to the kernel.
func (j *VerifyJournal) Flush() error { return j.bw.Flush() }

// Close flushes, syncs and closes the report.
func (j *VerifyJournal) Close() error {
	err := j.bw.Flush()
	if serr := j.f.Sync(); err == nil {
		err = serr
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// RewriteVerify replaces the report at path, atomically, with a header and
// the records fill yields, in that order.
func RewriteVerify(path string, fill func(yield func(*VerifyRecord) error) error) error {
	return replaceFile(path, func(bw *bufio.Writer) error {
		if _, err := bw.Write(verifyHeaderLine()); err != nil {
			return err
		}
		var buf []byte
		return fill(func(r *VerifyRecord) error {
			buf = AppendVerify(buf[:0], r)
			_, err := bw.Write(buf)
			return err
		})
	})
}

// Path is the report's name.
func (j *VerifyJournal) Path() string { return j.path }
