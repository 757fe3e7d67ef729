package job

import (
	"io"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// This file turns the bytes of a text input into what encoding/csv reads:
// UTF-8 text with LF or CRLF line ends and no Excel ="..." wrapper, cut by
// the delimiter the header uses.

// decoder returns r decoded from enc to UTF-8 (r itself for UTF-8: the
// fast path copies nothing).
func decoder(r io.Reader, enc encoding) io.Reader {
	switch enc {
	case encGB18030:
		return transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	case encUTF16LE:
		return transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	case encUTF16BE:
		return transform.NewReader(r, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder())
	}
	return r
}

// crReader turns CR line ends (Excel's "CSV (Macintosh)") into LF, byte for
// byte, so that lines keep their numbers.
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// formulaReader drops the '=' of a field that starts with `="` outside
// quotes: Excel's ="0123" (a text kept as written) becomes the quoted
// field "0123", which encoding/csv reads. A quoted "=""0123""" reaches
// the cell as ="0123" and is unwrapped by cleanCell.
type formulaReader struct {
	r          io.Reader
	comma      byte
	in, out    []byte
	pending    []byte // transformed bytes not yet returned
	err        error
	fieldStart bool
	quoted     bool
	heldEq     bool // an '=' at a field's start, held until the next byte
}

func newFormulaReader(r io.Reader, comma rune) *formulaReader {
	return &formulaReader{r: r, comma: byte(comma), in: make([]byte, 32<<10), out: make([]byte, 0, 32<<10+1), fieldStart: true}
}

func (f *formulaReader) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.err != nil {
			if f.heldEq {
				f.heldEq = false
				f.pending = append(f.out[:0], '=')
				break
			}
			return 0, f.err
		}
		m, err := f.r.Read(f.in)
		f.err = err
		f.pending = f.transform(f.out[:0], f.in[:m])
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// transform appends to out the bytes of in, '=' dropped before a quote at
// a field's start.
func (f *formulaReader) transform(out, in []byte) []byte {
	for _, c := range in {
		if f.heldEq {
			f.heldEq = false
			if c != '"' {
				out = append(out, '=')
			}
		}
		switch {
		case f.quoted:
			if c == '"' {
				f.quoted = false
			}
		case c == '"':
			f.quoted = true
		case c == '=' && f.fieldStart:
			f.heldEq, f.fieldStart = true, false
			continue
		case c == f.comma || c == '\n':
			f.fieldStart = true
			out = append(out, c)
			continue
		}
		f.fieldStart = false
		out = append(out, c)
	}
	return out
}

// delimiterName names the delimiter for the plan.
func delimiterName(c rune) string {
	switch c {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	}
	return "comma"
}

// tellDelimiter tells the delimiter from the header line: the one of
// comma, tab and semicolon found most often outside quotes (comma on a tie
// or when there is none).
func tellDelimiter(line []byte) rune {
	var n [3]int
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			n[0]++
		case c == '\t':
			n[1]++
		case c == ';':
			n[2]++
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return '\t'
	case n[2] > n[0] && n[2] > n[1]:
		return ';'
	}
	return ','
}
