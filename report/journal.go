package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Journal is the results file while a run writes it: the records of earlier
// runs, then one appended line per account as it finishes. A kill -9 can
// leave a torn last line; Scan reads past it and cuts it off.
type Journal struct {
	path     string
	f        *os.File
	size     int64 // bytes in the file, counting what is buffered
	bw       *bufio.Writer
	w        *Writer
	hdr      *Reader // header layout, for RecordAt
	syncGap  time.Duration
	lastSync time.Time
	dirty    bool // written since the last Sync
	canon    bool // the header is the one Writer writes: see ScanInfo.Canonical
	cursor   cursor
	closed   bool // Close was called: a second Close does nothing
}

// ScanInfo tells what Scan found.
type ScanInfo struct {
	Records int // records read
	// Canonical says the header is byte for byte the one Writer writes (a
	// byte order mark, Columns in order, a line feed): records can be
	// appended, and lines copied as they are.
	Canonical bool
	TornBytes int64 // bytes of a torn last line that were cut off
	Created   bool  // the file was empty or new: a header was written
	// Extra are the columns of the header that openbind does not write: a
	// rewrite would drop them.
	Extra []string
}

// OpenJournal opens the results file at path for reading and appending,
// creating it when missing. Records reach the disk (fsync) at most syncGap
// after they are written, and at Close. path must name a regular file (or
// nothing yet): a device, a pipe or a directory is refused unopened.
func OpenJournal(path string, syncGap time.Duration) (*Journal, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s): %w", path, fileKind(fi.Mode()), ErrNotResults)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, f: f, syncGap: syncGap, lastSync: time.Now()}
	j.bw = bufio.NewWriterSize(f, 64<<10)
	j.w = NewWriter(j.bw)
	return j, nil
}

// fileKind names the kind of a file that is not a regular one.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// Path is the file's name.
func (j *Journal) Path() string { return j.path }

// Scan reads the records already in the file, calling fn with each and its
// byte offset, in file order. A last line without its newline is kept when
// it is a complete record and cut off otherwise; an empty file gets the
// header. Scan must come before Append.
func (j *Journal) Scan(fn func(r *Record, off int64) error) (ScanInfo, error) {
	st, err := j.f.Stat()
	if err != nil {
		return ScanInfo{}, err
	}
	size := st.Size()
	res, err := scan(j.f, size, fn)
	if err != nil {
		return res.info, fmt.Errorf("%s: %w", j.path, err)
	}
	j.hdr, j.size, j.canon = res.layout, size, res.info.Canonical
	switch {
	case res.end == 0: // nothing, or not even a whole header: start afresh
		if err := j.truncate(0); err != nil {
			return res.info, err
		}
		n, err := j.w.WriteHeader()
		if err != nil {
			return res.info, err
		}
		j.size = int64(n)
		res.info.Created = true
		return res.info, j.Flush()
	case res.tailKept:
		if _, err := j.bw.WriteString("\n"); err != nil {
			return res.info, err
		}
		j.size++
		return res.info, j.Flush()
	case res.end < size:
		return res.info, j.truncate(res.end)
	}
	return res.info, nil
}

// CheckHeader looks at the file at path, without changing it, as a run
// must before it takes a lock beside it: nothing there, an empty file or a
// results header are fine (it returns the header's columns that openbind
// does not write); anything else is refused with ErrNotResults.
func CheckHeader(path string) (extra []string, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (%s): %w", path, fileKind(fi.Mode()), ErrNotResults)
	case fi.Size() == 0:
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, min(fi.Size(), 64<<10))
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	i := bytes.IndexByte(head, '\n')
	if i < 0 {
		// No line break in the first 64 KiB: a torn header at most.
		if _, err := scan(bytes.NewReader(head), int64(len(head)), func(*Record, int64) error { return nil }); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, nil
	}
	res, err := scan(bytes.NewReader(head[:i+1]), int64(i+1), func(*Record, int64) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res.info.Extra, nil
}

// ReadFile reads the results file at path as Journal.Scan does, without
// changing it (a dry run).
func ReadFile(path string, fn func(r *Record, off int64) error) (ScanInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return ScanInfo{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ScanInfo{}, err
	}
	res, err := scan(f, st.Size(), fn)
	if err != nil {
		return res.info, fmt.Errorf("%s: %w", path, err)
	}
	return res.info, nil
}

type scanResult struct {
	info     ScanInfo
	layout   *Reader // the header, for decoding single records later
	end      int64   // end of the last whole line
	tailKept bool    // bytes after end form a whole record, passed to fn
}

// scan reads the records of f[:size]: the whole lines, then the bytes after
// the last newline if they form a complete record (else they are torn). A
// file that holds no results header is refused with ErrNotResults, and
// nothing is passed to fn; the only file without a line break that is
// taken for a results file is a torn header (a run killed, or its disk
// full, as it created the file): a prefix of the header openbind writes.
func scan(f io.ReaderAt, size int64, fn func(r *Record, off int64) error) (scanResult, error) {
	var res scanResult
	end, err := lastNewline(f, size)
	if err != nil {
		return res, err
	}
	res.end = end
	if end == 0 {
		if size > 0 && !tornHeader(f, size) {
			return res, fmt.Errorf("line 1: no line break in %d bytes, and not the start of a results header: %w", size, ErrNotResults)
		}
		res.info.TornBytes = size
		res.info.Canonical = true
		res.layout, _ = NewReader(bytes.NewReader(headerLine()))
		return res, nil
	}
	dec, err := NewReader(bufio.NewReaderSize(io.NewSectionReader(f, 0, end), 64<<10))
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("only blank lines, no header: %w", ErrNotResults)
		}
		return res, err
	}
	res.layout = dec
	res.info.Canonical = dec.Canonical() && hasHeader(f)
	res.info.Extra = dec.extra
	var rec Record
	for {
		err := dec.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		res.info.Records++
		if err := fn(&rec, dec.Offset()); err != nil {
			return res, err
		}
	}
	if end == size {
		return res, nil
	}
	if rec, ok := decodeTail(f, dec, end, size); ok {
		res.info.Records++
		res.tailKept = true
		return res, fn(&rec, end)
	}
	res.info.TornBytes = size - end
	return res, nil
}

// tornHeader reports whether f[:size], with no line break, is the start of
// the header line openbind writes (with or without its byte order mark).
func tornHeader(f io.ReaderAt, size int64) bool {
	h := headerLine()
	if size >= int64(len(h)) {
		return false
	}
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return false
	}
	return bytes.HasPrefix(h, buf) || bytes.HasPrefix(h[len(BOM):], buf)
}

// hasHeader reports whether f starts with the header line Writer writes.
func hasHeader(f io.ReaderAt) bool {
	h := headerLine()
	buf := make([]byte, len(h))
	n, _ := f.ReadAt(buf, 0)
	return n == len(h) && bytes.Equal(buf, h)
}

// decodeTail decodes the bytes f[from:to] as one record.
func decodeTail(f io.ReaderAt, layout *Reader, from, to int64) (Record, bool) {
	buf := make([]byte, to-from)
	if _, err := f.ReadAt(buf, from); err != nil && err != io.EOF {
		return Record{}, false
	}
	var rec Record
	d := *layout
	d.cr = csv.NewReader(bytes.NewReader(buf))
	d.cr.FieldsPerRecord = layout.ncols
	if err := d.Read(&rec); err != nil || !rec.complete() {
		return Record{}, false
	}
	return rec, true
}

// complete reports whether a record decoded from a last line without its
// newline holds everything its status needs; a line torn inside
// finished_at fails to parse, so a done row must have its time.
func (r *Record) complete() bool {
	return r.Status != 0 && (!r.Status.Final() || !r.FinishedAt.IsZero())
}

func (j *Journal) truncate(n int64) error {
	if err := j.f.Truncate(n); err != nil {
		return fmt.Errorf("cut torn line off %s: %w", j.path, err)
	}
	j.size = n
	return nil
}

// lastNewline returns the offset just after the last '\n' in f[:size].
func lastNewline(f io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		b := buf[:end-start]
		if _, err := f.ReadAt(b, start); err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

func headerLine() []byte {
	var b bytes.Buffer
	_, _ = NewWriter(&b).WriteHeader()
	return b.Bytes()
}

// probeSize is how much a run writes (and removes again) to prove that the
// results file can grow before it sends its first call.
const probeSize = 1 << 10

// Probe proves that the file takes a write: it appends probeSize bytes of
// line feeds, hands them to the kernel and cuts them off again. On a full
// disk (or past a file size limit) it fails, and a run sends nothing whose
// outcome it could not record. A kill between the two steps leaves blank
// lines, which readers skip.
func (j *Journal) Probe() error {
	if err := j.bw.Flush(); err != nil {
		return err
	}
	if _, err := j.f.Write(bytes.Repeat([]byte{'\n'}, probeSize)); err != nil {
		_ = j.f.Truncate(j.size)
		return err
	}
	return j.f.Truncate(j.size)
}

// ErrNotCanonical is returned by Append to a file whose header is not
// Columns: the file must be rewritten before records are appended.
var ErrNotCanonical = errors.New("results file columns are not in openbind's order; rewrite it first")

// Append buffers one record at the end of the file and returns its offset.
// Flush hands it to the kernel.
func (j *Journal) Append(r *Record) (int64, error) {
	if !j.canon {
		return 0, ErrNotCanonical
	}
	off := j.size
	n, err := j.w.Write(r)
	j.size += int64(n)
	j.dirty = true
	return off, err
}

// Flush writes the buffered records to the file, and syncs it to disk when
// the last sync is older than the sync gap.
func (j *Journal) Flush() error {
	if err := j.bw.Flush(); err != nil {
		return err // an *os.PathError, naming the file
	}
	if j.dirty && time.Since(j.lastSync) >= j.syncGap {
		return j.Sync()
	}
	return nil
}

// Sync flushes and makes the file durable (fsync).
func (j *Journal) Sync() error {
	if err := j.bw.Flush(); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.dirty, j.lastSync = false, time.Now()
	return nil
}

// RecordAt decodes the record at offset off (as given by Scan or Append).
// Calls with nearby offsets are cheap: reads go through a small block cache.
func (j *Journal) RecordAt(off int64) (Record, error) {
	rec, _, err := j.RecordLineAt(off)
	return rec, err
}

// RecordLineAt is RecordAt that also returns the record's line as it is in
// the file (valid until the next call): a rewrite can copy it as is when
// the file is canonical (see Canonical) and its line and group still hold.
func (j *Journal) RecordLineAt(off int64) (Record, []byte, error) {
	var rec Record
	line, err := j.cursor.line(j.f, off)
	if err != nil {
		return rec, nil, fmt.Errorf("%s at byte %d: %w", j.path, off, err)
	}
	if j.cursor.dec == nil {
		d := *j.hdr
		d.cr = csv.NewReader(&j.cursor.src)
		d.cr.FieldsPerRecord = j.hdr.ncols
		j.cursor.dec = &d
	}
	// Most lines hold no quote: their fields are what lies between commas,
	// and splitting them is several times cheaper than the CSV parser.
	// Anything else, or a field that does not decode, takes the parser
	// (which also says where the error is).
	if f, ok := j.cursor.split(line, j.hdr.ncols); ok && j.cursor.dec.decode(f, &rec) == nil {
		return rec, line, nil
	}
	j.cursor.src.b = line
	if err := j.cursor.dec.Read(&rec); err != nil {
		j.cursor.dec = nil // its state is unknown after an error
		return rec, nil, fmt.Errorf("%s at byte %d: %w", j.path, off, err)
	}
	return rec, line, nil
}

// Canonical reports whether the file's columns are openbind's (Columns),
// so that its lines can be copied into another results file as they are.
func (j *Journal) Canonical() bool { return j.canon }

// Close flushes, syncs and closes the file.
func (j *Journal) Close() error {
	if j.closed {
		return nil
	}
	j.closed = true
	err := j.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// cursor reads single lines at arbitrary offsets through a few cached
// blocks, so that offsets that are nearly in order cost few reads.
type cursor struct {
	blocks [4]block
	next   int // block to replace next
	src    lineSource
	dec    *Reader
	fields []string
}

type block struct {
	start int64
	data  []byte
}

const blockSize = 64 << 10

func (c *cursor) line(f io.ReaderAt, off int64) ([]byte, error) {
	for i := range c.blocks {
		b := &c.blocks[i]
		if off >= b.start && off < b.start+int64(len(b.data)) {
			rest := b.data[off-b.start:]
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				return rest[:i+1], nil
			}
		}
	}
	b := &c.blocks[c.next]
	c.next = (c.next + 1) % len(c.blocks)
	for size := blockSize; ; size *= 2 {
		if cap(b.data) < size {
			b.data = make([]byte, size)
		}
		n, err := f.ReadAt(b.data[:size], off)
		b.start, b.data = off, b.data[:n]
		if i := bytes.IndexByte(b.data, '\n'); i >= 0 {
			return b.data[:i+1], nil
		}
		if err == io.EOF {
			return nil, errors.New("no whole line")
		}
		if err != nil {
			return nil, err
		}
	}
}

// split cuts a line without quotes into its n comma-separated fields.
func (c *cursor) split(line []byte, n int) ([]string, bool) {
	if len(line) == 0 || line[len(line)-1] != '\n' || bytes.IndexByte(line, '"') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
		return nil, false
	}
	s := string(line[:len(line)-1])
	c.fields = c.fields[:0]
	for {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			c.fields = append(c.fields, s)
			break
		}
		c.fields = append(c.fields, s[:i])
		s = s[i+1:]
	}
	return c.fields, len(c.fields) == n
}

// lineSource feeds one line at a time to a long-lived csv.Reader.
type lineSource struct{ b []byte }

func (s *lineSource) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

// Rewrite replaces the file at path, atomically, with a header and what
// fill writes (see replaceFile). beforeReplace run after the new file is
// complete and synced, just before it replaces path: on Windows a file that
// is open cannot be replaced, so the caller closes its journal there.
func Rewrite(path string, fill func(w *Writer) error, beforeReplace ...func() error) error {
	return replaceFile(path, func(bw *bufio.Writer) error {
		w := NewWriter(bw)
		if _, err := w.WriteHeader(); err != nil {
			return fmt.Errorf("rewrite %s: %w", path, err)
		}
		return fill(w)
	}, beforeReplace...)
}

// replaceFile replaces the file at path, atomically, with what fill
// writes: a temporary file in the same directory, synced, renamed over
// path, and the directory synced. On error path is left as it was.
func replaceFile(path string, fill func(bw *bufio.Writer) error, beforeReplace ...func() error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".*.tmp")
	if err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	for _, f := range beforeReplace {
		if err := f(); err != nil {
			return fmt.Errorf("rewrite %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
