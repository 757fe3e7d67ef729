package job

import (
	"bytes"
	"io"
	"strings"

	"openbind/locale"
)

// InputOptions say how to read an input file.
type InputOptions struct {
	// TokenOptional lets the access_token column be absent (--token-command).
	TokenOptional bool
	// Encoding is --input-encoding: utf-8, gb18030 or utf-16; "" tells it
	// from the bytes (Decision 3).
	Encoding string
	// Sheet is --sheet: the sheet of a workbook; "" is the first.
	Sheet string
}

// Form is how an input file is written: what the reader must know before
// the first row, and what the plan tells a person.
type Form struct {
	Workbook bool   // an .xlsx workbook
	Sheet    string // the sheet read, of a workbook
	Encoding string // of a text: "UTF-8", "UTF-8 with BOM", "GB18030", "UTF-16LE", "UTF-16BE"
	// EncodingFrom says how the encoding was chosen: "the bytes" or
	// "--input-encoding".
	EncodingFrom string
	Delimiter    string // "comma", "tab" or "semicolon"
	LineEnds     string // "LF", "CRLF", "CR" (Excel "CSV (Macintosh)"), or "none" (one line)
}

// form is a Form with what the reader alone needs.
type form struct {
	Form
	enc      encoding
	comma    rune
	crOnly   bool
	formulas bool // the text holds `="`: unwrap Excel's ="..." cells
	lines    int  // line ends, plus one for a last line without one
}

// sniff tells the form of the file r (name, for errors) from its bytes:
// workbook or text, and for a text its encoding and line ends (the
// delimiter is told from the header, by the reader). r is left anywhere.
func sniff(r io.ReadSeeker, name string, opts InputOptions) (form, error) {
	refuse := func(line, col int, key string, args ...any) (form, error) {
		return form{}, &InputError{File: name, Line: line, Column: col, Err: locale.Errorf(key, args...)}
	}
	enc, forced, err := parseEncoding(opts.Encoding)
	if err != nil {
		return form{}, err
	}
	var head [8]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return form{}, &InputError{File: name, Err: err}
	}
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, magicZip):
		return form{Form: Form{Workbook: true, Sheet: opts.Sheet}}, nil
	case bytes.HasPrefix(h, magicOLE):
		return refuse(0, 0, "input.xls")
	}
	if opts.Sheet != "" {
		return refuse(0, 0, "input.sheet_of_text", opts.Sheet)
	}
	f := form{Form: Form{EncodingFrom: "the bytes"}, enc: enc}
	if forced {
		f.EncodingFrom = "--input-encoding"
	}
	bomUTF16 := bytes.HasPrefix(h, []byte{0xff, 0xfe}) || bytes.HasPrefix(h, []byte{0xfe, 0xff})
	// UTF-16 without a BOM: ASCII header names have a NUL beside each byte.
	bareUTF16 := n >= 4 && h[0] != 0 && h[1] == 0 && h[2] != 0 && h[3] == 0 ||
		n >= 4 && h[0] == 0 && h[1] != 0 && h[2] == 0 && h[3] != 0
	forcedUTF16 := forced && (enc == encUTF16LE || enc == encUTF16BE)
	if bomUTF16 || forcedUTF16 || !forced && bareUTF16 {
		switch {
		case bytes.HasPrefix(h, []byte{0xfe, 0xff}):
			f.enc = encUTF16BE
		case bomUTF16:
			f.enc = encUTF16LE
		case !forced:
			f.enc = encUTF16LE
			if h[0] == 0 {
				f.enc = encUTF16BE
			}
		}
		return f.scanUTF16(r, name)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return form{}, &InputError{File: name, Err: err}
	}
	s, err := scanText(r)
	if err != nil {
		return form{}, &InputError{File: name, Err: err}
	}
	f.setLines(s.lf, s.cr, s.crlf, s.size)
	f.formulas = s.formulas
	at := func(off int64) (int, int) {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return 0, 0
		}
		line, col, _ := position(r, off, f.crOnly)
		return line, col
	}
	if s.nulAt >= 0 {
		line, col := at(s.nulAt)
		return refuse(line, col, "input.binary")
	}
	bom := bytes.HasPrefix(h, []byte("\ufeff"))
	switch {
	case forced && enc == encUTF8:
		if s.invalidAt >= 0 {
			line, col := at(s.invalidAt)
			return refuse(line, col, "input.not_utf8_forced")
		}
	case forced && enc == encGB18030:
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return form{}, &InputError{File: name, Err: err}
		}
		bad, _, err := gbScan(r)
		if err != nil {
			return form{}, &InputError{File: name, Err: err}
		}
		if bad >= 0 {
			line, col := at(bad)
			return refuse(line, col, "input.not_gb18030_forced")
		}
	case bom && s.invalidAt >= 0:
		line, col := at(s.invalidAt)
		return refuse(line, col, "input.not_utf8_bom")
	case bom || s.invalidAt < 0 && (s.cjk || !s.other):
		f.enc = encUTF8
	default:
		// Valid UTF-8 none of whose non-ASCII text is CJK, or not UTF-8
		// at all: GB18030 when all of it reads as CJK there (Decision 3).
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return form{}, &InputError{File: name, Err: err}
		}
		bad, allCJK, err := gbScan(r)
		if err != nil {
			return form{}, &InputError{File: name, Err: err}
		}
		switch {
		case bad < 0 && allCJK:
			f.enc = encGB18030
		case s.invalidAt < 0:
			f.enc = encUTF8
		default:
			line, col := at(s.invalidAt)
			return refuse(line, col, "input.encoding_unknown")
		}
	}
	f.Encoding = f.enc.String()
	if bom && f.enc == encUTF8 {
		f.Encoding = "UTF-8 with BOM"
	}
	return f, nil
}

// scanUTF16 counts the line ends of a UTF-16 text.
func (f *form) scanUTF16(r io.ReadSeeker, name string) (form, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return form{}, &InputError{File: name, Err: err}
	}
	s, err := scanText(decoder(r, f.enc))
	if err != nil {
		return form{}, &InputError{File: name, Err: err}
	}
	f.setLines(s.lf, s.cr, s.crlf, s.size)
	f.formulas = s.formulas
	f.Encoding = f.enc.String()
	return *f, nil
}

// setLines names the line ends from their counts: CR alone when there is
// no LF at all (Excel's "CSV (Macintosh)").
func (f *form) setLines(lf, cr, crlf int, size int64) {
	switch {
	case lf == 0 && cr > 0:
		f.crOnly, f.LineEnds, f.lines = true, "CR", cr
	case lf == 0:
		f.LineEnds = "none"
	case crlf*2 >= lf:
		f.LineEnds, f.lines = "CRLF", lf
	default:
		f.LineEnds, f.lines = "LF", lf
	}
	if size > 0 {
		f.lines++ // a last line without a line end; one row too many at worst
	}
}

// InputPlan is what the plan says of how the input was read.
type InputPlan struct {
	Form
	Columns []Column // the columns read, in the order appid, access_token, group
	Ignored []string // the names of the other columns ("" for a column without one)
	// GroupLike is the name of a column that looks like a group column
	// while there is none (分组, 商户, 主体, merchant, group_*).
	GroupLike string
	// LowerCased counts the appids read in lower case; the first was on
	// line FirstLowerCased.
	LowerCased, FirstLowerCased int
	// Warnings are the first maxWarnings; MoreWarnings counts the others.
	Warnings     []Warning
	MoreWarnings int
}

// Column is a column of the input that openbind reads.
type Column struct {
	Field  string // appid, access_token or group
	Name   string // as the header names it
	Number int    // 1 for the first column
}

// Warning is something about the input that a person should know, on a
// line (0: the file as a whole).
type Warning struct {
	Line int
	Msg  string // in English, as the log writes it
	// Why is Msg as a message, for the plan in the language.
	Why *locale.Message
}

// maxWarnings bounds the warnings kept.
const maxWarnings = 20

func (p *InputPlan) warn(line int, msg *locale.Message) {
	if len(p.Warnings) < maxWarnings {
		p.Warnings = append(p.Warnings, Warning{line, msg.Error(), msg})
		return
	}
	p.MoreWarnings++
}

// looksLikeGroup reports whether a column's name (cleaned, lower case)
// is one that people give to what openbind calls group.
func looksLikeGroup(name string) bool {
	if strings.HasPrefix(name, "group") {
		return true // group_name, group_id, groups; "group" itself is found first
	}
	for _, g := range []string{"分组", "商户", "主体", "merchant", "集团"} {
		if strings.Contains(name, g) {
			return true
		}
	}
	return false
}

// columns notes the columns used and ignored, and a column that looks
// like group when there is none.
func (p *InputPlan) columns(header []string, appid, token, group int) {
	fields := []string{"appid", "access_token", "group"}
	used := map[int]bool{}
	for k, i := range []int{appid, token, group} {
		if i >= 0 {
			p.Columns = append(p.Columns, Column{Field: fields[k], Name: cleanCell(header[i]), Number: i + 1})
			used[i] = true
		}
	}
	for i, h := range header {
		if used[i] {
			continue
		}
		name := cleanCell(h)
		p.Ignored = append(p.Ignored, name)
		if group >= 0 || p.GroupLike != "" {
			continue
		}
		if looksLikeGroup(strings.ToLower(name)) {
			p.GroupLike = name
		}
	}
}
