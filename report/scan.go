package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
)

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
		return nil, irregular(path, fi.Mode(), ErrNotResults)
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
	if err := lookFirst(path, ErrNotResults); err != nil {
		return ScanInfo{}, err
	}
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
