package report

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// cursor reads single lines at arbitrary offsets through a few cached
// blocks, so that offsets that are nearly in order cost few reads.
type cursor struct {
	blocks [4]block
	next   int // block to replace next
	src    lineSource
	dec    *Reader
	fields []string
	// last is the line the last call of line returned, at lastOff: a
	// rewrite that copies the line of the record just decoded reads it
	// once.
	last    []byte
	lastOff int64
}

type block struct {
	start int64
	data  []byte
}

const blockSize = 64 << 10

// line returns the line at off, valid until the next call.
func (c *cursor) line(f io.ReaderAt, off int64) ([]byte, error) {
	if c.last != nil && off == c.lastOff {
		return c.last, nil
	}
	line, err := c.read(f, off)
	c.last, c.lastOff = line, off
	return line, err
}

func (c *cursor) read(f io.ReaderAt, off int64) ([]byte, error) {
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
