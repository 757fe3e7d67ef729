package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
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
	removed  []string
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
// creating it when missing, and removes the temporary files that a rewrite
// killed halfway left beside it (see RemovedTemps); the caller holds the
// lock of path. Records reach the disk (fsync) at most syncGap
// after they are written, and at Close. path must name a regular file (or
// nothing yet): a device, a pipe or a directory is refused unopened.
func OpenJournal(path string, syncGap time.Duration) (*Journal, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, irregular(path, fi.Mode(), ErrNotResults)
	}
	removed := removeStaleTemps(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, f: f, syncGap: syncGap, lastSync: time.Now(), removed: removed}
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

// irregular is the error of the file at path, of mode m, that is not a
// regular file: what it is, wrapping not (ErrNotResults, ErrNotVerify).
func irregular(path string, m os.FileMode, not error) error {
	return fmt.Errorf("%s is not a regular file (%s): %w", path, fileKind(m), not)
}

// lookFirst refuses path before a reader opens it when it is there and
// not a regular file: a named pipe blocks open(2) until a writer comes,
// and a signal does not end the wait.
func lookFirst(path string, not error) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return irregular(path, fi.Mode(), not)
	}
	return nil
}

// Path is the file's name.
func (j *Journal) Path() string { return j.path }

// RemovedTemps are the temporary files of an interrupted rewrite that
// OpenJournal removed.
func (j *Journal) RemovedTemps() []string { return j.removed }

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

func (j *Journal) truncate(n int64) error {
	if err := j.f.Truncate(n); err != nil {
		return fmt.Errorf("cut torn line off %s: %w", j.path, err)
	}
	j.size = n
	return nil
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
	var rec Record
	line, err := j.cursor.line(j.f, off)
	if err != nil {
		return rec, fmt.Errorf("%s at byte %d: %w", j.path, off, err)
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
		return rec, nil
	}
	j.cursor.src.b = line
	if err := j.cursor.dec.Read(&rec); err != nil {
		j.cursor.dec = nil // its state is unknown after an error
		return rec, fmt.Errorf("%s at byte %d: %w", j.path, off, err)
	}
	return rec, nil
}

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
