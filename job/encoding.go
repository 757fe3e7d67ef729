package job

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"openbind/locale"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// encoding is the character encoding of a text input.
type encoding uint8

const (
	encUTF8 encoding = iota
	encGB18030
	encUTF16LE
	encUTF16BE
)

func (e encoding) String() string {
	switch e {
	case encGB18030:
		return "GB18030"
	case encUTF16LE:
		return "UTF-16LE"
	case encUTF16BE:
		return "UTF-16BE"
	}
	return "UTF-8"
}

// parseEncoding reads --input-encoding: "" means tell it from the bytes.
func parseEncoding(s string) (enc encoding, forced bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return encUTF8, false, nil
	case "utf-8", "utf8":
		return encUTF8, true, nil
	case "gb18030", "gbk", "gb2312", "cp936":
		return encGB18030, true, nil
	case "utf-16", "utf16", "utf-16le", "utf16le", "unicode":
		return encUTF16LE, true, nil
	case "utf-16be", "utf16be":
		return encUTF16BE, true, nil
	}
	return 0, false, &ConfigError{Field: "InputEncoding", Value: s, Err: locale.Errorf("want.encoding")}
}

// Magic numbers of the files that are not text.
var (
	magicZip = []byte("PK\x03\x04")                       // .xlsx (and any ZIP)
	magicOLE = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") // .xls, .et, a password-protected workbook
)

// textScan is what one pass over the bytes of a text file finds: its line
// ends, whether it is UTF-8 and, if so, whether its non-ASCII text reads
// as CJK. It is the pass that sized the rows before: one read of the file,
// with bytes.Count and an 8-bytes-at-a-time skip of ASCII, so that a
// 3,000,000-row UTF-8 file pays a few milliseconds for it.
type textScan struct {
	lf, cr, crlf int  // '\n', '\r', and "\r\n" pairs
	formulas     bool // `="` occurs: an Excel ="..." wrapper may be there
	nulAt        int64
	invalidAt    int64 // offset of the first byte that is not UTF-8; -1: none
	cjk          bool  // some non-ASCII rune is CJK as UTF-8
	other        bool  // some non-ASCII rune is neither CJK nor invisible
	size         int64
}

// scanText reads r to its end.
func scanText(r io.Reader) (textScan, error) {
	s := textScan{nulAt: -1, invalidAt: -1}
	buf := make([]byte, 256<<10)
	carry := 0 // bytes of an incomplete rune kept at the head of buf
	var prev byte
	for {
		k, err := io.ReadFull(r, buf[carry:])
		n := carry + k
		if k > 0 {
			chunk := buf[carry:n]
			s.lf += bytes.Count(chunk, []byte{'\n'})
			s.cr += bytes.Count(chunk, []byte{'\r'})
			s.crlf += bytes.Count(chunk, []byte("\r\n"))
			if prev == '\r' && chunk[0] == '\n' {
				s.crlf++
			}
			if !s.formulas && (bytes.Contains(chunk, []byte(`="`)) || prev == '=' && chunk[0] == '"') {
				s.formulas = true
			}
			if s.nulAt < 0 {
				if j := bytes.IndexByte(chunk, 0); j >= 0 {
					s.nulAt = s.size + int64(j)
				}
			}
			prev = chunk[len(chunk)-1]
		}
		last := err != nil
		if s.invalidAt < 0 {
			carry = s.classify(buf[:n], s.size-int64(carry), last)
			copy(buf, buf[n-carry:n])
		}
		s.size += int64(k)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return s, nil
		}
		if err != nil {
			return s, err
		}
	}
}

// classify looks at the non-ASCII runes of b, which starts at offset off
// of the file. It returns how many bytes at the end of b are the start of
// a rune that the next read completes (0 when last).
func (s *textScan) classify(b []byte, off int64, last bool) int {
	i := 0
	for {
		i += asciiPrefix(b[i:])
		if i >= len(b) {
			return 0
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !last && !utf8.FullRune(b[i:]) {
				return len(b) - i
			}
			s.invalidAt = off + int64(i)
			return 0
		}
		switch {
		case invisible(r):
		case cjkText(r):
			s.cjk = true
		default:
			s.other = true
		}
		i += size
	}
}

// asciiPrefix is the length of the ASCII bytes at the start of b.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := binary.LittleEndian.Uint64(b[i:]) | binary.LittleEndian.Uint64(b[i+8:]) |
			binary.LittleEndian.Uint64(b[i+16:]) | binary.LittleEndian.Uint64(b[i+24:])
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] < utf8.RuneSelf; i++ {
	}
	return i
}

// cjkText reports whether r is what Chinese text holds: Han, kana, hangul,
// CJK and fullwidth punctuation, and the punctuation and symbols that
// Chinese text takes from GBK (“”…—·×÷°№①).
func cjkText(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r),
		0x3000 <= r && r <= 0x33ff, // CJK punctuation, kana, bopomofo, enclosed
		0xff00 <= r && r <= 0xffef, // fullwidth forms
		0xfe30 <= r && r <= 0xfe4f, // CJK compatibility forms
		0xac00 <= r && r <= 0xd7af, // hangul
		0x2000 <= r && r <= 0x206f, // general punctuation
		0x2100 <= r && r <= 0x215f, // ℃ № ™ and number forms
		0x2160 <= r && r <= 0x218f, // roman numerals
		0x2460 <= r && r <= 0x24ff, // circled numbers
		0x2500 <= r && r <= 0x257f, // box drawing
		0x25a0 <= r && r <= 0x26ff, // shapes and symbols
		r == 0xb7, r == 0xd7, r == 0xf7, r == 0xb0, r == 0xa7, r == 0xa4, r == 0xb1:
		return true
	}
	return false
}

// gbScan checks that r is GB18030 text whose non-ASCII characters all read
// as CJK. invalidAt is the offset of the first byte that is not GB18030
// (-1: none).
func gbScan(r io.Reader) (invalidAt int64, allCJK bool, err error) {
	dec := simplifiedchinese.GB18030.NewDecoder()
	buf := make([]byte, 256<<10)
	var out [8]byte
	allCJK = true
	carry, size := 0, int64(0)
	for {
		k, rerr := io.ReadFull(r, buf[carry:])
		n := carry + k
		last := rerr != nil
		b := buf[:n]
		off := size - int64(carry)
		i := 0
		for {
			i += asciiPrefix(b[i:])
			if i >= len(b) {
				carry = 0
				break
			}
			l := gbLen(b[i:])
			if l < 0 && !last && len(b)-i < 4 {
				carry = len(b) - i
				break
			}
			if l <= 0 {
				return off + int64(i), false, nil
			}
			dec.Reset()
			nDst, _, terr := dec.Transform(out[:], b[i:i+l], true)
			c, _ := utf8.DecodeRune(out[:nDst])
			if terr != nil || c == utf8.RuneError {
				return off + int64(i), false, nil
			}
			if !cjkText(c) && !invisible(c) {
				allCJK = false
			}
			i += l
		}
		copy(buf, buf[n-carry:n])
		size += int64(k)
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return -1, allCJK, nil
		}
		if rerr != nil {
			return -1, false, rerr
		}
	}
}

// gbLen is the length of the GB18030 sequence at the start of b (whose
// first byte is not ASCII): 2 or 4; 0 when b does not start one; -1 when b
// is too short to tell.
func gbLen(b []byte) int {
	if b[0] < 0x81 || b[0] == 0xff {
		return 0
	}
	if len(b) < 2 {
		return -1
	}
	switch c := b[1]; {
	case 0x40 <= c && c <= 0xfe && c != 0x7f:
		return 2
	case 0x30 <= c && c <= 0x39:
		if len(b) < 4 {
			return -1
		}
		if 0x81 <= b[2] && b[2] <= 0xfe && 0x30 <= b[3] && b[3] <= 0x39 {
			return 4
		}
	}
	return 0
}

// errEncoding is a text whose encoding cannot be told.
var errEncoding = errors.New("encoding cannot be told")

// position returns the line and column (1-based, in bytes) of offset off
// of r, counting line ends as the reader will (CR alone when crOnly).
func position(r io.Reader, off int64, crOnly bool) (line, col int, err error) {
	sep := byte('\n')
	if crOnly {
		sep = '\r'
	}
	b := make([]byte, off)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, 0, err
	}
	line = 1 + bytes.Count(b, []byte{sep})
	col = int(off) - bytes.LastIndexByte(b, sep)
	return line, col, nil
}
